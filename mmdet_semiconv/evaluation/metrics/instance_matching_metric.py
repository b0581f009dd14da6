"""InstanceMatchingMetric: the Data Science Bowl / StarDist matching scores of biology."""
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np
import pycocotools.mask as mask_util
from mmengine.evaluator import BaseMetric
from mmengine.fileio import get_local_path
from mmengine.logging import MMLogger
from pycocotools.coco import COCO
from scipy.optimize import linear_sum_assignment

from mmdet.registry import METRICS

KEYS = ('tp', 'fp', 'fn', 'accuracy', 'precision', 'recall', 'f1', 'pq')


def match_counts(ious: np.ndarray, thr: float) -> Dict[str, float]:
    """One-to-one matching of one image at IoU threshold ``thr``.

    As StarDist's ``matching``: the assignment maximises the number of pairs with IoU >= thr,
    ties broken by the larger total IoU (scipy's ``linear_sum_assignment``).

    Args:
        ious (np.ndarray): (num_pred, num_gt) mask IoUs.
        thr (float): IoU a pair needs to count.

    Returns:
        dict: ``tp``, ``fp``, ``fn`` and ``iou_sum`` (the summed IoU of the matched pairs).
    """
    num_pred, num_gt = ious.shape
    tp, iou_sum = 0, 0.
    if num_pred and num_gt:
        ok = ious >= thr
        n = max(int(ok.sum()), 1)
        cost = -ok.astype(float) - ious / (2 * n)
        rows, cols = linear_sum_assignment(cost)
        hits = ok[rows, cols]
        tp, iou_sum = int(hits.sum()), float(ious[rows, cols][hits].sum())
    return dict(tp=tp, fp=num_pred - tp, fn=num_gt - tp, iou_sum=iou_sum)


def scores_from_counts(tp: float, fp: float, fn: float, iou_sum: float) -> Dict[str, float]:
    """Accuracy (the DSB's "AP": TP / (TP + FP + FN)), precision, recall, F1 and panoptic
    quality (summed matched IoU / (TP + FP/2 + FN/2)); 0 where undefined, except that an
    empty prediction of an empty set scores 1."""
    def ratio(num, den, empty=0.):
        return num / den if den else empty

    perfect = 1. if tp + fp + fn == 0 else 0.
    return dict(tp=tp, fp=fp, fn=fn, accuracy=ratio(tp, tp + fp + fn, perfect),
                precision=ratio(tp, tp + fp, perfect), recall=ratio(tp, tp + fn, perfect),
                f1=ratio(2 * tp, 2 * tp + fp + fn, perfect),
                pq=ratio(iou_sum, tp + fp / 2 + fn / 2, perfect))


@METRICS.register_module()
class InstanceMatchingMetric(BaseMetric):
    """Instance matching scores per IoU threshold, as the DSB 2018, StarDist, EmbedSeg and
    PatchPerPix report them for nuclei and worms.

    Per image, predictions with score >= ``score_thr`` are matched one to one with the ground
    truth by mask IoU (pycocotools RLE IoU, so overlapping ground truth such as crossing worms
    is fine; :func:`match_counts`). TP, FP, FN and the matched IoU are **summed over the data
    set** and the scores computed once from the sums (StarDist's ``matching_dataset`` with
    ``by_image=False``): an image with two nuclei then weighs less than one with two hundred,
    and an image without instances does not count as a perfect (or a zero) score of its own.

    Reported per threshold t (keys ``accuracy@0.50`` ...): ``tp``, ``fp``, ``fn``,
    ``accuracy``, ``precision``, ``recall``, ``f1``, ``pq``; and each score's mean over the
    thresholds (``mean_accuracy`` is the "avAP" of PatchPerPix, over 0.5:0.05:0.95).

    Args:
        ann_file (str): COCO json of the ground truth (as CocoMetric's).
        iou_thrs (Sequence[float]): thresholds. Defaults to 0.5:0.05:0.95.
        score_thr (float): predictions below are dropped. Defaults to 0.5.
    """
    default_prefix: Optional[str] = 'matching'

    def __init__(self,
                 ann_file: str,
                 iou_thrs: Sequence[float] = tuple(np.round(np.arange(0.5, 0.951, 0.05), 2)),
                 score_thr: float = 0.5,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 backend_args: Optional[dict] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not iou_thrs or not all(0 < t <= 1 for t in iou_thrs):
            raise ValueError(f'iou_thrs must be thresholds in (0, 1], got {iou_thrs}')
        if not 0 <= score_thr <= 1:
            raise ValueError(f'score_thr must be in [0, 1], got {score_thr}')
        self.iou_thrs = [float(t) for t in iou_thrs]
        self.score_thr = float(score_thr)
        with get_local_path(ann_file, backend_args=backend_args) as local:
            self._coco = COCO(local)

    def _gt_rles(self, img_id: int, height: int, width: int) -> List[dict]:
        anns = self._coco.loadAnns(self._coco.getAnnIds(imgIds=[img_id], iscrowd=False))
        return [self._coco.annToRLE(a) for a in anns]

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = sample['pred_instances']
            keep = (pred['scores'] >= self.score_thr).cpu().numpy()
            masks = pred['masks'].cpu().numpy()[keep].astype(np.uint8)
            img = self._coco.imgs[sample['img_id']]
            gt = self._gt_rles(sample['img_id'], img['height'], img['width'])
            dt = [mask_util.encode(np.asfortranarray(m)) for m in masks]
            ious = (np.asarray(mask_util.iou(dt, gt, [0] * len(gt)), float).reshape(
                len(dt), len(gt)) if dt and gt else np.zeros((len(dt), len(gt))))
            self.results.append([match_counts(ious, t) for t in self.iou_thrs])

    def compute_metrics(self, results: list) -> Dict[str, float]:
        sums = [defaultdict(float) for _ in self.iou_thrs]
        for per_image in results:
            for acc, counts in zip(sums, per_image):
                for k, v in counts.items():
                    acc[k] += v
        out, means = {}, defaultdict(list)
        for t, acc in zip(self.iou_thrs, sums):
            scores = scores_from_counts(acc['tp'], acc['fp'], acc['fn'], acc['iou_sum'])
            for k in KEYS:
                out[f'{k}@{t:.2f}'] = scores[k]
                if k not in ('tp', 'fp', 'fn'):
                    means[k].append(scores[k])
        out.update({f'mean_{k}': float(np.mean(v)) for k, v in means.items()})
        MMLogger.get_current_instance().info(
            'instance matching (summed over images): ' + ', '.join(
                f'{k} {out[k]:.3f}' for k in ('accuracy@0.50', 'f1@0.50', 'pq@0.50',
                                              'mean_accuracy')))
        return out
