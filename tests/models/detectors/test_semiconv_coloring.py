"""SemiConvColoring end to end: the CPU configs train, test through CocoMetric, and run under
autocast; the ablation differs by one flag."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs
from mmdet_semiconv.testing import CONFIGS


def _model_and_batch(config):
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(osp.join(CONFIGS, config)).model)
    model.init_weights()
    packed = demo_mm_inputs(batch_size=2, image_shapes=[(3, 128, 160), (3, 96, 128)],
                            num_items=[4, 2], num_classes=2, with_mask=True)
    for sample in packed['data_samples']:
        sample.gt_instances.labels.zero_()  # the CPU configs have one class
    return model, model.data_preprocessor(packed, True)


def test_the_ablation_is_the_same_model_without_u_hat():
    semi = Config.fromfile(osp.join(CONFIGS, 'semiconv-coloring_nuclei_cpu.py'))
    conv = Config.fromfile(osp.join(CONFIGS, 'conv-coloring_nuclei_cpu.py'))
    assert semi.model.mask_head.get('use_u_hat', True) is True
    assert conv.model.mask_head.use_u_hat is False
    conv.model.mask_head.pop('use_u_hat')
    assert conv.to_dict() == semi.to_dict()


@pytest.mark.parametrize('dtype', [torch.bfloat16])
def test_loss_and_predict_under_autocast(dtype):
    model, batch = _model_and_batch('semiconv-coloring_worms_cpu.py')
    with torch.autocast('cpu', dtype=dtype):
        losses = model(**batch, mode='loss')
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    total.backward()
    assert torch.isfinite(model.mask_head.kernel.log_sigma.grad)
    model.eval()
    with torch.no_grad(), torch.autocast('cpu', dtype=dtype):
        results = model(**batch, mode='predict')
    for res, sample in zip(results, batch['data_samples']):
        pred = res.pred_instances
        assert pred.masks.shape[1:] == sample.ori_shape
        assert torch.isfinite(pred.scores).all() and len(pred.bboxes) == len(pred.masks)


@pytest.mark.slow
@pytest.mark.parametrize('config,thresholds', [
    ('semiconv-coloring_worms_cpu.py', 'fg_thr=0.0, seed_thr=0.0, max_per_img=20'),
    ('solov2_worms_cpu.py', 'score_thr=0.0, mask_thr=0.0, filter_thr=0.0')])
def test_trains_and_evaluates_with_coco_metric(tmp_path, tiny_worms, config, thresholds):
    """Two iterations, then CocoMetric on what the untrained model predicts (thresholds at 0,
    so that it predicts something and the metric has masks to score)."""
    from mmdet_semiconv.testing import write_tiny_config
    cfg = Config.fromfile(write_tiny_config(
        tmp_path / 'cfg.py', tiny_worms[0], base=config, max_iters=2,
        extra=f'model = dict(test_cfg=dict({thresholds}))'))
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert 0 <= metrics['coco/segm_mAP'] <= 1
