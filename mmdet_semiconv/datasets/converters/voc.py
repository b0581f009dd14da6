"""PASCAL VOC 2012 (and SBD) instance segmentation -> COCO json with RLE masks.

VOC 2012 layout (the release tarball)::

    VOCdevkit/VOC2012/JPEGImages/<id>.jpg
    VOCdevkit/VOC2012/SegmentationObject/<id>.png   palette PNG: 0 bg, 1..N instances, 255 void
    VOCdevkit/VOC2012/SegmentationClass/<id>.png    palette PNG: 0 bg, 1..20 classes, 255 void
    VOCdevkit/VOC2012/ImageSets/Segmentation/{train,val}.txt

An instance's class is the class of its pixels in SegmentationClass (they agree in the release;
a disagreement is an error). VOC's void label 255 (object boundaries, ambiguous regions) is
kept per image as an RLE in ``images[i]['void']``: :class:`VOCAPrMetric` excludes those pixels
from the IoU, as the VOC/SDS protocol does; COCO metrics ignore the field.

SBD (Hariharan et al.) layout, for the SDS protocol's training masks::

    <sbd>/dataset/inst/<id>.mat   GTinst.Segmentation (H x W, 0 bg, 1..N), GTinst.Categories (N)
    <sbd>/dataset/cls/<id>.mat    GTcls.Segmentation (H x W class map; only checked for size)

SBD has no void label. Images are always read from VOC 2012's JPEGImages.
"""
import os.path as osp
from typing import Dict, List, Optional

import numpy as np
from PIL import Image
from tqdm import tqdm

from ..coco_io import atomic_write_json, coco_annotation, encode_rle
from .errors import ConversionError

VOC_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair',
               'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant',
               'sheep', 'sofa', 'train', 'tvmonitor')
VOID = 255


def _read_png_indices(path: str) -> np.ndarray:
    """The palette indices of a VOC label PNG (not its colours)."""
    if not osp.isfile(path):
        raise ConversionError(f'{path} is missing: the VOC 2012 release has one label PNG per '
                              'image listed in ImageSets/Segmentation; re-extract the tarball')
    try:
        with Image.open(path) as img:
            if img.mode not in ('P', 'L'):
                raise ConversionError(f'{path} has mode {img.mode}; VOC label PNGs are palette '
                                      '(P) images whose indices are the labels')
            return np.array(img)
    except ConversionError:
        raise
    except Exception as e:  # truncated or not a PNG
        raise ConversionError(f'{path} cannot be read ({e}); re-extract it from the release') \
            from e


def _image_size(path: str) -> tuple:
    if not osp.isfile(path):
        raise ConversionError(f'{path} is missing: JPEGImages must hold every listed image')
    try:
        with Image.open(path) as img:
            img.verify()
        with Image.open(path) as img:
            return img.size[1], img.size[0]
    except Exception as e:
        raise ConversionError(f'{path} cannot be read ({e}); re-extract it from the release') \
            from e


def _read_ids(path: str) -> List[str]:
    if not osp.isfile(path):
        raise ConversionError(f'{path} is missing: give a split listed in '
                              'ImageSets/Segmentation (train, val) or an id list file')
    with open(path) as f:
        ids = [line.strip() for line in f if line.strip()]
    if not ids:
        raise ConversionError(f'{path} lists no image id')
    return ids


def voc_instances(obj: np.ndarray, cls: np.ndarray, obj_path: str) -> List[tuple]:
    """(mask, class index 1..20) of each instance of one VOC image."""
    out = []
    for k in np.unique(obj):
        if k in (0, VOID):
            continue
        mask = obj == k
        labels = cls[mask]
        labels = labels[(labels != 0) & (labels != VOID)]
        values = np.unique(labels)
        if len(values) != 1 or values[0] > len(VOC_CLASSES):
            raise ConversionError(
                f'{obj_path}: instance {k} has classes {values.tolist()} in SegmentationClass; '
                'expected exactly one of 1..20. The two PNGs of this image disagree.')
        out.append((mask, int(values[0])))
    return out


def sbd_instances(inst_path: str) -> List[tuple]:
    """(mask, class index) of each instance in an SBD ``inst/<id>.mat``."""
    from scipy.io import loadmat
    if not osp.isfile(inst_path):
        raise ConversionError(f'{inst_path} is missing: SBD has inst/<id>.mat for its images; '
                              'use an id list that SBD covers')
    try:
        gt = loadmat(inst_path)['GTinst'][0, 0]
        seg = np.asarray(gt['Segmentation'])
        cats = np.asarray(gt['Categories']).ravel()
    except Exception as e:
        raise ConversionError(f'{inst_path} is not an SBD GTinst file ({e})') from e
    out = []
    for k in range(1, len(cats) + 1):
        mask = seg == k
        if mask.any():
            out.append((mask, int(cats[k - 1])))
    return out


def convert_voc(voc_root: str, out_file: Optional[str], split: str = 'train',
                ids_file: Optional[str] = None, sbd_root: Optional[str] = None) -> Dict:
    """Convert one split to COCO json at ``out_file`` (written atomically; sources untouched;
    None writes nothing, for a caller that writes several splits once all are converted).

    Args:
        voc_root (str): ``VOCdevkit/VOC2012``.
        split (str): a list in ``ImageSets/Segmentation`` (ignored when ``ids_file`` is given).
        sbd_root (str, optional): take the masks from SBD ``<sbd_root>/dataset/inst`` instead.

    Returns:
        dict: the COCO dictionary written. ``file_name`` is relative to ``voc_root``.
    """
    ids = _read_ids(ids_file or osp.join(voc_root, 'ImageSets', 'Segmentation', f'{split}.txt'))
    coco = dict(info=dict(description=f'VOC2012 {split}' + (' (SBD masks)' if sbd_root else '')),
                images=[], annotations=[],
                categories=[dict(id=i + 1, name=c) for i, c in enumerate(VOC_CLASSES)])
    ann_id = 1
    for image_id, name in enumerate(tqdm(ids, desc=f'VOC2012 {split}'), start=1):
        img_rel = osp.join('JPEGImages', f'{name}.jpg')
        h, w = _image_size(osp.join(voc_root, img_rel))
        image = dict(id=image_id, file_name=img_rel, height=h, width=w)
        if sbd_root:
            path = osp.join(sbd_root, 'dataset', 'inst', f'{name}.mat')
            instances = sbd_instances(path)
        else:
            path = osp.join(voc_root, 'SegmentationObject', f'{name}.png')
            obj = _read_png_indices(path)
            cls = _read_png_indices(osp.join(voc_root, 'SegmentationClass', f'{name}.png'))
            if obj.shape != cls.shape:
                raise ConversionError(f'{path}: {obj.shape} but SegmentationClass is '
                                      f'{cls.shape}; the two PNGs must be the same size')
            instances = voc_instances(obj, cls, path)
            if (obj == VOID).any():
                image['void'] = encode_rle(obj == VOID)
        for mask, _ in instances:
            if mask.shape != (h, w):
                raise ConversionError(f'{path}: masks are {mask.shape} but the image is '
                                      f'{(h, w)}; they must match')
        coco['images'].append(image)
        for mask, label in instances:
            coco['annotations'].append(coco_annotation(mask, ann_id, image_id, label))
            ann_id += 1
    if out_file is not None:
        atomic_write_json(out_file, coco)
    return coco
