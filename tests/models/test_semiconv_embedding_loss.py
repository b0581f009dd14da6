import torch

from mmdet_semiconv.models import SemiConvEmbeddingLoss
from mmdet_semiconv.models.losses import embedding_loss_single


def _line_psi():
    # D=2 on a 1x3 grid: Psi = (0, 0), (2, 0), (4, 0)
    return torch.tensor([[[0., 2., 4.]], [[0., 0., 0.]]])


def test_eq5_hand_computed():
    masks = torch.tensor([[[True, True, True]]])
    loss, n = embedding_loss_single(_line_psi(), masks)
    # mean (2, 0); distances 2, 0, 2 -> 4/3 (unsquared, eq. 5)
    assert n == 1
    assert torch.allclose(loss, torch.tensor(4 / 3), atol=1e-5)


def test_eq5_overlapping_instances():
    masks = torch.tensor([[[True, True, False]], [[False, True, True]]])
    loss, n = embedding_loss_single(_line_psi(), masks)
    # A: mean (1, 0), distances 1, 1 -> 1; B: mean (3, 0), distances 1, 1 -> 1; pixel 1 in both
    assert n == 2
    assert torch.allclose(loss, torch.tensor(2.), atol=1e-5)


def _reference(psi, masks):
    total = 0.
    for m in masks:
        if m.any():
            pts = psi[:, m].t()
            total = total + (pts - pts.mean(0)).norm(dim=1).mean()
    return total


def test_matches_a_per_instance_loop():
    g = torch.Generator().manual_seed(0)
    psi = torch.randn(8, 12, 10, generator=g)
    masks = torch.rand(6, 12, 10, generator=g) > 0.6  # overlapping, random
    masks[5] = False  # an instance with no pixel at this level is skipped
    loss, n = embedding_loss_single(psi, masks)
    assert n == 5
    assert torch.allclose(loss, _reference(psi, masks), atol=1e-4)


def test_batch_levels_and_empty_image():
    loss_fn = SemiConvEmbeddingLoss(levels=(0, 1), loss_weight=2.0)
    psis = [torch.randn(2, 8, 8, 8, requires_grad=True),
            torch.randn(2, 8, 4, 4, requires_grad=True)]
    masks = [[torch.rand(3, 8, 8) > 0.5, torch.zeros(0, 8, 8, dtype=torch.bool)],
             [torch.rand(3, 4, 4) > 0.5, torch.zeros(0, 4, 4, dtype=torch.bool)]]
    expected = sum(_reference(psis[lvl][0].detach(), masks[lvl][0]) / 3 for lvl in (0, 1)) / 2
    loss = loss_fn(psis, masks)
    assert torch.allclose(loss, 2.0 * expected, atol=1e-4)


def test_no_instance_gives_zero_with_a_gradient_path():
    psi = torch.randn(1, 8, 4, 4, requires_grad=True)
    loss = SemiConvEmbeddingLoss(levels=(0, ))([psi], [[torch.zeros(0, 4, 4, dtype=torch.bool)]])
    assert loss.item() == 0.
    loss.backward()
    assert psi.grad is not None and torch.isfinite(psi.grad).all()
