"""Biologists' own annotations -> COCO json: instance label images or per-instance mask files.

The layouts that StarDist, Cellpose, EmbedSeg and PatchPerPix read and write::

    <images_dir>/<stem>.<png|tif|tiff|jpg>          the raw images
    <labels_dir>/<stem>.<png|tif|tiff>              (a) 2-D instance label images: 8/16/32-bit
                                                        integers, 0 = background, k > 0 =
                                                        instance k (instances cannot overlap)
    <masks_dir>/<stem>_<anything>.png               (b) one binary image per instance (the
                                                        BBBC010 layout), so overlaps are kept

Output, one split per call: ``<out_dir>/images/<split>/<stem>.png`` and
``<out_dir>/annotations/<split>.json`` (RLE masks, one category), built beside and moved in
whole (a stopped run leaves the previous split or none). 8-bit images are copied unchanged;
others (16-bit, float) are rescaled to 8 bits linearly from their 0.5th to their 99.5th
percentile, as the BBBC010 converter does for brightfield. The sources are only read.
"""
import os
import os.path as osp
import warnings
from typing import Dict, List, Optional

import numpy as np
from skimage import io as skio
from tqdm import tqdm

from ..coco_io import atomic_write_bytes, atomic_write_json, built_beside, coco_annotation
from .bbbc010 import brightfield_to_uint8
from .errors import ConversionError, require_writable_dir

IMAGE_EXTS = ('.png', '.tif', '.tiff', '.jpg', '.jpeg')
LABEL_EXTS = ('.png', '.tif', '.tiff')


def _read(path: str) -> np.ndarray:
    try:
        return np.asarray(skio.imread(path))
    except Exception as err:  # skimage raises per plugin; all mean the same to the user
        raise ConversionError(f'{path} cannot be read ({type(err).__name__}: {err}); '
                              'replace it with a readable PNG or TIFF') from err


def _by_stem(folder: str, exts) -> Dict[str, str]:
    if not osp.isdir(folder):
        raise ConversionError(f'{folder} is not a folder')
    return {osp.splitext(f)[0]: osp.join(folder, f) for f in sorted(os.listdir(folder))
            if osp.splitext(f)[1].lower() in exts}


def instances_from_label_image(path: str, shape) -> List[np.ndarray]:
    """The (H, W) bool mask of each label > 0 of one label image, by increasing label.

    Refuses an RGB image, float or negative labels and a size other than ``shape``.
    """
    label = _read(path)
    if label.ndim == 3 and label.shape[-1] in (3, 4):
        raise ConversionError(f'{path} is a colour image ({label.shape[-1]} channels): an '
                              'instance label image has one channel of integer labels; '
                              'export the labels, not a coloured rendering')
    if label.ndim != 2:
        raise ConversionError(f'{path} has shape {label.shape}: give a 2-D label image')
    if not np.issubdtype(label.dtype, np.integer):
        raise ConversionError(f'{path} holds {label.dtype} values: instance labels are integers '
                              '(8/16/32-bit); save the label image with an integer type')
    if label.min() < 0:
        raise ConversionError(f'{path} has negative labels (min {label.min()}): 0 is '
                              'background and instances are 1, 2, ...')
    if label.shape != tuple(shape):
        raise ConversionError(f'{path} is {label.shape[1]} x {label.shape[0]} (w x h) but its '
                              f'image is {shape[1]} x {shape[0]}; give labels of the image size')
    return [label == k for k in np.unique(label) if k > 0]


def instances_from_mask_files(paths: List[str], shape) -> List[np.ndarray]:
    """One (H, W) bool mask per file (any non-zero pixel is the instance)."""
    masks = []
    for path in paths:
        m = _read(path)
        m = m.any(axis=-1) if m.ndim == 3 else m > 0
        if m.shape != tuple(shape):
            raise ConversionError(f'{path} is {m.shape[1]} x {m.shape[0]} (w x h) but its image '
                                  f'is {shape[1]} x {shape[0]}; give masks of the image size')
        if m.any():
            masks.append(m)
        else:
            warnings.warn(f'{path} is empty; skipped, it is not an instance')
    return masks


