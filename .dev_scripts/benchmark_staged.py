"""The staged benchmark on synthetic worms (Table 1 protocol), paired over seeds.

    python .dev_scripts/benchmark_staged.py --seeds 10 11 12 13 14 \\
        [--recipe NAME --semiconv-options key=value ...] [--stage1-iters 900] \\
        [--stage2-iters 300] [--work-dir work_dirs/benchmark_staged] [--out docs/...md] \\
        [--stage1-only] [--width 232 --height 174 ... every WormConfig field]

Stage 1 (plain Mask R-CNN, validated along the way) for every seed, then both stage-2 arms,
then the report: per-arm AP, AP50, AP75, box AP and mask AP on ground-truth boxes, the paired
difference with its 95% interval, per-seed numbers, the branch's diagnostics and the stage-1
curves. Every run is cached under --work-dir; stop it any time and run the same command again
to continue. Choose settings on tuning seeds (300+), never on the reported ones.

For each seed s (data and initialisation):

1. a train split (generator seed ``100 + s``) and a validation split (``200 + s``, never
   trained on), with the given :class:`WormConfig`;
2. stage 1: plain Mask R-CNN from scratch, validated every ``stage1_val_interval`` iterations
   (the curve shows whether it has plateaued);
3. stage 2: from the stage-1 checkpoint, the semi-conv arm and the Mask R-CNN arm are
   fine-tuned with the same schedule and the same lr on every layer they share;
4. both evaluated on the validation split: COCO metrics, and :func:`gt_box_diagnostics` (mask AP
   on ground-truth boxes, sigma, kernel separation); the training logs give sigma and eq. (5)
   per level over time.

Tuning seeds (300+) and reported seeds are disjoint; a recipe is a named list of
``--cfg-options`` for the semi-conv arm, so tuning runs sit beside each other under one seed.
Everything is cached per seed and run under ``work_dir``: the benchmark resumes where it stopped.
A seed's directory records the settings it was made with (``settings.json``); other settings
are refused rather than served from a cache built for different data or a different stage 1.

The configs are arguments (``--stage1-config`` ...), run by this repository's tools/train.py,
tools/test.py and tools/analysis_tools/gt_boxes.py diagnose.
"""
import argparse
import glob
import json
import math
import os
import os.path as osp
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
from scipy import stats

from mmdet_semiconv.datasets import SyntheticWormSplits, WormConfig
from mmdet_semiconv.evaluation.tables import markdown_table
from mmdet_semiconv.utils.cli import add_dataclass_args, dataclass_from_args

#: The repository this tool belongs to: the configs and tools it runs are read from here.
REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


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


def logged_records(work_dir: str) -> Iterator[dict]:
    """Every record mmengine logged in ``work_dir`` (``<stamp>/vis_data/scalars.json`` of each
    run, resumed ones included), oldest first."""
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                yield json.loads(line)


def val_curve(work_dir: str, metric: str = 'coco/segm_mAP') -> Dict[int, float]:
    """``{iteration: metric}`` of every validation logged in ``work_dir`` (all resumed runs).

    mmengine logs a validation of an iteration-based loop with ``step`` 0, so each one is
    given the iteration of the training record logged before it.
    """
    curve, last_iter = {}, 0
    for rec in logged_records(work_dir):
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
            # the worm configs' two metrics (COCO, instance matching) read the same file
            opts += [f'{split}_dataloader.dataset.data_root={root}'] + [
                f'{split}_evaluator.{i}.ann_file={root}annotations/val.json' for i in (0, 1)]
    return opts


ARM_NAMES = {'maskrcnn': 'Mask R-CNN', 'semiconv': 'Ours (semi-conv)'}
ARMS = tuple(ARM_NAMES)
#: what the table reports per arm: (key in the results, column name)
COLUMNS = (('coco/segm_mAP', 'mask AP'), ('coco/segm_mAP_50', 'AP50'),
           ('coco/segm_mAP_75', 'AP75'), ('coco/bbox_mAP', 'box AP'),
           ('gt_boxes/segm_mAP', 'mask AP on GT boxes'))
#: what says whether the branch learns: training log (first/last logged value) and evaluation
DIAGNOSTICS = (('train_sigma_px_first', 'sigma at first log (px)'),
               ('sigma_px', 'sigma end (px)'),
               ('train_eq5_read_first', 'eq. (5) first (finest level)'),
               ('train_eq5_read_last', 'eq. (5) last (finest level)'), ('logk_own', 'log K own'),
               ('logk_other', 'log K other'), ('logk_background', 'log K background'))
