"""LogSpaceBCELoss: BCE(p, t) from log p, accurate and finite next to p = 0 and p = 1."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmdet_semiconv.models.losses import LogSpaceBCELoss
from mmdet_semiconv.models.losses.log_space_bce_loss import log_space_bce


def _reference(log_p: float, t: float) -> float:
    """In float64, with torch BCELoss's floor of -100 on both logs."""
    log_1mp = math.log(-math.expm1(log_p)) if log_p < 0 else -math.inf
    return -(t * max(log_p, -100.) + (1 - t) * max(log_1mp, -100.))


def test_matches_torch_bce_away_from_0_and_1():
    p = torch.linspace(0.01, 0.99, 50)
    t = (torch.arange(50) % 2).float()
    assert torch.allclose(log_space_bce(p.log(), t), F.binary_cross_entropy(p, t, reduction='none'),
                          atol=1e-5)


@pytest.mark.parametrize('log_p', [0., -1e-30, -1e-8, -1e-3, -50., -99., -200.])
@pytest.mark.parametrize('t', [0., 1., 0.3])
def test_near_p_0_and_p_1_it_is_accurate_and_its_gradient_finite(log_p, t):
    x = torch.tensor([log_p], requires_grad=True)
    loss = log_space_bce(x, torch.tensor([t]))
    # near p = 1, 1 - exp(log p) in float32 is 0 for log p > -6e-8; expm1 keeps the digits
    assert loss.item() == pytest.approx(_reference(log_p, t), rel=1e-5)
    loss.sum().backward()
    assert torch.isfinite(x.grad).all(), f'gradient {x.grad.item()} at log p = {log_p}'
    if log_p == 0.:  # K = 1 exactly (the seed's own cell): -t from t log p, the floor is flat
        assert x.grad.item() == pytest.approx(-t)


def test_the_loss_weighs_the_mean():
    log_p = torch.tensor([-0.1, -2.0, -0.5])
    t = torch.tensor([1., 0., 1.])
    assert LogSpaceBCELoss(loss_weight=0.25)(log_p, t) == pytest.approx(
        0.25 * log_space_bce(log_p, t).mean().item())
