import pytest
from mmengine.registry import init_default_scope

import mmdet_semiconv  # noqa: F401  (registers our modules)
from mmdet_semiconv.testing import TINY_WORMS, write_tiny_config


@pytest.fixture(autouse=True)
def _mmdet_scope():
    init_default_scope('mmdet')


@pytest.fixture(scope='session')
def tiny_worms(tmp_path_factory):
    """A few small synthetic worm images in COCO layout: (data_root, train json, val json)."""
    from mmdet_semiconv.datasets import WormConfig, generate_worm_split
    root = str(tmp_path_factory.mktemp('tiny_worms'))
    cfg = WormConfig(**TINY_WORMS)
    train = generate_worm_split(root, 'train', 6, seed=0, cfg=cfg)
    val = generate_worm_split(root, 'val', 3, seed=1, cfg=cfg)
    return root, train, val


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
