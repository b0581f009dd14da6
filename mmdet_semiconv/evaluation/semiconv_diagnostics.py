"""Diagnostics that say whether the semi-convolutional branch learns (on ground-truth boxes).

* Mask AP on ground-truth boxes: the mask stage alone, with detection taken out (every GT box is
  a detection with score 1 and its GT class), through mmdet's ``CocoMetric``. It applies to
  both arms, so it isolates what the kernel does to the masks.
* Kernel separation: on the M x M grid of each GT box, the mean log K (test-time seed) over the
  cells of the box's own instance, of other instances inside the box (not the own one), and of
  background. A kernel that separates crossing objects has ``other`` well below ``own``; the
  paper's claim needs ``own`` close to 0.
"""
from typing import Dict, Tuple

import numpy as np
import torch
from mmengine.evaluator import Evaluator
from mmengine.runner import Runner
from mmengine.structures import InstanceData
from torch.utils.data import DataLoader

from mmdet.structures.bbox import bbox2roi, scale_boxes

from ..models import SemiConvMaskHead

#: keys of :func:`gt_box_diagnostics` beside the ``gt_boxes/segm_*`` metrics.
SEPARATION_KEYS = ('logk_own', 'logk_other', 'logk_background')


def _separation_targets(gt: InstanceData, device: torch.device, size: int) -> torch.Tensor:
    """(K, 3, size, size) bool: own / other-instance / background cells of each GT box's grid.

    The GT masks are in the frame of the GT boxes (mmdet's test pipelines load annotations after
    resizing, so both are in the original image frame).
    """
    k = len(gt)
    boxes = gt.bboxes.to(device)
    # mask j on the grid of box i, for every pair (i, j): row i * k + j
    pairs = gt.masks.crop_and_resize(
        boxes.repeat_interleave(k, 0), (size, size), np.tile(np.arange(k), k), device,
        binarize=True).to_tensor(torch.bool, device).view(k, k, size, size)
    own = pairs[torch.arange(k), torch.arange(k)]
    others = (pairs & ~torch.eye(k, dtype=torch.bool, device=device)[:, :, None, None]).any(1)
    other = others & ~own
    return torch.stack([own, other, ~(own | others)], 1)


def evaluation_split(model) -> Tuple[DataLoader, str]:
    """The test dataloader of ``model.cfg`` (as :func:`mmdet.apis.init_detector` leaves it) and
    its COCO annotation file: what the ground-truth-box tools evaluate on."""
    cfg = model.cfg
    evaluator = cfg.test_evaluator
    ann_file = (evaluator[0] if isinstance(evaluator, list) else evaluator).ann_file
    return Runner.build_dataloader(cfg.test_dataloader), ann_file


@torch.no_grad()
def gt_box_diagnostics(model, dataloader, ann_file: str) -> Dict[str, float]:
    """Mask AP and kernel separation on the ground-truth boxes of a split.

    Args:
        model: an mmdet two-stage detector with a mask head; the kernel separation needs a
            :class:`SemiConvRoIHeadMixin` head with its branch on.
        dataloader: a test dataloader of the split (annotations loaded).
        ann_file (str): the split's COCO json, for ``CocoMetric``.

    Returns:
        dict: ``gt_boxes/segm_mAP``, ``gt_boxes/segm_mAP_50``, ... and, with the branch,
        ``logk_own``, ``logk_other``, ``logk_background`` (mean log K over the cells of each
        kind, pooled over all boxes), plus ``sigma_px``.
    """
    model.eval()
    head = model.roi_head
    with_kernel = getattr(head, 'with_semiconv', False)
    evaluator = Evaluator(dict(type='CocoMetric', ann_file=ann_file, metric='segm',
                               prefix='gt_boxes'))
    evaluator.dataset_meta = dataloader.dataset.metainfo
    sums = torch.zeros(3, dtype=torch.float64)
    counts = torch.zeros(3, dtype=torch.float64)
    for batch in dataloader:
        data = model.data_preprocessor(batch, False)
        samples = data['data_samples']
        x = model.extract_feat(data['inputs'])
        boxes, results = [], []
        for s in samples:
            gt = s.gt_instances
            boxes.append(scale_boxes(gt.bboxes.to(x[0].device), s.scale_factor))  # input frame
            # a copy: FCNMaskHead's predict_by_feat divides results.bboxes by scale_factor
            # in place, and bbox2roi(boxes) below must read the input frame
            results.append(InstanceData(bboxes=boxes[-1].clone(),
                                        labels=gt.labels.to(x[0].device),
                                        scores=torch.ones(len(gt), device=x[0].device)))
        metas = [s.metainfo for s in samples]
        if with_kernel:  # the pasted masks and log K read the same Phi
            phis = head.semiconv_phis(x)
            preds = head.predict_mask(x, metas, results, rescale=True, phis=phis)
            rois = bbox2roi(boxes)
            if rois.size(0) > 0:
                labels = torch.cat([r.labels for r in results])
                log_k = head.mask_forward_on_rois(x, phis, rois, labels)['log_k']
        else:
            preds = head.predict_mask(x, metas, results, rescale=True)
        for s, pred in zip(samples, preds):
            s.pred_instances = pred
        evaluator.process(data_samples=samples, data_batch=batch)
        if not with_kernel or rois.size(0) == 0:
            continue
        log_k = log_k.double().cpu()
        kinds = torch.cat([_separation_targets(s.gt_instances, torch.device('cpu'),
                                               log_k.size(-1)) for s in samples])
        sums += (kinds * log_k[:, None]).sum((0, 2, 3))
        counts += kinds.sum((0, 2, 3))
    out = evaluator.evaluate(len(dataloader.dataset))
    if with_kernel:
        for key, total, n in zip(SEPARATION_KEYS, sums.tolist(), counts.tolist()):
            out[key] = total / n if n else float('nan')
        last = [m for m in head.modules() if isinstance(m, SemiConvMaskHead)][-1]
        out['sigma_px'] = float(head.semiconv_branch.sigma_px(last.kernel.sigma))
    return {k: float(v) for k, v in out.items()}
