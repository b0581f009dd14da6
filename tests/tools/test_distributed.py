"""Stage 2 with SemiConvFinetuneHook under 2-process DistributedDataParallel on CPU (gloo)."""
import os.path as osp
import sys

import pytest
import torch

from mmdet_semiconv.testing import REPO
from mmdet_semiconv.testing import run_tool as _run
from mmdet_semiconv.testing import write_tiny_config

PROBE = '''
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import MMDistributedDataParallel, is_model_wrapper
from mmengine.registry import MODEL_WRAPPERS

from mmdet.registry import HOOKS

# mmengine 0.10.7 assumes CUDA under the pytorch launcher: it calls torch.cuda.set_device and
# gives DDP device_ids. On a CPU-only torch build both fail; this test runs gloo on CPU.
if not torch.cuda.is_available():
    torch.cuda.set_device = lambda device: None


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """MMDistributedDataParallel for CPU modules (DDP refuses device_ids for them)."""

    def __init__(self, module, device_ids=None, **kwargs):
        super().__init__(module=module, device_ids=None, **kwargs)


@HOOKS.register_module()
class RankStateProbe(Hook):
    """Saves every rank's parameters and lambda (the kernel's weight) after each iteration."""

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        state = {k: v.detach().clone() for k, v in model.named_parameters()}
        state['lambda'] = model.roi_head.mask_head.kernel_weight
        torch.save(state, osp.join(runner.work_dir, f'rank{get_rank()}_iter{runner.iter + 1}.pth'))
'''


@pytest.mark.slow
def test_two_ranks_stay_in_sync_while_the_hook_ramps_the_kernel_in(tmp_path, tiny_worms):
    (tmp_path / 'rank_probe.py').write_text(PROBE)
    stage1 = str(tmp_path / 'stage1')
    cfg1 = write_tiny_config(tmp_path / 's1.py', tiny_worms[0], base='mask-rcnn_worms_cpu.py')
    _run([sys.executable, osp.join(REPO, 'tools', 'train.py'), cfg1, '--work-dir', stage1],
         cwd=REPO)
    extra = f'''load_from = {stage1 + "/iter_2.pth"!r}
custom_imports = dict(imports=['mmdet_semiconv', 'rank_probe'], allow_failed_imports=False)
custom_hooks = [dict(type='SemiConvFinetuneHook', kernel_begin=2, warmup=1),
                dict(type='RankStateProbe')]
env_cfg = dict(dist_cfg=dict(backend='gloo'))
# every parameter has a gradient at every iteration (the BCE on K trains sigma and Phi
# while lambda is 0), so DDP needs no unused-parameter search
model_wrapper_cfg = dict(type='CPUDistributedDataParallel', broadcast_buffers=False,
                         find_unused_parameters=False)
'''
    cfg2 = write_tiny_config(tmp_path / 's2.py', tiny_worms[0],
                             base='semiconv_worms_cpu_finetune.py', max_iters=3, extra=extra)
    work = tmp_path / 'ddp'
    env_path = f'{tmp_path}:{REPO}'
    _run(['env', f'PYTHONPATH={env_path}', sys.executable, '-m', 'torch.distributed.run',
          '--nproc_per_node=2', '--master_port=29517', osp.join(REPO, 'tools', 'train.py'),
          cfg2, '--launcher', 'pytorch', '--work-dir', str(work)], cwd=REPO)
    switched = []
    for it in (1, 2, 3):
        r0 = torch.load(work / f'rank0_iter{it}.pth', weights_only=False)
        r1 = torch.load(work / f'rank1_iter{it}.pth', weights_only=False)
        assert r0['lambda'] == r1['lambda']
        switched.append(r0['lambda'])
        for key, value in r0.items():
            if key != 'lambda':
                assert torch.equal(value, r1[key]), f'{key} differs between ranks at iter {it}'
    # iteration 3 (runner.iter 2) is the first with log K in the logits
    assert switched == [0., 0., 1.]
    sigma = 'roi_head.mask_head.kernel.log_sigma'
    sigmas = [torch.load(work / f'rank0_iter{it}.pth', weights_only=False)[sigma]
              for it in (1, 2, 3)]
    assert not torch.equal(sigmas[0], sigmas[1])  # sigma learns while lambda is 0


@pytest.mark.parametrize('script, args', [('dist_train.sh', ['--help']),
                                          ('dist_test.sh', ['cfg.py', 'model.pth', '-h'])])
def test_the_launch_scripts_print_their_usage(script, args):
    import subprocess
    out = subprocess.run(['bash', osp.join(REPO, 'tools', script), *args],
                         capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith('usage: bash ')
    assert 'GPUS' in out.stdout


@pytest.mark.parametrize('script, args, position', [
    ('dist_train.sh', ['configs/semiconv_voc.py'], 2),
    ('dist_train.sh', ['configs/semiconv_voc.py', '--resume'], 2),
    ('dist_test.sh', ['configs/semiconv_voc.py', 'model.pth'], 3)])
def test_the_launch_scripts_refuse_a_missing_gpu_count(script, args, position):
    import subprocess
    out = subprocess.run(['bash', osp.join(REPO, 'tools', script), *args],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert f'GPUS (argument {position}) must be a number' in out.stderr
