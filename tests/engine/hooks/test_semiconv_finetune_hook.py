"""Pretrained Mask R-CNN (stage 1) -> semi-conv fine-tuning (stage 2, load_from) with
SemiConvFinetuneHook."""
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmdet.registry import MODELS
from mmdet_semiconv.engine import PretrainedCheckpointError, SemiConvFinetuneHook
from mmdet_semiconv.testing import CONFIGS, write_tiny_config


@pytest.fixture(scope='module')
def stage1(tmp_path_factory, tiny_worms):
    tmp = tmp_path_factory.mktemp('stage1')
    config = write_tiny_config(tmp / 'stage1.py', tiny_worms[0], base='mask-rcnn_worms_cpu.py')
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp / 'work')
    cfg.experiment_name = 'stage1'
    Runner.from_cfg(cfg).train()
    return str(tmp / 'work' / 'iter_2.pth'), tiny_worms[0], tmp


def _stage2(stage1_ckpt, data_root, tmp, name, hook=''):
    extra = f"load_from = {stage1_ckpt!r}\n{hook}"
    config = write_tiny_config(tmp / f'{name}.py', data_root,
                               base='semiconv_worms_cpu_finetune.py', max_iters=3, extra=extra)
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp / name)
    cfg.experiment_name = name
    return Runner.from_cfg(cfg)


@pytest.mark.slow
def test_stage2_loads_stage1_and_the_hook_schedules_the_branch(stage1):
    ckpt, root, tmp = stage1
    hook = ("custom_hooks = [dict(type='SemiConvFinetuneHook', kernel_begin=1, "
            "kernel_ramp=2, warmup=2)]")
    runner = _stage2(ckpt, root, tmp, 'stage2', hook)
    seen = []

    class Probe(Hook):  # records what the hook set, right before each iteration runs

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            head = runner.model.roi_head
            seen.append((head.mask_head.kernel_weight,
                         head.semiconv_branch.loss_embedding.loss_weight))

    runner.register_hook(Probe(), priority='LOW')
    runner.train()
    # lambda: 0 before iteration 1, then ramped; eq. (5) warms up from iteration 0
    w = runner.cfg.model.roi_head.semiconv_branch.loss_embedding.loss_weight
    assert seen == [(0.0, 0.5 * w), (0.5, w), (1.0, w)]
    # back to the full model after training, for evaluation and saving
    assert runner.model.roi_head.mask_head.kernel_weight == 1.0
    state = torch.load(ckpt, weights_only=False)['state_dict']
    # the backbone was fine-tuned from stage 1's weights, not from scratch
    w0 = state['backbone.conv1.weight']
    assert (runner.model.backbone.conv1.weight - w0).abs().max() < 0.1 * w0.abs().max()


@pytest.mark.slow
def test_stage2_refuses_a_checkpoint_that_did_not_load(stage1, tmp_path):
    ckpt, root, tmp = stage1
    state = torch.load(ckpt, weights_only=False)
    state['state_dict'] = {k: v for k, v in state['state_dict'].items()
                           if not k.startswith('backbone.layer4')}
    partial = str(tmp_path / 'partial.pth')
    torch.save(state, partial)
    runner = _stage2(partial, root, tmp, 'stage2_bad')
    with pytest.raises(PretrainedCheckpointError, match=r'backbone\.layer4\.0\.conv1\.weight'):
        runner.train()


def _runner(config):
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    return SimpleNamespace(model=MODELS.build(cfg.model), _load_from=None, _resume=False,
                           iter=0)


def test_schedule_on_every_mask_stage_of_a_cascade():
    runner = _runner('semiconv-cascade-mask-rcnn_worms_cpu.py')
    head = runner.model.roi_head
    head.mask_head[0].loss_kernel.loss_weight = 2.
    w = head.semiconv_branch.loss_embedding.loss_weight  # the configured eq. (5) weight
    hook = SemiConvFinetuneHook(kernel_begin=10, kernel_ramp=4, warmup=4)
    hook.before_train(runner)
    seen = {}
    for it in (0, 3, 9, 10, 11, 13, 20):
        runner.iter = it
        hook.before_train_iter(runner, it)
        seen[it] = ([m.kernel_weight for m in head.mask_head],
                    head.semiconv_branch.loss_embedding.loss_weight,
                    head.mask_head[0].loss_kernel.loss_weight)
    assert seen == {0: ([0.] * 3, .25 * w, .5), 3: ([0.] * 3, w, 2.), 9: ([0.] * 3, w, 2.),
                    10: ([.25] * 3, w, 2.), 11: ([.5] * 3, w, 2.), 13: ([1.] * 3, w, 2.),
                    20: ([1.] * 3, w, 2.)}
    runner.iter = 0
    hook.before_train_iter(runner, 0)
    hook.after_train(runner)
    assert [m.kernel_weight for m in head.mask_head] == [1.] * 3
    assert head.mask_head[0].loss_kernel.loss_weight == 2.


