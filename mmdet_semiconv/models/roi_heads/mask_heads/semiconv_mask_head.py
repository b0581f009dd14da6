"""SemiConvMaskHead: Mask R-CNN's FCN mask head sharpened by a seed's affinities (sec. 3.5)."""
from typing import List, Optional, Tuple

import torch
from mmengine.config import ConfigDict
from torch import Tensor

from mmdet.models.roi_heads.mask_heads import FCNMaskHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.registry import MODELS
from mmdet.utils import ConfigType, InstanceList


@MODELS.register_module()
class SemiConvMaskHead(FCNMaskHead):
    """FCN mask head whose logits are combined with a steered bilateral kernel.

    For each RoI, with s the FCN logits of the RoI's class channel (28 x 28 by default):

    * seed from s (soft in training, argmax at test; :class:`SteeredBilateralKernel`);
    * ``log K(u) = log K_sigma(u_seed, u)`` from Psi on the same grid (eq. 10);
    * ``s_hat = s + log K`` (added to every class channel, so the class channel is unchanged
      from s's point of view); the mask is ``sigmoid(s_hat)``, exactly as Mask R-CNN's.

    Losses: Mask R-CNN's BCE on ``s_hat`` (``loss_mask``) and ``BCE(K, gt mask)`` computed in log
    space (``loss_kernel``). The image-level embedding loss of eq. (5) is owned by
    :class:`SemiConvRoIHead`, next to the embedding neck it trains.

    With ``use_kernel=False`` (or no Psi given) this is :class:`FCNMaskHead`, bit for bit: the
    Mask R-CNN baseline and stage 1 of the staged fine-tuning.

    Args:
        kernel (dict, optional): config of the kernel. Defaults to ``SteeredBilateralKernel``.
            None builds no kernel (the Mask R-CNN baseline, whose state dict is then exactly
            FCNMaskHead's).
        loss_kernel (dict): config of the BCE on K. Defaults to ``LogSpaceBCELoss``.
        use_kernel (bool): whether the kernel path is on. Defaults to True.
        **kwargs: :class:`FCNMaskHead` arguments.
    """

    def __init__(self,
                 kernel: Optional[ConfigType] = dict(type='SteeredBilateralKernel'),
                 loss_kernel: ConfigType = dict(type='LogSpaceBCELoss', loss_weight=1.0),
                 use_kernel: bool = True,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.kernel = MODELS.build(kernel) if kernel is not None else None
        self.loss_kernel = MODELS.build(loss_kernel)
        self.use_kernel = use_kernel and self.kernel is not None

    def seed_scores(self, mask_preds: Tensor, labels: Optional[Tensor]) -> Tensor:
        """The logits s that choose each RoI's seed: its class channel, (R, M, M).

        Without labels (mmdet's ``tensor`` mode feeds raw proposals), the per-pixel maximum over
        classes is used.
        """
        if self.class_agnostic:
            return mask_preds[:, 0]
        if labels is None:
            return mask_preds.max(dim=1).values
        return mask_preds[torch.arange(mask_preds.size(0), device=labels.device), labels]

    def forward(self, x: Tensor, psi: Optional[Tensor] = None,
                labels: Optional[Tensor] = None) -> Tuple[Tensor, Optional[Tensor]]:
        """
        Args:
            x (Tensor): (R, C, 14, 14) mask RoI features.
            psi (Tensor, optional): (R, D, M, M) float32 Psi of each RoI on the mask grid.
                None runs the plain FCN head.
            labels (Tensor, optional): (R,) class of each RoI, choosing the seed channel.

        Returns:
            tuple: ``mask_preds`` (R, num_classes, M, M): s_hat, or s when the kernel is off
            (float32 with the kernel on, as log K is); ``log_k`` (R, M, M) float32 or None.
        """
        mask_preds = super().forward(x)
        if not self.use_kernel or psi is None:
            return mask_preds, None
        if psi.shape[-2:] != mask_preds.shape[-2:] or psi.size(0) != mask_preds.size(0):
            raise ValueError(f'psi {tuple(psi.shape)} does not match the mask logits '
                             f'{tuple(mask_preds.shape)}: the embedding RoI grid must be '
                             'the mask grid')
        log_k = self.kernel(psi, self.seed_scores(mask_preds, labels))
        return mask_preds.float() + log_k[:, None], log_k

    def loss_and_target(self, mask_preds: Tensor, log_k: Optional[Tensor],
                        sampling_results: List[SamplingResult],
                        batch_gt_instances: InstanceList,
                        rcnn_train_cfg: ConfigDict) -> dict:
        """FCNMaskHead's ``loss_mask`` on s_hat, plus ``loss_kernel`` when ``log_k`` is given.

        Args:
            mask_preds (Tensor): (R, num_classes, M, M) from :meth:`forward`.
            log_k (Tensor, optional): (R, M, M) from :meth:`forward`.

        Returns:
            dict: ``loss_mask`` (a dict of losses) and ``mask_targets`` (R, M, M).
        """
        results = super().loss_and_target(mask_preds, sampling_results,
                                          batch_gt_instances, rcnn_train_cfg)
        if log_k is not None:
            if log_k.size(0) == 0:
                loss_kernel = log_k.sum()
            else:
                loss_kernel = self.loss_kernel(log_k, results['mask_targets'])
            results['loss_mask']['loss_kernel'] = loss_kernel
        return results
