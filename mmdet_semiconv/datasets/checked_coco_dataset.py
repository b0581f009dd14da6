"""CheckedCocoDataset: mmdet's CocoDataset whose bad annotation files are named with the fix."""
import json
from typing import List, Union

from mmdet.datasets import CocoDataset
from mmdet.datasets.transforms import LoadAnnotations
from mmdet.registry import DATASETS


@DATASETS.register_module()
class CheckedCocoDataset(CocoDataset):
    """:class:`mmdet.datasets.CocoDataset`, refusing with a message that names the file, the
    field and the fix what mmdet would let through to a library traceback:

    * an annotation file that is not a COCO json (truncated, empty, a list): pycocotools
      raises ``JSONDecodeError`` or an ``AssertionError`` naming no file;
    * with masks loaded (``LoadAnnotations(with_mask=True)`` in the pipeline), an annotation
      whose ``segmentation`` is missing or empty: mmdet leaves its ``mask`` out and the
      pipeline dies with ``KeyError: 'mask'`` in the first batch that holds it.

    Everything else is mmdet's CocoDataset unchanged.
    """

    def load_data_list(self) -> List[dict]:
        try:
            return super().load_data_list()
        except json.JSONDecodeError as e:
            raise ValueError(
                f'{self.ann_file}: not valid JSON ({e.msg}, line {e.lineno} column {e.colno}): '
                'the file is truncated or not a COCO annotation file; write it again (the '
                'converters in tools/dataset_converters write it whole)') from e
        except AssertionError as e:  # pycocotools: "annotation file format ... not supported"
            raise ValueError(f'{self.ann_file}: not a COCO annotation file (the top level must '
                             'be an object with "images", "annotations" and "categories")'
                             ) from e

    def parse_data_info(self, raw_data_info: dict) -> Union[dict, List[dict]]:
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
