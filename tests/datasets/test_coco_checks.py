"""check_coco: what a COCO file must hold, each problem named with its file, annotation and fix."""
import copy

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from mmdet_semiconv.datasets import AnnotationFileError, check_coco

SQUARE = [[10., 10., 30., 10., 30., 30., 10., 30.]]


def _coco():
    mask = np.zeros((40, 50), np.uint8, order='F')
    mask[10:15, 10:15] = 1
    rle = mask_utils.encode(mask)
    rle['counts'] = rle['counts'].decode()
    return dict(
        images=[dict(id=1, file_name='a.png', height=40, width=50),
                dict(id=2, file_name='b.png', height=40, width=50)],
        categories=[dict(id=1, name='worm')],
        annotations=[dict(id=1, image_id=1, category_id=1, bbox=[10, 10, 20, 20], area=400,
                          segmentation=SQUARE, iscrowd=0),
                     dict(id=2, image_id=2, category_id=1, bbox=[10, 10, 5, 5], area=25,
                          segmentation=rle, iscrowd=0)])


def _with(path, value):
    coco = _coco()
    *keys, last = path
    target = coco
    for k in keys:
        target = target[k]
    target[last] = value
    return coco


def test_a_good_file_passes_silently(recwarn):
    check_coco(_coco(), 'good.json')
    assert not recwarn.list


@pytest.mark.parametrize('path,value,said', [
    (('images', ), [], r'no images \("images" is empty\)'),
    (('images', 1, 'id'), 1, r"image id 1 is given to 2 images \['a.png', 'b.png'\]"),
    (('annotations', 0, 'bbox'), [10, float('nan'), 20, 20], r"annotation 1 \(image 'a.png'\): "
     r'"bbox" .* is not four finite numbers'),
    (('annotations', 0, 'bbox'), [10, 10, float('inf'), 20], 'not four finite numbers'),
    (('annotations', 0, 'segmentation'), [[10., float('nan'), 30., 10., 30., 30.]],
     'a polygon holds a value that is not a finite number'),
    (('annotations', 0, 'segmentation'), [[10., 10., 30., 10.]],
     'a polygon has 4 coordinates; it needs x, y pairs of at least 3 points'),
    (('annotations', 0, 'segmentation'), [[]], 'a polygon has 0 coordinates'),
    (('annotations', 1, 'segmentation', 'size'), [80, 100],
     r'an RLE of size \[80, 100\] on an image of \[height, width\] \[40, 50\]'),
    (('annotations', 1, 'segmentation'), dict(size=[40, 50], counts=[2000]),
     'an RLE with no pixel set'),
    (('annotations', 0, 'category_id'), 7, r'category_id 7 is not in "categories" \[1\]'),
    (('annotations', 0, 'image_id'), 9, r'annotation 1: its image_id 9 is not in "images"'),
])
def test_a_file_mmdet_would_misread_is_refused_naming_what_and_where(path, value, said):
    with pytest.raises(AnnotationFileError, match=r'^bad\.json: .*' + said):
        check_coco(_with(path, value), 'bad.json')


def test_every_box_skipped_is_refused_and_some_skipped_are_warned_about():
    coco = _coco()
    for ann in coco['annotations']:
        ann['bbox'] = [100, 100, 5, 5]  # outside the 50 x 40 image
    with pytest.raises(AnnotationFileError, match='no annotation mmdet would train on: 2 boxes '
                                                  'outside their image'):
        check_coco(coco, 'bad.json')
    coco = _coco()
    coco['annotations'].append(copy.deepcopy(coco['annotations'][0]))
    coco['annotations'][-1].update(id=3, bbox=[10, 10, 0.5, 20])
    with pytest.warns(UserWarning, match=r'skips 1 boxes under 1 px or with area 0 '
                                         r'\(annotations \[3\]\)'):
        check_coco(coco, 'some.json')


def test_many_problems_are_counted_not_all_listed():
    coco = _coco()
    coco['annotations'] = [dict(a, id=i, bbox=[0, 0, float('nan'), 1])
                           for i, a in enumerate(coco['annotations'] * 4)]
    with pytest.raises(AnnotationFileError, match=r'\(and 3 more\)$'):
        check_coco(coco, 'bad.json')
