"""CheckedCocoDataset: mmdet's CocoDataset whose bad annotation files are named with the fix."""
import json
import os.path as osp
from typing import List, Union

from PIL import Image

from mmdet.datasets import CocoDataset
from mmdet.datasets.api_wrappers import COCO
from mmdet.datasets.transforms import LoadAnnotations
from mmdet.registry import DATASETS

from .coco_checks import AnnotationFileError, check_coco

#: format -> the bytes a whole file of it ends with (possibly followed by a little padding)
_END_MARKERS = {'PNG': b'IEND\xaeB`\x82', 'JPEG': b'\xff\xd9'}
_TAIL_BYTES = 1024


def _truncated(image: Image.Image) -> bool:
    """Whether an opened (not decoded) PNG or JPEG lacks its end marker near its end, as a
    cut-off copy does (PIL reads the header of such a file and fails only when decoding).
    Other formats: False. Reads the tail through the file PIL already holds open."""
    marker = _END_MARKERS.get(image.format)
    if marker is None:
        return False
    image.fp.seek(0, 2)
    image.fp.seek(max(0, image.fp.tell() - _TAIL_BYTES))
    return marker not in image.fp.read()


class CheckedCOCO(COCO):
    """mmdet's COCO API, with :func:`check_coco` run on the parsed file before it is indexed
    (pycocotools' index keeps one image per id and one annotation per id, silently)."""

    def __init__(self, annotation_file=None) -> None:
        self.annotation_file = annotation_file
        super().__init__(annotation_file)

    def createIndex(self) -> None:  # noqa: N802 - pycocotools' name
        if self.annotation_file is not None:
            check_coco(self.dataset, self.annotation_file)
        super().createIndex()


@DATASETS.register_module()
class CheckedCocoDataset(CocoDataset):
    """:class:`mmdet.datasets.CocoDataset`, refusing with a message that names the file, the
    field and the fix what mmdet would let through to a library traceback:

    * an annotation file that is not a COCO json (truncated, empty, a list): pycocotools
      raises ``JSONDecodeError`` or an ``AssertionError`` naming no file;
    * with masks loaded (``LoadAnnotations(with_mask=True)`` in the pipeline), an annotation
      whose ``segmentation`` is missing or empty: mmdet leaves its ``mask`` out and the
      pipeline dies with ``KeyError: 'mask'`` in the first batch that holds it;
    * what :func:`~mmdet_semiconv.datasets.coco_checks.check_coco` finds: no images,
      duplicate image ids, non-finite boxes, polygons that are not finite or under 3 points,
      RLEs of another size than their image or with no pixel, unknown image or category ids,
      and a file where every box would be skipped (skipped boxes are warned about);
    * an image file that is missing, truncated (a PNG or JPEG without its end marker) or whose
      size is not the one the file states, at load time rather than at the iteration that
      reads it (its header and last bytes only are read).

    Everything else is mmdet's CocoDataset unchanged.
    """

    COCOAPI = CheckedCOCO

    def load_data_list(self) -> List[dict]:
        try:
            return super().load_data_list()
        except json.JSONDecodeError as e:
            raise ValueError(
                f'{self.ann_file}: not valid JSON ({e.msg}, line {e.lineno} column {e.colno}): '
                'the file is truncated or not a COCO annotation file; write it again (the '
                'converters in tools/dataset_converters write it whole)') from e
        except AssertionError as e:
            if 'not supported' not in str(e):  # mmdet's own, e.g. "ids are not unique"
                raise ValueError(f'{self.ann_file}: {e}') from e
            # pycocotools: "annotation file format ... not supported"
            raise ValueError(f'{self.ann_file}: not a COCO annotation file (the top level must '
                             'be an object with "images", "annotations" and "categories")'
                             ) from e

    def parse_data_info(self, raw_data_info: dict) -> Union[dict, List[dict]]:
        img = raw_data_info['raw_img_info']
        path = osp.join(self.data_prefix['img'], img['file_name'])
        try:
            with Image.open(path) as opened:
                size, fmt, truncated = opened.size, opened.format, _truncated(opened)
        except OSError as e:
            raise AnnotationFileError(
                f'{self.ann_file}: image {img["file_name"]!r} cannot be read at {path} '
                f'({type(e).__name__}): check data_root and data_prefix.img, or the file') from e
        if truncated:
            raise AnnotationFileError(
                f'{self.ann_file}: image {img["file_name"]!r} at {path} is truncated (the '
                f'{fmt} file has no end marker): copy or convert it again')
        if size != (img['width'], img['height']):
            raise AnnotationFileError(
                f'{self.ann_file}: image {img["file_name"]!r} is {size[0]}x{size[1]} (width x '
                f'height), the file says {img["width"]}x{img["height"]}: fix "width" and '
                '"height" of the image, or the image')
        if self._loads_masks():
            for ann in raw_data_info['raw_ann_info']:
                if not ann.get('segmentation') and not ann.get('ignore', False):
                    img = raw_data_info['raw_img_info']
                    raise ValueError(
                        f'{self.ann_file}: annotation {ann.get("id")} (image '
                        f'{img.get("file_name")!r}) has no "segmentation", but the pipeline '
                        'loads masks: give its mask (polygons or RLE) or remove the annotation')
        return super().parse_data_info(raw_data_info)

    def _loads_masks(self) -> bool:
        return any(isinstance(t, LoadAnnotations) and t.with_mask
                   for t in getattr(self.pipeline, 'transforms', []))
