"""The branch on mmdet's Cascade Mask R-CNN: three modes and a 2-iteration train + test."""
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs
from mmdet_semiconv.models import SemiConvCascadeRoIHead, SemiConvMaskHead
from mmdet_semiconv.testing import CONFIGS, write_tiny_config

CONFIG = osp.join(CONFIGS, 'semiconv-cascade-mask-rcnn_worms_cpu.py')


@pytest.fixture(scope='module')
def model_and_batch():
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    model.init_weights()
    packed = demo_mm_inputs(batch_size=2, image_shapes=[(3, 128, 160), (3, 96, 128)],
                            num_items=[4, 0], num_classes=2, with_mask=True)
    for sample in packed['data_samples']:
        sample.gt_instances.labels.zero_()
    return model, model.data_preprocessor(packed, True)


def test_every_mask_stage_is_sharpened_from_one_phi(model_and_batch):
    model, batch = model_and_batch
    head = model.roi_head
    assert isinstance(head, SemiConvCascadeRoIHead) and head.num_stages == 3
    assert all(isinstance(m, SemiConvMaskHead) for m in head.mask_head)
    calls = []  # the width of each level the subnet ran on
    handle = head.semiconv_branch.phi_subnet.subnet.register_forward_hook(
        lambda module, args, out: calls.append(out.shape[-1]))
    model.train()
    losses = model(**batch, mode='loss')
    handle.remove()
    assert calls and len(calls) == len(set(calls))  # each level once for the three stages
    for stage in range(3):
        for key in ('loss_mask', 'loss_kernel', 'sigma_px'):
            assert f's{stage}.{key}' in losses
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    total.backward()
    for stage in range(3):
        assert head.mask_head[stage].kernel.log_sigma.grad is not None
    assert head.semiconv_branch.phi_subnet.subnet[0].weight.grad.abs().sum() > 0


def test_predict_and_tensor_modes(model_and_batch):
    model, batch = model_and_batch
    model.eval()
    with torch.no_grad():
        results = model(**batch, mode='predict')
        for res, sample in zip(results, batch['data_samples']):
            assert res.pred_instances.masks.shape[1:] == sample.ori_shape
        outs = model(batch['inputs'], batch['data_samples'], mode='tensor')
    masks = outs[-1][-1]
    assert masks[0].shape[1:] == (1, 28, 28) and torch.isfinite(masks[0]).all()


@pytest.mark.slow
def test_train_two_iterations_and_test(tmp_path, tiny_worms):
    config = write_tiny_config(tmp_path / 'cascade.py', tiny_worms[0],
                               base='semiconv-cascade-mask-rcnn_worms_cpu.py',
                               # an untrained cascade's scores are all low: keep them
                               extra='model = dict(test_cfg=dict(rcnn=dict(score_thr=0.)))')
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    runner.train()
    # every stage trained its mask on s_hat with the kernel's loss
    for stage in range(3):
        loss = runner.message_hub.get_scalar(f'train/s{stage}.loss_kernel').current()
        assert math.isfinite(loss) and loss > 0
    metrics = runner.test()
    assert {'coco/bbox_mAP', 'coco/segm_mAP'} <= set(metrics)
    # a mask of the image's size for every detection (an untrained model's may be empty)
    batch = next(iter(runner.test_dataloader))
    with torch.no_grad():
        results = runner.model.test_step(batch)
    for res in results:
        pred = res.pred_instances
        assert len(pred) > 0 and pred.masks.shape == (len(pred), *res.ori_shape)
