"""LogSpaceBCELoss: binary cross-entropy of a probability given by its logarithm."""
import math

import torch
import torch.nn as nn
from torch import Tensor

from mmdet.registry import MODELS

# torch's BCELoss clamps its log terms at -100 for the same reason: K can be exactly 0 or 1.
_LOG_FLOOR = -100.


def log_space_bce(log_p: Tensor, target: Tensor) -> Tensor:
    """Element-wise ``BCE(p, t) = -(t log p + (1 - t) log(1 - p))`` from ``log p``, in float32.

    ``log(1 - p)`` is ``log(-expm1(log p))``, which stays accurate when p is close to 1 (where
    ``1 - exp(log p)`` loses every digit); both logs are floored at -100 as in torch's BCELoss.

    Args:
        log_p (Tensor): log of a probability, <= 0, any shape.
        target (Tensor): same shape, in [0, 1].
    """
    with torch.autocast(device_type=log_p.device.type, enabled=False):
        log_p = log_p.float().clamp(max=0)
        target = target.float()
        one_minus_p = -torch.expm1(log_p)
        # at p == 1 exactly (log K of the seed's own cell) log(0) would send NaN back through
        # the floor's zero gradient (0 / 0): take the floor there without the log
        positive = one_minus_p > 0
        log_1mp = torch.where(positive, torch.log(torch.where(positive, one_minus_p, 1.)),
                              _LOG_FLOOR).clamp(min=_LOG_FLOOR)
        return -(target * log_p.clamp(min=_LOG_FLOOR) + (1 - target) * log_1mp)


@MODELS.register_module()
class LogSpaceBCELoss(nn.Module):
    """Mean :func:`log_space_bce`; used for ``BCE(K_sigma, gt mask)`` (section 3.5).

    Args:
        loss_weight (float): >= 0 (a negative one would train K away from the masks).
            Defaults to 1.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        if not (math.isfinite(loss_weight) and loss_weight >= 0):
            raise ValueError(f'loss_weight must be finite and >= 0, got {loss_weight}: a '
                             'NaN trains NaN to the end, a negative weight '
                             'trains K away from the ground-truth masks (0 switches it off)')
        self.loss_weight = loss_weight

    def forward(self, log_p: Tensor, target: Tensor) -> Tensor:
        return self.loss_weight * log_space_bce(log_p, target).mean()
