"""The ceiling tool: the oracle Psi on hand-built masks, the embedding statistics, the whole run."""
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmdet.apis import init_detector
from mmdet_semiconv.evaluation import OraclePsi, semiconv_ceiling
from mmdet_semiconv.evaluation.semiconv_ceiling import (_EmbeddingStats, mask_centroids,
                                                        seed_distances)

CS = 64.


def _masks():
    """A: rows 2-5, cols 2-9; B: rows 8-11, cols 2-9; C: a vertical bar crossing A."""
    m = torch.zeros(3, 12, 12, dtype=torch.bool)
    m[0, 2:6, 2:10] = True
    m[1, 8:12, 2:10] = True
    m[2, 0:8, 5] = True
    return m


def _read_every_cell(oracle, masks, roi_of=0):
    """The oracle on a 12 x 12 grid over the whole 12 x 12 image: one cell per pixel."""
    boxes = torch.tensor([[0., 0., 12., 12.]]).repeat(len(masks), 1)
    return oracle.roi_psi(masks, boxes, 12, (12, 12))[roi_of] * CS  # in pixels


def test_centroids_of_masks_and_of_an_empty_mask():
    m = _masks()
    m[2] = False
    boxes = torch.tensor([[2., 2., 10., 6.], [2., 8., 10., 12.], [4., 4., 6., 8.]])
    assert torch.allclose(mask_centroids(m, boxes),
                          torch.tensor([[6., 4.], [6., 10.], [5., 6.]]))


def test_oracle_at_stride_1_is_each_cells_centroid():
    m = _masks()[:2]
    psi = _read_every_cell(OraclePsi(stride=1, coord_scale=CS), m)
    assert psi.shape == (2, 12, 12)
    assert torch.allclose(psi[:, 3, 4], torch.tensor([6., 4.]), atol=1e-4)  # in A
    assert torch.allclose(psi[:, 9, 7], torch.tensor([6., 10.]), atol=1e-4)  # in B
    # background: Phi = 0, so Psi = u, the cell's own centre ('zero') ...
    assert torch.allclose(psi[:, 7, 11], torch.tensor([11.5, 7.5]), atol=1e-4)
    # ... or the Psi of the nearest instance cell ('nearest'): (11, 7) is next to B's (9, 8)
    near = _read_every_cell(OraclePsi(stride=1, background='nearest', coord_scale=CS), m)
    assert torch.allclose(near[:, 6, 4], torch.tensor([6., 4.]), atol=1e-4)
    assert torch.allclose(near[:, 7, 4], torch.tensor([6., 10.]), atol=1e-4)


def test_oracle_overlap_rules():
    m = _masks()
    ca, cc = mask_centroids(m, torch.zeros(3, 4))[[0, 2]]
    mean = _read_every_cell(OraclePsi(stride=1, coord_scale=CS), m)
    assert torch.allclose(mean[:, 3, 5], (ca + cc) / 2, atol=1e-4)  # the crossing cell
    own = OraclePsi(stride=1, overlap='own', coord_scale=CS)
    assert torch.allclose(_read_every_cell(own, m, roi_of=0)[:, 3, 5], ca, atol=1e-4)
    assert torch.allclose(_read_every_cell(own, m, roi_of=2)[:, 3, 5], cc, atol=1e-4)


