"""InstanceMatchingMetric: hand-built cases with known answers, and a cross-check against a
brute-force matching on random label images."""
import itertools
import json

import numpy as np
import pycocotools.mask as mask_util
import pytest
import torch

from mmdet_semiconv.evaluation.metrics import (InstanceMatchingMetric, match_counts,
                                               scores_from_counts)


def _square(y, x, s=10, size=40):
    m = np.zeros((size, size), np.uint8)
    m[y:y + s, x:x + s] = 1
    return m


def _metric(tmp_path, gt_per_image, **kwargs):
    """A metric over a COCO json holding ``gt_per_image`` (a list of lists of masks)."""
    coco = dict(images=[], annotations=[], categories=[dict(id=1, name='x')])
    for img_id, masks in enumerate(gt_per_image, 1):
        coco['images'].append(dict(id=img_id, height=40, width=40, file_name=f'{img_id}.png'))
        for m in masks:
            rle = mask_util.encode(np.asfortranarray(m))
            coco['annotations'].append(dict(
                id=len(coco['annotations']) + 1, image_id=img_id, category_id=1, iscrowd=0,
                area=int(m.sum()), bbox=[0, 0, 1, 1],
                segmentation=dict(size=rle['size'], counts=rle['counts'].decode())))
    path = tmp_path / 'gt.json'
    path.write_text(json.dumps(coco))
    return InstanceMatchingMetric(str(path), **kwargs)


def _evaluate(metric, preds_per_image, scores=None):
    for img_id, masks in enumerate(preds_per_image, 1):
        n = len(masks)
        metric.process({}, [dict(img_id=img_id, pred_instances=dict(
            masks=torch.from_numpy(np.array(masks, bool).reshape(n, 40, 40)),
            scores=torch.tensor(scores or [0.9] * n)))])
    return metric.compute_metrics(metric.results)


GT = [_square(0, 0), _square(0, 20), _square(20, 0)]


@pytest.mark.parametrize('preds,tp,fp,fn', [
    (GT, 3, 0, 0),  # perfect
    (GT[:2], 2, 0, 1),  # one missed
    # one split in two halves (IoU 0.5 each: the higher half-match counts at 0.5)
    (GT[1:] + [np.pad(np.ones((10, 5), np.uint8), ((0, 30), (0, 35))),
               np.pad(np.ones((10, 5), np.uint8), ((0, 30), (5, 30)))], 3, 1, 0),
    (GT[2:] + [np.maximum(GT[0], GT[1])], 2, 0, 1),  # two merged: IoU 0.5 with each
    ([], 0, 0, 3),  # no predictions
])
def test_hand_built_cases_at_iou_half(tmp_path, preds, tp, fp, fn):
    res = _evaluate(_metric(tmp_path, [GT], iou_thrs=[0.5]), [preds])
    assert (res['tp@0.50'], res['fp@0.50'], res['fn@0.50']) == (tp, fp, fn)
    assert res['accuracy@0.50'] == pytest.approx(tp / (tp + fp + fn))
    assert res['f1@0.50'] == pytest.approx(2 * tp / (2 * tp + fp + fn))


def test_overlapping_ground_truth_is_matched_by_mask_iou(tmp_path):
    a, b = _square(5, 5, 20), _square(15, 15, 20)  # two crossing "worms" share a 10x10 patch
    res = _evaluate(_metric(tmp_path, [[a, b]], iou_thrs=[0.5, 0.9]), [[b, a]])
    assert res['tp@0.50'] == res['tp@0.90'] == 2 and res['pq@0.90'] == pytest.approx(1.0)


def test_an_empty_image_adds_only_its_false_positives_and_scores_are_summed(tmp_path):
    metric = _metric(tmp_path, [GT, []], iou_thrs=[0.5])
    res = _evaluate(metric, [GT, [_square(25, 25)]])
    assert (res['tp@0.50'], res['fp@0.50'], res['fn@0.50']) == (3, 1, 0)
    assert res['accuracy@0.50'] == pytest.approx(3 / 4)  # summed, not 0.5 (1 and 0 averaged)


def test_predictions_below_the_score_threshold_are_dropped(tmp_path):
    res = _evaluate(_metric(tmp_path, [GT], iou_thrs=[0.5], score_thr=0.5),
                    [GT + [_square(25, 25)]], scores=[0.9, 0.9, 0.9, 0.4])
    assert res['fp@0.50'] == 0 and res['mean_accuracy'] == 1.0


def test_no_ground_truth_and_no_prediction_is_perfect_not_undefined():
    assert scores_from_counts(0, 0, 0, 0.)['accuracy'] == 1.0
    assert scores_from_counts(0, 2, 0, 0.)['accuracy'] == 0.0


def _brute_force_tp(ious, thr):
    """The largest number of one-to-one pairs with IoU >= thr, by trying every assignment."""
    p, g = ious.shape
    best = 0
    for perm in itertools.permutations(range(max(p, g)), p):
        best = max(best, sum(1 for i, j in enumerate(perm) if j < g and ious[i, j] >= thr))
    return best


def test_matching_agrees_with_brute_force_on_random_label_images():
    rng = np.random.default_rng(0)
    for _ in range(30):
        labels_gt = rng.integers(0, 5, (12, 12))
        labels_pred = np.where(rng.random((12, 12)) < 0.8, labels_gt, rng.integers(0, 5,
                                                                                   (12, 12)))
        gt = [labels_gt == k for k in range(1, 5) if (labels_gt == k).any()]
        pred = [labels_pred == k for k in range(1, 5) if (labels_pred == k).any()]
        ious = np.array([[(p & g).sum() / (p | g).sum() for g in gt] for p in pred])
        for thr in (0.3, 0.5, 0.7):
            assert match_counts(ious, thr)['tp'] == _brute_force_tp(ious, thr)
