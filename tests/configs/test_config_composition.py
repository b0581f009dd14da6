"""Each semi-conv config is its plain-mmdet baseline plus the branch, and nothing else."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from mmdet_semiconv.testing import CONFIGS

PAIRS = [
    ('mask-rcnn_worms_cpu.py', 'semiconv_worms_cpu.py'),
    ('mask-rcnn_worms_cpu_finetune.py', 'semiconv_worms_cpu_finetune.py'),
    ('mask-rcnn_r101_fpn_voc.py', 'semiconv_voc.py'),
    ('mask-rcnn_r101_fpn_celegans.py', 'semiconv_celegans.py'),
    ('cascade-mask-rcnn_r101_fpn_voc.py', 'semiconv-cascade-mask-rcnn_r101_fpn_voc.py'),
    ('cascade-mask-rcnn_worms_cpu.py', 'semiconv-cascade-mask-rcnn_worms_cpu.py'),
]
#: what a semi-conv config may add to or change in its baseline (the semiconv_* names are the
#: variables of the shared branch bases)
BRANCH_KEYS = {'model', 'custom_imports', 'custom_hooks', 'optim_wrapper', 'load_from',
               'semiconv_branch', 'semiconv_mask_head', 'semiconv_paramwise_cfg', 'semiconv_hooks'}


def _flat(d, prefix=''):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f'{prefix}{k}.'))
        else:
            out[f'{prefix}{k}'] = v
    return out


@pytest.mark.parametrize('baseline, semiconv', PAIRS)
def test_semiconv_config_is_its_baseline_plus_the_branch(baseline, semiconv):
    base = Config.fromfile(osp.join(CONFIGS, baseline)).to_dict()
    ours = Config.fromfile(osp.join(CONFIGS, semiconv)).to_dict()
    assert base['model']['roi_head']['type'] in ('StandardRoIHead', 'CascadeRoIHead')
    assert base['model']['roi_head']['mask_head']['type'] == 'FCNMaskHead'
    assert 'SemiConv' in ours['model']['roi_head']['type']
    assert ours['model']['roi_head']['mask_head']['type'] == 'SemiConvMaskHead'
    changed = {k for k in set(base) | set(ours) if base.get(k) != ours.get(k)}
    assert changed <= BRANCH_KEYS, changed - BRANCH_KEYS
    # inside the model only the RoI head's type, the branch and the mask head's kernel differ
    fb, fo = _flat(base['model']), _flat(ours['model'])
    diff = {k for k in set(fb) | set(fo) if fb.get(k) != fo.get(k)}
    allowed = ('roi_head.type', 'roi_head.semiconv_branch.', 'roi_head.mask_head.type',
               'roi_head.mask_head.kernel.', 'roi_head.mask_head.loss_kernel.')
    assert all(k.startswith(allowed) for k in diff), sorted(diff)
    # the optimiser is the baseline's but for the branch's paramwise settings
    if 'optim_wrapper' in changed:
        o = dict(ours['optim_wrapper'])
        o.pop('paramwise_cfg')
        assert o == base['optim_wrapper']


@pytest.mark.parametrize('config', sorted(
    osp.basename(p) for p in glob.glob(osp.join(CONFIGS, '*.py'))))
def test_every_config_installs_the_checkpoint_loader(config):
    """`mim test` runs mmdet's own tools: without custom_imports nothing installs the
    allow-listed loader, and torch >= 2.6 refuses mmengine's own checkpoints."""
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    assert 'mmdet_semiconv' in cfg.get('custom_imports', {}).get('imports', [])


def _covers(node, value) -> bool:
    """``node`` is ``value``, or (for dicts) holds every key of it with a covering value: what
    a base's dict becomes once merged into a module's config."""
    if isinstance(node, dict) and isinstance(value, dict):
        return all(k in node and _covers(node[k], v) for k, v in value.items())
    if isinstance(node, (list, tuple)) and isinstance(value, (list, tuple)):
        return len(node) == len(value) and all(map(_covers, node, value))
    return node == value


def _holds(tree, value) -> bool:
    """Whether ``value`` covers ``tree`` or a part nested anywhere in it."""
    if _covers(tree, value):
        return True
    if isinstance(tree, dict):
        return any(_holds(v, value) for v in tree.values())
    if isinstance(tree, (list, tuple)):
        return any(_holds(v, value) for v in tree)
    return False


@pytest.mark.parametrize('config', sorted(
    osp.basename(p) for p in glob.glob(osp.join(CONFIGS, '*.py'))))
def test_a_dumped_config_carries_no_unused_helper_and_loads_back(config, tmp_path):
    """mmengine keeps in the config every variable a base defines (``{{_base_.x}}`` does not
    consume it); the branch bases' ``semiconv_*`` variables must at least be what the config
    puts on its model, optimiser or hooks, never dead weight in the dumped file."""
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    used = {k: cfg.get(k) for k in ('model', 'optim_wrapper', 'custom_hooks')}
    unused = [k for k in cfg if k.startswith('semiconv_') and not _holds(used, cfg[k])]
    assert not unused, f'{config} carries {unused} and uses none of them'
    dumped = tmp_path / config
    cfg.dump(str(dumped))
    assert Config.fromfile(str(dumped)).to_dict() == cfg.to_dict()
