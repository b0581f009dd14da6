from .metrics import VOCAPrMetric
from .semiconv_diagnostics import gt_box_diagnostics

__all__ = ['VOCAPrMetric', 'gt_box_diagnostics']
