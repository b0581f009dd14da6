"""CrossingCocoMetric: COCO mask AP on the instances that overlap another one."""
from typing import Dict

import numpy as np
from mmengine.logging import MMLogger

from mmdet.evaluation.metrics import CocoMetric
from mmdet.registry import METRICS


@METRICS.register_module()
class CrossingCocoMetric(CocoMetric):
    """mmdet's CocoMetric scored on the crossing instances only: the ground-truth instances
    with a pixel that another instance of their image also covers (crossing worms).

    The other instances become COCO "ignore" regions (``iscrowd=1``): a prediction that
    matches one is neither a true nor a false positive, so the AP says how well the crossing
    worms themselves are segmented. Everything else is CocoMetric's (pycocotools); the keys
    carry the ``crossing`` prefix, and ``crossing/num_gt`` counts the crossing instances.

    Args:
        ann_file (str): the COCO json; required (the overlaps are read from its masks).
        **kwargs: CocoMetric's arguments; ``metric`` defaults to ``'segm'``.
    """
    default_prefix = 'crossing'

    def __init__(self, ann_file: str, metric='segm', **kwargs) -> None:
        super().__init__(ann_file=ann_file, metric=metric, **kwargs)
        coco = self._coco_api
        self.num_crossing = 0
        for img_id in coco.get_img_ids():
            anns = [a for a in coco.load_anns(coco.get_ann_ids(img_ids=[img_id]))
                    if not a.get('iscrowd', 0)]
            if not anns:
                continue
            masks = np.stack([coco.annToMask(a).astype(bool) for a in anns])
            shared = masks.sum(0) > 1
            for ann, mask in zip(anns, masks):
                crossing = bool((mask & shared).any())
                ann['iscrowd'] = 0 if crossing else 1
                self.num_crossing += crossing

    def compute_metrics(self, results: list) -> Dict[str, float]:
        metrics = super().compute_metrics(results)
        MMLogger.get_current_instance().info(
            f'crossing instances: {self.num_crossing} (the others are ignore regions)')
        metrics['num_gt'] = float(self.num_crossing)
        return metrics
