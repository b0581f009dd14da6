from .voc_apr_metric import (VOCAPrMetric, average_precision, average_precision_11pt,
                             match_detections, match_detections_sds)

__all__ = [
    'VOCAPrMetric', 'average_precision', 'average_precision_11pt', 'match_detections',
    'match_detections_sds'
]
