import os.path as osp
import sys

import pytest
from mmengine.registry import init_default_scope

import mmdet_semiconv  # noqa: F401  (registers our modules)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO, 'configs')
# the experiment and benchmark tools live outside the package; their tests import them by name
sys.path.insert(0, osp.join(REPO, 'tools', 'analysis_tools'))


@pytest.fixture(autouse=True)
def _mmdet_scope():
    init_default_scope('mmdet')


TINY_WORMS = dict(width=96, height=72, worms_min=2, worms_max=4, length_min=25.,
                  length_max=40., width_min=3., width_max=5., cluster_spread=12.)


@pytest.fixture(scope='session')
def tiny_worms(tmp_path_factory):
    """A few small synthetic worm images in COCO layout: (data_root, train json, val json)."""
    from mmdet_semiconv.datasets import WormConfig, generate_worm_split
    root = str(tmp_path_factory.mktemp('tiny_worms'))
    cfg = WormConfig(**TINY_WORMS)
    train = generate_worm_split(root, 'train', 6, seed=0, cfg=cfg)
    val = generate_worm_split(root, 'val', 3, seed=1, cfg=cfg)
    return root, train, val


def write_tiny_config(path, data_root, base='semiconv_worms_cpu.py', max_iters=2, extra=''):
    """A config file inheriting one of ours, shrunk to ``max_iters`` on the tiny data."""
    text = f'''_base_ = {osp.join(CONFIGS, base)!r}
data_root = {data_root + '/'!r}
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root))
val_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = [dict(type='CocoMetric', ann_file=data_root + 'annotations/val.json',
                      metric=['bbox', 'segm']),
                 dict(type='InstanceMatchingMetric', ann_file=data_root + 'annotations/val.json')]
test_evaluator = val_evaluator
train_cfg = dict(max_iters={max_iters}, val_interval={max_iters})
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
default_hooks = dict(checkpoint=dict(interval=1), logger=dict(interval=1))
{extra}
'''
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


@pytest.fixture
def tiny_config(tmp_path, tiny_worms):
    return write_tiny_config(tmp_path / 'tiny_cfg.py', tiny_worms[0])


@pytest.fixture(scope='session')
def tiny_trained(tmp_path_factory, tiny_worms):
    """A 2-iteration SemiConv run on the tiny worms: (config, work root, iter_2 checkpoint)."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    tmp = tmp_path_factory.mktemp('tiny_trained')
    config = write_tiny_config(tmp / 'cfg.py', tiny_worms[0], max_iters=2)
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp / 'run1')
    cfg.experiment_name = 'tiny_trained'
    Runner.from_cfg(cfg).train()
    return config, tmp, str(tmp / 'run1' / 'iter_2.pth')
