"""Training and evaluation runs as subprocesses of our tools, cached on disk and resumable."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

#: The repository (configs/ and tools/ live here).
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run_tool(tool: str, args: Sequence[str], log: Optional[str] = None) -> None:
    """``python tools/<tool> args`` in the repository; a failure names its command.

    Output goes to ``log`` (appended) when given, so a run in the background leaves a record.
    """
    cmd = [sys.executable, osp.join('tools', tool), *args]
    print('$ ' + ' '.join(cmd), flush=True)
    if log is None:
        subprocess.run(cmd, check=True, cwd=REPO)
        return
    os.makedirs(osp.dirname(osp.abspath(log)), exist_ok=True)
    with open(log, 'a') as f:
        f.write('$ ' + ' '.join(cmd) + '\n')
        f.flush()
        subprocess.run(cmd, check=True, cwd=REPO, stdout=f, stderr=subprocess.STDOUT)


def train(config: str, work_dir: str, iters: int, options: Sequence[str],
          val_interval: Optional[int] = None) -> str:
    """Train ``config`` for ``iters`` iterations into ``work_dir``; returns the last checkpoint.

    A finished run is not retrained; an interrupted one resumes from its latest checkpoint.
    Without ``val_interval`` nothing is validated during training (mmengine's iteration loop
    validates at the last iteration unless ``val_begin`` is past it).

    ``--resume`` is only passed once the run has a checkpoint of its own: mmdet's train.py
    sets ``load_from = None`` for ``--resume``, which would drop a stage-1 ``load_from``.
    """
    ckpt = osp.join(work_dir, f'iter_{iters}.pth')
    if osp.isfile(ckpt):
        return ckpt
    interval = val_interval or iters
    opts = [f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={interval}',
            f'default_hooks.checkpoint.interval={interval}',
            'default_hooks.checkpoint.max_keep_ckpts=-1']
    if val_interval is None:
        opts.append(f'train_cfg.val_begin={iters + 1}')
    resume = ['--resume'] if osp.isfile(osp.join(work_dir, 'last_checkpoint')) else []
    run_tool('train.py', [config, '--work-dir', work_dir, *resume, '--cfg-options', *opts,
                          *options], log=osp.join(work_dir, 'run.log'))
    return ckpt


def val_curve(work_dir: str, metric: str = 'coco/segm_mAP') -> Dict[int, float]:
    """``{iteration: metric}`` of every validation logged in ``work_dir`` (all resumed runs).

    mmengine logs a validation of an iteration-based loop with ``step`` 0, so each one is
    given the iteration of the training record logged before it.
    """
    curve, last_iter = {}, 0
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if metric in rec:
                    curve[last_iter] = float(rec[metric])
                elif 'iter' in rec:
                    last_iter = int(rec['iter'])
    return dict(sorted(curve.items()))


def read_json(path: str) -> Optional[dict]:
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def write_json(path: str, obj) -> None:
    """Atomically: a run stopped mid-write leaves no half file for the cache to trust."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(obj, f, indent=1)
    os.replace(tmp, path)


def data_options(data_root: str, splits: Sequence[str] = ('train', 'val', 'test')) -> List[str]:
    """--cfg-options that point a worm config's loaders and evaluators at ``data_root``."""
    root = data_root.rstrip('/') + '/'
    opts = []
    if 'train' in splits:
        opts.append(f'train_dataloader.dataset.data_root={root}')
    for split in ('val', 'test'):
        if split in splits:
            opts += [f'{split}_dataloader.dataset.data_root={root}',
                     f'{split}_evaluator.ann_file={root}annotations/val.json']
    return opts
