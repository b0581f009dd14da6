import json

import numpy as np
import pycocotools.mask as mask_utils
import pytest
import torch

from mmdet_semiconv.evaluation import VOCAPrMetric
from mmdet_semiconv.evaluation.metrics import (average_precision, average_precision_11pt,
                                               match_detections, match_detections_sds)


def _rle(m):
    rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
    rle['counts'] = rle['counts'].decode()
    return rle


def _box(y0, y1, x0, x1, shape=(20, 20)):
    m = np.zeros(shape, bool)
    m[y0:y1, x0:x1] = True
    return m


def test_average_precision_hand_computed():
    # precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1 -> envelope 1 then 2/3 -> 0.5 + 0.5 * 2/3
    assert average_precision(np.array([1, 0, 1]), 2) == pytest.approx(0.5 + 1 / 3)
    assert average_precision(np.array([]), 3) == 0.
    assert average_precision(np.array([1, 1]), 4) == pytest.approx(0.5)


def test_11_point_average_precision_hand_computed():
    # recall 1/2, 1/2, 1 with precision 1, 1/2, 2/3: 6 points (t <= 0.5) at 1, 5 at 2/3
    assert average_precision_11pt(np.array([1, 0, 1]), 2) == pytest.approx((6 + 5 * 2 / 3) / 11)
    assert average_precision_11pt(np.array([]), 3) == 0.


def test_the_two_protocols_differ_where_the_best_match_is_taken():
    """d2 overlaps A most (taken by d1) and B enough: VOC 2010 gives it B, SDS a false positive."""
    enc = [mask_utils.encode(np.asfortranarray(m.astype(np.uint8))) for m in (
        _box(0, 10, 0, 10), _box(0, 10, 4, 14), _box(0, 10, 0, 10), _box(0, 10, 1, 11))]
    gts, preds, scores = enc[:2], enc[2:], np.array([0.9, 0.8])
    # IoU(d2, A) = 90/110, IoU(d2, B) = 70/130 = 0.54
    assert match_detections(preds, scores, gts, 0.5).tolist() == [1, 1]
    assert match_detections_sds(preds, scores, gts, 0.5).tolist() == [1, 0]
    assert average_precision(np.array([1, 1]), 2) == pytest.approx(1.)
    assert average_precision_11pt(np.array([1, 0]), 2) == pytest.approx(6 / 11)
    # SDS needs the IoU strictly above the threshold
    assert match_detections_sds(preds[:1], scores[:1], enc[1:2], 60 / 140).tolist() == [0]
    assert match_detections(preds[:1], scores[:1], enc[1:2], 60 / 140).tolist() == [1]


def test_matching_is_greedy_by_score_and_one_to_one():
    gt = [mask_utils.encode(np.asfortranarray(_box(0, 10, 0, 10).astype(np.uint8)))]
    preds = [mask_utils.encode(np.asfortranarray(_box(0, 10, 0, 10).astype(np.uint8)))] * 2
    # the higher score takes the ground truth, the duplicate is a false positive
    assert match_detections(preds, np.array([0.2, 0.9]), gt, 0.5).tolist() == [0, 1]
    assert match_detections(preds, np.array([0.2, 0.9]), [], 0.5).tolist() == [0, 0]


@pytest.fixture
def ann_file(tmp_path):
    cat, dog = _box(0, 10, 0, 10), _box(10, 20, 10, 20)
    void = _box(0, 10, 10, 16)  # a void band to the right of the cat
    coco = dict(
        images=[dict(id=1, file_name='a.jpg', height=20, width=20, void=_rle(void)),
                dict(id=2, file_name='b.jpg', height=20, width=20)],
        categories=[dict(id=1, name='cat'), dict(id=2, name='dog'), dict(id=3, name='bird')],
        annotations=[
            dict(id=1, image_id=1, category_id=1, segmentation=_rle(cat), area=100.,
                 bbox=[0, 0, 10, 10], iscrowd=0),
            dict(id=2, image_id=1, category_id=2, segmentation=_rle(dog), area=100.,
                 bbox=[10, 10, 10, 10], iscrowd=0)])
    path = tmp_path / 'gt.json'
    path.write_text(json.dumps(coco))
    return str(path)


def _sample(img_id, masks, scores, labels):
    return dict(img_id=img_id, pred_instances=dict(
        masks=torch.from_numpy(np.stack(masks)), scores=torch.tensor(scores),
        labels=torch.tensor(labels)))


@pytest.mark.parametrize('protocol', ['sds', 'voc2010'])
def test_metric_hand_computed(ann_file, protocol):
    metric = VOCAPrMetric(ann_file, protocol=protocol)
    metric.dataset_meta = dict(classes=('cat', 'dog', 'bird'))
    # cat: a perfect mask in image 1 that also covers the void band (IoU 100/160 without the
    # void rule, 1 with it), and a higher-scored false positive in image 2 (no ground truth).
    # dog: ground truth but no detection -> AP 0. bird: no ground truth -> left out.
    cat_with_void = _box(0, 10, 0, 16)
    metric.process({}, [_sample(1, [cat_with_void], [0.9], [0]),
                        _sample(2, [_box(0, 5, 0, 5)], [0.95], [0])])
    res = metric.compute_metrics(metric.results)
    # cat ranking: FP (0.95) then TP (0.9): precision 0, 1/2 at recall 0, 1 -> AP 0.5 (both
    # protocols: the envelope and all 11 points see precision 1/2)
    assert res['APr@0.5_cat'] == pytest.approx(0.5)
    assert res['APr@0.7_cat'] == pytest.approx(0.5)  # only thanks to the void rule
    assert res['APr@0.5_dog'] == 0.
    assert 'APr@0.5_bird' not in res
    assert res['mAPr@0.5'] == pytest.approx(0.25)
    assert res['mAPr@0.7'] == pytest.approx(0.25)


def test_ground_truth_without_masks_is_refused_before_inference(ann_file, tmp_path):
    coco = json.loads(open(ann_file).read())
    coco['annotations'][1].pop('segmentation')
    boxes_only = tmp_path / 'boxes.json'
    boxes_only.write_text(json.dumps(coco))
    metric = VOCAPrMetric(str(boxes_only))
    # the runner sets dataset_meta when it builds the test loop, before any inference
    with pytest.raises(ValueError, match=r'boxes\.json: annotation\(s\) \[2\] have no '
                                         r'"segmentation"'):
        metric.dataset_meta = dict(classes=('cat', 'dog', 'bird'))


def test_predictions_without_masks_are_refused_at_the_first_batch(ann_file):
    metric = VOCAPrMetric(ann_file)
    metric.dataset_meta = dict(classes=('cat', 'dog', 'bird'))
    with pytest.raises(ValueError, match='predictions have none'):
        metric.process({}, [dict(img_id=1, pred_instances=dict(scores=torch.ones(1)))])
