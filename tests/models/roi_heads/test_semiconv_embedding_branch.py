"""SemiConvEmbeddingBranch: Phi once on the used levels, Psi invariance, eq. (5) targets."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmdet.structures.mask import BitmapMasks
from mmdet_semiconv.models import SemiConvEmbeddingBranch
from mmdet_semiconv.models.utils import level_coordinates, roi_grid_coordinates, sample_on_cells

STRIDES = (4, 8, 16, 32, 64)


@pytest.fixture
def branch():
    torch.manual_seed(0)
    b = SemiConvEmbeddingBranch(phi_subnet=dict(type='SemiConvPhiSubnet', in_channels=16,
                                                feat_channels=16))
    b.init_weights()
    return b


def _feats(size=128, channels=16):
    return tuple(torch.randn(2, channels, size // s, size // s) for s in STRIDES)


def test_phi_only_on_the_levels_something_reads(branch):
    assert len(branch(_feats())) == 4  # P2-P5: the mask RoIs' levels; P6 is read by nobody
    p2_only = SemiConvEmbeddingBranch(
        phi_subnet=dict(type='SemiConvPhiSubnet', in_channels=16),
        loss_levels=[0], featmap_strides=[4])
    assert len(p2_only(_feats())) == 1


def test_psi_on_rois_reads_each_roi_on_its_mask_level(branch):
    """Psi on the mask grid is the mask RoI extractor's read of Phi plus u_hat, each RoI on
    the level its size selects (mmdet's SingleRoIExtractor)."""
    feats = _feats(256)
    phis = branch(feats)
    rois = torch.tensor([[0, 10., 10., 60., 70.],  # < 112 px: P2
                         [1, 100., 90., 150., 180.],
                         [0, 0., 0., 250., 250.]])  # P4
    psi = branch.roi_psi_by_feat(phis, rois)
    u_hat = roi_grid_coordinates(rois, 28, branch.coord_scale, branch.embed_dims)
    for i, level in enumerate([0, 0, 2]):
        layer = branch.roi_extractor.roi_layers[level]
        assert torch.allclose(psi[i] - u_hat[i], layer(phis[level], rois[i:i + 1])[0],
                              atol=1e-6)
    with pytest.raises(ValueError, match='FPN levels given'):
        branch(feats[:3])


def test_level_psi_adds_u_hat_of_the_cell_centre(branch):
    psi = branch.level_psi(torch.zeros(1, 8, 5, 6), level=1)  # stride 8
    # cell (i=1, j=2) is centred at x = 2.5 * 8 = 20, y = 1.5 * 8 = 12 input pixels (eq. 6)
    assert torch.allclose(psi[0, :, 1, 2], torch.tensor([20 / 64, 12 / 64] + [0.] * 6))
    assert psi.dtype == torch.float32


def _vote_field(branch, c, size=512):
    """Phi_l = c - u_hat_l on every level: every pixel votes for the same point c (eq. 4)."""
    return tuple(c[None, :, None, None] - level_coordinates(
        size // s, size // s, s, branch.coord_scale, branch.embed_dims, torch.device('cpu'))
        for s in branch.strides[:branch.num_levels])


def test_psi_is_the_same_whichever_level_or_roi(branch):
    c = torch.arange(1., branch.embed_dims + 1)
    phis = _vote_field(branch, c)
    for lvl, phi in enumerate(phis):
        assert torch.allclose(branch.level_psi(phi, lvl),
                              c[None, :, None, None].expand_as(phi), atol=1e-5)
    # boxes of several sizes (so several levels), kept one coarse cell inside the image
    rois = torch.tensor([[0, 70., 80., 100., 120.], [0, 64., 64., 448., 448.],
                         [0, 150.5, 97.25, 301.75, 250.], [0, 200., 100., 420., 180.]])
    extractor = branch.roi_extractor
    levels = set()
    for finest_scale in (1, 8, 56, 10000):  # forces the same RoIs onto other levels
        extractor.finest_scale = finest_scale
        levels |= set(extractor.map_roi_levels(rois, 4).tolist())
        psi = branch.roi_psi_by_feat(phis, rois)
        assert psi.shape == (4, branch.embed_dims, 28, 28)
        assert torch.allclose(psi, c[None, :, None, None].expand_as(psi), atol=1e-4)
    assert levels == {0, 1, 2, 3}


def test_roi_psi_is_float32_under_autocast_at_coordinate_1000(branch):
    torch.manual_seed(0)
    feats = _feats(1088)
    rois = torch.tensor([[0, 960., 970., 1030., 1050.], [1, 900., 880., 1040., 1000.]])
    scores = torch.randn(2, 28, 28)
    from mmdet_semiconv.models import SteeredBilateralKernel
    kernel = SteeredBilateralKernel().eval()
    with torch.no_grad():
        ref = kernel(branch.roi_psi_by_feat(branch(feats), rois), scores)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            phis = branch(feats)
            assert phis[0].dtype == torch.bfloat16  # the rest follows autocast
            psi = branch.roi_psi_by_feat(phis, rois)
            out = kernel(psi, scores)
    assert psi.dtype == torch.float32 and out.dtype == torch.float32
    assert torch.isfinite(out).all()
    # the only bf16 error left is Phi's own rounding (|Phi| ~ 0.01 here), not the coordinates:
    # bf16 coordinates near 1000 px / 64 would be off by up to 4 px = 0.06 units
    assert (out - ref).abs().max() < 5e-3


def test_sample_on_cells_reads_the_pixel_holding_the_centre():
    masks = torch.zeros(1, 10, 9, dtype=torch.bool)
    masks[0, 6, 2] = True  # input pixel (x=2, y=6): the centre of cell (i=1, j=0) at stride 4
    out = sample_on_cells(masks, 4, (4, 3))  # padded past the 10 x 9 mask with background
    assert out.shape == (1, 4, 3) and out.sum() == 1 and out[0, 1, 0]


def _gt(masks):
    return InstanceData(masks=BitmapMasks(masks, *masks.shape[1:]),
                        labels=torch.zeros(len(masks), dtype=torch.long))


def test_loss_by_feat_is_eq5_on_each_level_of_the_batch(branch):
    """Against a per-image, per-instance loop on numpy-sampled masks (the first layout)."""
    rng = np.random.default_rng(0)
    gts = [_gt(rng.random((3, 128, 128)) > 0.7), _gt(np.zeros((0, 128, 128), bool)),
           _gt(rng.random((2, 120, 100)) > 0.5)]  # unpadded: smaller than the batch
    feats = tuple(torch.randn(3, 16, 128 // s, 128 // s) for s in STRIDES)
    phis = branch(feats)
    losses = branch.loss_by_feat(phis, gts)
    expected = []
    for lvl in range(4):
        s = STRIDES[lvl]
        psi = branch.level_psi(phis[lvl], lvl).detach()
        total, count = 0., 0
        for i, gt in enumerate(gts):
            for m in gt.masks.masks:
                cells = np.zeros(psi.shape[-2:], bool)
                sub = m[s // 2::s, s // 2::s]
                cells[:sub.shape[0], :sub.shape[1]] = sub
                if cells.any():
                    pts = psi[i][:, torch.from_numpy(cells)].t()
                    total += float((pts - pts.mean(0)).norm(dim=1).mean())
                    count += 1
        expected.append(total / count)
        assert losses[f'eq5_p{lvl + 2}'] == pytest.approx(expected[-1], rel=1e-4)
    assert float(losses['loss_embedding']) == pytest.approx(np.mean(expected), rel=1e-4)
    losses['loss_embedding'].backward()
    assert branch.phi_subnet.subnet[0].weight.grad.abs().sum() > 0


def test_cell_targets_of_polygons_are_those_of_their_bitmaps(branch):
    from mmdet.structures.mask import PolygonMasks
    polygons = [[np.array([10., 12., 90., 20., 60., 100.])], [np.array([5., 5., 40., 5., 5., 60.])]]
    poly = InstanceData(masks=PolygonMasks(polygons, 128, 120))
    bitmap = InstanceData(masks=poly.masks.to_bitmap())
    sizes = [(32, 30), (16, 15), (8, 8), (4, 4)]
    masks_p, ids_p = branch.cell_targets([poly], sizes, torch.device('cpu'))
    masks_b, ids_b = branch.cell_targets([bitmap], sizes, torch.device('cpu'))
    assert masks_p[0].dtype == torch.bool and masks_p[0].shape == (2, 32, 30)
    assert masks_p[0].any() and torch.equal(ids_p, ids_b)
    assert all(torch.equal(p, b) for p, b in zip(masks_p, masks_b))


def test_bad_geometry_is_refused():
    with pytest.raises(ValueError, match='aligned=True'):
        SemiConvEmbeddingBranch(roi_layer=dict(type='RoIAlign', aligned=False))
    with pytest.raises(ValueError, match='featmap_strides'):
        SemiConvEmbeddingBranch(featmap_strides=[8, 16])
    for coord_scale in (0., float('inf'), float('nan')):  # inf: u_hat = 0, a plain conv.
        with pytest.raises(ValueError, match='coord_scale must be finite and > 0'):
            SemiConvEmbeddingBranch(coord_scale=coord_scale)


@pytest.mark.parametrize('phi_stride', [1, 2])
def test_phi_stride_is_one_map_read_by_every_roi(phi_stride):
    """Phi upsampled from P2: u_hat, eq. (5)'s cells and the RoI read all at ``phi_stride``."""
    torch.manual_seed(0)
    branch = SemiConvEmbeddingBranch(
        phi_subnet=dict(type='SemiConvPhiSubnet', in_channels=16, feat_channels=16),
        loss_levels=[0], phi_stride=phi_stride)
    size = 256
    phis = branch(_feats(size))
    assert len(phis) == 1 and branch.strides == (phi_stride, )
    assert phis[0].shape == (2, 8, size // phi_stride, size // phi_stride)
    # a vote field at this stride gives the same Psi in RoIs of every size (P2 to P5 sizes)
    c = torch.arange(1., 9.)
    vote = _vote_field(branch, c, size)
    rois = torch.tensor([[0, 70., 80., 100., 120.], [0, 10., 4., 250., 240.],
                         [0, 150.5, 97.25, 201.75, 150.]])
    psi = branch.roi_psi_by_feat(vote, rois)
    assert torch.allclose(psi, c[None, :, None, None].expand_as(psi), atol=1e-4)
    level = branch.level_psi(vote[0], 0)[0]
    assert torch.allclose(level, c[:, None, None].expand_as(level), atol=1e-5)
    # eq. (5)'s targets: the masks read at this stride's cell centres
    masks = np.zeros((1, size, size), bool)
    masks[0, 3:9, 5:6] = True  # a one-pixel-wide worm
    targets, _ = branch.cell_targets([_gt(masks)], [phis[0].shape[-2:]], torch.device('cpu'))
    step = slice(phi_stride // 2, None, phi_stride)
    expected = torch.from_numpy(masks[0, step, step])
    assert torch.equal(targets[0][0], expected)
    assert branch.loss_by_feat(phis, [_gt(masks), _gt(masks[:0])]).keys() >= {
        'loss_embedding', f'eq5_p{phi_stride.bit_length() - 1}'}


def test_phi_stride_must_divide_the_finest_stride():
    with pytest.raises(ValueError, match='phi_stride'):
        SemiConvEmbeddingBranch(phi_stride=3)
    with pytest.raises(ValueError, match='Phi levels'):  # one map: only level 0 has a loss
        SemiConvEmbeddingBranch(phi_stride=1)


@pytest.mark.parametrize('kwargs,message', [
    (dict(loss_levels=[-1]), 'loss_levels must be Phi level indices'),
    (dict(loss_levels=[True]), 'loss_levels must be Phi level indices'),
    (dict(loss_levels=[0.5]), 'loss_levels must be Phi level indices'),
    (dict(loss_levels=[]), 'loss_levels must be Phi level indices'),
    (dict(loss_levels=[5]), r'loss_levels \[5\] reach past the 5 Phi levels'),
    (dict(loss_embedding=dict(type='SemiConvEmbeddingLoss', levels=[0])),
     'move it to semiconv_branch.loss_levels'),
])
def test_loss_levels_are_checked_when_built(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SemiConvEmbeddingBranch(**kwargs)
