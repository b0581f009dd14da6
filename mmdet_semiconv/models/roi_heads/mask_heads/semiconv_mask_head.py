"""SemiConvMaskHead: Mask R-CNN's FCN mask head sharpened by a seed's affinities (sec. 3.5)."""
import math
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from mmdet.models.roi_heads.mask_heads import FCNMaskHead
from mmdet.registry import MODELS
from mmdet.utils import ConfigType

from ...utils.profiling import branch_scope


@MODELS.register_module()
class SemiConvMaskHead(FCNMaskHead):
    """FCN mask head whose logits are combined with a steered bilateral kernel.

    It keeps :class:`FCNMaskHead`'s contract: ``forward`` returns the logits s, and
    ``loss_and_target``/``predict_by_feat`` are FCNMaskHead's. Where Psi is available (the RoI
    head that owns a :class:`SemiConvEmbeddingBranch`), :meth:`sharpen` turns s into s_hat. For
    each RoI, with s the logits of the RoI's class channel (28 x 28 by default):

    * the seed from s (soft in training, argmax at test; :class:`SteeredBilateralKernel`);
    * ``log K(u) = log K_sigma(u_seed, u)`` from Psi on the same grid (eq. 10);
    * ``s_hat = s + lambda log K`` (added to every class channel). The paper's head is
      ``lambda = 1``; ``kernel_weight`` (lambda) lets a schedule ramp log K into the logits
      while Phi learns (:class:`SemiConvFinetuneHook`). The mask is ``sigmoid(s_hat)``.

    Losses: FCNMaskHead's BCE on s_hat (``loss_mask``) and :meth:`loss_kernel_by_feat`,
    ``BCE(K, gt mask)`` computed in log space (``loss_kernel``).

    ``logk_offset`` (a departure from the paper, off by default): ``s_hat = s + lambda (log K +
    beta)`` with a learned scalar beta starting at the given value. log K <= 0 can only lower
    a logit, and a RoI's own cells pay for an imperfect embedding (what they paid: docs/method.md,
    "Departures from the paper"); beta gives that back uniformly, so that the kernel's effect
    is a cut of the cells far from the seed rather than a shrink of the whole mask. The BCE on
    K sees log K itself.

    Args:
        kernel (dict): config of the kernel. Defaults to ``SteeredBilateralKernel``.
        loss_kernel (dict): config of the BCE on K. Defaults to ``LogSpaceBCELoss``.
        kernel_weight (float): lambda in ``s_hat = s + lambda log K``. Defaults to 1.
        logk_offset (float, optional): initial beta (learned); None: no offset (the paper).
        **kwargs: :class:`FCNMaskHead` arguments.
    """

    def __init__(self,
                 kernel: ConfigType = dict(type='SteeredBilateralKernel'),
                 loss_kernel: ConfigType = dict(type='LogSpaceBCELoss', loss_weight=1.0),
                 kernel_weight: float = 1.0,
                 logk_offset: Optional[float] = None,
                 **kwargs) -> None:
        if not (math.isfinite(kernel_weight) and kernel_weight >= 0):
            raise ValueError(f'kernel_weight (lambda in s_hat = s + lambda log K) must be finite '
                             f'and >= 0, got {kernel_weight}')
        if logk_offset is not None and (isinstance(logk_offset, bool)
                                        or not isinstance(logk_offset, (int, float))
                                        or not math.isfinite(logk_offset)):
            raise ValueError(f'logk_offset is the initial beta, a finite number (or None for '
                             f'no offset, the paper), got {logk_offset!r}')
        super().__init__(**kwargs)
        self.kernel = MODELS.build(kernel)
        self.loss_kernel = MODELS.build(loss_kernel)
        self.kernel_weight = kernel_weight
        self.logk_offset = (None if logk_offset is None else
                            nn.Parameter(torch.tensor(float(logk_offset))))

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

    def sharpen(self, mask_preds: Tensor, psi: Tensor,
                labels: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """s_hat = s + lambda log K (section 3.5).

        Args:
            mask_preds (Tensor): (R, num_classes, M, M) logits s from :meth:`forward`.
            psi (Tensor): (R, D, M, M) float32 Psi of each RoI on the mask grid.
            labels (Tensor, optional): (R,) class of each RoI, choosing the seed channel.

        Returns:
            tuple[Tensor, Tensor]: s_hat (R, num_classes, M, M), float32 unless lambda is 0
            (then s itself, untouched), and log K (R, M, M) float32 (without beta).
        """
        if psi.shape[-2:] != mask_preds.shape[-2:] or psi.size(0) != mask_preds.size(0):
            raise ValueError(f'psi {tuple(psi.shape)} does not match the mask logits '
                             f'{tuple(mask_preds.shape)}: the embedding RoI grid must be '
                             'the mask grid')
        with branch_scope('kernel'):
            log_k = self.kernel(psi, self.seed_scores(mask_preds, labels))
            if self.kernel_weight == 0:
                return mask_preds, log_k
            shift = log_k if self.logk_offset is None else log_k + self.logk_offset.float()
            return mask_preds.float() + self.kernel_weight * shift[:, None], log_k

    def loss_kernel_by_feat(self, log_k: Tensor, mask_targets: Tensor) -> Dict[str, Tensor]:
        """``BCE(K, gt mask)`` on the mask grid.

        Args:
            log_k (Tensor): (R, M, M) from :meth:`sharpen`.
            mask_targets (Tensor): (R, M, M), FCNMaskHead's targets.

        Returns:
            dict: ``loss_kernel`` (zero with a gradient path when there is no RoI).
        """
        if log_k.size(0) == 0:
            return dict(loss_kernel=log_k.sum())
        with branch_scope('bce_k'):
            return dict(loss_kernel=self.loss_kernel(log_k, mask_targets))
