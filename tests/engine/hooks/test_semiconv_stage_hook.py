"""Stage 1 (plain Mask R-CNN) -> stage 2 (semi-conv, load_from) with SemiConvStageHook."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from conftest import write_tiny_config
from mmdet_semiconv.engine import SemiConvStageHook, Stage1CheckpointError


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
    hook = ("custom_hooks = [dict(type='SemiConvStageHook', kernel_start_iter=1, "
            "warmup_iters=2)]")
    runner = _stage2(ckpt, root, tmp, 'stage2', hook)
    seen = []

    class Probe(Hook):  # records what the hook set, right before each iteration runs

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            head = runner.model.roi_head
            seen.append((head.mask_head.use_kernel, head.loss_embedding.loss_weight))

    runner.register_hook(Probe(), priority='LOW')
    runner.train()
    assert seen == [(False, 0.0), (True, 0.5), (True, 1.0)]
    # back to the full model after training, for evaluation and saving
    assert runner.model.roi_head.mask_head.use_kernel
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
    with pytest.raises(Stage1CheckpointError, match=r'backbone\.layer4\.0\.conv1\.weight'):
        runner.train()


def test_schedule_without_a_runner_loop():
    head = SimpleNamespace(
        mask_head=SimpleNamespace(use_kernel=True, loss_kernel=SimpleNamespace(loss_weight=2.)),
        loss_embedding=SimpleNamespace(loss_weight=1.))
    runner = SimpleNamespace(model=SimpleNamespace(roi_head=head), _load_from=None,
                             _resume=False, iter=0)
    hook = SemiConvStageHook(kernel_start_iter=10, warmup_iters=4)
    hook.before_train(runner)
    seen = {}
    for it in (0, 9, 10, 11, 13, 20):
        runner.iter = it
        hook.before_train_iter(runner, it)
        seen[it] = (head.mask_head.use_kernel, head.loss_embedding.loss_weight,
                    head.mask_head.loss_kernel.loss_weight)
    assert seen == {0: (False, 0., 0.), 9: (False, 0., 0.), 10: (True, .25, .5),
                    11: (True, .5, 1.), 13: (True, 1., 2.), 20: (True, 1., 2.)}
    hook.after_train(runner)
    assert head.mask_head.use_kernel and head.loss_embedding.loss_weight == 1.
