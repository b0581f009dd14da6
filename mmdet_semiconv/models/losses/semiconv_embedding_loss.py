"""SemiConvEmbeddingLoss: the attractive embedding loss of eq. (5)."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from mmdet.registry import MODELS


def instance_spreads(emb: Tensor, inst: Tensor, pix: Tensor,
                     num: int) -> Tuple[Tensor, Tensor]:
    """The inner term of eq. (5) for every instance S, from (instance, pixel) membership pairs.

    ``spread_S = 1/|S| sum_{u in S} || Psi_u - mean_{v in S} Psi_v ||`` (unsquared).

    Scatter ops over the P pairs: the cost is O(P D), i.e. it grows with the covered pixels
    (times how many instances overlap there), not with pixels x instances. A pixel may belong
    to several instances.

    Args:
        emb (Tensor): (num_pixels, D) embeddings, one row per pixel.
        inst (Tensor): (P,) long, instance index of each pair, in [0, num).
        pix (Tensor): (P,) long, row of ``emb`` of each pair.
        num (int): number of instances.

    Returns:
        tuple[Tensor, Tensor]: float32 ``spread`` (num,) (0 for an instance without pixels) and
        the pixel count ``|S|`` (num,).
    """
    emb = emb.float()
    counts = torch.bincount(inst, minlength=num).to(emb.dtype)
    member = emb[pix]  # (P, D)
    means = emb.new_zeros(num, emb.size(1)).index_add_(0, inst, member)
    means = means / counts.clamp(min=1)[:, None]
    dist = (member - means[inst]).pow(2).sum(1).add(1e-12).sqrt()
    spread = emb.new_zeros(num).index_add_(0, inst, dist) / counts.clamp(min=1)
    return spread, counts


def embedding_loss_single(psi: Tensor, masks: Tensor) -> Tuple[Tensor, int]:
    """Eq. (5) of one image, summed over its instances as in the paper.

    Args:
        psi (Tensor): (D, H, W) Psi of the image.
        masks (Tensor): (K, H, W) bool masks on Psi's grid.

    Returns:
        tuple: the float32 scalar loss and the number of instances with a pixel.
    """
    inst, pix = masks.flatten(1).nonzero(as_tuple=True)
    spread, counts = instance_spreads(psi.flatten(1).t(), inst, pix, masks.size(0))
    return spread.sum(), int((counts > 0).sum())


@MODELS.register_module()
class SemiConvEmbeddingLoss(nn.Module):
    """Eq. (5) over a batch, on a chosen set of FPN levels.

    The paper sums eq. (5) over the instances of an image. ``normalize`` says what the sum is
    divided by:

    * ``'image'``: the number of images, i.e. the paper's per-image sum averaged over the batch
      as every mmdet loss is;
    * ``'instance'``: the number of instances of the batch (that have a pixel on the level), so
      that the loss does not grow with how crowded the images are.

    Levels are averaged. Train the levels the mask RoIs read Psi from: mmdet assigns a RoI to
    ``floor(log2(sqrt(wh) / 56 + 1e-6))``, so every RoI below 112 px reads P2.

    Args:
        levels (Sequence[int]): indices into the FPN levels (0 = the finest, P2).
            Defaults to (0, 1, 2, 3), the four levels mmdet's mask RoI extractor reads.
        normalize (str): ``'instance'`` or ``'image'``. Defaults to ``'instance'``.
        loss_weight (float): Defaults to 1.
    """

    NORMALIZE = ('instance', 'image')

    def __init__(self, levels: Sequence[int] = (0, 1, 2, 3), normalize: str = 'instance',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if normalize not in self.NORMALIZE:
            raise ValueError(f'normalize must be one of {self.NORMALIZE}, got {normalize!r}')
        if not levels:
            raise ValueError('levels must name at least one FPN level')
        self.levels = tuple(levels)
        self.normalize = normalize
        self.loss_weight = loss_weight

    def level_losses(self, psis: Sequence[Tensor], masks: Sequence[Tensor],
                     img_ids: Tensor) -> Tensor:
        """Unweighted eq. (5) of each level.

        Args:
            psis (Sequence[Tensor]): Psi of each level of ``self.levels``, (N, D, H_l, W_l).
            masks (Sequence[Tensor]): GT masks of the whole batch on each of those levels,
                (K, H_l, W_l) bool (see :func:`~mmdet_semiconv.models.utils.sample_on_cells`).
            img_ids (Tensor): (K,) long, the image of each instance.

        Returns:
            Tensor: (num_levels,) float32. Zero, with a gradient path and no NaN, when there
            is no instance.
        """
        out = []
        for psi, lvl_masks in zip(psis, masks):
            n, d, h, w = psi.shape
            emb = psi.float().permute(0, 2, 3, 1).reshape(-1, d)  # rows: (image, y, x)
            inst, ys, xs = lvl_masks.nonzero(as_tuple=True)
            pix = (img_ids[inst] * h + ys) * w + xs
            spread, counts = instance_spreads(emb, inst, pix, lvl_masks.size(0))
            if self.normalize == 'image':
                denom = n
            else:
                denom = max(int((counts > 0).sum()), 1)
            out.append(emb.sum() * 0 + spread.sum() / denom)
        return torch.stack(out)

    def forward(self, psis: Sequence[Tensor], masks: Sequence[Tensor],
                img_ids: Tensor) -> Tensor:
        """``loss_weight`` x the mean over levels of :meth:`level_losses`."""
        return self.loss_weight * self.level_losses(psis, masks, img_ids).mean()