#: training-log diagnostics: first and last logged value
LOGGED = ('sigma_px', 'eq5_p0', 'eq5_p1', 'eq5_p2', 'eq5_p3', 'eq5_p4', 'eq5_p5', 'loss_kernel',
          'loss_mask', 'loss_boundary', 'loss_repulsion', 'logk_offset')
#: eq. (5) levels, finest first: the finest one logged is the one the (small) worm RoIs read
EQ5_LEVELS = ('eq5_p0', 'eq5_p1', 'eq5_p2')


@dataclass
class StagedBenchmark:
    """Where and how the staged benchmark runs (every field is a command-line flag)."""
    work_dir: str = 'work_dirs/benchmark_staged'
    worms: WormConfig = field(default_factory=WormConfig)
    num_train: int = 200
    num_val: int = 50
    stage1_iters: int = 900
    stage1_val_interval: int = 150
    stage2_iters: int = 300
    stage1_config: str = 'configs/mask-rcnn_worms_cpu.py'
    maskrcnn_config: str = 'configs/mask-rcnn_worms_cpu_finetune.py'
    semiconv_config: str = 'configs/semiconv_worms_cpu_finetune.py'

    def seed_dir(self, seed: int) -> str:
        """The runs of ``seed``; refuses one made with other settings (:meth:`settings`)."""
        path = osp.join(self.work_dir, f'seed{seed}')
        record = osp.join(path, 'settings.json')
        made_with, now = read_json(record), self.settings()
        if made_with is None:
            write_json(record, now)
        elif made_with != now:
            changed = '; '.join(f'{k}: {made_with.get(k)!r} there, {now.get(k)!r} now'
                                for k in sorted(set(made_with) | set(now))
                                if made_with.get(k) != now.get(k))
            raise ValueError(f'{record}: the runs of seed {seed} were made with other settings '
                             f'({changed}); give these settings their own --work-dir')
        return path

    def settings(self) -> dict:
        """Everything that decides a seed's data, stage 1 and stage-2 runs (not where they
        live)."""
        out = asdict(self)
        del out['work_dir']
        return out

    def config(self, arm: str) -> str:
        return {'maskrcnn': self.maskrcnn_config, 'semiconv': self.semiconv_config}[arm]

    def data(self, seed: int) -> str:
        """Generate (if missing) and return the data root of ``seed``."""
        root = osp.join(self.seed_dir(seed), 'data')
        SyntheticWormSplits(root=root, num_train=self.num_train, num_val=self.num_val,
                            train_seed=100 + seed, val_seed=200 + seed,
                            config=self.worms).ensure()
        return root

    def stage1(self, seed: int) -> str:
        """Train (or find) the stage-1 Mask R-CNN of ``seed``; returns its checkpoint."""
        iters = self.stage1_iters
        return train(self.stage1_config, osp.join(self.seed_dir(seed), 'stage1'), iters,
                     [f'randomness.seed={seed}',
                      f'param_scheduler.1.end={iters}',
                      f'param_scheduler.1.milestones=[{int(iters * 0.8)}]',
                      *data_options(self.data(seed))],
                     val_interval=self.stage1_val_interval)

    def stage1_curve(self, seed: int) -> Dict[int, float]:
        """Validation segm AP of stage 1 by iteration."""
        return val_curve(osp.join(self.seed_dir(seed), 'stage1'))

    def stage2(self, seed: int, arm: str, recipe: str = 'default',
               options: Sequence[str] = ()) -> dict:
        """Fine-tune ``arm`` from stage 1 and evaluate it; cached in ``stage2_<arm>_<recipe>``.

        Returns:
            dict: COCO metrics, ground-truth-box diagnostics and the training log's first and
            last values of :data:`LOGGED`.
        """
        work = osp.join(self.seed_dir(seed), f'stage2_{arm}_{recipe}')
        done = read_json(osp.join(work, 'results.json'))
        if done is not None:
            if done['options'] != list(options):
                raise ValueError(
                    f'{work} holds recipe {recipe!r} run with {done["options"]}, not '
                    f'{list(options)}: give the new settings a new recipe name')
            return done
        stage1 = self.stage1(seed)
        root = self.data(seed)
        iters = self.stage2_iters
        config = self.config(arm)
        ckpt = train(config, work, iters,
                     [f'load_from={stage1}', f'randomness.seed={seed}',
                      f'param_scheduler.0.end={iters}',
                      f'param_scheduler.0.milestones=[{iters // 2}]',
                      *data_options(root), *options])
        test_opts = [*data_options(root, ['test']), *options]
        metrics_dir = osp.join(work, 'test')
        run_tool('test.py', [config, ckpt, '--work-dir', metrics_dir, '--cfg-options',
                             *test_opts], log=osp.join(work, 'run.log'))
        diag = osp.join(work, 'diagnostics.json')
        run_tool(osp.join('analysis_tools', 'gt_boxes.py'),
                 ['diagnose', config, ckpt, '--out', diag, '--cfg-options', *test_opts],
                 log=osp.join(work, 'run.log'))
        results = dict(_last_metrics(metrics_dir), **read_json(diag), **_logged(work),
                       options=list(options))
        write_json(osp.join(work, 'results.json'), results)
        return results


