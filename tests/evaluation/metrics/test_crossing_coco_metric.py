"""CrossingCocoMetric: COCO mask AP over the ground-truth instances that overlap another."""
import json

import numpy as np
import pycocotools.mask as mask_util
import torch

from mmdet_semiconv.evaluation.metrics import CrossingCocoMetric


def _bar(y0, y1, x0, x1, size=40):
    m = np.zeros((size, size), np.uint8)
    m[y0:y1, x0:x1] = 1
    return m


# a horizontal and a vertical bar crossing at (5-7, 5-7), and a square apart
CROSS_H, CROSS_V, APART = _bar(5, 8, 0, 20), _bar(0, 20, 5, 8), _bar(28, 38, 28, 38)


def _metric(tmp_path, masks):
    coco = dict(images=[dict(id=1, height=40, width=40, file_name='1.png')], annotations=[],
                categories=[dict(id=1, name='worm')])
    for m in masks:
        rle = mask_util.encode(np.asfortranarray(m))
        coco['annotations'].append(dict(
            id=len(coco['annotations']) + 1, image_id=1, category_id=1, iscrowd=0,
            area=int(m.sum()), bbox=[float(v) for v in mask_util.toBbox(rle)],
            segmentation=dict(size=rle['size'], counts=rle['counts'].decode())))
    path = tmp_path / 'gt.json'
    path.write_text(json.dumps(coco))
    metric = CrossingCocoMetric(str(path))
    metric.dataset_meta = dict(classes=('worm', ))
    return metric


def _evaluate(metric, masks, scores):
    masks = torch.from_numpy(np.array(masks, bool))
    boxes = torch.tensor([[float(v) for v in mask_util.toBbox(
        mask_util.encode(np.asfortranarray(m.numpy().astype(np.uint8))))] for m in masks])
    boxes[:, 2:] += boxes[:, :2]
    metric.process({}, [dict(img_id=1, ori_shape=(40, 40), pred_instances=dict(
        masks=masks, bboxes=boxes, scores=torch.tensor(scores),
        labels=torch.zeros(len(masks), dtype=torch.long)))])
    return metric.compute_metrics(metric.results)


def test_only_the_crossing_instances_count(tmp_path):
    metric = _metric(tmp_path, [CROSS_H, CROSS_V, APART])
    assert metric.num_crossing == 2
    # both crossing bars found; a poor mask of the square apart is neither TP nor FP
    out = _evaluate(metric, [CROSS_H, CROSS_V, _bar(28, 33, 28, 38)], [0.9, 0.8, 0.95])
    assert out['segm_mAP'] == 1.0 and out['num_gt'] == 2


def test_a_missed_crossing_instance_lowers_the_ap(tmp_path):
    # the square apart, found perfectly, does not make up for the missed vertical bar
    out = _evaluate(_metric(tmp_path, [CROSS_H, CROSS_V, APART]), [CROSS_H, APART],
                    [0.9, 0.95])
    assert 0.4 < out['segm_mAP'] < 0.6
