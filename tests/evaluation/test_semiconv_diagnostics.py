"""Ground-truth-box diagnostics: own / other / background cells, and the whole evaluation."""
import math

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmengine.structures import InstanceData

from mmdet.apis import init_detector
from mmdet.structures.mask import BitmapMasks
from mmdet_semiconv.evaluation import gt_box_diagnostics
from mmdet_semiconv.evaluation.semiconv_diagnostics import _separation_targets


def test_separation_targets_by_hand():
    # A: an L along the top and left edges of a 10 x 10 image; B: a square in the bottom right,
    # inside A's box without touching A; C: overlaps A's top bar only
    masks = np.zeros((3, 12, 12), np.uint8)
    masks[0, 0:2, 0:10] = 1
    masks[0, 0:10, 0:2] = 1
    masks[1, 5:10, 5:10] = 1
    masks[2, 0:4, 8:12] = 1
    gt = InstanceData(masks=BitmapMasks(masks, 12, 12),
                      bboxes=torch.tensor([[0., 0., 10., 10.], [5., 5., 10., 10.],
                                           [8., 0., 12., 4.]]))
    kinds = _separation_targets(gt, torch.device('cpu'), size=10)  # box A: 1 px per cell
    own, other, background = kinds[0]
    assert torch.equal(own, torch.from_numpy(masks[0, :10, :10] == 1))
    expected_other = torch.from_numpy((masks[1, :10, :10] | masks[2, :10, :10]) == 1) & ~own
    assert torch.equal(other, expected_other)
    assert torch.equal(background, ~(own | expected_other))
    assert other.sum() == 25 + 2 * 2  # B's square and C's cells below A's top bar


@pytest.mark.slow
def test_gt_box_diagnostics_of_a_trained_semiconv_model(tiny_trained):
    config, _, ckpt = tiny_trained
    model = init_detector(config, ckpt, device='cpu')
    cfg = Config.fromfile(config)
    loader = Runner.build_dataloader(cfg.test_dataloader)
    out = gt_box_diagnostics(model, loader, cfg.test_evaluator[0].ann_file)
    # every number the staged benchmark reads, and nothing unnamed
    coco = {f'gt_boxes/segm_{k}' for k in ('mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l')}
    assert set(out) == coco | {'logk_own', 'logk_other', 'logk_background', 'sigma_px'}
    assert out['sigma_px'] == pytest.approx(
        float(model.roi_head.mask_head.kernel.sigma) * 64, rel=1e-5)
    for key in ('logk_own', 'logk_background'):
        assert out[key] <= 0 and math.isfinite(out[key])


@pytest.mark.slow
def test_gt_box_diagnostics_read_log_k_on_input_frame_boxes_when_resized(tiny_trained):
    """With scale_factor 2, log K must be read on the GT boxes x 2 (the network input frame):
    pasting the masks divides its boxes by scale_factor in place, and must not touch these."""
    config, _, ckpt = tiny_trained
    model = init_detector(config, ckpt, device='cpu')
    cfg = Config.fromfile(config)
    cfg.test_dataloader.dataset.pipeline[1] = dict(type='Resize', scale_factor=2.0)
    loader = Runner.build_dataloader(cfg.test_dataloader)
    head = model.roi_head
    read = []
    forward = head.mask_forward_on_rois

    def recording(x, phis, rois, labels=None):
        read.append(rois.clone())
        return forward(x, phis, rois, labels)

    head.mask_forward_on_rois = recording
    out = gt_box_diagnostics(model, loader, cfg.test_evaluator[0].ann_file)
    expected = torch.cat([
        torch.cat([s.gt_instances.bboxes
                   * s.gt_instances.bboxes.new_tensor(s.scale_factor).repeat(2)
                   for s in model.data_preprocessor(batch, False)['data_samples']])
        for batch in loader])
    assert torch.allclose(torch.cat(read)[:, 1:], expected)
    assert expected[:, 2:].max() > 100  # the boxes really are in the doubled frame
    assert math.isfinite(out['logk_own'])
