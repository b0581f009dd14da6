"""BBBC010 (C. elegans live/dead assay) -> COCO json, one class ``worm``, overlaps kept.

Release layout (three zips of the Broad Bioimage Benchmark Collection)::

    <root>/BBBC010_v2_images/*_<well>_w1_<uuid>.tif, *_<well>_w2_<uuid>.tif   16-bit, 696 x 520
    <root>/BBBC010_v1_foreground/<well>_binary.png                            binary foreground
    <root>/BBBC010_v1_foreground_eachworm/<well>_<nn>_ground_truth.png        one PNG per worm

Input image (``image_type``): ``'binary'`` (default, the paper's protocol: "we operate on the
binary segmentation of the microscopy images") copies ``<well>_binary.png``; ``'brightfield'``
converts the ``w1`` channel, rescaling its 16 bits linearly so that the 0.5th and 99.5th
percentiles of the image map to 0 and 255 (8-bit PNG). Images are written to
``<out_dir>/images/<well>.png`` and annotations to ``<out_dir>/annotations/{train,test}.json``,
as one set: built in ``<out_dir>/.building`` and moved in when complete, so a re-run stopped
midway leaves the previous set whole (or no annotations), never images of one run under the
json of another. ``out_dir`` holds nothing else.

Alignment: for each well the IoU between the provided binary foreground and the union of the
worm masks is measured, stored as ``images[i]['foreground_iou']`` and warned about (naming the
well) below ``min_foreground_iou``: a foreground shifted by a pixel or drawn differently from
the masks would otherwise go unnoticed into training. ``foreground='union'`` builds the binary
input from the union of the worm masks instead of the provided file.

Split: 50/50 by well; by default wells A01-C02 train and C03-E04 test (a public split of the
100 images). ``train_wells`` overrides the train list; every other well is test.
"""
import glob
import os
import os.path as osp
import re
import warnings
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
from tqdm import tqdm

from ..coco_io import atomic_write_bytes, atomic_write_json, built_beside, coco_annotation
from .errors import ConversionError, require_writable_dir

WELL = re.compile(r'^([A-P])(\d{2})$')


def default_train_wells() -> List[str]:
    """A01..A24, B01..B24, C01, C02: the first 50 of the 100 wells."""
    wells = [f'{r}{c:02d}' for r in 'ABCDE' for c in range(1, 25)][:100]
    return wells[:50]


def _read_mask(path: str, shape: Optional[tuple] = None) -> np.ndarray:
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ConversionError(f'{path} cannot be read (missing, truncated or not an image); '
                              're-extract it from the BBBC010 zip')
    mask = (img > 0) if img.ndim == 2 else (img > 0).any(axis=2)
    if shape is not None and mask.shape != shape:
        raise ConversionError(f'{path} is {mask.shape[::-1]} (w x h) but the well image is '
                              f'{shape[::-1]}; all files of a well must be the same size')
    return mask


