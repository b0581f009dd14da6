"""SemiConvRoIHead: Mask R-CNN's RoI head with the semi-convolutional branch (section 3.5)."""
from typing import List, Optional, Tuple

from torch import Tensor

from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.registry import MODELS
from mmdet.utils import InstanceList, OptConfigType
from .semiconv_roi_head_mixin import SemiConvRoIHeadMixin


@MODELS.register_module()
class SemiConvRoIHead(SemiConvRoIHeadMixin, StandardRoIHead):
    """:class:`StandardRoIHead` plus a :class:`SemiConvEmbeddingBranch`.

    Data flow in training (one image's path through the head)::

        FPN x --semiconv_branch--> Phi (once, on the levels of P2-P5 that the loss and RoIs read)
        positive RoIs --mask_roi_extractor, mask_head--> s (R, C, 28, 28)
                      --branch.roi_psi_by_feat--> Psi (R, D, 28, 28)
                      --mask_head.sharpen--> s_hat = s + lambda log K, log K
        loss_mask = BCE(s_hat, targets); loss_kernel = BCE(K, targets); loss_embedding = eq. (5)

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

    def _mask_forward(self,
                      x: Tuple[Tensor],
                      rois: Optional[Tensor] = None,
                      pos_inds: Optional[Tensor] = None,
                      bbox_feats: Optional[Tensor] = None,
                      labels: Optional[Tensor] = None) -> dict:
        """:meth:`StandardRoIHead._mask_forward`, then s_hat (``labels``: (R,) seed class)."""
        mask_results = super()._mask_forward(x, rois, pos_inds, bbox_feats)
        return self.sharpen_mask_results(self.mask_head, mask_results, x, rois, labels)

    def mask_forward_on_rois(self, x: Tuple[Tensor], rois: Tensor,
                             labels: Optional[Tensor] = None) -> dict:
        """s_hat (``mask_preds``) and, with the branch, ``log_k`` on given RoIs (R, 5): the
        mask stage alone, e.g. on ground-truth boxes for diagnostics and pictures."""
        return self._mask_forward(x, rois, labels=labels)

    def mask_loss(self, x: Tuple[Tensor], sampling_results: List[SamplingResult],
                  bbox_feats: Tensor, batch_gt_instances: InstanceList) -> dict:
        """As :meth:`StandardRoIHead.mask_loss`, each RoI seeded on its GT class."""
        if not self.with_semiconv:
            return super().mask_loss(x, sampling_results, bbox_feats, batch_gt_instances)
        return self.semiconv_mask_loss(
            self.mask_head, lambda rois, labels: self._mask_forward(x, rois, labels=labels),
            sampling_results, batch_gt_instances, self.train_cfg)

    def predict_mask_on_rois(self, x: Tuple[Tensor], batch_img_metas: List[dict],
                             results_list: InstanceList, mask_rois: Tensor, labels: Tensor,
                             rescale: bool) -> InstanceList:
        """s_hat on ``mask_rois`` (R, 5), seeded on ``labels`` (R,), pasted as
        :meth:`StandardRoIHead.predict_mask` does."""
        mask_preds = self._mask_forward(x, mask_rois, labels=labels)['mask_preds']
        mask_preds = mask_preds.split([len(res) for res in results_list], 0)
        return self.mask_head.predict_by_feat(
            mask_preds=mask_preds,
            results_list=results_list,
            batch_img_metas=batch_img_metas,
            rcnn_test_cfg=self.test_cfg,
            rescale=rescale)
