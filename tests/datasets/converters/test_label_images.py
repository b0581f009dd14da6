"""Own annotations in (label images, per-instance mask files) and predictions out (label
images, mask files, table): round trips and named refusals."""
import json
import os

import cv2
import numpy as np
import pycocotools.mask as mask_util
import pytest
from skimage import io as skio

from mmdet_semiconv.datasets import NucleiConfig, generate_nuclei_image
from mmdet_semiconv.datasets.converters import ConversionError, convert_label_images
from mmdet_semiconv.datasets.instance_export import (TABLE_COLUMNS, instance_rows, label_image,
                                                     write_mask_files)


def _masks_of(coco, image_id):
    return [mask_util.decode(a['segmentation']).astype(bool) for a in coco['annotations']
            if a['image_id'] == image_id]


@pytest.fixture
def nuclei_folder(tmp_path):
    """Two 16-bit raw images and their 16-bit instance label images (TIFF), one empty."""
    (tmp_path / 'images').mkdir()
    (tmp_path / 'labels').mkdir()
    truth = {}
    for i, stem in enumerate(['a', 'b']):
        masks = generate_nuclei_image(np.random.default_rng(i), NucleiConfig())
        raw = (np.any(masks, 0) * 40000 + 1000).astype(np.uint16)
        skio.imsave(str(tmp_path / 'images' / f'{stem}.tif'), raw, check_contrast=False)
        labels = (label_image(np.array(masks)) if stem == 'a'
                  else np.zeros(raw.shape, np.uint16))
        skio.imsave(str(tmp_path / 'labels' / f'{stem}.tif'), labels, check_contrast=False)
        truth[stem] = masks if stem == 'a' else []
    return tmp_path, truth


def test_label_images_round_trip_to_coco(nuclei_folder):
    root, truth = nuclei_folder
    out = root / 'out'
    with pytest.warns(UserWarning, match='no instance'):
        coco = convert_label_images(str(root / 'images'), str(out), str(root / 'labels'),
                                    split='val', category='nucleus')
    assert coco['categories'] == [dict(id=1, name='nucleus')]
    on_disk = json.loads((out / 'annotations' / 'val.json').read_text())
    ids = {im['file_name']: im['id'] for im in on_disk['images']}
    got = _masks_of(on_disk, ids['images/val/a.png'])
    assert len(got) == len(truth['a'])
    assert all(any(np.array_equal(g, t) for g in got) for t in truth['a'])
    assert _masks_of(on_disk, ids['images/val/b.png']) == []  # kept as a negative
    png = cv2.imread(str(out / 'images' / 'val' / 'a.png'), cv2.IMREAD_UNCHANGED)
    assert png.dtype == np.uint8 and png.max() == 255  # 16 bits rescaled to 8
    assert sorted(os.listdir(root / 'labels')) == ['a.tif', 'b.tif']  # sources untouched


def test_mask_files_keep_overlaps(tmp_path):
    (tmp_path / 'images').mkdir()
    (tmp_path / 'masks').mkdir()
    cv2.imwrite(str(tmp_path / 'images' / 'w1.png'), np.zeros((20, 30), np.uint8))
    a = np.zeros((20, 30), bool)
    a[5, :] = True
    b = np.zeros((20, 30), bool)
    b[:, 5] = True  # crosses a at (5, 5)
    write_mask_files(str(tmp_path / 'masks'), 'w1', np.array([a, b]))
    coco = convert_label_images(str(tmp_path / 'images'), str(tmp_path / 'out'),
                                masks_dir=str(tmp_path / 'masks'))
    got = _masks_of(coco, 1)
    assert len(got) == 2 and all(g[5, 5] for g in got)


@pytest.mark.parametrize('label,match', [
    (np.zeros((10, 10, 3), np.uint8), 'colour image'),
    (np.full((10, 10), 1.5, np.float32), 'integers'),
    (np.full((10, 10), -1, np.int32), 'negative'),
    (np.zeros((12, 10), np.uint16), 'image is 10 x 10'),
])
def test_bad_label_images_are_refused_by_name(tmp_path, label, match):
    (tmp_path / 'images').mkdir()
    (tmp_path / 'labels').mkdir()
    cv2.imwrite(str(tmp_path / 'images' / 'x.png'), np.zeros((10, 10), np.uint8))
    skio.imsave(str(tmp_path / 'labels' / 'x.tif'), label, check_contrast=False)
    with pytest.raises(ConversionError, match=match) as err:
        convert_label_images(str(tmp_path / 'images'), str(tmp_path / 'out'),
                             str(tmp_path / 'labels'))
    assert 'x.tif' in str(err.value)
    assert not (tmp_path / 'out' / 'annotations').exists()  # nothing half-written


def test_a_mask_file_of_no_image_and_an_image_without_labels_are_refused(tmp_path):
    (tmp_path / 'images').mkdir()
    (tmp_path / 'masks').mkdir()
    (tmp_path / 'labels').mkdir()
    cv2.imwrite(str(tmp_path / 'images' / 'x.png'), np.zeros((10, 10), np.uint8))
    cv2.imwrite(str(tmp_path / 'masks' / 'y_01.png'), np.ones((10, 10), np.uint8))
    with pytest.raises(ConversionError, match='y_01.png matches no image'):
        convert_label_images(str(tmp_path / 'images'), str(tmp_path / 'out'),
                             masks_dir=str(tmp_path / 'masks'))
    with pytest.raises(ConversionError, match='x.png has no label image'):
        convert_label_images(str(tmp_path / 'images'), str(tmp_path / 'out'),
                             str(tmp_path / 'labels'))


def test_predictions_to_label_image_and_back_follow_the_overlap_rule():
    """Instance k of the label image is mask k minus the pixels of higher-scored masks."""
    rng = np.random.default_rng(0)
    masks = rng.random((4, 16, 16)) < 0.3  # overlapping, ordered by decreasing score
    label = label_image(masks)
    assert label.dtype == np.uint16
    for k in range(4):
        expected = masks[k] & ~masks[:k].any(0)
        assert np.array_equal(label == k + 1, expected)


def test_the_table_has_a_row_per_instance_with_its_geometry():
    bar = np.zeros((20, 40), bool)
    bar[8:11, 5:35] = True  # 30 px long, 3 px thick
    rows = instance_rows('img', np.array([bar]), [0.9], ['worm'])
    assert list(rows[0]) == list(TABLE_COLUMNS)
    r = rows[0]
    box = (r['area'], r['bbox_x1'], r['bbox_y1'], r['bbox_x2'], r['bbox_y2'])
    assert box == (90, 5, 8, 35, 11)
    assert r['centroid_x'] == pytest.approx(19.5) and r['centroid_y'] == pytest.approx(9.0)
    assert 25 <= r['skeleton_length'] <= 30
