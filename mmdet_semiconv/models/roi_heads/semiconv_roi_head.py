"""SemiConvRoIHead: Mask R-CNN's RoI head with the semi-convolutional branch (section 3.5)."""
from typing import List, Optional, Tuple

from torch import Tensor

from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.models.utils import unpack_gt_instances
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox2roi
from mmdet.utils import InstanceList, OptConfigType

from .semiconv_roi_head_mixin import OptPhis, SemiConvRoIHeadMixin


@MODELS.register_module()
class SemiConvRoIHead(SemiConvRoIHeadMixin, StandardRoIHead):
    """:class:`StandardRoIHead` plus a :class:`SemiConvEmbeddingBranch`.

    Data flow in training (one call of :meth:`loss`, one direction)::

        FPN x --semiconv_branch--> Phi (once, on P2-P5)
        proposals --assign, sample--> bbox_loss
        positive RoIs, Phi --_mask_forward--> s (R, C, 28, 28) by mask_roi_extractor, mask_head
                      --branch.roi_psi_by_feat--> Psi (R, D, 28, 28)
                      --mask_head.sharpen--> s_hat = s + lambda log K, log K
        loss_mask = BCE(s_hat, targets); loss_kernel = BCE(K, targets);
        loss_embedding = eq. (5) on Phi (branch.loss_by_feat)

    The branch lives in the RoI head (as HTC's semantic head does), so mmdet's ``MaskRCNN``
    runs its ``loss``/``predict``/``tensor`` modes unchanged.

    Args:
        semiconv_branch (dict, optional): config of :class:`SemiConvEmbeddingBranch`; None
            switches the branch off (then this is :class:`StandardRoIHead`).
        **kwargs: :class:`StandardRoIHead` arguments; ``mask_head`` should be a
            :class:`SemiConvMaskHead`.
    """

    def __init__(self,
                 semiconv_branch: OptConfigType = dict(type='SemiConvEmbeddingBranch'),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.init_semiconv_branch(semiconv_branch, [self.mask_roi_extractor],
                                  [self.mask_head])

    def loss(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
             batch_data_samples: SampleList) -> dict:
        """:meth:`StandardRoIHead.loss` with sharpened masks, plus the branch's eq. (5)."""
        assert len(rpn_results_list) == len(batch_data_samples)
        phis = self.semiconv_phis(x)
        batch_gt_instances, batch_gt_instances_ignore, _ = unpack_gt_instances(
            batch_data_samples)
        sampling_results = self.sample_rois(x, rpn_results_list, batch_gt_instances,
                                            batch_gt_instances_ignore, self.bbox_assigner,
                                            self.bbox_sampler)
        losses = dict()
        if self.with_bbox:
            bbox_results = self.bbox_loss(x, sampling_results)
            losses.update(bbox_results['loss_bbox'])
        if self.with_mask:
            mask_results = self.mask_loss(x, sampling_results, bbox_results['bbox_feats'],
                                          batch_gt_instances, phis)
            losses.update(mask_results['loss_mask'])
        if self.with_semiconv:
            losses.update(self.semiconv_branch.loss_by_feat(phis, batch_gt_instances))
        return losses

    def forward(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
                batch_data_samples: SampleList = None) -> tuple:
        """:meth:`StandardRoIHead.forward` (mmdet's tensor mode): the mask logits are s_hat,
        seeded on each RoI's best class per pixel (no labels here)."""
        phis = self.semiconv_phis(x)
        results = ()
        rois = bbox2roi([rpn_results.bboxes for rpn_results in rpn_results_list])
        if self.with_bbox:
            bbox_results = self._bbox_forward(x, rois)
            results = results + (bbox_results['cls_score'], bbox_results['bbox_pred'])
        if self.with_mask:
            mask_rois = rois[:100]  # as mmdet
            results = results + (self._mask_forward(x, mask_rois, phis=phis)['mask_preds'], )
        return results

    def _mask_forward(self,
                      x: Tuple[Tensor],
                      rois: Optional[Tensor] = None,
                      pos_inds: Optional[Tensor] = None,
                      bbox_feats: Optional[Tensor] = None,
                      phis: OptPhis = None,
                      labels: Optional[Tensor] = None) -> dict:
        """:meth:`StandardRoIHead._mask_forward`, then s_hat from ``phis``
        (:meth:`semiconv_phis`) and ``labels`` ((R,) seed class)."""
        mask_results = super()._mask_forward(x, rois, pos_inds, bbox_feats)
        return self.sharpen_mask_results(self.mask_head, mask_results, phis, rois, labels)

    def mask_forward_on_rois(self, x: Tuple[Tensor], phis: OptPhis, rois: Tensor,
                             labels: Optional[Tensor] = None) -> dict:
        """s_hat (``mask_preds``) and, with the branch, ``log_k`` on given RoIs (R, 5)."""
        return self._mask_forward(x, rois, phis=phis, labels=labels)

    def mask_loss(self, x: Tuple[Tensor], sampling_results: List[SamplingResult],
                  bbox_feats: Tensor, batch_gt_instances: InstanceList,
                  phis: OptPhis = None) -> dict:
        """As :meth:`StandardRoIHead.mask_loss`, each positive RoI seeded on its GT class."""
        if not self.with_semiconv:
            return super().mask_loss(x, sampling_results, bbox_feats, batch_gt_instances)
        pos_rois, labels = self.positive_rois_of(sampling_results)
        mask_results = self._mask_forward(x, pos_rois, phis=phis, labels=labels)
        mask_results.update(loss_mask=self.mask_and_kernel_losses(
            self.mask_head, mask_results, sampling_results, batch_gt_instances, self.train_cfg))
        return mask_results

    def predict_mask_on_rois(self, x: Tuple[Tensor], phis: OptPhis, batch_img_metas: List[dict],
                             results_list: InstanceList, mask_rois: Tensor, labels: Tensor,
                             rescale: bool) -> InstanceList:
        """s_hat on ``mask_rois`` (R, 5), seeded on ``labels`` (R,), pasted as
        :meth:`StandardRoIHead.predict_mask` does."""
        mask_preds = self._mask_forward(x, mask_rois, phis=phis, labels=labels)['mask_preds']
        mask_preds = mask_preds.split([len(res) for res in results_list], 0)
        return self.mask_head.predict_by_feat(
            mask_preds=mask_preds,
            results_list=results_list,
            batch_img_metas=batch_img_metas,
            rcnn_test_cfg=self.test_cfg,
            rescale=rescale)
