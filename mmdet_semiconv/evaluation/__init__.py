from .metrics import VOCAPrMetric

__all__ = ['VOCAPrMetric']
