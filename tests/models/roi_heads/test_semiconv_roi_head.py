import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from mmdet_semiconv.models.utils import level_coordinates

CONFIG = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs', 'semiconv_worms_cpu.py')


@pytest.fixture
def roi_head():
    cfg = Config.fromfile(CONFIG)
    head_cfg = cfg.model.roi_head
    head_cfg.update(train_cfg=cfg.model.train_cfg.rcnn, test_cfg=cfg.model.test_cfg.rcnn)
    return MODELS.build(head_cfg)


def _vote_field(neck, c, size=512):
    """Phi_l = c - u_hat_l on every level: every pixel votes for the same point c (eq. 4)."""
    return tuple(c[None, :, None, None] - level_coordinates(
        size // s, size // s, s, neck.coord_scale, neck.embed_dims, torch.device('cpu'))
        for s in neck.strides)


def test_psi_is_the_same_whichever_level_or_roi(roi_head):
    neck = roi_head.embedding_neck
    c = torch.arange(1., neck.embed_dims + 1)
    phis = _vote_field(neck, c)
    for lvl, phi in enumerate(phis):
        assert torch.allclose(neck.psi(phi, lvl), c[None, :, None, None].expand_as(phi),
                              atol=1e-5)
    # boxes of several sizes (so several levels), kept one coarse cell inside the image
    rois = torch.tensor([[0, 70., 80., 100., 120.], [0, 64., 64., 448., 448.],
                         [0, 150.5, 97.25, 301.75, 250.], [0, 200., 100., 420., 180.]])
    extractor = roi_head.embedding_roi_extractor
    levels = set()
    for finest_scale in (1, 8, 56, 10000):  # forces the same RoIs onto other levels
        extractor.finest_scale = finest_scale
        levels |= set(extractor.map_roi_levels(rois, 4).tolist())
        psi = roi_head.roi_psi(phis, rois)
        assert psi.shape == (4, neck.embed_dims, roi_head.mask_size, roi_head.mask_size)
        assert torch.allclose(psi, c[None, :, None, None].expand_as(psi), atol=1e-4)
    assert levels == {0, 1, 2, 3}


def test_roi_psi_is_float32_under_autocast_at_coordinate_1000(roi_head):
    torch.manual_seed(0)
    neck = roi_head.embedding_neck
    feats = tuple(torch.randn(1, 64, 1088 // s, 1088 // s) for s in neck.strides)
    rois = torch.tensor([[0, 960., 970., 1030., 1050.], [0, 900., 880., 1040., 1000.]])
    scores = torch.randn(2, roi_head.mask_size, roi_head.mask_size)
    kernel = roi_head.mask_head.kernel.eval()
    with torch.no_grad():
        ref = kernel(roi_head.roi_psi(neck(feats), rois), scores)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            phis = neck(feats)
            assert phis[0].dtype == torch.bfloat16  # the rest follows autocast
            psi = roi_head.roi_psi(phis, rois)
            out = kernel(psi, scores)
    assert psi.dtype == torch.float32 and out.dtype == torch.float32
    assert torch.isfinite(out).all()
    # the only bf16 error left is Phi's own rounding (|Phi| ~ 0.01 here), not the coordinates:
    # bf16 coordinates near 1000 px / 64 would be off by up to 4 px = 0.06 units
    assert (out - ref).abs().max() < 5e-3
