"""What a COCO annotation file must hold for mmdet to train and evaluate on it as written.

mmdet's CocoDataset drops some bad annotations without a word (a NaN box, a box outside its
image, an unknown category, an empty mask), trains on others (an infinite box, an RLE of another
size than its image) and leaves the rest to fail far from the file: a NaN polygon crashes
pycocotools with a segmentation fault, a duplicate image id silently loses images. The checks
here read the parsed json once, before mmdet indexes it, and say which file, image, annotation
and field is wrong and how to fix it.
"""
import math
import warnings
from collections import Counter, defaultdict
from typing import Dict, List

from pycocotools import mask as mask_utils

#: how many problems of one file a message lists before "and N more"
SHOWN = 5


class AnnotationFileError(ValueError):
    """A COCO annotation file that cannot be trained or evaluated on as written."""


def _finite_numbers(values, count=None) -> bool:
    return (isinstance(values, (list, tuple)) and (count is None or len(values) == count)
            and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                    and math.isfinite(v) for v in values))


def segmentation_problem(seg, height: int, width: int):
    """Why ``seg`` (polygons or RLE) is not a mask of an image of ``height`` x ``width``, or
    None. Read without pycocotools, which crashes on NaN polygon coordinates."""
    if isinstance(seg, list):
        for poly in seg:
            if not _finite_numbers(poly):
                return 'a polygon holds a value that is not a finite number'
            if len(poly) < 6 or len(poly) % 2:
                return (f'a polygon has {len(poly)} coordinates; it needs x, y pairs of at '
                        'least 3 points')
        return None
    if isinstance(seg, dict):
        size = seg.get('size')
        if not _finite_numbers(size, 2):
            return 'an RLE without "size": [height, width]'
        if list(size) != [height, width]:
            return (f'an RLE of size {list(size)} on an image of [height, width] '
                    f'[{height}, {width}]')
        if not seg.get('counts'):
            return 'an RLE without "counts"'
        rle = (mask_utils.frPyObjects(seg, height, width) if isinstance(seg['counts'], list)
               else seg)
        if mask_utils.area(rle) == 0:
            return 'an RLE with no pixel set'
        return None
    return f'neither polygons nor an RLE: {type(seg).__name__}'


def check_coco(dataset: dict, path: str) -> None:
    """Refuse (:class:`AnnotationFileError`) a COCO dict that would train or evaluate on
    something else than what it says; warn about annotations mmdet would skip.

    Args:
        dataset (dict): the parsed json (pycocotools' ``COCO.dataset``).
        path (str): its file, for the messages.
    """
    images = dataset.get('images')
    if not images:
        raise AnnotationFileError(
            f'{path}: no images ("images" is {"empty" if images == [] else "missing"}): a COCO '
            'annotation file lists its images as {"id", "file_name", "height", "width"}')
    errors: List[str] = []
    ids = Counter(img.get('id') for img in images)
    for img_id, n in ids.items():
        if n > 1:
            names = [img.get('file_name') for img in images if img.get('id') == img_id]
            errors.append(f'image id {img_id} is given to {n} images {names}: mmdet keeps one '
                          'of them; give each image its own id')
    by_id = {img.get('id'): img for img in images}
    categories = {cat.get('id') for cat in dataset.get('categories', [])}
    skipped: Dict[str, List] = defaultdict(list)
    kept = 0
    for ann in dataset.get('annotations', []):
        where = f'annotation {ann.get("id")}'
        img = by_id.get(ann.get('image_id'))
        if img is None:
            errors.append(f'{where}: its image_id {ann.get("image_id")} is not in "images"')
            continue
        where += f' (image {img.get("file_name")!r})'
        if ann.get('category_id') not in categories:
            errors.append(f'{where}: its category_id {ann.get("category_id")} is not in '
                          f'"categories" {sorted(categories)}')
        bbox = ann.get('bbox')
        if not _finite_numbers(bbox, 4):
            errors.append(f'{where}: "bbox" {bbox} is not four finite numbers [x, y, w, h]')
            continue
        seg = ann.get('segmentation')
        problem = seg and segmentation_problem(seg, img.get('height'), img.get('width'))
        if problem:
            errors.append(f'{where}: "segmentation" is {problem}')
        if ann.get('ignore', False):
            continue
        x, y, w, h = bbox
        inside = (min(x + w, img.get('width', 0)) - max(x, 0) > 0
                  and min(y + h, img.get('height', 0)) - max(y, 0) > 0)
        if not inside:
            skipped['boxes outside their image'].append(ann.get('id'))
        elif w < 1 or h < 1 or not ann.get('area', 0) > 0:
            skipped['boxes under 1 px or with area 0'].append(ann.get('id'))
        else:
            kept += 1
    if errors:
        more = f' (and {len(errors) - SHOWN} more)' if len(errors) > SHOWN else ''
        raise AnnotationFileError(f'{path}: ' + '; '.join(errors[:SHOWN]) + more)
    if skipped and not kept:
        raise AnnotationFileError(
            f'{path}: no annotation mmdet would train on: '
            + ', '.join(f'{len(v)} {k}' for k, v in skipped.items())
            + '. Boxes are [x, y, width, height] in pixels of their image.')
    for kind, anns in skipped.items():
        warnings.warn(f'{path}: mmdet skips {len(anns)} {kind} (annotations '
                      f'{anns[:SHOWN]}{" ..." if len(anns) > SHOWN else ""})')
