"""How much could semi-convolutional masks add on a split? The ceiling of section 3.5's kernel.

With detection taken out (every ground-truth box is a detection of score 1 and its GT class, as
in :func:`gt_box_diagnostics`), mask AP through mmdet's ``CocoMetric`` of:

* ``s``: the mask head's logits alone (any Mask R-CNN; the kernel off);
* ``model``: the model's own s_hat (semi-conv models: its Psi, sigma, lambda, offset);
* ``learned/sigma=P``: s + log K with the model's Psi and a Laplacian kernel (eq. 10) of
  bandwidth P px, for each P of the sweep;
* ``oracle/sigma=P``: the same with the oracle Psi of :class:`OraclePsi`, a perfect embedding
  read exactly as the branch reads Phi (RoIAlign on a map of a chosen stride, u_hat added);

each also with every global logit ``offset`` asked for (``.../offset=O``; an offset stands in
for a head retrained with the kernel, so it is optimistic). Seeds are the argmax of s (the
paper's test rule).

And the precision of the learned embedding, in input pixels, on its finest Phi level:
``spread_px`` (mean distance of an instance's Psi to its mean), for pairs of instances one of
which reaches into the other's box ``mean_gap_px`` (distance of their Psi means),
``centroid_gap_px`` (of their mask centroids), ``gap_ratio`` (their quotient: 1 for a perfect
embedding, < 1 when neighbours collapse), ``pairs_within_sigma``; and on the mask grid of every
GT box the mean distance from the seed to the box's own cells and to other instances' cells
(``seed_dist_own_px``, ``seed_dist_other_px``, also for the oracle).
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmcv.ops import RoIAlign
from mmengine.evaluator import Evaluator
from mmengine.structures import InstanceData
from scipy import ndimage
from torch import Tensor

from mmdet.structures.bbox import bbox2roi, scale_boxes

from ..models import SemiConvMaskHead, SteeredBilateralKernel
from ..models.losses.semiconv_embedding_loss import instance_spreads, member_means
from ..models.utils.coordinates import level_coordinates, roi_grid_coordinates, sample_on_cells
from .semiconv_diagnostics import _separation_targets


@dataclass
class OraclePsi:
    """A perfect embedding: Psi_u = the centroid (input pixels) of the instance containing u.

    Built as a Phi map of stride ``stride`` (Phi = Psi - u_hat on each cell) and RoI-aligned
    onto the mask grid with u_hat added, as :meth:`SemiConvEmbeddingBranch.roi_psi_by_feat` does,
    so that it suffers the same bilinear blending as a learned Phi at that stride.

    Args:
        stride (int): stride of the Phi map in input pixels (4 = P2).
        overlap (str): a cell in several instances takes ``'mean'`` of their centroids, or, on
            the grid of a box, ``'own'``: the box's own centroid if the cell is in its instance.
        background (str): a cell in no instance has ``'zero'`` Phi (an untrained branch's), or
            the Psi of the ``'nearest'`` instance cell.
        coord_scale (float): input pixels per embedding unit.
    """
    stride: int = 4
    overlap: str = 'mean'
    background: str = 'zero'
    coord_scale: float = 64.

    def __post_init__(self):
        if self.overlap not in ('mean', 'own'):
            raise ValueError(f"overlap must be 'mean' or 'own', got {self.overlap!r}")
        if self.background not in ('zero', 'nearest'):
            raise ValueError(f"background must be 'zero' or 'nearest', got {self.background!r}")
        if self.stride < 1:
            raise ValueError(f'stride must be >= 1, got {self.stride}')

    def roi_psi(self, masks: Tensor, boxes: Tensor, mask_size: int,
                pad_shape: Tuple[int, int]) -> Tensor:
        """Oracle Psi (x, y) on the mask grid of each instance's box, in embedding units.

        Args:
            masks (Tensor): (K, H, W) bool instance masks in the input frame.
            boxes (Tensor): (K, 4) their boxes in the input frame.
            mask_size (int): side M of the mask grid.
            pad_shape (tuple): (H, W) of the network input.

        Returns:
            Tensor: (K, 2, M, M) float32.
        """
        k = masks.size(0)
        h, w = (-(-pad_shape[0] // self.stride), -(-pad_shape[1] // self.stride))
        cells = sample_on_cells(masks, self.stride, (h, w)).float()  # (K, h, w)
        centroids = mask_centroids(masks, boxes) / self.coord_scale  # (K, 2)
        count = cells.sum(0)
        mean = torch.einsum('khw,kc->chw', cells, centroids) / count.clamp(min=1)
        psi = mean[None].repeat(k, 1, 1, 1)  # one map per box: (K, 2, h, w)
        if self.overlap == 'own':
            own = cells.bool()[:, None].expand_as(psi)
            psi = torch.where(own, centroids[:, :, None, None].expand_as(psi), psi)
        u_hat = level_coordinates(h, w, self.stride, self.coord_scale, 2, masks.device)[0]
        background = (count == 0).cpu().numpy()
        if self.background == 'nearest' and not background.all():
            _, (iy, ix) = ndimage.distance_transform_edt(background, return_indices=True)
            iy, ix = torch.from_numpy(iy).to(psi.device), torch.from_numpy(ix).to(psi.device)
            psi = torch.where(count.bool(), psi, psi[:, :, iy, ix])
        else:
            psi = torch.where(count.bool(), psi, u_hat)
        phi = (psi - u_hat).contiguous()
        rois = torch.cat([torch.arange(k, dtype=torch.float32, device=masks.device)[:, None],
                          boxes.float()], 1)
        align = RoIAlign(mask_size, 1. / self.stride, sampling_ratio=0, aligned=True)
        return align(phi, rois) + roi_grid_coordinates(rois, mask_size, self.coord_scale, 2)


def mask_centroids(masks: Tensor, boxes: Tensor) -> Tensor:
    """(K, 2) centroid (x, y) of each mask (K, H, W) in pixels (pixel k centred at k + 0.5);
    the box centre for an empty mask."""
    m = masks.float()
    area = m.sum((1, 2))
    ys = torch.arange(m.size(1), dtype=torch.float32, device=m.device) + 0.5
    xs = torch.arange(m.size(2), dtype=torch.float32, device=m.device) + 0.5
    cx = (m.sum(1) * xs).sum(1) / area.clamp(min=1)
    cy = (m.sum(2) * ys).sum(1) / area.clamp(min=1)
    centre = (boxes[:, :2] + boxes[:, 2:]).float() / 2
    return torch.where((area > 0)[:, None], torch.stack([cx, cy], 1), centre)


def seed_distances(psi: Tensor, seed_scores: Tensor) -> Tensor:
    """||Psi_u - Psi_seed|| (R, M, M) with the seed at the argmax of ``seed_scores`` (R, M, M)."""
    seed = SteeredBilateralKernel.seed(psi, seed_scores, 'argmax')
    return (psi - seed[..., None, None]).pow(2).sum(1).add(1e-12).sqrt()


def _mask_stage(head) -> Tuple[torch.nn.Module, torch.nn.Module]:
    """The mask RoI extractor and mask head (a cascade's last stage)."""
    if isinstance(head.mask_head, torch.nn.ModuleList):
        return head.mask_roi_extractor[-1], head.mask_head[-1]
    return head.mask_roi_extractor, head.mask_head


def _input_frame_masks(sample) -> Tensor:
    """GT masks of a sample resized to the network input (test pipelines keep them in the
    original frame), (K, H, W) bool."""
    masks = sample.gt_instances.masks
    h, w = sample.img_shape
    if (masks.height, masks.width) != (h, w):
        masks = masks.resize((h, w))
    return masks.to_tensor(torch.bool, 'cpu')


class _EmbeddingStats:
    """Accumulates the learned embedding's precision (module docstring)."""

    def __init__(self) -> None:
        self.spreads: List[float] = []
        self.gaps: List[float] = []
        self.centroid_gaps: List[float] = []

    def add(self, psi: Tensor, stride: int, masks: Tensor, boxes: Tensor,
            coord_scale: float) -> None:
        """One image: ``psi`` (D, h, w) on its Phi level, ``masks`` (K, H, W), ``boxes`` (K, 4)
        in the input frame."""
        k = masks.size(0)
        if k == 0:
            return
        cells = sample_on_cells(masks, stride, psi.shape[-2:])
        inst, pix = cells.flatten(1).nonzero(as_tuple=True)
        emb = psi.flatten(1).t()
        spread, counts = instance_spreads(emb, inst, pix, k)
        means, _ = member_means(emb.float()[pix], inst, k)
        present = counts > 0
        self.spreads += (spread[present] * coord_scale).tolist()
        centroids = mask_centroids(masks, boxes)
        # j reaches into i's box: a pixel of mask j inside box i
        reach = torch.zeros(k, k, dtype=torch.bool)
        for i, (x1, y1, x2, y2) in enumerate(boxes.floor().long().tolist()):
            reach[i] = masks[:, max(y1, 0):y2 + 1, max(x1, 0):x2 + 1].flatten(1).any(1)
        pairs = torch.triu((reach | reach.t()) & present[:, None] & present[None], 1)
        i, j = pairs.nonzero(as_tuple=True)
        self.gaps += ((means[i] - means[j]).norm(dim=1) * coord_scale).tolist()
        self.centroid_gaps += (centroids[i] - centroids[j]).norm(dim=1).tolist()

    def summary(self, sigma_px: float) -> Dict[str, float]:
        gaps = np.asarray(self.gaps)
        centroid = np.asarray(self.centroid_gaps)
        nan = float('nan')
        return {
            'embedding/spread_px': float(np.mean(self.spreads)) if self.spreads else nan,
            'embedding/mean_gap_px': float(gaps.mean()) if gaps.size else nan,
            'embedding/centroid_gap_px': float(centroid.mean()) if centroid.size else nan,
            'embedding/gap_ratio': float(gaps.sum() / centroid.sum()) if gaps.size else nan,
            'embedding/pairs_within_sigma': float((gaps < sigma_px).mean())
            if gaps.size else nan,
            'embedding/num_pairs': float(gaps.size),
        }


@torch.no_grad()
def semiconv_ceiling(model, dataloader, ann_file: str, oracle: Optional[OraclePsi] = None,
                     sigmas_px: Sequence[float] = (4., 8., 16., 32., 64.),
                     offsets: Sequence[float] = (0., )) -> Dict[str, float]:
    """Mask AP on the GT boxes of a split for s alone, the model, learned and oracle Psi.

    Args:
        model: an mmdet two-stage detector with a mask head (Mask R-CNN, Cascade: its last
            stage), with or without the semi-conv branch.
        dataloader: a test dataloader of the split (annotations loaded).
        ann_file (str): the split's COCO json, for ``CocoMetric``.
        oracle (OraclePsi, optional): the oracle; defaults to ``OraclePsi()`` at the model's
            ``coord_scale`` (64 without the branch).
        sigmas_px (Sequence[float]): kernel bandwidths of the sweep, in input pixels.
        offsets (Sequence[float]): global logit offsets added to every variant.

    Returns:
        dict: ``<variant>/segm_mAP`` (and ``_50``, ``_75``) for every variant of the module
        docstring, and the embedding statistics.
    """
    model.eval()
    head = model.roi_head
    branch = getattr(head, 'semiconv_branch', None)
    extractor, mask_head = _mask_stage(head)
    coord_scale = branch.coord_scale if branch is not None else 64.
    oracle = oracle or OraclePsi(coord_scale=coord_scale)
    if oracle.coord_scale != coord_scale:
        raise ValueError(f'oracle.coord_scale {oracle.coord_scale} is not the model\'s '
                         f'{coord_scale}: sigma would mean different pixels')
    psi_sources = ['oracle'] + (['learned'] if branch is not None else [])
    with_model = branch is not None and isinstance(mask_head, SemiConvMaskHead)
    names = ['s'] + (['model'] if with_model else []) + [
        f'{src}/sigma={p:g}' for src in psi_sources for p in sigmas_px]
    variants = [(n, o) for n in names for o in offsets]
    evaluators = {}
    for name, offset in variants:
        key = name if offset == 0 and len(offsets) == 1 else f'{name}/offset={offset:g}'
        evaluators[(name, offset)] = ev = Evaluator(
            dict(type='CocoMetric', ann_file=ann_file, metric='segm', prefix=key))
        ev.dataset_meta = dataloader.dataset.metainfo
    stats = _EmbeddingStats()
    dist_sums = {src: torch.zeros(2, dtype=torch.float64) for src in psi_sources}
    dist_counts = torch.zeros(2, dtype=torch.float64)
    for batch in dataloader:
        data = model.data_preprocessor(batch, False)
        samples = data['data_samples']
        x = model.extract_feat(data['inputs'])
        device = x[0].device
        boxes, labels, masks = [], [], []
        for s in samples:
            boxes.append(scale_boxes(s.gt_instances.bboxes, s.scale_factor).to(device))
            labels.append(s.gt_instances.labels.to(device))
            masks.append(_input_frame_masks(s).to(device))
        rois = bbox2roi(boxes)
        if rois.size(0) == 0:
            continue
        labels_all = torch.cat(labels)
        s_logits = mask_head(extractor(x[:extractor.num_inputs], rois)).float()
        seed_s = (s_logits[:, 0] if mask_head.class_agnostic else
                  s_logits[torch.arange(rois.size(0), device=device), labels_all])
        pad_shape = tuple(samples[0].batch_input_shape)
        size = s_logits.size(-1)
        psi = {'oracle': torch.cat([oracle.roi_psi(m, b, size, pad_shape)
                                    for m, b in zip(masks, boxes)])}
        logits = {'s': s_logits}
        if branch is not None:
            phis = branch(x)
            psi['learned'] = branch.roi_psi_by_feat(phis, rois)
            if isinstance(mask_head, SemiConvMaskHead):
                logits['model'] = mask_head.sharpen(s_logits, psi['learned'], labels_all)[0]
            level = branch.level_psi(phis[0], 0)
            for i, (m, b) in enumerate(zip(masks, boxes)):
                stats.add(level[i], branch.strides[0], m, b, coord_scale)
        kinds = torch.cat([_separation_targets(s.gt_instances, torch.device('cpu'), size)
                           for s in samples])[:, :2].double()  # own, other
        dist_counts += kinds.sum((0, 2, 3))
        for src, p in psi.items():
            dist = seed_distances(p, seed_s)
            dist_sums[src] += (kinds * dist.double().cpu()[:, None]).sum((0, 2, 3))
            for px in sigmas_px:
                logits[f'{src}/sigma={px:g}'] = (
                    s_logits - dist[:, None] * (coord_scale / px))
        per_image = [len(b) for b in boxes]
        for (name, offset), ev in evaluators.items():
            results = [InstanceData(bboxes=b.clone(), labels=lab,
                                    scores=torch.ones(len(b), device=device))
                       for b, lab in zip(boxes, labels)]
            preds = mask_head.predict_by_feat(
                mask_preds=(logits[name] + offset).split(per_image),
                results_list=results, batch_img_metas=[s.metainfo for s in samples],
                rcnn_test_cfg=head.test_cfg, rescale=True)
            for s, pred in zip(samples, preds):
                s.pred_instances = pred
            ev.process(data_samples=samples, data_batch=batch)
    out: Dict[str, float] = {}
    for ev in evaluators.values():
        out.update(ev.evaluate(len(dataloader.dataset)))
    for src in psi_sources:
        own, other = (dist_sums[src] / dist_counts.clamp(min=1) * coord_scale).tolist()
        out[f'{src}/seed_dist_own_px'] = own
        out[f'{src}/seed_dist_other_px'] = other
    if with_model:
        sigma_px = float(branch.sigma_px(mask_head.kernel.sigma))
        out['learned/sigma_px'] = sigma_px
        out.update(stats.summary(sigma_px))
    return {k: float(v) for k, v in out.items()}
