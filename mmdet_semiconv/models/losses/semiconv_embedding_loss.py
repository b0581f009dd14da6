"""SemiConvEmbeddingLoss: the attractive embedding loss of eq. (5), and two companion terms."""
import math
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
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
    member = emb.float()[pix]  # (P, D), read once: its gradient is accumulated in one place
    means, counts = member_means(member, inst, num)
    return mean_distances(member, inst, means, counts), counts


def member_means(member: Tensor, inst: Tensor, num: int) -> Tuple[Tensor, Tensor]:
    """``mean_{v in S} Psi_v`` (num, D) float32 (0 without pixels) and ``|S|`` (num,), from
    the Psi of each (instance, pixel) pair, ``member`` (P, D)."""
    counts = torch.bincount(inst, minlength=num).to(member.dtype)
    means = member.new_zeros(num, member.size(1)).index_add_(0, inst, member)
    return means / counts.clamp(min=1)[:, None], counts


def mean_distances(member: Tensor, inst: Tensor, centres: Tensor, counts: Tensor) -> Tensor:
    """``1/|S| sum_{u in S} ||Psi_u - c_S||`` for every instance S: (num,) float32."""
    dist = (member - centres[inst]).pow(2).sum(1).add(1e-12).sqrt()
    return member.new_zeros(centres.size(0)).index_add_(0, inst, dist) / counts.clamp(min=1)


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
    """Eq. (5) over a batch, on the Psi maps it is given, and two optional companion terms.

    The paper sums eq. (5) over the instances of an image. ``normalize`` says what the sum is
    divided by:

    * ``'image'``: the number of images, i.e. the paper's per-image sum averaged over the batch
      as every mmdet loss is;
    * ``'instance'``: the number of instances of the batch (that have a pixel on the level), so
      that the loss does not grow with how crowded the images are.

    Levels are averaged; which levels is the caller's (``SemiConvEmbeddingBranch.loss_levels``).

    Eq. (5) only attracts, and only on the cells of instances. Two departures from the paper,
    each off by default and each its own loss key (:meth:`companion_losses`):

    * ``loss_boundary`` (``boundary_band`` > 0): a background cell within ``boundary_band``
      cells of instance S is pulled towards S's mean Psi (held fixed), with the normalisation
      of eq. (5). RoIAlign reads Psi bilinearly, so on objects one or two cells wide it blends
      the object's Psi with its background's; untrained there, that background costs the
      object's own cells log K.
    * ``loss_repulsion`` (``repulsion_margin`` > 0): a hinge
      ``max(0, margin - ||mean_S Psi - mean_T Psi||)`` for every pair of instances S, T of one
      image whose boxes (on the level's cells) overlap, i.e. that share a RoI; averaged over
      pairs. Without it the means of neighbouring instances partly collapse (measured:
      docs/method.md, "Departures from the paper"). Set the margin to a few sigma: at 2 sigma
      a Laplacian kernel gives the other instance log K = -2.

    Args:
        normalize (str): ``'instance'`` or ``'image'``. Defaults to ``'instance'``.
        loss_weight (float): weight of eq. (5). Defaults to 1.
        boundary_band (int): width in cells of the background band of ``loss_boundary``;
            0 switches it off. Defaults to 0.
        boundary_weight (float): weight of ``loss_boundary``. Defaults to 1.
        repulsion_margin (float): margin of ``loss_repulsion`` in embedding units
            (``coord_scale`` px each); 0 switches it off. Defaults to 0.
        repulsion_weight (float): weight of ``loss_repulsion``. Defaults to 1.
    """

    NORMALIZE = ('instance', 'image')

    def __init__(self, normalize: str = 'instance', loss_weight: float = 1.0,
                 boundary_band: int = 0, boundary_weight: float = 1.0, repulsion_margin: float = 0.,
                 repulsion_weight: float = 1.0) -> None:
        super().__init__()
        if normalize not in self.NORMALIZE:
            raise ValueError(f'normalize must be one of {self.NORMALIZE}, got {normalize!r}')
        for name, value in (('loss_weight', loss_weight), ('boundary_band', boundary_band),
                            ('boundary_weight', boundary_weight),
                            ('repulsion_margin', repulsion_margin),
                            ('repulsion_weight', repulsion_weight)):
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f'{name} must be finite and >= 0, got {value}: a NaN trains '
                                 'NaN to the end, a negative weight trains the embedding the '
                                 'wrong way')
        if boundary_band != int(boundary_band):
            raise ValueError(f'boundary_band is a number of cells, got {boundary_band}')
        for weight, value, switch, on in (
                ('boundary_weight', boundary_weight, 'boundary_band', boundary_band),
                ('repulsion_weight', repulsion_weight, 'repulsion_margin', repulsion_margin)):
            if value != 1.0 and not on:
                raise ValueError(f'{weight}={value} has no effect while {switch} is 0 (its '
                                 f'term is off): set {switch} > 0, or leave {weight} out')
        self.normalize = normalize
        self.loss_weight = loss_weight
        self.boundary_band = int(boundary_band)
        self.boundary_weight = boundary_weight
        self.repulsion_margin = float(repulsion_margin)
        self.repulsion_weight = repulsion_weight

    def level_losses(self, psis: Sequence[Tensor], masks: Sequence[Tensor],
                     img_ids: Tensor) -> Tensor:
        """Unweighted eq. (5) of each level.

        Args:
            psis (Sequence[Tensor]): Psi of each loss level, (N, D, H_l, W_l).
            masks (Sequence[Tensor]): GT masks of the whole batch on each of those levels,
                (K, H_l, W_l) bool (see :func:`~mmdet_semiconv.models.utils.sample_on_cells`).
            img_ids (Tensor): (K,) long, the image of each instance.

        Returns:
            Tensor: (num_levels,) float32. Zero, with a gradient path and no NaN, when there
            is no instance.
        """
        out = []
        for psi, lvl_masks in zip(psis, masks):
            emb = _rows(psi)
            inst, pix = _pairs(lvl_masks, img_ids)
            spread, counts = instance_spreads(emb, inst, pix, lvl_masks.size(0))
            out.append(emb.sum() * 0 + spread.sum() / self._denominator(psi, counts))
        return torch.stack(out)

    def companion_losses(self, psis: Sequence[Tensor], masks: Sequence[Tensor],
                         img_ids: Tensor) -> Dict[str, Tensor]:
        """The enabled departures from eq. (5), weighted, each averaged over the levels.

        Arguments as :meth:`level_losses`.

        Returns:
            dict: ``loss_boundary`` and/or ``loss_repulsion`` (empty if both are off); zero
            with a gradient path when there is nothing to pull or push.
        """
        terms: Dict[str, List[Tensor]] = {}
        if self.boundary_band == 0 and self.repulsion_margin == 0:
            return {}  # the paper's loss: nothing else in the graph
        for psi, lvl_masks in zip(psis, masks):
            emb = _rows(psi)
            inst, pix = _pairs(lvl_masks, img_ids)
            num = lvl_masks.size(0)
            means, counts = member_means(emb[pix], inst, num)
            zero = emb.sum() * 0
            if self.boundary_band > 0:
                b_inst, b_pix = _pairs(_background_band(lvl_masks, img_ids, psi.size(0),
                                                        self.boundary_band), img_ids)
                b_counts = torch.bincount(b_inst, minlength=num).to(emb.dtype)
                pulled = mean_distances(emb[b_pix], b_inst, means.detach(), b_counts)
                terms.setdefault('loss_boundary', []).append(
                    zero + pulled.sum() / self._denominator(psi, b_counts))
            if self.repulsion_margin > 0:
                i, j = _box_sharing_pairs(lvl_masks, img_ids, counts > 0)
                gap = (means[i] - means[j]).pow(2).sum(1).add(1e-12).sqrt()
                hinge = (self.repulsion_margin - gap).clamp(min=0)
                terms.setdefault('loss_repulsion', []).append(
                    zero + hinge.sum() / max(int(i.numel()), 1))
        weights = dict(loss_boundary=self.boundary_weight,
                       loss_repulsion=self.repulsion_weight)
        return {k: weights[k] * torch.stack(v).mean() for k, v in terms.items()}

    def forward(self, psis: Sequence[Tensor], masks: Sequence[Tensor],
                img_ids: Tensor) -> Tensor:
        """``loss_weight`` x the mean over levels of :meth:`level_losses`."""
        return self.loss_weight * self.level_losses(psis, masks, img_ids).mean()

    def _denominator(self, psi: Tensor, counts: Tensor) -> int:
        if self.normalize == 'image':
            return psi.size(0)
        return max(int((counts > 0).sum()), 1)


