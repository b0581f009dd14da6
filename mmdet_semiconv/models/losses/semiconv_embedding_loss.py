"""SemiConvEmbeddingLoss: the attractive embedding loss of eq. (5)."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from mmdet.registry import MODELS


def embedding_loss_pairs(psi: Tensor, inst: Tensor, pix: Tensor, num: int) -> Tuple[Tensor, int]:
    """Eq. (5) of one image from its (instance, pixel) membership pairs, summed over instances.

    ``sum_S 1/|S| sum_{u in S} || Psi_u - mean_{v in S} Psi_v ||``

    Scatter ops over the P pairs: the cost is O(P D), i.e. it grows with the covered pixels
    (times how many instances overlap there), not with pixels x instances. A pixel may belong
    to several instances. Instances without a pixel are skipped.

    Args:
        psi (Tensor): (D, H, W) Psi of the image.
        inst (Tensor): (P,) long, instance index of each pair, in [0, num).
        pix (Tensor): (P,) long, flat pixel index (``y * W + x``) of each pair.
        num (int): number of instances K.

    Returns:
        tuple: the float32 scalar loss and the number of instances that contributed.
    """
    psi = psi.float().flatten(1).t()  # (HW, D)
    counts = torch.bincount(inst, minlength=num).to(psi.dtype)  # |S|
    member = psi[pix]  # (P, D)
    means = psi.new_zeros(num, psi.size(1)).index_add_(0, inst, member)
    means = means / counts.clamp(min=1)[:, None]
    dist = (member - means[inst]).pow(2).sum(1).add(1e-12).sqrt()
    per_inst = psi.new_zeros(num).index_add_(0, inst, dist) / counts.clamp(min=1)
    return per_inst.sum(), int((counts > 0).sum())


def embedding_loss_single(psi: Tensor, masks: Tensor) -> Tuple[Tensor, int]:
    """:func:`embedding_loss_pairs` from dense (K, H, W) bool masks on Psi's grid.

    Finding the pairs scans the K x H x W masks once (``nonzero``); callers that already hold
    the pairs should call :func:`embedding_loss_pairs`.
    """
    inst, pix = masks.flatten(1).nonzero(as_tuple=True)
    return embedding_loss_pairs(psi, inst, pix, masks.size(0))


@MODELS.register_module()
class SemiConvEmbeddingLoss(nn.Module):
    """Eq. (5) over a batch and a chosen set of FPN levels.

    The paper sums eq. (5) over the instances of an image. Here the sum is divided by the
    number of instances in the batch (per level, then averaged over levels), as mmdet's losses
    are: otherwise the loss, and so ``loss_weight``, would grow with how crowded the images are.

    Which levels: by default the four the mask RoI extractor reads (P2-P5), because a RoI's
    Psi is read from the level its size assigns it to, so every such level must be trained.

    Args:
        levels (Sequence[int]): indices into the embedding levels. Defaults to (0, 1, 2, 3).
        loss_weight (float): Defaults to 1.
    """

    def __init__(self, levels: Sequence[int] = (0, 1, 2, 3),
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.levels = tuple(levels)
        self.loss_weight = loss_weight

    def forward(self, psis: Sequence[Tensor], masks: Sequence[Sequence[Tensor]]) -> Tensor:
        """
        Args:
            psis (Sequence[Tensor]): Psi per level, each (N, D, H_l, W_l).
            masks (Sequence[Sequence[Tensor]]): ``masks[l][i]`` is the (K_i, H_l, W_l) bool
                masks of image ``i`` on level ``self.levels[l]``.

        Returns:
            Tensor: scalar. Zero, with a gradient path and no NaN, when there is no instance.
        """
        level_losses = []
        for lvl_masks, lvl in zip(masks, self.levels):
            psi = psis[lvl]
            total, count = psi.float().sum() * 0, 0
            for img_psi, img_masks in zip(psi, lvl_masks):
                loss, n = embedding_loss_single(img_psi, img_masks)
                total, count = total + loss, count + n
            level_losses.append(total / max(count, 1))
        return self.loss_weight * torch.stack(level_losses).mean()