def _last_metrics(work_dir: str) -> dict:
    """The metrics tools/test.py logged last in ``work_dir`` (``<stamp>/<stamp>.json``)."""
    logs = sorted(glob.glob(osp.join(work_dir, '*', '*.json')))
    with open(logs[-1]) as f:
        return json.loads(f.readlines()[-1])


def _logged(work_dir: str) -> dict:
    """First and last logged value of each :data:`LOGGED` key during training."""
    first, last = {}, {}
    for rec in logged_records(work_dir):
        for key in LOGGED:
            if key in rec:
                first.setdefault(key, rec[key])
                last[key] = rec[key]
    out = {f'train_{k}_{when}': v for when, d in (('first', first), ('last', last))
           for k, v in d.items()}
    read = next((k for k in EQ5_LEVELS if k in first), None)
    if read is not None:
        out.update(train_eq5_read_first=first[read], train_eq5_read_last=last[read])
    return out


def paired_difference(a: Sequence[float], b: Sequence[float]) -> Tuple[float, float, float]:
    """Mean of ``a - b`` over paired seeds and its 95% confidence interval (Student's t)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    mean = float(d.mean())
    if len(d) < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d)))
    return mean, mean - half, mean + half


def report(bench: StagedBenchmark, seeds: Sequence[int], recipe: str, command: str,
           wall_min: float, hardware: str, tuning_seeds: Sequence[int] = (),
           options: Sequence[str] = ()) -> str:
    """The markdown report of finished runs: table, paired differences, per seed, diagnostics.

    ``options`` are the semi-conv recipe's (a cached run of another recipe is refused).
    """
    runs = {arm: [bench.stage2(s, 'semiconv', recipe, options) if arm == 'semiconv'
                  else bench.stage2(s, arm) for s in seeds] for arm in ARMS}
    names = ARM_NAMES
    rows = []
    for arm, res in runs.items():
        rows.append([names[arm]] + [f'{np.mean([r[k] for r in res]):.3f} ± '
                                    f'{np.std([r[k] for r in res], ddof=1):.3f}'
                                    for k, _ in COLUMNS])
    diff_row = ['semi-conv − Mask R-CNN (95% CI)']
    for k, _ in COLUMNS:
        mean, lo, hi = paired_difference([r[k] for r in runs['semiconv']],
                                         [r[k] for r in runs['maskrcnn']])
        diff_row.append(f'{mean:+.3f} [{lo:+.3f}, {hi:+.3f}]')
    table = markdown_table(['method'] + [c for _, c in COLUMNS], rows + [diff_row])
    per_seed = markdown_table(
        ['seed', 'arm'] + [c for _, c in COLUMNS],
        [[s, names[arm]] + [runs[arm][i][k] for k, _ in COLUMNS]
         for i, s in enumerate(seeds) for arm in ARMS])
    diag = markdown_table(['seed'] + [c for _, c in DIAGNOSTICS],
                          [[s] + [r.get(k, math.nan) for k, _ in DIAGNOSTICS]
                           for s, r in zip(seeds, runs['semiconv'])])
    curves = markdown_table(
        ['seed'] + [f'iter {i}' for i in bench.stage1_curve(seeds[0])],
        [[s] + list(bench.stage1_curve(s).values()) for s in seeds])
    tuning = ''.join(
        f'### Tuning seed {t}: every run (settings chosen here, then frozen)\n\n'
        f'{recipes_table(bench, t)}\n\n' for t in tuning_seeds)
    settings = json.dumps(dict(asdict(bench), recipe=recipe,
                               recipe_options=runs['semiconv'][0]['options']), indent=1)
    return (f'Command: `{command}`  \nHardware: {hardware}. Wall time of this invocation: '
            f'{wall_min:.0f} min (cached runs are not re-run).\n\n'
            f'Mean ± std over seeds {list(seeds)}; the difference row is the mean paired '
            f'difference over seeds with its 95% t-interval.\n\n{table}\n\n'
            f'### Per seed\n\n{per_seed}\n\n'
            f'### Semi-conv diagnostics (validation split, ground-truth boxes)\n\n{diag}\n\n'
            f'### Stage 1: validation mask AP by iteration\n\n{curves}\n\n{tuning}'
            f'### Settings\n\n```json\n{settings}\n```\n')


def recipes_table(bench: StagedBenchmark, seed: int) -> str:
    """Every finished run of ``seed`` (a tuning seed), one row per arm and recipe."""
    rows = []
    for path in sorted(glob.glob(osp.join(bench.seed_dir(seed), 'stage2_*', 'results.json'))):
        r = read_json(path)
        name = osp.basename(osp.dirname(path))[len('stage2_'):]
        rows.append([name] + [r[k] for k, _ in COLUMNS]
                    + [r.get(k, math.nan) for k, _ in DIAGNOSTICS]
                    + [' '.join(r['options']) or 'none'])
    return markdown_table(['arm_recipe'] + [c for _, c in COLUMNS + DIAGNOSTICS]
                          + ['--semiconv-options'], rows)


def run_benchmark(bench: StagedBenchmark, seeds: Sequence[int], recipe: str,
                  options: Sequence[str], out: Optional[str], command: str,
                  hardware: str, tuning_seeds: Sequence[int] = ()) -> str:
    """Stage 1 for every seed first (the long part), then both arms, then the report."""
    start = time.time()
    for s in seeds:
        bench.stage1(s)
    for s in seeds:
        bench.stage2(s, 'maskrcnn')
        bench.stage2(s, 'semiconv', recipe, options)
    text = report(bench, seeds, recipe, command, (time.time() - start) / 60, hardware,
                  tuning_seeds, options)
    if out:
        with open(out, 'w') as f:
            f.write('# Staged benchmark on synthetic worms (Table 1 protocol)\n\n' + text)
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--seeds', type=int, nargs='+', required=True)
    parser.add_argument('--recipe', default='default',
                        help='name of the semi-conv settings (its runs are cached under it)')
    parser.add_argument('--semiconv-options', nargs='*', default=[],
                        help='--cfg-options of the semi-conv arm (train, test, diagnostics)')
    parser.add_argument('--stage1-only', action='store_true')
    parser.add_argument('--tuning-seeds', type=int, nargs='*', default=[],
                        help='list every run of these seeds in the report')
    parser.add_argument('--compare-recipes', action='store_true',
                        help='print every finished run of each seed (for tuning seeds)')
    parser.add_argument('--out', help='write the markdown report here')
    parser.add_argument('--hardware', default=f'{platform.machine()} CPU, '
                        f'{torch.get_num_threads()} threads, torch {torch.__version__}')
    add_dataclass_args(parser, StagedBenchmark, skip={'worms'})
    add_dataclass_args(parser, WormConfig)
    args = parser.parse_args()
    bench = dataclass_from_args(StagedBenchmark, args,
                                worms=dataclass_from_args(WormConfig, args))
    if args.compare_recipes:
        for seed in args.seeds:
            print(f'seed {seed}\n{recipes_table(bench, seed)}\n')
        return
    if args.stage1_only:
        for seed in args.seeds:
            bench.stage1(seed)
            print(f'seed {seed} stage-1 validation mask AP: {bench.stage1_curve(seed)}')
        return
    command = 'python .dev_scripts/benchmark_staged.py ' + shlex.join(sys.argv[1:])
    print(run_benchmark(bench, args.seeds, args.recipe, args.semiconv_options, args.out,
                        command, args.hardware, args.tuning_seeds))


if __name__ == '__main__':
    main()
