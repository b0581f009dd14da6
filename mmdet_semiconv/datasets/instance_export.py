"""Predictions out, in the forms biology tools read: instance label images, per-instance mask
files (the BBBC010 layout) and a table with a row per instance."""
import csv
import os.path as osp
from typing import List, Sequence

import cv2
import numpy as np
from skimage.measure import regionprops
from skimage.morphology import skeletonize

from .coco_io import atomic_write_bytes

TABLE_COLUMNS = ('image', 'instance', 'class', 'score', 'area', 'bbox_x1', 'bbox_y1',
                 'bbox_x2', 'bbox_y2', 'centroid_x', 'centroid_y', 'skeleton_length')


def label_image(masks: np.ndarray) -> np.ndarray:
    """A 16-bit instance label image of (n, H, W) bool masks ordered by decreasing score:
    instance k (1-based) is ``masks[k - 1]``; where masks overlap, the highest-scored one is on
    top (a label image holds one instance per pixel)."""
    if len(masks) > np.iinfo(np.uint16).max:
        raise ValueError(f'{len(masks)} instances do not fit a 16-bit label image')
    label = np.zeros(masks.shape[1:], np.uint16)
    for k in range(len(masks), 0, -1):  # the highest score painted last
        label[masks[k - 1]] = k
    return label


def instance_rows(image: str, masks: np.ndarray, scores: Sequence[float],
                  classes: Sequence[str]) -> List[dict]:
    """A :data:`TABLE_COLUMNS` row per mask (its whole mask, overlaps included):
    scikit-image's regionprops for area, box and centroid, and the pixel count of its
    skeleton (skeletonize) as the length of an elongated object such as a worm."""
    rows = []
    for k, (mask, score, cls) in enumerate(zip(masks, scores, classes), start=1):
        props = regionprops(mask.astype(np.uint8))
        if not props:
            continue
        p = props[0]
        y1, x1, y2, x2 = p.bbox
        cy, cx = p.centroid
        rows.append(dict(image=image, instance=k, **{'class': cls}, score=round(float(score), 4),
                         area=int(p.area), bbox_x1=x1, bbox_y1=y1, bbox_x2=x2, bbox_y2=y2,
                         centroid_x=round(cx, 2), centroid_y=round(cy, 2),
                         skeleton_length=int(skeletonize(mask).sum())))
    return rows


def write_label_image(path: str, masks: np.ndarray) -> None:
    ok, png = cv2.imencode('.png', label_image(masks))
    atomic_write_bytes(path, png.tobytes())


def write_mask_files(folder: str, stem: str, masks: np.ndarray) -> List[str]:
    """``<folder>/<stem>_<nn>_ground_truth.png`` per instance (BBBC010's per-worm layout)."""
    paths = []
    for k, mask in enumerate(masks, start=1):
        path = osp.join(folder, f'{stem}_{k:02d}_ground_truth.png')
        ok, png = cv2.imencode('.png', mask.astype(np.uint8) * 255)
        atomic_write_bytes(path, png.tobytes())
        paths.append(path)
    return paths


def write_table(path: str, rows: List[dict]) -> None:
    import io
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=TABLE_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_bytes(path, buf.getvalue().encode())
