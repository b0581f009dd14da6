import pytest
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


@pytest.mark.parametrize('normalize', ['instance', 'image'])
def test_batch_levels_normalisation_and_empty_image(normalize):
    """Two levels, a batch of 3 images (3, 0 and 2 instances), both normalisations."""
    g = torch.Generator().manual_seed(1)
    loss_fn = SemiConvEmbeddingLoss(levels=(0, 1), normalize=normalize, loss_weight=2.0)
    psis = [torch.randn(3, 8, 8, 8, generator=g), torch.randn(3, 8, 4, 4, generator=g)]
    img_ids = torch.tensor([0, 0, 0, 2, 2])
    masks = [torch.rand(5, 8, 8, generator=g) > 0.5, torch.rand(5, 4, 4, generator=g) > 0.5]
    per_level = []
    for psi, lvl_masks in zip(psis, masks):
        total = sum(_reference(psi[i], lvl_masks[img_ids == i]) for i in (0, 2))
        # the paper's per-image sum, averaged over the 3 images; or per instance
        per_level.append(total / (3 if normalize == 'image' else 5))
    assert torch.allclose(loss_fn.level_losses(psis, masks, img_ids),
                          torch.stack(per_level), atol=1e-4)
    assert torch.allclose(loss_fn(psis, masks, img_ids), 2.0 * torch.stack(per_level).mean(),
                          atol=1e-4)


def test_no_instance_gives_zero_with_a_gradient_path():
    psi = torch.randn(1, 8, 4, 4, requires_grad=True)
    loss = SemiConvEmbeddingLoss(levels=(0, ))([psi], [torch.zeros(0, 4, 4, dtype=torch.bool)],
                                               torch.zeros(0, dtype=torch.long))
    assert loss.item() == 0.
    loss.backward()
    assert psi.grad is not None and torch.isfinite(psi.grad).all()


def test_bad_normalize_is_refused():
    with pytest.raises(ValueError, match='normalize'):
        SemiConvEmbeddingLoss(normalize='batch')
