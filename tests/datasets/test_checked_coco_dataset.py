"""CheckedCocoDataset: mmdet's CocoDataset, with bad annotation files named with the fix."""
import json

import pytest

from mmdet.datasets import CocoDataset
from mmdet_semiconv.datasets import CheckedCocoDataset

MASKS = [dict(type='LoadAnnotations', with_bbox=True, with_mask=True)]


def _dataset(cls, root, ann_file, pipeline=MASKS, images=''):
    return cls(data_root=root, ann_file=ann_file, data_prefix=dict(img=images),
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
        _dataset(CheckedCocoDataset, str(tmp_path), 'empty.json', images=tiny_worms[0])
    # boxes alone do not need it
    assert len(_dataset(CheckedCocoDataset, str(tmp_path), 'empty.json',
                        [dict(type='LoadAnnotations', with_bbox=True)], tiny_worms[0])) == 6


def _edited(tmp_path, tiny_worms, edit):
    with open(tiny_worms[1]) as f:
        coco = json.load(f)
    edit(coco)
    (tmp_path / 'edited.json').write_text(json.dumps(coco))
    return lambda: _dataset(CheckedCocoDataset, str(tmp_path), 'edited.json',
                            images=tiny_worms[0])


def test_a_bad_annotation_is_refused_when_the_dataset_is_built(tmp_path, tiny_worms):
    def nan_polygon(coco):  # pycocotools would segfault on it in the first batch
        coco['annotations'][0]['segmentation'] = [[1., float('nan'), 5., 1., 5., 5.]]

    with pytest.raises(ValueError, match=r'edited\.json: annotation 1 .* a polygon holds a '
                                         'value that is not a finite number'):
        _edited(tmp_path, tiny_worms, nan_polygon)()


def test_an_image_that_is_missing_or_of_another_size_is_named_at_build(tmp_path, tiny_worms):
    def rename(coco):
        coco['images'][1]['file_name'] = 'train/gone.png'

    with pytest.raises(ValueError, match=r"edited\.json: image 'train/gone\.png' cannot be "
                                         r'read at .*gone\.png \(FileNotFoundError\)'):
        _edited(tmp_path, tiny_worms, rename)()

    def resize(coco):  # its masks would disagree too: leave it without annotations
        coco['images'][0]['width'] += 1
        coco['annotations'] = [a for a in coco['annotations']
                               if a['image_id'] != coco['images'][0]['id']]

    with pytest.raises(ValueError, match=r'is 96x72 \(width x height\), the file says 97x72'):
        _edited(tmp_path, tiny_worms, resize)()


def test_mmdets_own_assertion_is_shown_with_the_file(tmp_path, tiny_worms):
    def duplicate_annotation_ids(coco):
        coco['annotations'][1]['id'] = coco['annotations'][0]['id']

    with pytest.raises(ValueError, match=r'edited\.json: .*not unique'):
        _edited(tmp_path, tiny_worms, duplicate_annotation_ids)()


@pytest.mark.parametrize('suffix, fmt', [('.png', 'PNG'), ('.jpg', 'JPEG')])
def test_a_truncated_image_is_named_at_build(tmp_path, tiny_worms, suffix, fmt):
    from PIL import Image
    root, ann_file = tiny_worms[:2]
    with open(ann_file) as f:
        coco = json.load(f)
    image = coco['images'][2]
    whole = tmp_path / f'whole{suffix}'
    Image.open(f'{root}/{image["file_name"]}').convert('RGB').save(whole)
    data = whole.read_bytes()
    (tmp_path / f'cut{suffix}').write_bytes(data[:len(data) * 2 // 3])  # a copy cut off
    for name in (f'whole{suffix}', f'cut{suffix}'):
        image['file_name'] = name
        coco['annotations'] = [a for a in coco['annotations'] if a['image_id'] == image['id']]
        coco['images'] = [image]
        (tmp_path / 'one.json').write_text(json.dumps(coco))
        build = lambda: _dataset(CheckedCocoDataset, str(tmp_path), 'one.json')  # noqa: E731
        if name.startswith('whole'):
            assert len(build()) == 1
        else:
            with pytest.raises(ValueError, match=rf"one\.json: image 'cut{suffix}' at .* is "
                                                 rf'truncated \(the {fmt} file has no end'):
                build()
