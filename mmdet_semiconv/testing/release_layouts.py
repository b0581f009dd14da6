"""Small data sets in the exact on-disk layout of the real releases (VOC 2012, BBBC010), so
that the converters and the real-data configs are tested without downloading anything."""
import os
import os.path as osp

import cv2
import numpy as np
from PIL import Image

#: the BBBC010 wells :func:`make_bbbc010` writes
WELLS = ('A01', 'A02', 'C02', 'C03', 'E04')
#: the VOC image ids :func:`make_voc` writes (two in train, one in val)
VOC_IDS = ('2007_000032', '2007_000033', '2008_000001')


def make_bbbc010(root, h=52, w=70):
    """The three release folders for a few wells; returns {well: [worm masks]}."""
    dirs = {k: osp.join(root, k) for k in ('BBBC010_v2_images', 'BBBC010_v1_foreground',
                                           'BBBC010_v1_foreground_eachworm')}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(0)
    truth = {}
    for well in WELLS:
        worms = []
        for _ in range(3):
            m = np.zeros((h, w), np.uint8)
            y = int(rng.integers(5, h - 5))
            cv2.line(m, (5, y), (w - 5, int(rng.integers(5, h - 5))), 255, 3)
            worms.append(m > 0)
        truth[well] = worms
        for i, m in enumerate(worms, start=1):
            cv2.imwrite(osp.join(dirs['BBBC010_v1_foreground_eachworm'],
                                 f'{well}_{i:02d}_ground_truth.png'), m.astype(np.uint8) * 255)
        cv2.imwrite(osp.join(dirs['BBBC010_v1_foreground'], f'{well}_binary.png'),
                    np.any(worms, 0).astype(np.uint8) * 255)
        for ch in ('w1', 'w2'):
            img = rng.integers(1000, 60000, (h, w)).astype(np.uint16)
            cv2.imwrite(osp.join(dirs['BBBC010_v2_images'],
                                 f'1649_1109_0003_Amp5-1_B_20070424_{well}_{ch}_'
                                 'A1B2C3D4-0000-0000-0000-000000000000.tif'), img)
    return truth


def _voc_palette():
    pal = np.zeros((256, 3), np.uint8)
    pal[1:21] = np.random.default_rng(0).integers(0, 255, (20, 3))
    pal[255] = 224, 224, 192  # VOC's void colour
    return pal.ravel().tolist()


def save_voc_png(arr, path):
    """A label image as VOC stores it: a palette PNG (index 255 is void)."""
    img = Image.fromarray(arr.astype(np.uint8), mode='P')
    img.putpalette(_voc_palette())
    img.save(path)


def make_voc(root):
    """VOCdevkit/VOC2012 with 3 images; returns {id: [(mask, class)]} and the void masks."""
    voc = osp.join(root, 'VOCdevkit', 'VOC2012')
    for d in ('JPEGImages', 'SegmentationObject', 'SegmentationClass', 'ImageSets/Segmentation'):
        os.makedirs(osp.join(voc, d), exist_ok=True)
    truth, voids = {}, {}
    rng = np.random.default_rng(1)
    for n, name in enumerate(VOC_IDS):
        h, w = 40 + 4 * n, 50
        obj = np.zeros((h, w), np.uint8)
        cls = np.zeros((h, w), np.uint8)
        inst = []
        for k in range(1, 3 + n):
            y, x = rng.integers(0, h - 10), rng.integers(0, w - 10)
            c = int(rng.integers(1, 21))
            obj[y:y + 8, x:x + 8] = k
            cls[y:y + 8, x:x + 8] = c
            obj[y + 8:y + 9, x:x + 8] = 255  # a void boundary strip
            cls[y + 8:y + 9, x:x + 8] = 255
        for k in range(1, 3 + n):  # what survives later instances painted over it
            m = obj == k
            if m.any():
                inst.append((m, int(np.unique(cls[m])[0])))
        truth[name], voids[name] = inst, obj == 255
        Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(
            osp.join(voc, 'JPEGImages', f'{name}.jpg'))
        save_voc_png(obj, osp.join(voc, 'SegmentationObject', f'{name}.png'))
        save_voc_png(cls, osp.join(voc, 'SegmentationClass', f'{name}.png'))
    with open(osp.join(voc, 'ImageSets/Segmentation/train.txt'), 'w') as f:
        f.write('\n'.join(VOC_IDS[:2]) + '\n')
    with open(osp.join(voc, 'ImageSets/Segmentation/val.txt'), 'w') as f:
        f.write(VOC_IDS[2] + '\n')
    return voc, truth, voids