def convert_label_images(images_dir: str, out_dir: str, labels_dir: Optional[str] = None,
                         masks_dir: Optional[str] = None, split: str = 'train',
                         category: str = 'object') -> dict:
    """Convert one split of own annotations (give ``labels_dir`` or ``masks_dir``); returns
    the COCO dict written to ``<out_dir>/annotations/<split>.json``.

    An image without any instance is kept as a negative, with a warning; an image without a
    label file, and a mask file whose stem prefix matches no image, are refused.
    """
    if (labels_dir is None) == (masks_dir is None):
        raise ConversionError('give either a labels folder (instance label images) or a masks '
                              'folder (one file per instance), not both or neither')
    images = _by_stem(images_dir, IMAGE_EXTS)
    if not images:
        raise ConversionError(f'{images_dir} holds no image ({", ".join(IMAGE_EXTS)})')
    if labels_dir is not None:
        labels = _by_stem(labels_dir, LABEL_EXTS)
        missing = sorted(set(images) - set(labels))
        if missing:
            raise ConversionError(f'{images[missing[0]]} has no label image {labels_dir}/'
                                  f'{missing[0]}.png|tif ({len(missing)} images lack one); add '
                                  'them or move those images out')
    else:
        mask_files = _by_stem(masks_dir, ('.png', '.tif', '.tiff'))
        per_image: Dict[str, List[str]] = {stem: [] for stem in images}
        for stem, path in mask_files.items():
            owner = max((s for s in images if stem.startswith(s + '_')), key=len, default=None)
            if owner is None:
                raise ConversionError(f'{path} matches no image of {images_dir}: mask files are '
                                      'named <image stem>_<anything>.png')
            per_image[owner].append(path)
    other = sorted(f for f in (os.listdir(out_dir) if osp.isdir(out_dir) else [])
                   if f not in ('images', 'annotations') and not f.startswith('.building-'))
    if other:
        raise ConversionError(f'{out_dir} holds files the converter did not write ({other[:3]}); '
                              'give an empty or new --out-dir (its images/<split>/ and '
                              'annotations/<split>.json are replaced)')
    require_writable_dir(out_dir)
    json_part = osp.join('annotations', f'{split}.json')
    coco = dict(info=dict(description=f'{split} converted from '
                          f'{labels_dir if labels_dir is not None else masks_dir}'),
                images=[], annotations=[], categories=[dict(id=1, name=category)])
    with built_beside(out_dir, f'.building-{split}', [json_part, f'images/{split}']) as build:
        for image_id, (stem, path) in enumerate(tqdm(images.items(), desc=split), start=1):
            img = _read(path)
            shape = img.shape[:2]
            if labels_dir is not None:
                masks = instances_from_label_image(labels[stem], shape)
            else:
                masks = instances_from_mask_files(per_image[stem], shape)
            if not masks:
                warnings.warn(f'{path}: no instance in its annotation; kept as a negative image')
            name = f'images/{split}/{stem}.png'
            atomic_write_bytes(osp.join(build, name), _png(img))
            coco['images'].append(dict(id=image_id, file_name=name, height=shape[0],
                                       width=shape[1]))
            for m in masks:
                coco['annotations'].append(
                    coco_annotation(m, len(coco['annotations']) + 1, image_id, 1))
        atomic_write_json(osp.join(build, json_part), coco)
    return coco


def _png(img: np.ndarray) -> bytes:
    """PNG bytes of an image, 8-bit (rescaled if it is not 8-bit already)."""
    import cv2
    if img.dtype != np.uint8:
        img = brightfield_to_uint8(img)
    if img.ndim == 3 and img.shape[-1] >= 3:
        img = img[..., [2, 1, 0]]  # RGB(A) -> BGR for OpenCV
    ok, png = cv2.imencode('.png', img)
    return png.tobytes()
