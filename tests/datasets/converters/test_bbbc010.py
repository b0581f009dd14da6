"""BBBC010 converter on a generated fixture in the release layout."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from pycocotools.coco import COCO

from mmdet_semiconv.datasets.converters import ConversionError, convert_bbbc010, default_train_wells
from mmdet_semiconv.testing import WELLS, make_bbbc010


def test_default_split_is_50_50():
    train = default_train_wells()
    assert len(train) == 50 and train[0] == 'A01' and train[-1] == 'C02'


@pytest.mark.parametrize('image_type', ['binary', 'brightfield'])
def test_round_trip(tmp_path, image_type):
    truth = make_bbbc010(str(tmp_path / 'src'))
    before = {f: os.stat(osp.join(d, f)).st_mtime_ns
              for d, _, fs in os.walk(tmp_path / 'src') for f in fs}
    out = str(tmp_path / 'coco')
    convert_bbbc010(str(tmp_path / 'src'), out, image_type=image_type)
    after = {f: os.stat(osp.join(d, f)).st_mtime_ns
             for d, _, fs in os.walk(tmp_path / 'src') for f in fs}
    assert before == after
    wells = {}
    for split in ('train', 'test'):
        coco = COCO(osp.join(out, 'annotations', f'{split}.json'))
        for img in coco.loadImgs(coco.getImgIds()):
            wells[img['well']] = split
            anns = coco.loadAnns(coco.getAnnIds(imgIds=img['id']))
            got = [coco.annToMask(a).astype(bool) for a in anns]
            assert len(got) == 3
            for g, m in zip(got, truth[img['well']]):
                assert np.array_equal(g, m)
            pic = cv2.imread(osp.join(out, img['file_name']))
            assert pic.shape[:2] == (52, 70)
            if image_type == 'binary':
                assert np.array_equal(pic[..., 0] > 0, np.any(truth[img['well']], 0))
    assert wells == {'A01': 'train', 'A02': 'train', 'C02': 'train', 'C03': 'test',
                     'E04': 'test'}
    # worms overlap where they cross, and the masks keep it
    assert any((np.sum(truth[w], 0) > 1).any() for w in WELLS)


def test_named_errors(tmp_path):
    src = str(tmp_path / 'src')
    make_bbbc010(src)
    path = osp.join(src, 'BBBC010_v1_foreground_eachworm', 'C03_02_ground_truth.png')
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n')  # truncated
    with pytest.raises(ConversionError, match='C03_02_ground_truth.png cannot be read'):
        convert_bbbc010(src, str(tmp_path / 'o1'))
    assert not osp.exists(tmp_path / 'o1' / 'annotations')
    with pytest.raises(ConversionError, match=r"train wells \['Z99'\]"):
        convert_bbbc010(src, str(tmp_path / 'o2'), train_wells=['Z99'])
    os.remove(path)
    os.remove(osp.join(src, 'BBBC010_v1_foreground_eachworm', 'C03_01_ground_truth.png'))
    os.remove(osp.join(src, 'BBBC010_v1_foreground_eachworm', 'C03_03_ground_truth.png'))
    with pytest.raises(ConversionError, match='no C03_<nn>_ground_truth.png'):
        convert_bbbc010(src, str(tmp_path / 'o3'))


def test_a_shifted_foreground_is_reported_and_can_be_rebuilt(tmp_path):
    src = str(tmp_path / 'src')
    truth = make_bbbc010(src)
    fg_path = osp.join(src, 'BBBC010_v1_foreground', 'C03_binary.png')
    shifted = np.roll(np.any(truth['C03'], 0), 1, axis=1)  # one pixel to the right
    cv2.imwrite(fg_path, shifted.astype(np.uint8) * 255)
    with pytest.warns(UserWarning, match=r'well C03: .* IoU 0\.\d+'):
        cocos = convert_bbbc010(src, str(tmp_path / 'out'))
    ious = {im['well']: im['foreground_iou'] for c in cocos.values() for im in c['images']}
    assert ious['A01'] == 1.0 and ious['C03'] < 0.95
    # the input image is the union of the masks with foreground='union'
    out = str(tmp_path / 'union')
    with pytest.warns(UserWarning, match='C03'):
        convert_bbbc010(src, out, foreground='union')
    img = cv2.imread(osp.join(out, 'images', 'C03.png'), cv2.IMREAD_GRAYSCALE) > 0
    assert np.array_equal(img, np.any(truth['C03'], 0))


def test_an_empty_worm_mask_is_skipped_with_a_warning(tmp_path):
    make_bbbc010(str(tmp_path / 'src'))
    empty = osp.join(tmp_path, 'src', 'BBBC010_v1_foreground_eachworm', 'A02_04_ground_truth.png')
    cv2.imwrite(empty, np.zeros((52, 70), np.uint8))
    with pytest.warns(UserWarning, match='A02_04_ground_truth.png is empty'):
        cocos = convert_bbbc010(str(tmp_path / 'src'), str(tmp_path / 'coco'))
    anns = cocos['train']['annotations']
    assert len(anns) == 3 * 3 and all(a['area'] > 0 for a in anns)


def test_outputs_follow_the_umask(tmp_path):
    make_bbbc010(str(tmp_path / 'src'))
    old = os.umask(0o022)
    try:
        convert_bbbc010(str(tmp_path / 'src'), str(tmp_path / 'coco'))
    finally:
        os.umask(old)
    for path in (osp.join('annotations', 'train.json'), osp.join('images', 'A01.png')):
        assert os.stat(osp.join(tmp_path, 'coco', path)).st_mode & 0o777 == 0o644


def test_a_rerun_stopped_midway_leaves_the_previous_set_whole(tmp_path, monkeypatch):
    import mmdet_semiconv.datasets.converters.bbbc010 as bbbc010
    make_bbbc010(str(tmp_path / 'src'))
    out = tmp_path / 'coco'
    convert_bbbc010(str(tmp_path / 'src'), str(out))  # binary
    before = {p: (out / p).read_bytes() for p in ('annotations/train.json',
                                                  'annotations/test.json', 'images/A01.png')}
    calls = []
    real = bbbc010.atomic_write_bytes

    def dying(*args):  # killed after two brightfield images
        calls.append(args)
        if len(calls) > 2:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(bbbc010, 'atomic_write_bytes', dying)
    with pytest.raises(KeyboardInterrupt):
        convert_bbbc010(str(tmp_path / 'src'), str(out), image_type='brightfield')
    assert {p: (out / p).read_bytes() for p in before} == before
    assert sorted(os.listdir(out)) == ['annotations', 'images']  # nothing half-built left


def test_a_split_that_would_be_empty_is_refused_before_anything_is_written(tmp_path):
    make_bbbc010(str(tmp_path / 'src'))
    with pytest.raises(ConversionError, match='test split would be empty'):
        convert_bbbc010(str(tmp_path / 'src'), str(tmp_path / 'coco'), train_wells=WELLS)
    assert not (tmp_path / 'coco').exists()


def test_an_out_dir_that_cannot_be_written_is_refused_before_converting(tmp_path):
    make_bbbc010(str(tmp_path / 'src'))
    (tmp_path / 'file').write_text('')
    with pytest.raises(ConversionError, match=r'file/coco cannot be written .*--out-dir'):
        convert_bbbc010(str(tmp_path / 'src'), str(tmp_path / 'file' / 'coco'))


def test_an_out_dir_holding_other_files_is_not_replaced(tmp_path):
    make_bbbc010(str(tmp_path / 'src'))
    (tmp_path / 'coco').mkdir()
    (tmp_path / 'coco' / 'notes.txt').write_text('mine')
    with pytest.raises(ConversionError, match=r"notes\.txt.*empty or new --out-dir"):
        convert_bbbc010(str(tmp_path / 'src'), str(tmp_path / 'coco'))
    assert (tmp_path / 'coco' / 'notes.txt').read_text() == 'mine'
