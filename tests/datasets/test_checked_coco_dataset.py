"""CheckedCocoDataset: mmdet's CocoDataset, with bad annotation files named with the fix."""
import json

import pytest

from mmdet.datasets import CocoDataset
from mmdet_semiconv.datasets import CheckedCocoDataset

MASKS = [dict(type='LoadAnnotations', with_bbox=True, with_mask=True)]


def _dataset(cls, root, ann_file, pipeline=MASKS):
    return cls(data_root=root, ann_file=ann_file, data_prefix=dict(img=''),
               metainfo=dict(classes=('worm', )), pipeline=pipeline)


def test_a_good_file_loads_as_mmdet_loads_it(tiny_worms):
    root = tiny_worms[0]
    ours = _dataset(CheckedCocoDataset, root, 'annotations/train.json')
    mmdet = _dataset(CocoDataset, root, 'annotations/train.json')
    assert len(ours) == len(mmdet) == 6
    assert ours.get_data_info(0) == mmdet.get_data_info(0)


@pytest.mark.parametrize('text, message', [
    ('{"images": [{"id": 1,', r'bad\.json: not valid JSON .*truncated'),
    ('', r'bad\.json: not valid JSON'),
    ('[1, 2]', r'bad\.json: not a COCO annotation file')])
def test_a_file_that_is_not_coco_json_is_named(tmp_path, text, message):
    (tmp_path / 'bad.json').write_text(text)
    with pytest.raises(ValueError, match=message):
        _dataset(CheckedCocoDataset, str(tmp_path), 'bad.json')


def test_an_annotation_without_a_mask_is_refused_when_masks_are_loaded(tmp_path, tiny_worms):
    with open(tiny_worms[1]) as f:
        coco = json.load(f)
    coco['annotations'][3]['segmentation'] = []
    (tmp_path / 'empty.json').write_text(json.dumps(coco))
    name = next(i['file_name'] for i in coco['images']
                if i['id'] == coco['annotations'][3]['image_id'])
    with pytest.raises(ValueError, match=rf'empty\.json: annotation 4 \(image {name!r}\) has '
                                         r'no "segmentation"'):
        _dataset(CheckedCocoDataset, str(tmp_path), 'empty.json')
    # boxes alone do not need it
    assert len(_dataset(CheckedCocoDataset, str(tmp_path), 'empty.json',
                        [dict(type='LoadAnnotations', with_bbox=True)])) == 6
