from .metrics import InstanceMatchingMetric, VOCAPrMetric
from .semiconv_ceiling import OraclePsi, semiconv_ceiling
from .semiconv_diagnostics import gt_box_diagnostics, evaluation_split

__all__ = ['VOCAPrMetric', 'InstanceMatchingMetric', 'OraclePsi', 'gt_box_diagnostics', 'semiconv_ceiling',
           'evaluation_split']
