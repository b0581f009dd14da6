"""SemiConvCascadeRoIHead: Cascade Mask R-CNN with the semi-convolutional branch."""
from typing import List, Optional, Tuple

from torch import Tensor

from mmdet.models.roi_heads import CascadeRoIHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.models.test_time_augs import merge_aug_masks
from mmdet.registry import MODELS
from mmdet.utils import InstanceList, OptConfigType
from .semiconv_roi_head_mixin import SemiConvRoIHeadMixin


@MODELS.register_module()
class SemiConvCascadeRoIHead(SemiConvRoIHeadMixin, CascadeRoIHead):
    """:class:`CascadeRoIHead` plus one :class:`SemiConvEmbeddingBranch` for all mask stages.

    Phi is computed once per step; each mask stage reads Psi on its own RoIs and sharpens its
    own logits with its own kernel (every stage whose mask head is a
    :class:`SemiConvMaskHead`). At test time the stages' sigmoid(s_hat) are averaged, as
    Cascade Mask R-CNN averages its stages' masks.

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

    def _mask_forward(self, stage: int, x: Tuple[Tensor], rois: Tensor,
                      labels: Optional[Tensor] = None) -> dict:
        """:meth:`CascadeRoIHead._mask_forward`, then s_hat (``labels``: (R,) seed class)."""
        mask_results = super()._mask_forward(stage, x, rois)
        return self.sharpen_mask_results(self.mask_head[stage], mask_results, x, rois,
                                         labels)

    def mask_forward_on_rois(self, x: Tuple[Tensor], rois: Tensor,
                             labels: Optional[Tensor] = None) -> dict:
        """The last mask stage's s_hat (``mask_preds``) and ``log_k`` on given RoIs (R, 5)."""
        return self._mask_forward(self.num_stages - 1, x, rois, labels=labels)

    def mask_loss(self, stage: int, x: Tuple[Tensor],
                  sampling_results: List[SamplingResult],
                  batch_gt_instances: InstanceList) -> dict:
        """As :meth:`CascadeRoIHead.mask_loss`, each RoI seeded on its GT class."""
        if not self.with_semiconv:
            return super().mask_loss(stage, x, sampling_results, batch_gt_instances)
        return self.semiconv_mask_loss(
            self.mask_head[stage],
            lambda rois, labels: self._mask_forward(stage, x, rois, labels=labels),
            sampling_results, batch_gt_instances, self.train_cfg[stage])

    def predict_mask_on_rois(self, x: Tuple[Tensor], batch_img_metas: List[dict],
                             results_list: InstanceList, mask_rois: Tensor, labels: Tensor,
                             rescale: bool) -> InstanceList:
        """The stages' sigmoid(s_hat) on ``mask_rois`` (R, 5), seeded on ``labels`` (R,),
        averaged and pasted as :meth:`CascadeRoIHead.predict_mask` does."""
        num_per_img = [len(res) for res in results_list]
        aug_masks = []
        for stage in range(self.num_stages):
            mask_preds = self._mask_forward(stage, x, mask_rois, labels=labels)['mask_preds']
            aug_masks.append([m.sigmoid().detach() for m in mask_preds.split(num_per_img, 0)])
        merged = [merge_aug_masks([stage_masks[i] for stage_masks in aug_masks], meta)
                  for i, meta in enumerate(batch_img_metas)]
        return self.mask_head[-1].predict_by_feat(
            mask_preds=merged,
            results_list=results_list,
            batch_img_metas=batch_img_metas,
            rcnn_test_cfg=self.test_cfg,
            rescale=rescale,
            activate_map=True)
