"""The colouring configs named for a benchmark recipe are that recipe: the committed base with
the recipe's --cfg-options (.dev_scripts/coloring_recipes.sh) resolves to the same model."""
import os.path as osp
import subprocess

import pytest
from mmengine.config import Config, DictAction

from mmdet_semiconv.testing import CONFIGS, REPO


def _recipe(name: str) -> list:
    out = subprocess.run(
        ['bash', '-c', f'source .dev_scripts/coloring_recipes.sh && echo ${{recipes[{name}]}}'],
        cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert out, f'recipe {name} is empty or unknown'
    return out


def _with_options(config: str, options: list) -> Config:
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    action = DictAction(option_strings=['--cfg-options'], dest='cfg_options')
    merged = {}
    for opt in options:
        key, value = opt.split('=', 1)
        merged[key] = action._parse_iterable(value)
    cfg.merge_from_dict(merged)
    return cfg


@pytest.mark.parametrize('config,base,recipe', [
    ('semiconv-coloring_worms_cpu_se.py', 'semiconv-coloring_worms_cpu.py', 'se'),
    ('conv-coloring_worms_cpu_se.py', 'conv-coloring_worms_cpu.py', 'se'),
])
def test_the_config_is_its_recipe(config, base, recipe):
    want = _with_options(base, _recipe(recipe))
    got = Config.fromfile(osp.join(CONFIGS, config))
    assert got.model.to_dict() == want.model.to_dict()
    assert got.model.mask_head.loss_kernel.type == 'LovaszKernelLoss'
