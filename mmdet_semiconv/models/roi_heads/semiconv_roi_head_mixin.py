"""What every RoI head with the semi-convolutional branch shares (section 3.5)."""
import warnings
from abc import ABCMeta, abstractmethod
from typing import List, Optional, Sequence, Tuple

import torch
from mmengine.config import ConfigDict
from mmengine.logging import MMLogger
from torch import Tensor

from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.models.utils import empty_instances
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox2roi
from mmdet.utils import InstanceList, OptConfigType

from .mask_heads import SemiConvMaskHead

#: Phi per level, from :meth:`SemiConvEmbeddingBranch.forward`; None with the branch off.
OptPhis = Optional[Tuple[Tensor, ...]]


class SemiConvRoIHeadMixin(metaclass=ABCMeta):
    """Adds a :class:`SemiConvEmbeddingBranch` to an mmdet RoI head.

    * ``loss``: mmdet's RoI losses, with every :class:`SemiConvMaskHead`'s logits sharpened,
      s_hat = s + lambda log K, plus the branch's eq. (5) ``loss_embedding``, ``loss_kernel``
      (BCE on K) and, for the log, ``sigma_px`` and eq. (5) per level.
    * ``predict`` and ``forward`` (mmdet's tensor mode): masks from s_hat.

    One-way flow, as mmdet's HTC hands down its semantic features: the head's ``loss``,
    ``predict`` and ``forward`` compute ``phis = self.semiconv_phis(x)`` once at the top and
    pass it down, as an argument, to every mask stage (``_mask_forward(..., phis, labels)``),
    which reads Psi on its RoIs and sharpens its logits (:meth:`sharpen_mask_results`).
    Nothing is held between calls.

    ``semiconv_branch=None`` switches the whole branch off: ``phis`` is None and the head is
    its mmdet parent exactly (same outputs, losses and state-dict keys, given mmdet's mask
    head).

    What a head using it provides: its parent's ``loss`` and ``forward`` with ``phis`` handed
    to its ``_mask_forward``, and the two abstract methods below.
    """

    semiconv_branch: Optional[torch.nn.Module]

    def init_semiconv_branch(self, semiconv_branch: OptConfigType,
                             mask_roi_extractors: Sequence[torch.nn.Module],
                             mask_heads: Sequence[torch.nn.Module]) -> None:
        """Build the branch on the mask RoI geometry (called after the parent's ``__init__``).

        Args:
            semiconv_branch (dict, optional): config of :class:`SemiConvEmbeddingBranch`.
                ``mask_size``, ``featmap_strides``, ``finest_scale`` and the subnet's
                ``in_channels`` default to the mask RoI extractor's and mask head's.
            mask_roi_extractors, mask_heads: every stage's (one for a single-stage head).
        """
        if semiconv_branch is None:
            self.semiconv_branch = None
            return
        if not self.with_mask or self.share_roi_extractor:
            raise ValueError(f'{type(self).__name__} needs a mask_head with its own '
                             'mask_roi_extractor (Psi is read on the mask RoIs)')
        geometry = {(tuple(e.featmap_strides), e.finest_scale, _mask_size(e, h),
                     e.out_channels) for e, h in zip(mask_roi_extractors, mask_heads)}
        if len(geometry) != 1:
            raise ValueError('every mask stage must read RoIs alike (strides, finest_scale, '
                             f'mask size) to share one Psi; got {sorted(geometry)}')
        strides, finest_scale, mask_size, channels = geometry.pop()
        cfg = ConfigDict(semiconv_branch)
        cfg.setdefault('phi_subnet', dict(type='SemiConvPhiSubnet'))
        cfg.phi_subnet.setdefault('in_channels', channels)
        self.semiconv_branch = MODELS.build(
            cfg, default_args=dict(mask_size=mask_size, featmap_strides=list(strides),
                                   finest_scale=finest_scale))

    @property
    def with_semiconv(self) -> bool:
        return self.semiconv_branch is not None

    def semiconv_phis(self, x: Tuple[Tensor]) -> OptPhis:
        """Phi of the FPN features ``x`` (:meth:`SemiConvEmbeddingBranch.forward`), None with
        the branch off: computed once per call of ``loss``/``predict``/``forward``."""
        return self.semiconv_branch(x) if self.with_semiconv else None

    # --- the mask stage ------------------------------------------------------------------------

    def sharpen_mask_results(self, mask_head: torch.nn.Module, mask_results: dict,
                             phis: OptPhis, rois: Tensor, labels: Optional[Tensor]) -> dict:
        """Replace ``mask_preds`` s by s_hat and add ``log_k`` (R, M, M), if the branch is on.

        Args:
            mask_results (dict): from the parent's ``_mask_forward``.
            phis (tuple[Tensor], optional): :meth:`semiconv_phis` of the call.
            rois (Tensor): (R, 5) the mask RoIs.
            labels (Tensor, optional): (R,) class of each RoI (GT in training, predicted at
                test time); None in tensor mode.
        """
        if not self.with_semiconv or not isinstance(mask_head, SemiConvMaskHead):
            return mask_results
        if phis is None:
            raise ValueError(f'{type(self).__name__} has the semi-conv branch on: give the mask '
                             'forward phis=self.semiconv_phis(x)')
        psi = self.semiconv_branch.roi_psi_by_feat(phis, rois)
        mask_preds, log_k = mask_head.sharpen(mask_results['mask_preds'], psi, labels)
        mask_results.update(mask_preds=mask_preds, log_k=log_k)
        return mask_results

    def mask_and_kernel_losses(self, mask_head: torch.nn.Module, mask_results: dict,
                               sampling_results: List[SamplingResult],
                               batch_gt_instances: InstanceList,
                               rcnn_train_cfg: ConfigDict) -> dict:
        """One mask stage's losses, from its forward on the positive RoIs.

        Returns:
            dict: the mask head's ``loss_mask`` (on s_hat when sharpened) and, with the
            kernel, its ``loss_kernel`` and, for the log, ``sigma_px`` (and ``logk_offset``).
        """
        out = mask_head.loss_and_target(
            mask_preds=mask_results['mask_preds'],
            sampling_results=sampling_results,
            batch_gt_instances=batch_gt_instances,
            rcnn_train_cfg=rcnn_train_cfg)
        losses = out['loss_mask']
        if 'log_k' in mask_results:
            losses.update(mask_head.loss_kernel_by_feat(mask_results['log_k'],
                                                        out['mask_targets']))
            losses['sigma_px'] = self.semiconv_branch.sigma_px(mask_head.kernel.sigma)
            if mask_head.logk_offset is not None:
                losses['logk_offset'] = mask_head.logk_offset.detach()
        return losses

    @staticmethod
    def sample_rois(x: Tuple[Tensor], results_list: InstanceList,
                    batch_gt_instances: InstanceList, batch_gt_instances_ignore: InstanceList,
                    bbox_assigner, bbox_sampler) -> List[SamplingResult]:
        """mmdet's assignment and sampling of each image's proposals, as its RoI heads do at
        the top of ``loss`` (``bboxes`` renamed ``priors`` in place)."""
        sampling_results = []
        for i, results in enumerate(results_list):
            results.priors = results.pop('bboxes')
            assign_result = bbox_assigner.assign(results, batch_gt_instances[i],
                                                 batch_gt_instances_ignore[i])
            sampling_results.append(bbox_sampler.sample(
                assign_result, results, batch_gt_instances[i],
                feats=[lvl_feat[i][None] for lvl_feat in x]))
        return sampling_results

    @staticmethod
    def positive_rois_of(sampling_results: List[SamplingResult]) -> Tuple[Tensor, Tensor]:
        """The positive RoIs (R, 5) of a training step and their GT labels (R,)."""
        return (bbox2roi([res.pos_priors for res in sampling_results]),
                torch.cat([res.pos_gt_labels for res in sampling_results]))

    # --- prediction ------------------------------------------------------------------------------

    def predict(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
                batch_data_samples: SampleList, rescale: bool = False) -> InstanceList:
        """mmdet's ``predict`` (boxes, then masks on them), Phi computed once at the top."""
        phis = self.semiconv_phis(x)
        batch_img_metas = [data_samples.metainfo for data_samples in batch_data_samples]
        # with a mask step, that step rescales boxes and masks together (as in mmdet)
        results_list = self.predict_bbox(x, batch_img_metas, rpn_results_list,
                                         rcnn_test_cfg=self.test_cfg,
                                         rescale=rescale and not self.with_mask)
        if self.with_mask:
            results_list = self.predict_mask(x, batch_img_metas, results_list,
                                             rescale=rescale, phis=phis)
        return results_list

    def predict_mask(self,
                     x: Tuple[Tensor],
                     batch_img_metas: List[dict],
                     results_list: InstanceList,
                     rescale: bool = False,
                     phis: OptPhis = None) -> InstanceList:
        """As mmdet's ``predict_mask``, each box seeded on its predicted class."""
        mask_rois = bbox2roi([res.bboxes for res in results_list])
        if mask_rois.shape[0] == 0:
            return empty_instances(batch_img_metas, mask_rois.device, task_type='mask',
                                   instance_results=results_list,
                                   mask_thr_binary=self.test_cfg.mask_thr_binary)
        labels = torch.cat([res.labels for res in results_list])
        return self.predict_mask_on_rois(x, phis, batch_img_metas, results_list, mask_rois,
                                         labels, rescale)

    # --- provided by the RoI head ---------------------------------------------------------------

    @abstractmethod
    def mask_forward_on_rois(self, x: Tuple[Tensor], phis: OptPhis, rois: Tensor,
                             labels: Optional[Tensor] = None) -> dict:
        """The mask stage alone on given RoIs (R, 5) of the FPN features ``x`` and their
        ``phis`` (:meth:`semiconv_phis`), e.g. on ground-truth boxes.

        Returns:
            dict: ``mask_preds`` s_hat (R, C, M, M) (of the last stage, for a cascade) and,
            with the branch on and ``labels`` (R,) given, ``log_k`` (R, M, M).
        """

    @abstractmethod
    def predict_mask_on_rois(self, x: Tuple[Tensor], phis: OptPhis, batch_img_metas: List[dict],
                             results_list: InstanceList, mask_rois: Tensor, labels: Tensor,
                             rescale: bool) -> InstanceList:
        """Masks of the boxes of ``results_list`` (their RoIs ``mask_rois`` (R, 5), seeded
        on ``labels`` (R,)) pasted as mmdet's ``predict_mask`` does: ``results_list`` with
        ``masks`` (n, H, W) per image."""

    # --- checkpoints that leave the branch at its init ----------------------------------------

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        # A Mask R-CNN checkpoint has no branch: right for the fine-tuning's load_from (the
        # fine-tune hook checks the rest), wrong for test.py or gt_boxes.py, where mmengine's
        # only hint is a "missing keys" line among many
        key = prefix + 'semiconv_branch.'
        # checkpoints written before the Phi subnet was named for what it is (2026-12-06)
        old, new = key + 'embedding_neck.', key + 'phi_subnet.'
        for k in [k for k in state_dict if k.startswith(old)]:
            state_dict[new + k[len(old):]] = state_dict.pop(k)
        if self.with_semiconv and not any(k.startswith(key) for k in state_dict):
            message = (f'the checkpoint has no {key}* weights: the semi-conv '
                       'branch (Phi, sigma) stays at its random init. That is expected when '
                       'the fine-tuning starts from a Mask R-CNN (load_from); a test or '
                       'diagnosis of it evaluates an untrained branch: give the checkpoint of '
                       'a semi-conv training instead.')
            warnings.warn(message)
            MMLogger.get_current_instance().warning(message)
        elif self.with_semiconv:
            # mmengine loads non-strictly and would leave a mismatched branch at its init
            # with one "size mismatch" line: a branch of other shapes is another model
            own = self.semiconv_branch.state_dict(prefix=key)
            mismatched = [f'{k} is {tuple(v.shape)} in the checkpoint, {tuple(own[k].shape)} '
                          'in this model' for k, v in state_dict.items()
                          if k in own and v.shape != own[k].shape]
            if mismatched:
                raise ValueError(
                    'the checkpoint\'s semi-conv branch has other shapes than this model\'s: '
                    + '; '.join(mismatched) + '. It was trained with another branch config '
                    '(embed_dims, feat_channels, phi_stride): test it with the config it was '
                    'trained with.')
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def _mask_size(extractor: torch.nn.Module, mask_head: torch.nn.Module) -> int:
    """Side of the grid the mask logits live on: RoI size x the head's upsampling."""
    upsampled = getattr(mask_head, 'upsample', None) is not None
    scale = mask_head.scale_factor if upsampled else 1
    return int(extractor.roi_layers[0].output_size[0] * scale)