def brightfield_to_uint8(img: np.ndarray) -> np.ndarray:
    """Linear 16 -> 8 bit rescale: the 0.5th / 99.5th percentiles go to 0 / 255."""
    lo, hi = np.percentile(img, (0.5, 99.5))
    out = (img.astype(np.float64) - lo) / max(hi - lo, 1e-6)
    return (np.clip(out, 0, 1) * 255).round().astype(np.uint8)


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two boolean masks (1 when both are empty)."""
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


def convert_bbbc010(root: str, out_dir: str, image_type: str = 'binary',
                    train_wells: Optional[Sequence[str]] = None,
                    channel: str = 'w1', foreground: str = 'provided',
                    min_foreground_iou: float = 0.95) -> Dict[str, dict]:
    """Convert BBBC010 to COCO; returns ``{'train': coco, 'test': coco}``.

    Args:
        foreground (str): binary input from the ``'provided'`` ``<well>_binary.png`` or from
            the ``'union'`` of the worm masks.
        min_foreground_iou (float): warn for a well whose provided foreground has a lower IoU
            with the union of its worm masks.
    """
    if image_type not in ('binary', 'brightfield'):
        raise ValueError(f"image_type must be 'binary' or 'brightfield', got {image_type!r}")
    if foreground not in ('provided', 'union'):
        raise ValueError(f"foreground must be 'provided' or 'union', got {foreground!r}")
    fg_dir = osp.join(root, 'BBBC010_v1_foreground')
    worm_dir = osp.join(root, 'BBBC010_v1_foreground_eachworm')
    img_dir = osp.join(root, 'BBBC010_v2_images')
    for d in (fg_dir, worm_dir) + ((img_dir, ) if image_type == 'brightfield' else ()):
        if not osp.isdir(d):
            raise ConversionError(f'{d} is missing: unzip the BBBC010 release into {root}')
    wells = sorted(osp.basename(p)[:-len('_binary.png')]
                   for p in glob.glob(osp.join(fg_dir, '*_binary.png')))
    if not wells:
        raise ConversionError(f'{fg_dir} holds no <well>_binary.png')
    bad = [w for w in wells if not WELL.match(w)]
    if bad:
        raise ConversionError(f'{fg_dir}: {bad[0]}_binary.png does not name a well like A01')
    if train_wells is None:
        train = set(default_train_wells())
    else:  # an explicit list must name wells that exist
        train = set(train_wells)
        unknown = sorted(train - set(wells))
        if unknown:
            raise ConversionError(f'train wells {unknown} have no {fg_dir}/<well>_binary.png; '
                                  'fix the train-wells list')
    for split, members in (('train', [w for w in wells if w in train]),
                           ('test', [w for w in wells if w not in train])):
        if not members:
            raise ConversionError(
                f'the {split} split would be empty: of the {len(wells)} wells in {fg_dir}, '
                f'{"none" if split == "train" else "all"} are train wells; give a train-wells '
                'list that leaves wells for both splits')
    other = sorted(set(os.listdir(out_dir)) - {'images', 'annotations', '.building'}
                   if osp.isdir(out_dir) else [])
    if other:
        raise ConversionError(f'{out_dir} holds files the converter did not write ({other[:3]}); '
                              'give an empty or new --out-dir (its images/ and annotations/ '
                              'are replaced)')
    require_writable_dir(out_dir)
    with built_beside(out_dir, '.building', ['annotations', 'images']) as build:
        cocos = _convert(wells, train, fg_dir, worm_dir, img_dir, build, image_type, channel,
                         foreground, min_foreground_iou)
        for split, coco in cocos.items():
            atomic_write_json(osp.join(build, 'annotations', f'{split}.json'), coco)
    return cocos


def _convert(wells: List[str], train: set, fg_dir: str, worm_dir: str, img_dir: str,
             out_dir: str, image_type: str, channel: str, foreground: str,
             min_foreground_iou: float) -> Dict[str, dict]:
    """Write every well's image under ``out_dir``; return the two COCO dicts."""
    cocos = {s: dict(info=dict(description=f'BBBC010 {s} ({image_type})'), images=[],
                     annotations=[], categories=[dict(id=1, name='worm')])
             for s in ('train', 'test')}
    ann_id = 1
    for image_id, well in enumerate(tqdm(wells, desc='BBBC010'), start=1):
        fg_path = osp.join(fg_dir, f'{well}_binary.png')
        fg = _read_mask(fg_path)
        worm_paths = sorted(glob.glob(osp.join(worm_dir, f'{well}_*_ground_truth.png')))
        if not worm_paths:
            raise ConversionError(f'{worm_dir} has no {well}_<nn>_ground_truth.png for '
                                  f'{fg_path}')
        masks = []
        for path in worm_paths:
            mask = _read_mask(path, fg.shape)
            if not mask.any():  # an area-0 ground truth would count as a missed worm
                warnings.warn(f'BBBC010: {path} is empty (no foreground pixel); skipped, it '
                              'is not a worm annotation')
                continue
            masks.append(mask)
        if not masks:
            raise ConversionError(f'every {well}_<nn>_ground_truth.png in {worm_dir} is empty; '
                                  'check the files')
        union = np.any(masks, axis=0)
        fg_iou = mask_iou(fg, union)
        if fg_iou < min_foreground_iou:
            warnings.warn(f'BBBC010 well {well}: {fg_path} has IoU {fg_iou:.3f} with the union '
                          f'of its {len(masks)} worm masks (< {min_foreground_iou}); check the '
                          "files, or build the input from the masks with foreground='union' "
                          '(--foreground union)')
        name = f'images/{well}.png'
        if image_type == 'binary':
            binary = union if foreground == 'union' else fg
            img = np.repeat((binary * 255).astype(np.uint8)[..., None], 3, 2)
        else:
            tifs = glob.glob(osp.join(img_dir, f'*_{well}_{channel}_*.tif'))
            if len(tifs) != 1:
                raise ConversionError(f'{img_dir}: expected one *_{well}_{channel}_*.tif, '
                                      f'found {len(tifs)}')
            raw = cv2.imread(tifs[0], cv2.IMREAD_UNCHANGED)
            if raw is None or raw.shape[:2] != fg.shape:
                raise ConversionError(f'{tifs[0]} cannot be read or is not {fg.shape[::-1]}')
            img = brightfield_to_uint8(raw if raw.ndim == 2 else raw[..., 0])
        ok, png = cv2.imencode('.png', img)
        atomic_write_bytes(osp.join(out_dir, name), png.tobytes())
        split = 'train' if well in train else 'test'
        coco = cocos[split]
        coco['images'].append(dict(id=image_id, file_name=name, height=fg.shape[0],
                                   width=fg.shape[1], well=well,
                                   foreground_iou=round(fg_iou, 4)))
        for m in masks:
            coco['annotations'].append(coco_annotation(m, ann_id, image_id, 1))
            ann_id += 1
    return cocos