def _rows(psi: Tensor) -> Tensor:
    """(N, D, h, w) Psi of a level as float32 rows (N h w, D) in (image, y, x) order."""
    return psi.float().permute(0, 2, 3, 1).reshape(-1, psi.size(1))


def _pairs(masks: Tensor, img_ids: Tensor) -> Tuple[Tensor, Tensor]:
    """(instance, row of :func:`_rows`) of every cell of every mask (K, h, w)."""
    h, w = masks.shape[-2:]
    inst, ys, xs = masks.nonzero(as_tuple=True)
    return inst, (img_ids[inst] * h + ys) * w + xs


def _background_band(masks: Tensor, img_ids: Tensor, num_images: int, band: int) -> Tensor:
    """(K, h, w) bool: cells within ``band`` cells (Chebyshev) of each instance that belong to
    no instance of its image."""
    if masks.size(0) == 0:
        return masks
    grown = F.max_pool2d(masks[:, None].float(), 2 * band + 1, 1, band)[:, 0] > 0
    foreground = masks.new_zeros((num_images, ) + masks.shape[1:], dtype=torch.float32)
    foreground.index_add_(0, img_ids, masks.float())
    return grown & ~(foreground[img_ids] > 0)


def _box_sharing_pairs(masks: Tensor, img_ids: Tensor,
                       present: Tensor) -> Tuple[Tensor, Tensor]:
    """Pairs (i, j), i < j, of present instances of one image whose boxes on the cells overlap."""
    k, h, w = masks.shape
    rows, cols = masks.any(2), masks.any(1)  # (K, h), (K, w)
    ar_h = torch.arange(h, device=masks.device)
    ar_w = torch.arange(w, device=masks.device)
    y1 = torch.where(rows, ar_h, h).min(1).values
    y2 = torch.where(rows, ar_h, -1).max(1).values
    x1 = torch.where(cols, ar_w, w).min(1).values
    x2 = torch.where(cols, ar_w, -1).max(1).values
    overlap = ((x1[:, None] <= x2[None]) & (x1[None] <= x2[:, None])
               & (y1[:, None] <= y2[None]) & (y1[None] <= y2[:, None]))
    same = (img_ids[:, None] == img_ids[None]) & present[:, None] & present[None]
    i, j = torch.triu(overlap & same, diagonal=1).nonzero(as_tuple=True)
    return i, j
