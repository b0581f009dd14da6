"""What every RoI head with the semi-convolutional branch shares (section 3.5)."""
import warnings
from contextlib import contextmanager
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

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
from ..semiconv_embedding_branch import PhiLevels
from .mask_heads import SemiConvMaskHead


class SemiConvRoIHeadMixin:
    """Adds a :class:`SemiConvEmbeddingBranch` to an mmdet RoI head.

    * ``loss``: mmdet's RoI losses, with every :class:`SemiConvMaskHead`'s logits sharpened,
      s_hat = s + lambda log K, plus the branch's eq. (5) ``loss_embedding``, ``loss_kernel``
      (BCE on K) and, for the log, ``sigma_px`` and eq. (5) per level.
    * ``predict`` and ``forward`` (mmdet's tensor mode): masks from s_hat.

    Phi is computed once per call of ``loss``/``predict``/``forward``, whatever number of mask
    stages read it, and only on the levels read (:meth:`SemiConvEmbeddingBranch.phi_levels`):
    mmdet's RoI heads call their mask forward from deep inside ``loss`` (CascadeRoIHead once
    per stage) with no slot for extra features, so Phi is held for the duration of the call
    (:meth:`embedding_step`) and dropped after it.

    ``semiconv_branch=None`` switches the whole branch off: the head is then its mmdet parent
    exactly (same outputs, losses and state-dict keys, given mmdet's mask head).

    What a head using it provides: the two methods declared below (the mask stage on given
    RoIs, for training-free reads and for prediction), and its parent's ``_mask_forward``
    extended by a ``labels`` (R,) argument whose result goes through
    :meth:`sharpen_mask_results`.
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
        self._step_cache: Optional[list] = None
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
        cfg.setdefault('embedding_neck', dict(type='SemiConvEmbeddingNeck'))
        cfg.embedding_neck.setdefault('in_channels', channels)
        self.semiconv_branch = MODELS.build(
            cfg, default_args=dict(mask_size=mask_size, featmap_strides=list(strides),
                                   finest_scale=finest_scale))

    @property
    def with_semiconv(self) -> bool:
        return self.semiconv_branch is not None

    # --- Phi, once per call ------------------------------------------------------------------

    @contextmanager
    def embedding_step(self, x: Tuple[Tensor]) -> Iterator[None]:
        """Within it, every mask forward on the FPN features ``x`` shares one Phi.

        ``loss``, ``predict`` and ``forward`` open it; open it around several calls of the
        mask stage on the same features (e.g. diagnostics on ground-truth boxes).
        """
        self._step_cache = [x, None]
        try:
            yield
        finally:
            self._step_cache = None

    def _phis(self, x: Tuple[Tensor]) -> PhiLevels:
        cache = self._step_cache
        if cache is None or cache[0] is not x:
            return self.semiconv_branch.phi_levels(x)
        if cache[1] is None:
            cache[1] = self.semiconv_branch.phi_levels(x)
        return cache[1]

    # --- the mask stage ------------------------------------------------------------------------

    def sharpen_mask_results(self, mask_head: torch.nn.Module, mask_results: dict,
                             x: Tuple[Tensor], rois: Tensor,
                             labels: Optional[Tensor]) -> dict:
        """Replace ``mask_preds`` s by s_hat and add ``log_k`` (R, M, M), if the branch is on.

        Args:
            mask_results (dict): from the parent's ``_mask_forward``.
            rois (Tensor): (R, 5) the mask RoIs.
            labels (Tensor, optional): (R,) class of each RoI (GT in training, predicted at
                test time); None in tensor mode.
        """
        if not self.with_semiconv or not isinstance(mask_head, SemiConvMaskHead):
            return mask_results
        psi = self.semiconv_branch.roi_psi_by_feat(self._phis(x), rois)
        mask_preds, log_k = mask_head.sharpen(mask_results['mask_preds'], psi, labels)
        mask_results.update(mask_preds=mask_preds, log_k=log_k)
        return mask_results

    def semiconv_mask_loss(self, mask_head: torch.nn.Module,
                           mask_forward: Callable[[Tensor, Tensor], dict],
                           sampling_results: List[SamplingResult],
                           batch_gt_instances: InstanceList,
                           rcnn_train_cfg: ConfigDict) -> dict:
        """One mask stage's training step with the kernel, for any mmdet RoI head.

        Args:
            mask_forward: ``(rois, labels) -> mask_results``, the head's ``_mask_forward``.

        Returns:
            dict: the mask results with ``loss_mask``: the mask head's ``loss_mask`` on s_hat,
            its ``loss_kernel`` and ``sigma_px``.
        """
        pos_rois, labels = self.positive_rois_of(sampling_results)
        mask_results = mask_forward(pos_rois, labels)
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
        mask_results.update(loss_mask=losses)
        return mask_results

    @staticmethod
    def positive_rois_of(sampling_results: List[SamplingResult]) -> Tuple[Tensor, Tensor]:
        """The positive RoIs (R, 5) of a training step and their GT labels (R,)."""
        return (bbox2roi([res.pos_priors for res in sampling_results]),
                torch.cat([res.pos_gt_labels for res in sampling_results]))

    def predict_mask(self,
                     x: Tuple[Tensor],
                     batch_img_metas: List[dict],
                     results_list: InstanceList,
                     rescale: bool = False) -> InstanceList:
        """As mmdet's ``predict_mask``, each box seeded on its predicted class."""
        mask_rois = bbox2roi([res.bboxes for res in results_list])
        if mask_rois.shape[0] == 0:
            return empty_instances(batch_img_metas, mask_rois.device, task_type='mask',
                                   instance_results=results_list,
                                   mask_thr_binary=self.test_cfg.mask_thr_binary)
        labels = torch.cat([res.labels for res in results_list])
        return self.predict_mask_on_rois(x, batch_img_metas, results_list, mask_rois, labels,
                                         rescale)

    # --- provided by the RoI head ---------------------------------------------------------------

    def mask_forward_on_rois(self, x: Tuple[Tensor], rois: Tensor,
                             labels: Optional[Tensor] = None) -> dict:
        """The mask stage alone on given RoIs (R, 5) of the FPN features ``x``.

        Returns:
            dict: ``mask_preds`` s_hat (R, C, M, M) (of the last stage, for a cascade) and,
            with the branch on and ``labels`` (R,) given, ``log_k`` (R, M, M).
        """
        raise NotImplementedError(f'{type(self).__name__} must define mask_forward_on_rois')

    def predict_mask_on_rois(self, x: Tuple[Tensor], batch_img_metas: List[dict],
                             results_list: InstanceList, mask_rois: Tensor, labels: Tensor,
                             rescale: bool) -> InstanceList:
        """Masks of the boxes of ``results_list`` (their RoIs ``mask_rois`` (R, 5), seeded
        on ``labels`` (R,)) pasted as mmdet's ``predict_mask`` does: ``results_list`` with
        ``masks`` (n, H, W) per image."""
        raise NotImplementedError(f'{type(self).__name__} must define predict_mask_on_rois')

    # --- the three modes -----------------------------------------------------------------------

    def loss(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
             batch_data_samples: SampleList) -> dict:
        """The parent's losses (sharpened masks) plus the branch's eq. (5)."""
        with self.embedding_step(x):
            losses = super().loss(x, rpn_results_list, batch_data_samples)
            if self.with_semiconv:
                losses.update(self.semiconv_branch.loss_by_feat(
                    self._phis(x), [s.gt_instances for s in batch_data_samples]))
        return losses

    def predict(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
                batch_data_samples: SampleList, rescale: bool = False) -> InstanceList:
        with self.embedding_step(x):
            return super().predict(x, rpn_results_list, batch_data_samples, rescale=rescale)

    def forward(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
                batch_data_samples: SampleList) -> tuple:
        with self.embedding_step(x):
            return super().forward(x, rpn_results_list, batch_data_samples)

    # --- checkpoints that leave the branch at its init ----------------------------------------

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        # A Mask R-CNN checkpoint has no branch: right for the fine-tuning's load_from (the
        # fine-tune hook checks the rest), wrong for test.py or diagnose.py, where mmengine's
        # only hint is a "missing keys" line among many
        if self.with_semiconv and not any(k.startswith(prefix + 'semiconv_branch.')
                                          for k in state_dict):
            message = (f'the checkpoint has no {prefix}semiconv_branch.* weights: the semi-conv '
                       'branch (Phi, sigma) stays at its random init. That is expected when '
                       'the fine-tuning starts from a Mask R-CNN (load_from); a test or '
                       'diagnosis of it evaluates an untrained branch: give the checkpoint of '
                       'a semi-conv training instead.')
            warnings.warn(message)
            MMLogger.get_current_instance().warning(message)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def _mask_size(extractor: torch.nn.Module, mask_head: torch.nn.Module) -> int:
    """Side of the grid the mask logits live on: RoI size x the head's upsampling."""
    upsampled = getattr(mask_head, 'upsample', None) is not None
    scale = mask_head.scale_factor if upsampled else 1
    return int(extractor.roi_layers[0].output_size[0] * scale)
