"""VOCAPrMetric: mean APr of instance masks at IoU 0.5 and 0.7 (the paper's Table 2 protocol)."""
import copy
from collections import defaultdict
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pycocotools.mask as mask_utils
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from pycocotools.coco import COCO

from mmdet.registry import METRICS


def _precision_recall(tp: np.ndarray, num_gt: int) -> Tuple[np.ndarray, np.ndarray]:
    """Precision and recall after each detection of a ranked list of 1/0 true positives."""
    tp = tp.astype(float)
    tps, fps = np.cumsum(tp), np.cumsum(1 - tp)
    return tps / np.maximum(tps + fps, np.finfo(float).eps), tps / num_gt


def average_precision(tp: np.ndarray, num_gt: int) -> float:
    """VOC (2010+) AP: area under the precision envelope, over every recall point.

    Args:
        tp (np.ndarray): 1/0 per detection, sorted by decreasing score.
        num_gt (int): number of ground-truth instances (> 0).
    """
    if len(tp) == 0:
        return 0.
    precision, recall = _precision_recall(tp, num_gt)
    mrec = np.concatenate([[0.], recall, [1.]])
    mpre = np.concatenate([[0.], precision, [0.]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]  # the envelope
    idx = np.nonzero(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[idx + 1] - mrec[idx]) * mpre[idx + 1]))


def average_precision_11pt(tp: np.ndarray, num_gt: int) -> float:
    """VOC 2007 AP: the mean over recall 0, 0.1, ..., 1 of the best precision at that recall or
    above (``voc_ap(..., use_07_metric=True)`` of py-faster-rcnn, MNC and FCIS)."""
    if len(tp) == 0:
        return 0.
    precision, recall = _precision_recall(tp, num_gt)
    return float(np.mean([precision[recall >= t].max() if (recall >= t).any() else 0.
                          for t in np.arange(0., 1.1, 0.1)]))


def _match(pred_rles: list, scores: np.ndarray, gt_rles: list,
           pick: Callable[[np.ndarray, np.ndarray], int]) -> np.ndarray:
    """By decreasing score, ``pick(ious_of_detection, taken)`` returns the ground truth the
    detection takes, or -1 for a false positive."""
    tp = np.zeros(len(pred_rles))
    if not pred_rles or not gt_rles:
        return tp
    ious = mask_utils.iou(pred_rles, gt_rles, [0] * len(gt_rles))  # (P, G)
    taken = np.zeros(len(gt_rles), bool)
    for i in np.argsort(-scores, kind='stable'):
        j = pick(ious[i], taken)
        if j >= 0:
            taken[j] = True
            tp[i] = 1
    return tp


def match_detections_sds(pred_rles: list, scores: np.ndarray, gt_rles: list,
                         thr: float) -> np.ndarray:
    """The matching of SDS/MNC/FCIS (MNC ``voc_eval_sds``) in one image: by decreasing score,
    each detection looks at the ground truth it overlaps most; it is a true positive if that IoU
    is above ``thr`` (strictly) and that ground truth is not taken yet, otherwise a false
    positive (even if another, untaken ground truth would have matched).

    Returns:
        np.ndarray: 1/0 per detection, in the order of ``pred_rles``.
    """
    def pick(ious, taken):
        j = int(ious.argmax())
        return j if ious[j] > thr and not taken[j] else -1
    return _match(pred_rles, scores, gt_rles, pick)


def match_detections(pred_rles: list, scores: np.ndarray, gt_rles: list,
                     thr: float) -> np.ndarray:
    """Greedy VOC matching in one image: by decreasing score, each detection takes the
    unmatched ground truth it overlaps most if that IoU >= ``thr``.

    Returns:
        np.ndarray: 1/0 per detection, in the order of ``pred_rles``.
    """
    def pick(ious, taken):
        cand = np.where(taken, -1., ious)
        j = int(cand.argmax())
        return j if cand[j] >= thr else -1
    return _match(pred_rles, scores, gt_rles, pick)