def test_a_coarse_oracle_blends_a_thin_object_with_its_background():
    """The premise of the tool: at stride 4 a 2-pixel-wide object's own cells are read off
    its centroid (background Phi is blended in), at stride 1 they are not."""
    m = torch.zeros(1, 32, 32, dtype=torch.bool)
    m[0, 4:28, 15:17] = True
    box = torch.tensor([[12., 4., 20., 28.]])
    own = m[0, 4:28, 12:20]
    errors = {}
    for stride in (1, 4):
        psi = OraclePsi(stride=stride, coord_scale=CS).roi_psi(m, box, 24, (32, 32))[0] * CS
        # 24 x 24 grid over an 8 x 24 box: cell (a, b) covers pixel row 4 + a, x 12 + b / 3
        cells = own[:, (torch.arange(24) // 3)]
        errors[stride] = (psi[:, cells] - torch.tensor([[16.], [16.]])).norm(dim=0).mean()
    # stride 1 blends only the sub-pixel bins at the object's edge (0.70 px measured), stride 4
    # the whole object with the background of its cell (6.05 px)
    assert own.any() and errors[1] < 1. and errors[4] > 5 * errors[1]


def test_seed_distances_are_zero_at_the_seed():
    psi = torch.randn(3, 4, 5, 5)
    scores = torch.randn(3, 5, 5)
    dist = seed_distances(psi, scores)
    idx = scores.flatten(1).argmax(1)
    assert torch.allclose(dist.flatten(1)[torch.arange(3), idx], torch.zeros(3), atol=1e-5)
    r, y, x = 1, 2, 3
    seed = psi[r].flatten(1)[:, idx[r]]
    assert torch.isclose(dist[r, y, x], (psi[r, :, y, x] - seed).norm(), atol=1e-5)


def test_embedding_stats_of_a_perfect_and_of_a_collapsed_embedding():
    m = _masks()[:2]  # A and B: B's box and A's do not overlap, so add C that reaches both
    m = torch.cat([m, torch.zeros(1, 12, 12, dtype=torch.bool)])
    m[2, 4:10, 1] = True
    boxes = torch.tensor([[2., 2., 10., 6.], [2., 8., 10., 12.], [1., 4., 2., 10.]])
    centroids = mask_centroids(m, boxes)
    perfect = torch.einsum('khw,kc->chw', m.float(), centroids / CS)  # disjoint masks
    stats = _EmbeddingStats()
    stats.add(perfect, 1, m, boxes, CS)
    out = stats.summary(sigma_px=1.)
    assert out['embedding/spread_px'] == pytest.approx(0, abs=1e-3)
    assert out['embedding/num_pairs'] == 2  # A-C and B-C share a box, A-B do not
    assert out['embedding/gap_ratio'] == pytest.approx(1, abs=1e-4)
    assert out['embedding/pairs_within_sigma'] == 0
    collapsed = _EmbeddingStats()
    collapsed.add(perfect * 0.5, 1, m, boxes, CS)  # Psi halfway to the origin
    assert collapsed.summary(1.)['embedding/gap_ratio'] == pytest.approx(0.5, abs=1e-4)


def test_oracle_refuses_unknown_rules():
    for kwargs in (dict(overlap='max'), dict(background='far'), dict(stride=0)):
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            OraclePsi(**kwargs)


@pytest.mark.slow
def test_ceiling_of_a_trained_semiconv_model_and_of_mask_rcnn(tiny_trained):
    config, _, ckpt = tiny_trained
    cfg = Config.fromfile(config)
    loader = Runner.build_dataloader(cfg.test_dataloader)
    model = init_detector(config, ckpt, device='cpu')
    out = semiconv_ceiling(model, loader, cfg.test_evaluator[0].ann_file,
                           OraclePsi(stride=1), sigmas_px=(8., 1e9), offsets=(0., 2.))
    for name in ('s', 'model', 'oracle/sigma=8', 'learned/sigma=8'):
        for offset in (0, 2):
            assert 0 <= out[f'{name}/offset={offset}/segm_mAP'] <= 1
    # an infinitely wide kernel is log K = 0: s alone
    for src in ('oracle', 'learned'):
        assert out[f'{src}/sigma=1e+09/offset=0/segm_mAP'] == out['s/offset=0/segm_mAP']
    assert out['learned/sigma_px'] == pytest.approx(
        float(model.roi_head.mask_head.kernel.sigma) * 64, rel=1e-5)
    for key in ('embedding/spread_px', 'oracle/seed_dist_own_px', 'learned/seed_dist_other_px'):
        assert out[key] >= 0
    # the oracle is a perfect embedding: other instances are further from the seed than own
    assert out['oracle/seed_dist_other_px'] > out['oracle/seed_dist_own_px']
    # plain Mask R-CNN: s and the oracle only
    baseline = init_detector(_baseline_config(config), device='cpu')
    base = semiconv_ceiling(baseline, loader, cfg.test_evaluator[0].ann_file, sigmas_px=(16., ))
    assert {k.split('/')[0] for k in base} == {'s', 'oracle'}


def _baseline_config(config):
    cfg = Config.fromfile(config)
    cfg.model.roi_head.type = 'StandardRoIHead'
    cfg.model.roi_head.pop('semiconv_branch')
    cfg.model.roi_head.mask_head.type = 'FCNMaskHead'
    for key in ('kernel', 'loss_kernel'):
        cfg.model.roi_head.mask_head.pop(key)
    return cfg
