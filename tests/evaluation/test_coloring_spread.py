"""The Psi-spread diagnostic of the colouring model: one row per GT instance, in px with u_hat
and in embedding units without it, and a picture."""
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs
from mmdet_semiconv.evaluation.coloring_spread import draw_spreads, instance_spreads_of
from mmdet_semiconv.testing import CONFIGS


def _model_and_batch(**head):
    torch.manual_seed(0)
    cfg = Config.fromfile(osp.join(CONFIGS, 'semiconv-coloring_worms_cpu.py')).model
    cfg.mask_head.update(head)
    model = MODELS.build(cfg)
    model.init_weights()
    packed = demo_mm_inputs(batch_size=1, image_shapes=[(3, 96, 128)], num_items=[3],
                            num_classes=2, with_mask=True)
    packed['data_samples'][0].gt_instances.labels.zero_()  # the config has one class
    return model, packed


def test_one_row_per_instance_with_its_reach_and_the_kernels_sigma():
    model, batch = _model_and_batch()
    rows = instance_spreads_of(model, batch)
    masks = batch['data_samples'][0].gt_instances.masks.to_tensor(torch.bool, 'cpu')
    stride = model.mask_head.phi_stride
    # the reach: RMS distance of the instance's cell centres to their mean, in px
    cells = masks[:, stride // 2::stride, stride // 2::stride]
    want = []
    for m in cells:
        if m.any():
            ys, xs = m.nonzero(as_tuple=True)
            pts = (torch.stack([xs, ys], 1).float() + 0.5) * stride
            want.append(float((pts - pts.mean(0)).pow(2).sum(1).mean().sqrt()))
    assert len(rows) == len(want) > 0
    for row, reach in zip(rows, want):
        assert math.isclose(row['reach_px'], reach, rel_tol=1e-4)
        # no sigma map: the kernel's one sigma, 0.3 units of 32 px
        assert math.isclose(row['sigma'], 0.3 * 32, rel_tol=1e-5) and row['unit'] == 'px'
        assert row['spread'] > 0 and row['length_px'] > 0


@pytest.mark.parametrize('head', [dict(use_u_hat=False),
                                  dict(pixel_sigma=True, anisotropic_sigma=True)])
def test_the_ablation_is_in_units_and_a_sigma_map_is_read(tmp_path, head):
    model, batch = _model_and_batch(**head)
    rows = instance_spreads_of(model, batch)
    assert rows and all(r['unit'] == ('units' if 'use_u_hat' in head else 'px') for r in rows)
    draw_spreads(str(tmp_path / 's.png'), {'model': rows})
    assert (tmp_path / 's.png').stat().st_size > 1000