@METRICS.register_module()
class VOCAPrMetric(BaseMetric):
    """APr (Hariharan et al., SDS) of instance masks at several IoU thresholds.

    For each class and threshold, all detections of the class over the data set are ranked by
    score and matched to ground truth, and AP is computed, by one of two protocols:

    * ``'sds'`` (default): what the rows SDS, MNC and FCIS of the paper's Table 2 computed
      (MNC ``lib/utils/voc_eval.py::voc_eval_sds``, FCIS ``pascal_voc_eval.py``): each
      detection takes its best-IoU ground truth, a false positive if that one is taken or the
      IoU is not above the threshold (:func:`match_detections_sds`); VOC 2007 11-point AP
      (:func:`average_precision_11pt`). Use it to compare with Table 2.
    * ``'voc2010'``: each detection takes the best *untaken* ground truth with IoU >= the
      threshold (:func:`match_detections`); area under the precision envelope over every
      recall point (VOC 2010+, :func:`average_precision`).
    ``mAPr@t`` is the mean over classes that have ground truth. A class with ground truth and
    no detection scores 0; detections in an image without ground truth of their class are false
    positives.

    Void pixels (VOC's label 255: object boundaries and ambiguous regions) count for neither
    side: they are removed from the prediction before the IoU, so
    ``IoU = |P & G| / |(P | G) - void|``. The VOC converter stores them per image as an RLE in
    the annotation file's ``images[i]['void']`` (absent = no void pixels).

    Args:
        ann_file (str): COCO json of the ground truth (from our converters).
        iou_thrs (Sequence[float]): Defaults to (0.5, 0.7), as the paper's Table 2 reports.
        protocol (str): ``'sds'`` (Table 2's) or ``'voc2010'``.
    """
    default_prefix: Optional[str] = 'voc'
    PROTOCOLS = {'sds': (match_detections_sds, average_precision_11pt),
                 'voc2010': (match_detections, average_precision)}

    def __init__(self, ann_file: str, iou_thrs: Sequence[float] = (0.5, 0.7),
                 protocol: str = 'sds', collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if protocol not in self.PROTOCOLS:
            raise ValueError(f'protocol must be one of {sorted(self.PROTOCOLS)}, got '
                             f'{protocol!r}')
        self.protocol = protocol
        self.ann_file = ann_file
        self.iou_thrs = tuple(iou_thrs)
        self._coco: Optional[COCO] = None

    @property
    def coco(self) -> COCO:
        if self._coco is None:
            self._coco = COCO(self.ann_file)
        return self._coco

    @BaseMetric.dataset_meta.setter
    def dataset_meta(self, meta: Optional[dict]) -> None:
        # the runner sets it when it builds the test loop: the ground truth is checked here,
        # before the whole inference pass rather than after it
        self._dataset_meta = copy.deepcopy(meta)
        no_mask = [a['id'] for a in self.coco.dataset.get('annotations', [])
                   if not a.get('segmentation')]
        if no_mask:
            raise ValueError(
                f'{self.ann_file}: annotation(s) {no_mask[:5]} have no "segmentation"; '
                'VOCAPrMetric evaluates instance masks, so every ground-truth annotation needs '
                'one (convert VOC with tools/dataset_converters/voc2012_to_coco.py, or use '
                'CocoMetric with metric="bbox" for boxes alone)')

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = sample['pred_instances']
            if 'masks' not in pred:
                raise ValueError('VOCAPrMetric evaluates instance masks, but the predictions '
                                 'have none: use it with a model that has a mask head')
            masks = pred['masks']
            masks = masks.cpu().numpy() if isinstance(masks, torch.Tensor) else masks
            rles = [mask_utils.encode(np.asfortranarray(m.astype(np.uint8))) for m in masks]
            self.results.append(dict(img_id=sample['img_id'], rles=rles,
                                     scores=pred['scores'].cpu().numpy(),
                                     labels=pred['labels'].cpu().numpy()))

    def _gt(self, img_id: int, cat_id: int) -> list:
        anns = self.coco.loadAnns(self.coco.getAnnIds(imgIds=img_id, catIds=[cat_id],
                                                      iscrowd=False))
        return [self.coco.annToRLE(a) for a in anns]

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        classes = self.dataset_meta['classes']
        cat_ids = self.coco.getCatIds(catNms=classes)
        by_class = defaultdict(list)  # label -> [(img_id, rle, score)]
        for res in results:
            img = self.coco.imgs[res['img_id']]
            void = img.get('void')
            for rle, score, label in zip(res['rles'], res['scores'], res['labels']):
                if void is not None:
                    m = mask_utils.decode(rle).astype(bool) & ~mask_utils.decode(void).astype(bool)
                    rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
                by_class[int(label)].append((res['img_id'], rle, float(score)))
        img_ids = sorted({r['img_id'] for r in results})

        match, ap_of = self.PROTOCOLS[self.protocol]
        metrics = {}
        per_class = {thr: [] for thr in self.iou_thrs}
        for label, cat_id in enumerate(cat_ids):
            gts = {i: self._gt(i, cat_id) for i in img_ids}
            num_gt = sum(len(g) for g in gts.values())
            if num_gt == 0:
                continue  # no ground truth: APr undefined, left out of the mean
            dets = by_class.get(label, [])
            for thr in self.iou_thrs:
                scores, tps = [], []
                per_img = defaultdict(list)
                for img_id, rle, score in dets:
                    per_img[img_id].append((rle, score))
                for img_id, items in per_img.items():
                    rles = [r for r, _ in items]
                    s = np.array([sc for _, sc in items])
                    tps.append(match(rles, s, gts.get(img_id, []), thr))
                    scores.append(s)
                if scores:
                    order = np.argsort(-np.concatenate(scores), kind='stable')
                    ap = ap_of(np.concatenate(tps)[order], num_gt)
                else:
                    ap = 0.
                per_class[thr].append(ap)
                metrics[f'APr@{thr:g}_{classes[label]}'] = ap
        for thr in self.iou_thrs:
            metrics[f'mAPr@{thr:g}'] = float(np.mean(per_class[thr])) if per_class[thr] else 0.
        MMLogger.get_current_instance().info(
            ' '.join(f'mAPr@{t:g}: {metrics[f"mAPr@{t:g}"]:.4f}' for t in self.iou_thrs))
        return metrics
