"""VOC 2012 / SBD converter on a generated fixture in the release layout."""
import hashlib
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image
from pycocotools.coco import COCO
from scipy.io import savemat

from mmdet_semiconv.datasets.converters import ConversionError, convert_voc
from mmdet_semiconv.testing import VOC_IDS as IDS
from mmdet_semiconv.testing import make_voc, save_voc_png


def _digest(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            with open(osp.join(d, f), 'rb') as fh:
                out[osp.join(d, f)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def test_round_trip_and_sources_untouched(tmp_path):
    voc, truth, voids = make_voc(str(tmp_path))
    before = _digest(voc)
    out = str(tmp_path / 'out' / 'voc12_train.json')
    convert_voc(voc, out, split='train')
    assert _digest(voc) == before
    coco = COCO(out)
    assert len(coco.getCatIds()) == 20
    for img in coco.loadImgs(coco.getImgIds()):
        name = osp.splitext(osp.basename(img['file_name']))[0]
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img['id']))
        assert len(anns) == len(truth[name])
        for a, (m, c) in zip(anns, truth[name]):
            assert np.array_equal(coco.annToMask(a).astype(bool), m)
            assert a['category_id'] == c
        from pycocotools import mask as mask_utils
        assert np.array_equal(mask_utils.decode(img['void']).astype(bool), voids[name])


def test_named_errors(tmp_path):
    voc, _, _ = make_voc(str(tmp_path))
    out = str(tmp_path / 'out.json')
    with pytest.raises(ConversionError, match='test.txt is missing'):
        convert_voc(voc, out, split='test')
    # a truncated label PNG
    path = osp.join(voc, 'SegmentationObject', f'{IDS[0]}.png')
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    with pytest.raises(ConversionError, match=f'{IDS[0]}.png cannot be read'):
        convert_voc(voc, out, split='train')
    assert not osp.exists(out)  # nothing half-written
    os.remove(path)
    with pytest.raises(ConversionError, match=f'{IDS[0]}.png is missing'):
        convert_voc(voc, out, split='train')


def test_inconsistent_class_png_is_named(tmp_path):
    voc, _, _ = make_voc(str(tmp_path))
    path = osp.join(voc, 'SegmentationClass', f'{IDS[2]}.png')
    cls = np.array(Image.open(path))
    cls[cls != 255] = 0  # instances without a class
    save_voc_png(cls, path)
    with pytest.raises(ConversionError, match='disagree'):
        convert_voc(voc, str(tmp_path / 'o.json'), split='val')


def test_sbd_masks(tmp_path):
    voc, _, _ = make_voc(str(tmp_path))
    sbd = tmp_path / 'benchmark_RELEASE' / 'dataset'
    (sbd / 'inst').mkdir(parents=True)
    expected = {}
    for name in IDS[:2]:
        h = np.array(Image.open(osp.join(voc, 'JPEGImages', f'{name}.jpg'))).shape[0]
        seg = np.zeros((h, 50), np.uint8)
        seg[2:10, 3:20] = 1
        seg[15:30, 5:9] = 2
        savemat(str(sbd / 'inst' / f'{name}.mat'), {'GTinst': {
            'Segmentation': seg, 'Categories': np.array([[15], [7]]),
            'Boundaries': np.zeros((2, 1), object)}})
        expected[name] = [(seg == 1, 15), (seg == 2, 7)]
    out = str(tmp_path / 'sbd.json')
    convert_voc(voc, out, split='train', sbd_root=str(sbd.parent))
    coco = COCO(out)
    for img in coco.loadImgs(coco.getImgIds()):
        name = osp.splitext(osp.basename(img['file_name']))[0]
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img['id']))
        assert [a['category_id'] for a in anns] == [c for _, c in expected[name]]
        for a, (m, _) in zip(anns, expected[name]):
            assert np.array_equal(coco.annToMask(a).astype(bool), m)


def _convert_cli(voc, *args):
    import subprocess
    import sys

    from mmdet_semiconv.testing import REPO
    return subprocess.run([sys.executable, osp.join(REPO, 'tools', 'dataset_converters',
                                                    'voc2012_to_coco.py'), voc, *args],
                          capture_output=True, text=True)


def test_the_cli_refuses_an_out_dir_it_cannot_write_before_converting(tmp_path):
    make_voc(str(tmp_path))
    (tmp_path / 'file').write_text('')
    out = _convert_cli(str(tmp_path / 'VOCdevkit' / 'VOC2012'), '--splits', 'train',
                       '--out-dir', str(tmp_path / 'file' / 'ann'))
    assert out.returncode != 0 and '--out-dir' in out.stderr and 'cannot be created' in out.stderr
    assert 'VOC2012 train' not in out.stderr  # nothing was converted (no progress bar)


def test_the_cli_writes_no_split_when_one_fails(tmp_path):
    make_voc(str(tmp_path))
    voc = tmp_path / 'VOCdevkit' / 'VOC2012'
    out = _convert_cli(str(voc), '--splits', 'train', 'nosuchsplit', '--out-dir',
                       str(tmp_path / 'ann'))
    assert out.returncode != 0 and 'nosuchsplit.txt is missing' in out.stderr
    assert os.listdir(tmp_path / 'ann') == []  # train was converted, but not written alone


def test_the_cli_refuses_an_output_name_that_is_a_folder_before_converting(tmp_path):
    make_voc(str(tmp_path))
    (tmp_path / 'ann' / 'voc12_train.json').mkdir(parents=True)
    out = _convert_cli(str(tmp_path / 'VOCdevkit' / 'VOC2012'), '--splits', 'train', 'val',
                       '--out-dir', str(tmp_path / 'ann'))
    assert out.returncode != 0 and 'voc12_train.json is a folder' in out.stderr
    assert 'VOC2012 train' not in out.stderr  # refused before converting
    assert os.listdir(tmp_path / 'ann') == ['voc12_train.json']
