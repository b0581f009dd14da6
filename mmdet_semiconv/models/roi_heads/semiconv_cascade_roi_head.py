"""SemiConvCascadeRoIHead: Cascade Mask R-CNN with the semi-convolutional branch."""
from typing import List, Optional, Sequence, Tuple

import torch
from torch import Tensor

from mmdet.models.roi_heads import CascadeRoIHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.models.test_time_augs import merge_aug_masks
from mmdet.models.utils import unpack_gt_instances
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox2roi
from mmdet.utils import InstanceList, OptConfigType

from .semiconv_roi_head_mixin import OptPhis, SemiConvRoIHeadMixin


@MODELS.register_module()
class SemiConvCascadeRoIHead(SemiConvRoIHeadMixin, CascadeRoIHead):
    """:class:`CascadeRoIHead` plus one :class:`SemiConvEmbeddingBranch` for all mask stages.

    Phi is computed once at the top of ``loss``/``predict``/``forward`` and handed to every
    stage; each mask stage reads Psi on its own RoIs and sharpens its own logits with its own
    kernel (every stage whose mask head is a :class:`SemiConvMaskHead`). At test time the
    stages' sigmoid(s_hat) are averaged, as Cascade Mask R-CNN averages its stages' masks.

    Args:
        semiconv_branch (dict, optional): config of :class:`SemiConvEmbeddingBranch`; None
            switches the branch off (then this is :class:`CascadeRoIHead`).
        **kwargs: :class:`CascadeRoIHead` arguments.
    """

    def __init__(self,
                 semiconv_branch: OptConfigType = dict(type='SemiConvEmbeddingBranch'),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.init_semiconv_branch(semiconv_branch, self.mask_roi_extractor, self.mask_head)

    def loss(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
             batch_data_samples: SampleList) -> dict:
        """:meth:`CascadeRoIHead.loss` with every stage's masks sharpened, plus eq. (5)."""
        assert len(rpn_results_list) == len(batch_data_samples)
        phis = self.semiconv_phis(x)
        batch_gt_instances, batch_gt_instances_ignore, batch_img_metas = unpack_gt_instances(
            batch_data_samples)
        losses = dict()
        results_list = rpn_results_list
        for stage in range(self.num_stages):
            self.current_stage = stage
            stage_loss_weight = self.stage_loss_weights[stage]
            sampling_results = []
            if self.with_bbox or self.with_mask:
                sampling_results = self.sample_rois(x, results_list, batch_gt_instances,
                                                    batch_gt_instances_ignore,
                                                    self.bbox_assigner[stage],
                                                    self.bbox_sampler[stage])
            bbox_results = self.bbox_loss(stage, x, sampling_results)
            stage_losses = dict(bbox_results['loss_bbox'])
            if self.with_mask:
                stage_losses.update(self.mask_loss(stage, x, sampling_results,
                                                   batch_gt_instances, phis)['loss_mask'])
            for name, value in stage_losses.items():
                losses[f's{stage}.{name}'] = (
                    value * stage_loss_weight if 'loss' in name else value)
            if stage < self.num_stages - 1:
                with torch.no_grad():
                    results_list = self.bbox_head[stage].refine_bboxes(
                        sampling_results, bbox_results, batch_img_metas)
                    if results_list is None:
                        break
        if self.with_semiconv:
            losses.update(self.semiconv_branch.loss_by_feat(phis, batch_gt_instances))
        return losses

    def forward(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
                batch_data_samples: SampleList) -> tuple:
        """:meth:`CascadeRoIHead.forward` (mmdet's tensor mode) with the stages' s_hat."""
        phis = self.semiconv_phis(x)
        results = ()
        batch_img_metas = [data_samples.metainfo for data_samples in batch_data_samples]
        proposals = [rpn_results.bboxes for rpn_results in rpn_results_list]
        num_proposals_per_img = tuple(len(p) for p in proposals)
        rois = bbox2roi(proposals)
        if self.with_bbox:
            rois, cls_scores, bbox_preds = self._refine_roi(x, rois, batch_img_metas,
                                                            num_proposals_per_img)
            results = results + (cls_scores, bbox_preds)
        if self.with_mask:
            results = results + (self._stage_mask_average(
                x, phis, torch.cat(rois), None, num_proposals_per_img, batch_img_metas), )
        return results

    def _mask_forward(self, stage: int, x: Tuple[Tensor], rois: Tensor,
                      phis: OptPhis = None, labels: Optional[Tensor] = None) -> dict:
        """:meth:`CascadeRoIHead._mask_forward`, then s_hat from ``phis``
        (:meth:`semiconv_phis`) and ``labels`` ((R,) seed class)."""
        mask_results = super()._mask_forward(stage, x, rois)
        return self.sharpen_mask_results(self.mask_head[stage], mask_results, phis, rois,
                                         labels)

    def mask_forward_on_rois(self, x: Tuple[Tensor], phis: OptPhis, rois: Tensor,
                             labels: Optional[Tensor] = None) -> dict:
        """The last mask stage's s_hat (``mask_preds``) and ``log_k`` on given RoIs (R, 5)."""
        return self._mask_forward(self.num_stages - 1, x, rois, phis, labels)

    def mask_loss(self, stage: int, x: Tuple[Tensor],
                  sampling_results: List[SamplingResult],
                  batch_gt_instances: InstanceList, phis: OptPhis = None) -> dict:
        """As :meth:`CascadeRoIHead.mask_loss`, each positive RoI seeded on its GT class."""
        if not self.with_semiconv:
            return super().mask_loss(stage, x, sampling_results, batch_gt_instances)
        pos_rois, labels = self.positive_rois_of(sampling_results)
        mask_results = self._mask_forward(stage, x, pos_rois, phis, labels)
        mask_results.update(loss_mask=self.mask_and_kernel_losses(
            self.mask_head[stage], mask_results, sampling_results, batch_gt_instances,
            self.train_cfg[stage]))
        return mask_results

    def _stage_mask_average(self, x: Tuple[Tensor], phis: OptPhis, rois: Tensor,
                            labels: Optional[Tensor], num_per_img: Sequence[int],
                            batch_img_metas: List[dict]) -> List[Tensor]:
        """The stages' sigmoid(s_hat) on ``rois`` (R, 5), averaged per image as Cascade Mask
        R-CNN merges its stages' masks: a list of (n_i, C, M, M)."""
        aug_masks = []
        for stage in range(self.num_stages):
            mask_preds = self._mask_forward(stage, x, rois, phis, labels)['mask_preds']
            aug_masks.append([m.sigmoid().detach() for m in mask_preds.split(num_per_img, 0)])
        return [merge_aug_masks([stage_masks[i] for stage_masks in aug_masks], meta)
                for i, meta in enumerate(batch_img_metas)]

    def predict_mask_on_rois(self, x: Tuple[Tensor], phis: OptPhis, batch_img_metas: List[dict],
                             results_list: InstanceList, mask_rois: Tensor, labels: Tensor,
                             rescale: bool) -> InstanceList:
        """The stages' sigmoid(s_hat) on ``mask_rois`` (R, 5), seeded on ``labels`` (R,),
        averaged and pasted as :meth:`CascadeRoIHead.predict_mask` does."""
        merged = self._stage_mask_average(x, phis, mask_rois, labels,
                                          [len(res) for res in results_list], batch_img_metas)
        return self.mask_head[-1].predict_by_feat(
            mask_preds=merged,
            results_list=results_list,
            batch_img_metas=batch_img_metas,
            rcnn_test_cfg=self.test_cfg,
            rescale=rescale,
            activate_map=True)
