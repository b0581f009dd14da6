"""The GPU check: what it runs on CUDA is built right here; without CUDA it skips, exit 0."""
import os.path as osp
import sys

import pytest
import torch
from mmengine.runner import Runner

from mmdet_semiconv.testing import REPO, load_script
from mmdet_semiconv.testing import run_tool as _run

TOOL = osp.join(REPO, 'tools', 'analysis_tools', 'gpu_check.py')


def _tool():
    return load_script('tools/analysis_tools/gpu_check.py')


@pytest.mark.skipif(torch.cuda.is_available(), reason='runs the check itself on CUDA')
def test_without_cuda_it_says_it_is_skipped(tmp_path):
    out = _run([sys.executable, TOOL, '--work-dir', str(tmp_path)], cwd=REPO)
    assert 'skipped, no CUDA device' in out and 'FORCE_CUDA=1' in out


@pytest.mark.parametrize('config', ['configs/semiconv_voc.py',
                                    'configs/mask-rcnn_r101_fpn_voc.py'])
def test_amp_config_trains_with_amp_on_the_generated_data_at_800(tiny_worms, tmp_path, config):
    data_root = tiny_worms[0] + '/'
    cfg = _tool().amp_config(osp.join(REPO, config), data_root, str(tmp_path), iters=3)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper' and cfg.load_from is None
    assert cfg.model.backbone.init_cfg is None  # random weights: nothing to download
    assert cfg.train_cfg.max_iters == 3
    for hook in cfg.get('custom_hooks', []):
        assert hook.get('require_pretrained', False) is False
    cfg.train_dataloader.update(batch_size=1, num_workers=0, persistent_workers=False)
    batch = next(iter(Runner.build_dataloader(cfg.train_dataloader)))
    assert min(batch['inputs'][0].shape[1:]) == 800  # 96 x 72 resized into 1333 x 800
    assert cfg.test_evaluator.ann_file.endswith('annotations/val.json')
