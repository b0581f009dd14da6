from .crossing_coco_metric import CrossingCocoMetric
from .instance_matching_metric import InstanceMatchingMetric, match_counts, scores_from_counts
from .voc_apr_metric import (VOCAPrMetric, average_precision, average_precision_11pt,
                             match_detections, match_detections_sds)

__all__ = [
    'VOCAPrMetric', 'InstanceMatchingMetric', 'CrossingCocoMetric',
    'average_precision', 'average_precision_11pt',
    'match_detections', 'match_detections_sds', 'match_counts', 'scores_from_counts'
]
