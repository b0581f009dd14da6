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
    loss_fn = SemiConvEmbeddingLoss(normalize=normalize, loss_weight=2.0)
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
    loss = SemiConvEmbeddingLoss()([psi], [torch.zeros(0, 4, 4, dtype=torch.bool)],
                                   torch.zeros(0, dtype=torch.long))
    assert loss.item() == 0.
    loss.backward()
    assert psi.grad is not None and torch.isfinite(psi.grad).all()


def test_bad_normalize_is_refused():
    with pytest.raises(ValueError, match='normalize'):
        SemiConvEmbeddingLoss(normalize='batch')


def _one_level(masks, psi):
    return [psi], [torch.as_tensor(masks)], torch.zeros(len(masks), dtype=torch.long)


def test_boundary_band_pulls_background_next_to_an_instance_to_its_mean():
    masks = torch.zeros(2, 7, 7, dtype=torch.bool)
    masks[0, 3, 3] = True  # a one-cell instance, Psi 0 there
    masks[1, 0, 5:7] = True  # another instance: its cells are not background
    psi = torch.zeros(1, 2, 7, 7)
    psi[0, 0, 2:5, 2:5] = 1.  # its 8 neighbours at distance 1 from its mean ...
    psi[0, 0, 3, 3] = 0.
    psi.requires_grad_(True)
    loss = SemiConvEmbeddingLoss(normalize='instance', boundary_band=1,
                                 boundary_weight=2.)
    out = loss.companion_losses(*_one_level(masks, psi))
    assert set(out) == {'loss_boundary'}
    # instance 0: 8 band cells at distance 1; instance 1: 4 band cells (row 1, cols 4-6 and
    # (0, 4)), Psi 0 = its mean, distance 0; 'instance' normalisation: the mean of the two
    assert float(out['loss_boundary']) == pytest.approx(2. * (1. + 0.) / 2, rel=1e-5)
    out['loss_boundary'].backward()
    assert psi.grad[0, :, 3, 3].abs().sum() == 0  # the instance's mean is held fixed
    assert psi.grad[0, 0, 2, 2] > 0


def test_repulsion_pushes_apart_the_means_of_instances_that_share_a_box():
    masks = torch.zeros(3, 8, 8, dtype=torch.bool)
    masks[0, 1:6, 1] = True  # a vertical bar ...
    masks[1, 3, 0:4] = True  # ... crossed by a horizontal one: boxes overlap
    masks[2, 7, 6:8] = True  # far away: no shared box
    psi = torch.zeros(1, 2, 8, 8)
    psi[0, 0][masks[1]] = 0.2  # mean of instance 1 is 0.2 away from instance 0's ...
    psi[0, 0][masks[0]] = 0.  # ... (the crossing cell belongs to both: its Psi is 0)
    psi[0, 1][masks[2]] = 0.05  # instance 2 is close to both, but shares no box
    psi.requires_grad_(True)
    loss = SemiConvEmbeddingLoss(repulsion_margin=0.5)
    out = loss.companion_losses(*_one_level(masks, psi))
    gap = 0.2 * 3 / 4  # instance 1: three cells at 0.2 and the crossing cell at 0
    assert float(out['loss_repulsion']) == pytest.approx(0.5 - gap, rel=1e-5)
    out['loss_repulsion'].backward()
    assert psi.grad[0, 0][masks[1]].sum() < 0  # descending it moves instance 1 away (+x)
    assert psi.grad[0][:, masks[2]].abs().sum() == 0
    far = SemiConvEmbeddingLoss(repulsion_margin=0.1)
    assert float(far.companion_losses(*_one_level(masks, psi))['loss_repulsion']) == 0


def test_companion_terms_without_instances_are_zero_with_a_gradient_path():
    psi = torch.randn(2, 4, 6, 6, requires_grad=True)
    loss = SemiConvEmbeddingLoss(boundary_band=2, repulsion_margin=1.)
    out = loss.companion_losses([psi], [torch.zeros(0, 6, 6, dtype=torch.bool)],
                                torch.zeros(0, dtype=torch.long))
    assert set(out) == {'loss_boundary', 'loss_repulsion'}
    total = sum(out.values())
    assert float(total) == 0
    total.backward()
    assert psi.grad is not None and torch.isfinite(psi.grad).all()
    assert SemiConvEmbeddingLoss().companion_losses(
        [psi], [torch.zeros(0, 6, 6, dtype=torch.bool)], torch.zeros(0, dtype=torch.long)) == {}


@pytest.mark.parametrize('value', [-1., float('nan'), float('inf')])
@pytest.mark.parametrize('field', ['loss_weight', 'boundary_weight', 'repulsion_margin'])
def test_a_negative_or_non_finite_weight_is_refused(field, value):
    with pytest.raises(ValueError, match=field):
        SemiConvEmbeddingLoss(**{field: value})


@pytest.mark.parametrize('kwargs,message', [
    (dict(boundary_band=1.5), 'boundary_band is a number of cells'),
    (dict(boundary_weight=2.), 'boundary_weight=2.0 has no effect while boundary_band is 0'),
    (dict(repulsion_weight=0.5), 'repulsion_weight=0.5 has no effect while repulsion_margin'),
])
def test_a_setting_that_would_be_silently_ignored_or_fail_later_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SemiConvEmbeddingLoss(**kwargs)
    # with its switch on, the weight is taken
    assert SemiConvEmbeddingLoss(repulsion_margin=0.5, repulsion_weight=0.5).repulsion_weight \
        == 0.5


@pytest.mark.parametrize('value', [-0.25, float('nan')])
def test_a_negative_or_nan_weight_of_the_bce_on_k_is_refused(value):
    from mmdet_semiconv.models.losses import LogSpaceBCELoss
    with pytest.raises(ValueError, match='loss_weight must be finite and >= 0'):
        LogSpaceBCELoss(loss_weight=value)
