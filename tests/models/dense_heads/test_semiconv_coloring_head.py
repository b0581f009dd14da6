"""SemiConvColoringHead: shapes, Psi, losses (finite, empty images, autocast), greedy decoding,
and the coloring dilemma of section 3.1 on the head's own network."""
import math

import numpy as np
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

from mmdet.registry import MODELS
from mmdet.structures.mask import BitmapMasks
from mmdet_semiconv.models.utils.coordinates import level_coordinates

TEST_CFG = dict(fg_thr=0.5, seed_thr=0.5, mask_thr=0.5, min_area=0, max_per_img=100,
                overlap=False)


def _head(**kwargs):
    torch.manual_seed(0)
    cfg = dict(type='SemiConvColoringHead', num_classes=2, in_channels=16, feat_channels=16,
               norm_cfg=dict(type='GN', num_groups=4, requires_grad=True),
               test_cfg=ConfigDict(TEST_CFG))
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


def _feats(n=2, size=16, levels=4):
    return tuple(torch.randn(n, 16, size // 2**i, size // 2**i) for i in range(levels))


def _gt(masks: np.ndarray, labels):
    gt = InstanceData()
    gt.masks = BitmapMasks(masks, *masks.shape[1:])
    gt.labels = torch.tensor(labels, dtype=torch.long)
    return gt


def _squares(size=64):
    """Two touching 10x10 squares and one apart, in a ``size`` x ``size`` input."""
    masks = np.zeros((3, size, size), np.uint8)
    masks[0, 10:20, 10:20] = 1
    masks[1, 10:20, 20:30] = 1
    masks[2, 40:50, 40:50] = 1
    return masks


@pytest.mark.parametrize('phi_stride', [4, 2, 1])
def test_forward_shapes_follow_phi_stride(phi_stride):
    head = _head(phi_stride=phi_stride, embed_dims=4)
    phi, fg, seeds, log_sigma = head(_feats())
    assert log_sigma is None
    size = 16 * 4 // phi_stride
    assert phi.shape == (2, 4, size, size)
    assert fg.shape == seeds.shape == (2, 2, size, size)


def test_psi_adds_u_hat_and_the_ablation_does_not():
    phi = torch.randn(1, 8, 6, 5)
    u_hat = level_coordinates(6, 5, 2, 32., 8, phi.device)
    assert torch.equal(_head().psi(phi), phi + u_hat)
    assert torch.equal(_head(use_u_hat=False).psi(phi), phi)


def test_losses_are_finite_and_train_every_part():
    head = _head()
    feats = _feats(size=16)  # input 64 x 64
    gts = [_gt(_squares(), [0, 0, 1]), _gt(_squares()[:1], [1])]
    losses = head.loss_by_feat(*head(feats), batch_gt_instances=gts,
                               batch_img_metas=[{}, {}])
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    assert torch.isfinite(total) and total > 0
    total.backward()
    assert head.phi_subnet.subnet[0].weight.grad.abs().sum() > 0
    assert head.maps[0].weight.grad.abs().sum() > 0
    assert torch.isfinite(head.kernel.log_sigma.grad) and head.kernel.log_sigma.grad != 0
    # at initialisation Phi ~ 0, so Psi ~ u_hat: own cells are nearer the centre than others
    assert losses['logk_own'] > losses['logk_other']
    assert math.isclose(float(losses['sigma_px']), 0.3 * 32, rel_tol=1e-5)


def test_a_batch_without_instances_gives_zero_losses_that_backpropagate():
    head = _head()
    empty = _gt(np.zeros((0, 64, 64), np.uint8), [])
    losses = head.loss_by_feat(*head(_feats()), batch_gt_instances=[empty, empty],
                               batch_img_metas=[{}, {}])
    for key in ('loss_embedding', 'loss_kernel'):
        assert losses[key].item() == 0 and losses[key].requires_grad
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    assert torch.isfinite(total)
    total.backward()
    assert all(torch.isfinite(p.grad).all() for p in head.parameters() if p.grad is not None)


def test_seed_and_foreground_targets_come_from_the_masks_of_each_class():
    """Through the losses: perfect maps give a lower loss_fg than the opposite maps."""
    head = _head(phi_stride=4)
    gts = [_gt(_squares(), [0, 0, 1])]
    phi = head(_feats(n=1))[0]
    fg = torch.zeros(1, 2, 16, 16)
    # cell j reads input pixel 2 + 4 j: the two touching squares of class 0 and the one of
    # class 1 on the stride-4 cells
    fg[0, 0, 2:5, 2:7] = 1
    fg[0, 1, 10:12, 10:12] = 1
    good = head.loss_by_feat(phi, (fg * 2 - 1) * 10, fg * 0, None, gts, [{}])['loss_fg']
    bad = head.loss_by_feat(phi, (1 - fg * 2) * 10, fg * 0, None, gts, [{}])['loss_fg']
    assert good < 1e-3 < bad


def _oracle(masks_cells, coord_scale=32., stride=1):
    """Psi of each cell = its instance's centroid (in embedding units)."""
    k, h, w = masks_cells.shape
    psi = torch.zeros(4, h, w)
    for m in masks_cells:
        ys, xs = m.nonzero(as_tuple=True)
        psi[0][m] = (xs.float().mean() + 0.5) * stride / coord_scale
        psi[1][m] = (ys.float().mean() + 0.5) * stride / coord_scale
    return psi


def test_decoding_separates_touching_copies_with_the_oracle_embedding():
    head = _head(num_classes=1, embed_dims=4, kernel=dict(type='SteeredBilateralKernel',
                                                          sigma=0.05))
    masks = torch.from_numpy(_squares()).bool()
    psi = _oracle(masks)
    fg = masks.any(0)[None].float()
    out_masks, scores, labels = head.decode(psi, fg, fg * 0.9)
    assert len(out_masks) == 3 and (labels == 0).all()
    assert all(any(torch.equal(o, m) for o in out_masks) for m in masks)
    # a seed threshold above every score decodes nothing
    assert len(head.decode(psi, fg, fg * 0.4)[0]) == 0


def test_the_overlap_option_lets_a_crossing_belong_to_two_instances():
    """Two bars crossing at one cell whose Psi is the mean of both centres."""
    a = torch.zeros(9, 9, dtype=torch.bool)
    a[4, :] = True
    b = torch.zeros(9, 9, dtype=torch.bool)
    b[:, 4] = True
    psi = torch.zeros(4, 9, 9)
    psi[0][a], psi[0][b] = 0., 1.
    psi[0, 4, 4] = 0.5
    fg = (a | b)[None].float()
    seeds = fg * 0.6
    seeds[0, 4, 0], seeds[0, 0, 4] = 0.9, 0.8
    for overlap, crossing_in_both in ((False, False), (True, True)):
        head = _head(num_classes=1, embed_dims=4,
                     kernel=dict(type='SteeredBilateralKernel', sigma=1.0),
                     test_cfg=ConfigDict(TEST_CFG, overlap=overlap))
        out, _, _ = head.decode(psi, fg, seeds)
        assert len(out) == 2
        assert torch.equal(out[0] | out[1], a | b)
        assert bool(out[0][4, 4] & out[1][4, 4]) == crossing_in_both


def test_fragments_are_absorbed_by_the_nearest_seed_only_when_asked():
    """A square whose border column has a stray Psi: the paper's decoding makes it a fragment
    of its own; ``absorb_fragments`` gives its cells to the square."""
    masks = torch.from_numpy(_squares()).bool()[:2]
    psi = _oracle(masks)
    stray = torch.zeros_like(masks[0])
    stray[10:20, 9] = True  # the column left of square 0
    # near square 0's centre, but 2 sigma away: K = exp(-2), below the 0.5 of a mask
    psi[:, stray] = psi[:, 15, 15][:, None] + torch.tensor([0., 0.1, 0., 0.])[:, None]
    fg = (masks.any(0) | stray)[None].float()
    seeds = fg * 0.9
    seeds[0][masks[0]] = 0.95  # square 0 is seeded first
    for absorb in (False, True):
        head = _head(num_classes=1, embed_dims=4,
                     kernel=dict(type='SteeredBilateralKernel', sigma=0.05),
                     test_cfg=ConfigDict(TEST_CFG, min_area=12, absorb_fragments=absorb))
        out, scores, _ = head.decode(psi, fg, seeds)
        if absorb:
            assert len(out) == 2
            assert any(torch.equal(o, masks[0] | stray) for o in out)
            assert any(torch.equal(o, masks[1]) for o in out)
        else:
            assert len(out) == 3 and any(torch.equal(o, stray) for o in out)


def test_predict_gives_masks_at_the_original_size_with_boxes():
    head = _head(num_classes=1)
    head.eval()
    phi, fg, seeds, _ = head(_feats(n=1, size=16))
    # force one confident seed: the maps are 32 x 32 cells at stride 2
    fg = torch.full_like(fg, -10.)
    fg[..., 4:10, 4:10] = 10.
    seeds = fg.clone()
    meta = dict(img_shape=(60, 62), ori_shape=(120, 124), batch_input_shape=(64, 64))
    res = head.predict_by_feat(phi, fg, seeds, None, [meta], rescale=True)[0]
    assert res.masks.shape[1:] == (120, 124) and res.masks.dtype == torch.bool
    assert len(res.masks) >= 1 and res.bboxes.shape == (len(res.masks), 4)
    assert res.masks.any(0)[18:38, 18:38].all() and not res.masks.any(0)[60:].any()
    empty = head.predict_by_feat(phi, fg * 0 - 10, seeds, None, [meta], rescale=False)[0]
    assert empty.masks.shape == (0, 60, 62) and len(empty.scores) == 0


def test_the_coloring_dilemma_on_the_heads_network():
    """Section 3.1: the head's own convolutions give two identical copies of a pattern the same
    Phi, so without u_hat a seed in one copy claims the other; with u_hat it does not."""
    torch.manual_seed(0)
    period = 8
    tile = torch.randn(1, 16, period, period)
    feats = (tile.repeat(1, 1, 6, 6), )  # a P2 map of 48 x 48 cells: 6 identical copies
    results = {}
    for use_u_hat in (False, True):
        head = _head(num_classes=1, num_levels=1, phi_stride=4, use_u_hat=use_u_hat,
                     embed_dims=4, strides=(4, ))
        torch.nn.init.normal_(head.phi_subnet.subnet[2].weight, std=0.1)  # Phi non-constant
        with torch.no_grad():
            psi = head.psi(head(feats)[0])[0]
        a, b = psi[:, 2 * period + 3, 2 * period + 3], psi[:, 2 * period + 3, 3 * period + 3]
        results[use_u_hat] = (a - b).norm().item()
        with torch.no_grad():
            log_k = head.kernel.log_affinity(psi[None], a[None])[0]
        results[(use_u_hat, 'K')] = log_k[2 * period + 3, 3 * period + 3].exp().item()
    assert results[False] < 1e-5  # the copies are coloured alike...
    assert results[(False, 'K')] > 0.999  # ...so K joins them
    assert results[True] == pytest.approx(period * 4 / 32., rel=1e-4)  # u_hat sets them apart
    assert results[(True, 'K')] < 0.5


@pytest.mark.parametrize('pixel_sigma', [False, True])
@pytest.mark.parametrize('dtype', [torch.bfloat16])
def test_losses_under_autocast_keep_psi_and_log_k_in_float32(dtype, pixel_sigma):
    head = _head(pixel_sigma=pixel_sigma)
    seen = []
    affinity = head.kernel.log_affinity

    def recording(psi, seed, sigma=None):
        out = affinity(psi, seed, sigma)
        seen.append((psi.dtype, out.dtype))
        return out

    head.kernel.log_affinity = recording
    gts = [_gt(_squares(), [0, 0, 1]), _gt(_squares()[:2], [1, 1])]
    with torch.autocast('cpu', dtype=dtype):
        outs = head(_feats())
        losses = head.loss_by_feat(*outs, gts, [{}, {}])
    phi = outs[0]
    assert phi.dtype == dtype
    assert seen == [(torch.float32, torch.float32)]
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    assert torch.isfinite(total)
    total.backward()
    assert torch.isfinite(head.kernel.log_sigma.grad)


def test_pixel_sigma_starts_as_the_papers_kernel_and_learns_from_it():
    """The departure's map s is 0 at initialisation: the losses are the one-sigma head's;
    the kernel's BCE trains s, and loss_sigma pulls an instance's cells to their mean."""
    feats = _feats()
    gts = [_gt(_squares(), [0, 0, 1]), _gt(_squares()[:1], [1])]
    paper = _head()
    departure = _head(pixel_sigma=True)
    missing, _ = departure.load_state_dict(paper.state_dict(), strict=False)
    assert sorted(missing) == ['sigma_map.0.bias', 'sigma_map.0.weight']
    outs = departure(feats)
    assert outs[3].shape == (2, 1, 32, 32) and (outs[3] == 0).all()
    ref = paper.loss_by_feat(*paper(feats), gts, [{}, {}])
    losses = departure.loss_by_feat(*outs, gts, [{}, {}])
    for key, value in ref.items():
        assert torch.allclose(losses[key], value), key
    assert losses['loss_sigma'] == 0
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    assert departure.sigma_map[0].weight.grad.abs().sum() > 0
    # an instance whose cells disagree about s pays loss_sigma
    log_sigma = torch.zeros_like(outs[3])
    log_sigma[0, 0, 5:8, 5:8] = 1.
    assert departure.loss_by_feat(outs[0], outs[1], outs[2], log_sigma, gts,
                                  [{}, {}])['loss_sigma'] > 0


def test_a_seed_cuts_with_its_own_sigma():
    """Oracle Psi (each cell at its square's centroid): sigma 0.05 keeps the three squares
    apart; a seed map of sigma x 100 joins the centroids, 10-30 px (0.3-0.9 units) apart."""
    head = _head(num_classes=1, embed_dims=4, pixel_sigma=True,
                 kernel=dict(type='SteeredBilateralKernel', sigma=0.05))
    masks = torch.from_numpy(_squares()).bool()
    psi, fg = _oracle(masks), masks.any(0)[None].float()
    assert len(head.decode(psi, fg, fg * 0.9, log_sigma=torch.zeros(1, 64, 64))[0]) == 3
    wide = head.decode(psi, fg, fg * 0.9, log_sigma=torch.full((1, 64, 64), math.log(100.)))[0]
    assert len(wide) == 1 and torch.equal(wide[0], masks.any(0))


def test_config_errors_name_the_field():
    with pytest.raises(ValueError, match='coord_scale'):
        _head(coord_scale=float('inf'))
    with pytest.raises(ValueError, match='phi_stride'):
        _head(phi_stride=3)


SUCCESSORS = dict(loss_kernel=dict(type='LovaszKernelLoss'),
                  kernel=dict(type='SteeredBilateralKernel', sigma=0.3, form='gaussian'),
                  pixel_sigma=True, anisotropic_sigma=True, sigma_gain=10.,
                  seed_fg_weight=10.)


@pytest.mark.parametrize('centre', ['mean', 'centroid', 'medoid'])
def test_successor_losses_train_the_sigma_map_per_dimension(centre):
    head = _head(embed_dims=4, centre=centre, **SUCCESSORS)
    outs = head(_feats(size=16))
    assert outs[3].shape == (2, 4, 32, 32)  # one bandwidth per embedding dimension
    gts = [_gt(_squares(), [0, 0, 1]), _gt(_squares()[:1], [1])]
    losses = head.loss_by_feat(*outs, batch_gt_instances=gts, batch_img_metas=[{}, {}])
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    assert torch.isfinite(total)
    total.backward()
    assert head.sigma_map[0].weight.grad.abs().sum() > 0
    assert losses['spread_px'] > 0 and 'sigma_px' in losses


def test_seed_fg_weight_weighs_the_foreground_cells():
    gts = [_gt(_squares(), [0, 0, 1])]
    plain, weighted = (_head(seed_fg_weight=w).loss_by_feat(
        *_head(seed_fg_weight=w)(_feats(n=1, size=16)), batch_gt_instances=gts,
        batch_img_metas=[{}])['loss_seed'] for w in (1., 10.))
    # same init and input: the seed maps (p = 0.01) miss the foreground targets, and only
    # the foreground cells' share is multiplied
    assert weighted > 2 * plain


def test_the_ablation_reports_sigma_in_embedding_units():
    head = _head(use_u_hat=False)
    losses = head.loss_by_feat(*head(_feats(n=1, size=16)),
                               batch_gt_instances=[_gt(_squares(), [0, 0, 1])],
                               batch_img_metas=[{}])
    assert 'sigma_px' not in losses and 'spread_px' not in losses
    assert torch.isclose(losses['sigma_units'], torch.tensor(0.3))


def test_medoids_lie_on_a_bent_body_where_the_centroid_does_not():
    from mmdet_semiconv.models.dense_heads.semiconv_coloring_head import instance_medoids

    # an L of 21 cells: its centroid (2.6, 2.6) is off the body, its medoid on it, near the
    # corner (brute force: (1, 0) or (0, 1), summed distance 102.4 against 110 at the corner)
    pts = torch.tensor([[x, 0.] for x in range(11)] + [[0., y] for y in range(1, 11)])
    square = torch.tensor([[x, y] for x in range(3) for y in range(3)], dtype=torch.float)
    points = torch.cat([pts, square + 20])
    inst = torch.tensor([0] * len(pts) + [1] * len(square))
    med = instance_medoids(points, inst, 3)
    total = torch.cdist(pts, pts).sum(1)
    assert total[(pts == med[0]).all(1)].item() == total.min().item()
    centroid = pts.mean(0)
    assert not (pts == centroid.round()).all(1).any()
    assert torch.equal(med[1], torch.tensor([21., 21.]))
    assert torch.equal(med[2], torch.zeros(2))  # no points
    # with a strided reference set the medoid is still a member of the body
    assert (pts == instance_medoids(points, inst, 3, max_ref=4)[0]).all(1).any()


def test_refined_centre_and_unclaimed_rule_decode_a_noisy_seed():
    """Oracle Psi with noise (std 0.03 units, 1 px, per cell and axis) and an off seed: the
    seed cell's own Psi lies 0.09 units (3 px) off its square's centre, beyond the kernel's
    half-width (0.083), so a cut around it takes a part of the square; the refined centre (mean
    Psi of that part, then cut again) recovers most of it."""
    masks = torch.from_numpy(_squares()).bool()
    gen = torch.Generator().manual_seed(0)
    psi = _oracle(masks)
    psi[:2] += 0.03 * torch.randn(2, 64, 64, generator=gen) * masks.any(0)
    psi[:2, 15, 15] = _oracle(masks)[:2, 15, 15] + torch.tensor([0.09, 0.])
    fg = masks.any(0)[None].float()
    seeds = fg * 0.6
    seeds[0, 15, 15] = 0.95
    sigma = dict(type='SteeredBilateralKernel', sigma=0.12)
    plain = _head(num_classes=1, embed_dims=4, kernel=sigma)
    first = plain.decode(psi, fg, seeds)[0][0]
    refined = _head(num_classes=1, embed_dims=4, kernel=sigma,
                    test_cfg=ConfigDict(TEST_CFG, refine_centre=True)).decode(psi, fg, seeds)
    assert refined[0][0].sum() > first.sum()
    assert (refined[0][0] & masks[0]).sum() >= 0.8 * masks[0].sum()
    # EmbedSeg's rule: a proposal mostly made of claimed cells is not kept
    half = _head(num_classes=1, embed_dims=4, kernel=sigma,
                 test_cfg=ConfigDict(TEST_CFG, overlap=True, min_unclaimed=0.5))
    kept = half.decode(psi, fg, seeds)[0]
    assert len(kept) <= len(plain.decode(psi, fg, seeds)[0])
    assert all((m & ~torch.stack(list(kept[:i]) or [torch.zeros_like(m)]).any(0)).sum()
               > 0.5 * m.sum() for i, m in enumerate(kept))
