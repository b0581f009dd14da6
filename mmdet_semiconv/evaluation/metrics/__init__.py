from .voc_apr_metric import VOCAPrMetric, average_precision, match_detections

__all__ = ['VOCAPrMetric', 'average_precision', 'match_detections']
