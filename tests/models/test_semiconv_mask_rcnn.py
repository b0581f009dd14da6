"""The whole detector (mmdet's MaskRCNN + SemiConvRoIHead) in loss, predict and tensor modes."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs
from mmdet_semiconv.testing import CONFIGS

CONFIG = osp.join(CONFIGS, 'semiconv_worms_cpu.py')


def _one_class_batch(model, num_items):
    """Two preprocessed demo images with masks; every label is class 0 (our one class)."""
    # demo_mm_inputs needs num_classes >= 2 to draw labels
    packed = demo_mm_inputs(batch_size=2, image_shapes=[(3, 128, 160), (3, 96, 128)],
                            num_items=list(num_items), num_classes=2, with_mask=True)
    for sample in packed['data_samples']:
        sample.gt_instances.labels.zero_()
    return model.data_preprocessor(packed, True)


def _model_and_batch(num_items=(4, 0), **cfg_options):
    torch.manual_seed(0)
    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict(cfg_options)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model, _one_class_batch(model, num_items)


def test_loss_mode_with_an_image_without_instances():
    model, batch = _model_and_batch()
    losses = model(**batch, mode='loss')
    for key in ('loss_mask', 'loss_kernel', 'loss_embedding', 'loss_cls', 'loss_rpn_cls',
                'sigma_px', 'eq5_p2'):
        assert key in losses
    total, log_vars = model.parse_losses(losses)
    assert torch.isfinite(total)
    # diagnostics are logged, not optimised
    parts = sum(float(v) for k, v in log_vars.items() if k.startswith('loss_'))
    assert float(total) == pytest.approx(parts, rel=1e-5) and 'sigma_px' in log_vars
    total.backward()
    neck = model.roi_head.semiconv_branch.phi_subnet
    assert neck.subnet[0].weight.grad.abs().sum() > 0
    assert model.roi_head.mask_head.kernel.log_sigma.grad is not None


def test_predict_and_tensor_modes():
    model, batch = _model_and_batch()
    model.eval()
    with torch.no_grad():
        results = model(**batch, mode='predict')
        assert len(results) == 2
        for res, sample in zip(results, batch['data_samples']):
            masks = res.pred_instances.masks
            assert masks.shape[1:] == sample.ori_shape
            assert len(masks) == len(res.pred_instances.bboxes)
        outs = model(batch['inputs'], batch['data_samples'], mode='tensor')
        mask_preds = outs[-1][-1]
        assert mask_preds.shape[1:] == (1, 28, 28) and torch.isfinite(mask_preds).all()


@pytest.mark.slow
def test_overfit_one_batch_every_loss_goes_down():
    # each term at the paper's weight 1: the recipe's 0.25 on the BCE on K lets the mask loss
    # on s_hat, not K's own fit, decide sigma, so loss_kernel alone may then rise
    model, batch = _model_and_batch(
        num_items=(4, 3), **{'model.roi_head.mask_head.loss_kernel.loss_weight': 1.0,
                             'model.roi_head.semiconv_branch.loss_embedding.loss_weight': 1.0})
    optim = torch.optim.AdamW(model.parameters(), lr=1e-3)
    history = []
    for _ in range(70):
        losses = model(**batch, mode='loss')
        total, log_vars = model.parse_losses(losses)
        optim.zero_grad()
        total.backward()
        optim.step()
        history.append({k: v for k, v in log_vars.items() if k.startswith('loss')})
    # means over 10 iterations: the sampled RoIs change from one iteration to the next (and
    # loss_bbox starts low only because a random RPN yields few positives)
    first, last = history[:10], history[-10:]
    for key in history[0]:
        before = sum(float(h[key]) for h in first) / 10
        after = sum(float(h[key]) for h in last) / 10
        assert after < before, f'{key} did not go down: {before:.4f} -> {after:.4f}'


def _same_losses_and_predictions(ours, plain, batch, loss_keys=None):
    losses = {}
    for name, model in (('ours', ours), ('plain', plain)):
        torch.manual_seed(1)  # the RoI sampler draws the same RoIs
        losses[name] = model(**batch, mode='loss')
    for key in loss_keys or losses['plain']:
        torch.testing.assert_close(losses['ours'][key], losses['plain'][key], rtol=0, atol=0)
    ours.eval()
    plain.eval()
    with torch.no_grad():
        a = ours(**batch, mode='predict')
        b = plain(**batch, mode='predict')
    for ra, rb in zip(a, b):
        assert torch.equal(ra.pred_instances.masks, rb.pred_instances.masks)
        assert torch.equal(ra.pred_instances.scores, rb.pred_instances.scores)
    return losses


def test_without_the_branch_it_is_mmdets_mask_rcnn():
    """semiconv_branch=None: SemiConvRoIHead + FCNMaskHead == StandardRoIHead + FCNMaskHead."""
    baseline = Config.fromfile(osp.join(osp.dirname(CONFIG), 'mask-rcnn_worms_cpu.py'))
    assert baseline.model.roi_head.type == 'StandardRoIHead'
    torch.manual_seed(0)
    plain = MODELS.build(baseline.model)
    plain.init_weights()
    cfg = baseline.model.copy()
    cfg.roi_head.update(type='SemiConvRoIHead', semiconv_branch=None)
    ours = MODELS.build(cfg)
    ours.load_state_dict(plain.state_dict(), strict=True)  # the very same keys
    losses = _same_losses_and_predictions(ours, plain, _one_class_batch(ours, (4, 2)))
    assert losses['ours'].keys() == losses['plain'].keys()


def test_with_lambda_zero_the_masks_are_mask_rcnns():
    """Branch on, log K weighted by 0 (the start of the stage-2 ramp): s_hat = s exactly."""
    baseline = Config.fromfile(osp.join(osp.dirname(CONFIG), 'mask-rcnn_worms_cpu.py'))
    torch.manual_seed(0)
    plain = MODELS.build(baseline.model)
    plain.init_weights()
    ours, batch = _model_and_batch((4, 2))
    ours.roi_head.mask_head.kernel_weight = 0.
    missing, unexpected = ours.load_state_dict(plain.state_dict(), strict=False)
    assert not unexpected and all('semiconv_branch' in k or 'kernel' in k for k in missing)
    losses = _same_losses_and_predictions(ours, plain, batch, loss_keys=['loss_mask'])
    assert {'loss_kernel', 'loss_embedding'} <= set(losses['ours'])  # Phi and K still learn
