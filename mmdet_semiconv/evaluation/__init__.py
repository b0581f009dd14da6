from .metrics import InstanceMatchingMetric, VOCAPrMetric
from .semiconv_ceiling import OraclePsi, semiconv_ceiling
from .semiconv_diagnostics import evaluation_split, gt_box_diagnostics

__all__ = ['VOCAPrMetric', 'InstanceMatchingMetric', 'OraclePsi', 'gt_box_diagnostics',
           'semiconv_ceiling', 'evaluation_split']
