"""What the test suite shares: the repository's paths, a tiny config over a shrunk data set, a
tool run as a subprocess, a script loaded as a module."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys
from types import ModuleType
from typing import Dict, List

#: the source checkout this package is installed from (editable, as tools/setup_env.sh does):
#: configs/, tools/ and .dev_scripts/ are not part of the installed package
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs')
#: the venv's bin/, where `mim` and the console scripts are
BIN = osp.dirname(sys.executable)

#: settings of synthetic worms small enough for a 2-iteration training in seconds
TINY_WORMS = dict(width=96, height=72, worms_min=2, worms_max=4, length_min=25.,
                  length_max=40., width_min=3., width_max=5., cluster_spread=12.)


def write_tiny_config(path, data_root: str, base: str = 'semiconv_worms_cpu.py',
                      max_iters: int = 2, extra: str = '') -> str:
    """A config file inheriting ``configs/<base>``, shrunk to ``max_iters`` on the data at
    ``data_root`` (COCO layout: train/, val/, annotations/{train,val}.json)."""
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


def run_tool(cmd: List[str], cwd) -> str:
    """Run ``cmd``; its stdout and stderr, or an assertion naming the command and its output
    tails if it failed."""
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f'{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}'
    return proc.stdout + proc.stderr


def markdown_tables(text: str) -> List[List[Dict[str, str]]]:
    """Every markdown table in ``text`` (a tool's printed report), each a list of rows keyed
    by the header's column names, cells stripped."""
    tables, lines = [], text.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.startswith('|') and lines[i + 1].startswith('|---') and (
                i == 0 or not lines[i - 1].startswith('|')):
            header = [c.strip() for c in line.strip('|').split('|')]
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith('|'):
                    break
                rows.append(dict(zip(header, (c.strip() for c in row.strip('|').split('|')))))
            tables.append(rows)
    return tables


def load_script(path: str) -> ModuleType:
    """The script ``REPO/<path>`` (in tools/ or .dev_scripts/, which are not packages) as a
    module, without putting its folder on ``sys.path``."""
    name = osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look their module up by name
    spec.loader.exec_module(module)
    return module