def test_a_model_without_the_branch_is_refused_clearly():
    with pytest.raises(TypeError, match='has none .*StandardRoIHead'):
        SemiConvFinetuneHook().before_train(_runner('mask-rcnn_worms_cpu.py'))


def test_lengths_in_epochs_follow_the_dataloader():
    runner = _runner('semiconv_worms_cpu_finetune.py')
    runner.train_dataloader = list(range(40))  # 40 iterations per epoch
    hook = SemiConvFinetuneHook(kernel_begin=0.5, kernel_ramp=2, by_epoch=True)
    hook.before_train(runner)
    # kernel from iteration 20 (half an epoch), full after 80 more (two epochs)
    assert [hook.factors(it)['kernel'] for it in (19, 20, 59, 99, 100)] == [
        0., 1 / 80, 0.5, 1., 1.]


def test_stage2_without_a_stage1_checkpoint_is_refused():
    runner = _runner('semiconv_worms_cpu_finetune.py')
    with pytest.raises(PretrainedCheckpointError, match='load_from'):
        SemiConvFinetuneHook(require_pretrained=True).before_train(runner)


def test_resume_that_found_nothing_is_not_a_stage1():
    """mmdet's train.py --resume sets load_from=None; on a fresh work dir mmengine resumes
    nothing (iteration 0) while runner._resume is set."""
    runner = _runner('semiconv_worms_cpu_finetune.py')
    runner._resume = True
    with pytest.raises(PretrainedCheckpointError, match='--resume'):
        SemiConvFinetuneHook(require_pretrained=True).before_train(runner)
    runner.iter = 150  # a checkpoint of this run was resumed
    SemiConvFinetuneHook(require_pretrained=True).before_train(runner)


def test_train_py_resume_on_a_fresh_work_dir_is_refused(tiny_worms, tmp_path):
    config = write_tiny_config(tmp_path / 'stage2.py', tiny_worms[0],
                               base='semiconv_worms_cpu_finetune.py', max_iters=2,
                               extra='load_from = None\nresume = True')
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp_path / 'fresh')
    with pytest.raises(PretrainedCheckpointError, match='nothing was loaded'):
        Runner.from_cfg(cfg).train()


@pytest.mark.slow
def test_stage2_refuses_a_checkpoint_with_other_shapes(stage1, tmp_path):
    ckpt, root, tmp = stage1
    state = torch.load(ckpt, weights_only=False)
    sd = state['state_dict']
    sd['roi_head.bbox_head.fc_cls.weight'] = torch.zeros(3, *sd[
        'roi_head.bbox_head.fc_cls.weight'].shape[1:])
    other = str(tmp_path / 'other_classes.pth')
    torch.save(state, other)
    with pytest.raises(PretrainedCheckpointError, match=r'fc_cls\.weight \(shape \(3, '):
        _stage2(other, root, tmp, 'stage2_shapes').train()


def test_the_learned_logk_offset_is_a_new_weight_not_a_missing_one(tmp_path):
    cfg = Config.fromfile(osp.join(CONFIGS, 'semiconv_worms_cpu_finetune.py'))
    cfg.model.roi_head.mask_head.logk_offset = 0.
    model = MODELS.build(cfg.model)
    baseline = MODELS.build(Config.fromfile(
        osp.join(CONFIGS, 'mask-rcnn_worms_cpu_finetune.py')).model)
    path = str(tmp_path / 'stage1.pth')
    torch.save(dict(state_dict=baseline.state_dict()), path)
    SemiConvFinetuneHook(require_pretrained=True).check_pretrained(path, model)
