"""The colouring benchmark: box-free semi-conv colouring, its convolutional ablation, Mask R-CNN
and SOLOv2, trained the same way from scratch, paired over seeds, on two generated sets.

    python .dev_scripts/benchmark_coloring.py --sets nuclei worms --seeds 300 301 \\
        [--arms semiconv conv maskrcnn solov2] [--recipe NAME --options key=value ...] \\
        [--work-dir work_dirs/benchmark_coloring] [--out docs/...md] [--report-only]

For each set and seed s: a train split (generator seed ``100 + s``) and a validation split
(``200 + s``), then each arm trained from scratch for the config's 300 iterations
(``randomness.seed = s``) with tools/train.py and evaluated with tools/test.py (COCO segm
metrics). Every run is cached under ``--work-dir/<set>/seed<s>/<arm>_<recipe>`` with its
options; run the same command again to continue. A recipe is a named list of
``--cfg-options`` for the colouring arms (semiconv and conv), so that tuning runs sit beside
each other; other arms always run their config as committed.

Protocol (issue 24): choose recipes on tuning seeds 300 and 301 only, freeze the chosen one in
a commit, then report on seeds 20-24, never run before the freeze.

Run it with one torch thread per process (``OMP_NUM_THREADS=1``); two processes with
disjoint ``--arms`` or ``--sets`` share a 2-core machine.
"""
import argparse
import glob
import math
import os
import os.path as osp
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
# run as a script, its own folder is on sys.path: the staged benchmark's bookkeeping is shared
from benchmark_staged import (_last_metrics, logged_records, paired_difference, read_json, run_tool,
                              train, write_json)

from mmdet_semiconv.datasets import NucleiConfig, SyntheticWormSplits, WormConfig
from mmdet_semiconv.evaluation.tables import markdown_table

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

#: set -> (generator settings, config of each arm)
SETS = {
    'nuclei': (NucleiConfig, {
        'semiconv': 'configs/semiconv-coloring_nuclei_cpu.py',
        'conv': 'configs/conv-coloring_nuclei_cpu.py',
        'maskrcnn': 'configs/mask-rcnn_nuclei_cpu.py',
        'solov2': 'configs/solov2_nuclei_cpu.py',
    }),
    'worms': (WormConfig, {
        'semiconv': 'configs/semiconv-coloring_worms_cpu.py',
        'conv': 'configs/conv-coloring_worms_cpu.py',
        'maskrcnn': 'configs/mask-rcnn_worms_cpu.py',
        'solov2': 'configs/solov2_worms_cpu.py',
    }),
}
ARM_NAMES = {'semiconv': 'semi-conv colouring', 'conv': 'conv. colouring (Psi = Phi)',
             'maskrcnn': 'Mask R-CNN', 'solov2': 'SOLOv2'}
#: the arms a recipe applies to
COLORING = ('semiconv', 'conv')
COLUMNS = (('coco/segm_mAP', 'mask AP'), ('coco/segm_mAP_50', 'AP50'),
           ('coco/segm_mAP_75', 'AP75'), ('matching/accuracy@0.50', 'DSB acc@0.5'),
           ('matching/f1@0.50', 'F1@0.5'), ('matching/mean_accuracy', 'avAP'),
           ('crossing/segm_mAP', 'crossing mask AP'), ('masks_per_gt', 'masks per GT'))
#: logged by SemiConvColoringHead during training: last value
LOGGED = ('sigma_px', 'sigma_units', 'spread_px', 'spread_units', 'logk_own', 'logk_other',
          'loss_embedding', 'loss_kernel', 'loss_fg', 'loss_seed', 'loss_sigma')
#: the committed CPU schedule's length (configs/_base_/schedules/schedule_cpu_300it.py)
ITERS = 300


@dataclass
class ColoringBenchmark:
    work_dir: str = 'work_dirs/benchmark_coloring'
    num_train: int = 200
    num_val: int = 50
    iters: int = ITERS

    def schedule(self) -> List[str]:
        """--cfg-options of a schedule of ``iters`` iterations with the committed one's shape
        (warm-up, lr x0.1 at 80%); none for the committed length."""
        if self.iters == ITERS:
            return []
        return [f'param_scheduler.1.end={self.iters}',
                f'param_scheduler.1.milestones=[{int(self.iters * 0.8)}]']

    def work(self, dataset: str, seed: int, arm: str, recipe: str) -> str:
        """The run directory of an arm trained with a recipe."""
        return osp.join(self.work_dir, dataset, f'seed{seed}', f'{arm}_{recipe}')

    def result(self, dataset: str, seed: int, arm: str, recipe: str) -> dict:
        """The cached results of a finished run (no training; for reports)."""
        work = self.work(dataset, seed, arm, recipe)
        done = read_json(osp.join(work, 'results.json'))
        if done is None:
            raise FileNotFoundError(f'{work} has no results.json: run it first')
        return done

    def data(self, dataset: str, seed: int) -> str:
        root = osp.join(self.work_dir, dataset, f'seed{seed}', 'data')
        SyntheticWormSplits(root=root, num_train=self.num_train, num_val=self.num_val,
                            train_seed=100 + seed, val_seed=200 + seed,
                            config=SETS[dataset][0]()).ensure()
        return root

    def run(self, dataset: str, seed: int, arm: str, recipe: str = 'default',
            options: Sequence[str] = ()) -> dict:
        """Train and test one arm (cached); returns its metrics and training diagnostics."""
        options = [*self.schedule(), *options]
        work = self.work(dataset, seed, arm, recipe)
        done = read_json(osp.join(work, 'results.json'))
        if done is not None:
            if done['options'] != list(options):
                raise ValueError(f'{work} holds recipe {recipe!r} run with {done["options"]}, '
                                 f'not {list(options)}: give the new settings a new name')
            return done
        config = run_config(work, SETS[dataset][1][arm], self.data(dataset, seed))
        code = code_version()
        start = time.time()
        ckpt = train(config, work, self.iters, [f'randomness.seed={seed}', *options])
        train_min = (time.time() - start) / 60
        metrics_dir = osp.join(work, 'test')
        test_opts = ['--cfg-options', *options] if options else []
        run_tool('test.py', [config, ckpt, '--work-dir', metrics_dir, *test_opts],
                 log=osp.join(work, 'run.log'))
        metrics = _last_metrics(metrics_dir)
        # predictions per ground-truth instance (over-split > 1 > under-merged)
        tp, fp, fn = (metrics[f'matching/{k}@0.50'] for k in ('tp', 'fp', 'fn'))
        results = dict(metrics, masks_per_gt=(tp + fp) / max(tp + fn, 1),
                       **_last_logged(work), train_minutes=train_min, options=list(options),
                       **code)
        write_json(osp.join(work, 'results.json'), results)
        return results


def code_version() -> dict:
    """The git commit of the code a run executes, and whether that code had uncommitted
    changes (``git_dirty``: any tracked change under the package, configs, tools or
    .dev_scripts), recorded in every run's results.json."""
    def git(*args: str) -> str:
        return subprocess.run(['git', *args], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
    dirty = git('status', '--porcelain', '--untracked-files=no', '--', 'mmdet_semiconv',
                'configs', 'tools', '.dev_scripts')
    return dict(git_commit=git('rev-parse', 'HEAD'), git_dirty=bool(dirty))


def recipes_table(bench: ColoringBenchmark, dataset: str, seeds: Sequence[int]) -> str:
    """Every finished run of ``seeds`` (tuning seeds), a row per arm and recipe, with the mean
    mask AP of each arm_recipe over the seeds that have it."""
    runs: Dict[str, Dict[int, dict]] = {}
    for seed in seeds:
        for path in sorted(glob.glob(osp.join(bench.work_dir, dataset, f'seed{seed}', '*',
                                              'results.json'))):
            runs.setdefault(osp.basename(osp.dirname(path)), {})[seed] = read_json(path)
    rows = []
    for name, by_seed in runs.items():
        mean = np.mean([r['coco/segm_mAP'] for r in by_seed.values()])
        for seed, r in by_seed.items():
            rows.append([name, seed] + [r.get(k, math.nan) for k, _ in COLUMNS]
                        + [f'{mean:.3f} ({len(by_seed)} seeds)',
                           ' '.join(r['options']) or 'none'])
    return markdown_table(['arm_recipe', 'seed'] + [c for _, c in COLUMNS]
                          + ['mean mask AP', 'options'], rows)


def run_config(work_dir: str, config: str, data_root: str) -> str:
    """Write ``<work_dir>/config.py``: ``config`` on ``data_root``, evaluated by COCO segm AP,
    the instance matching scores (InstanceMatchingMetric) and the COCO segm AP of the
    crossing instances (CrossingCocoMetric) alike for every arm."""
    text = f'''_base_ = {osp.join(REPO, config)!r}
data_root = {osp.abspath(data_root) + '/'!r}
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='CocoMetric', ann_file=data_root + 'annotations/val.json', metric='segm'),
    dict(type='InstanceMatchingMetric', ann_file=data_root + 'annotations/val.json'),
    dict(type='CrossingCocoMetric', ann_file=data_root + 'annotations/val.json')]
test_evaluator = val_evaluator
'''
    path = osp.join(work_dir, 'config.py')
    os.makedirs(work_dir, exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)
    return path


def timing(bench: ColoringBenchmark, dataset: str, seed: int, arms: Sequence[str],
           recipe: str, num_batches: int, warmup: int) -> str:
    """Inference ms/img and training ms/img of the trained arms of one seed, side by side in
    one process (torch.utils.benchmark; branch_overhead.py's alternating order and timer),
    each arm with its own checkpoint on the same batches of the seed's data."""
    from mmdet_semiconv.utils.benchmark import (batches, build_model, load_config, point_at_data,
                                                time_models)
    root = bench.data(dataset, seed)
    models, data = {}, {}
    for arm in arms:
        # the run's own config.py, which training re-wrote with its --cfg-options merged
        work = bench.work(dataset, seed, arm, recipe)
        ckpt = osp.join(work, f'iter_{bench.iters}.pth')
        cfg = load_config(osp.join(work, 'config.py'), checkpoint=ckpt)
        point_at_data(cfg, root, 'annotations/val.json')
        models[ARM_NAMES[arm]] = build_model(cfg, ckpt, 'cpu')
        if not data:  # the same batches for every arm (the pipelines are the same)
            data = dict(predict=batches(cfg.test_dataloader, num_batches),
                        train=batches(cfg.train_dataloader, num_batches))
    times = time_models(models, data, warmup)
    images = {mode: len(b[0]['inputs']) for mode, b in data.items()}
    ref = ARM_NAMES['maskrcnn'] if 'maskrcnn' in arms else next(iter(models))
    rows = []
    for name in models:
        row = [name]
        for mode in ('predict', 'train'):
            med = times[mode][name].median * 1e3 / images[mode]
            ratio = med / (times[mode][ref].median * 1e3 / images[mode])
            row += [f'{med:.1f}', f'{ratio:.2f}']
        rows.append(row)
    return (f'### Speed on {dataset}, seed {seed} checkpoints ({num_batches - warmup} timed '
            f'batches of {images["predict"]} images after {warmup} warm-up, median)\n\n'
            + markdown_table(['model', 'inference ms/img', f'x {ref}', 'train ms/img',
                              f'x {ref}'], rows) + '\n')


def pictures(bench: ColoringBenchmark, dataset: str, seed: int, arms: Sequence[str],
             recipe: str, out_dir: str, num: int = 2) -> List[str]:
    """Masks, seed map and Psi colours of the first ``num`` validation images of ``seed`` for
    each trained colouring arm; returns the PNG paths."""
    from mmdet_semiconv.utils.benchmark import batches, build_model, load_config, point_at_data
    from mmdet_semiconv.visualization import draw_coloring_predictions
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for arm in arms:
        if arm not in COLORING:
            continue
        work = bench.work(dataset, seed, arm, recipe)
        ckpt = osp.join(work, f'iter_{bench.iters}.pth')
        cfg = load_config(osp.join(work, 'config.py'), checkpoint=ckpt)
        point_at_data(cfg, bench.data(dataset, seed), 'annotations/val.json')
        cfg.test_dataloader.batch_size = num
        out = [osp.join(out_dir, f'{dataset}_seed{seed}_{arm}_{recipe}_{i}.png')
               for i in range(num)]
        draw_coloring_predictions(build_model(cfg, ckpt, 'cpu'),
                                  batches(cfg.test_dataloader, 1)[0], out,
                                  f'{ARM_NAMES[arm]}, {dataset}, seed {seed}')
        paths += out
    return paths


def _last_logged(work_dir: str) -> dict:
    """Last logged training value of each :data:`LOGGED` key."""
    last = {}
    for rec in logged_records(work_dir):
        last.update({f'train_{k}': rec[k] for k in LOGGED if k in rec})
    return last


def report(bench: ColoringBenchmark, dataset: str, seeds: Sequence[int], arms: Sequence[str],
           recipe: str, options: Sequence[str],
           arm_recipes: Optional[Dict[str, str]] = None) -> str:
    """Markdown: mean ± std per arm, paired differences to semi-conv colouring, per seed
    (with the git commit that trained it), and the colouring arms' kernel diagnostics.
    ``arm_recipes`` reports each arm's finished runs of its own recipe instead."""
    if arm_recipes:
        runs: Dict[str, List[dict]] = {
            arm: [bench.result(dataset, s, arm, arm_recipes[arm]) for s in seeds]
            for arm in arms}
    else:
        runs = {arm: [bench.run(dataset, s, arm, recipe, options) for s in seeds]
                for arm in arms}

    def mean_std(values: List[float]) -> str:
        return (f'{np.mean(values):.3f} ± '
                f'{np.std(values, ddof=1) if len(values) > 1 else 0:.3f}')

    rows = [[ARM_NAMES[arm]] + [mean_std([r.get(k, math.nan) for r in res])
                                for k, _ in COLUMNS] for arm, res in runs.items()]
    if 'semiconv' in runs:
        for arm in arms:
            if arm == 'semiconv':
                continue
            row = [f'semi-conv − {ARM_NAMES[arm]} (95% CI)']
            for k, _ in COLUMNS:
                mean, lo, hi = paired_difference([r.get(k, math.nan) for r in runs['semiconv']],
                                                 [r.get(k, math.nan) for r in runs[arm]])
                row.append(f'{mean:+.3f} [{lo:+.3f}, {hi:+.3f}]')
            rows.append(row)
    table = markdown_table(['method'] + [c for _, c in COLUMNS], rows)

    def commit(r: dict) -> str:
        sha = r.get('git_commit', 'unrecorded')[:7]
        return sha + (' (dirty)' if r.get('git_dirty') else '')

    per_seed = markdown_table(
        ['seed', 'arm'] + [c for _, c in COLUMNS] + ['train min', 'commit'],
        [[s, ARM_NAMES[arm]] + [runs[arm][i].get(k, math.nan) for k, _ in COLUMNS]
         + [runs[arm][i].get('train_minutes', math.nan), commit(runs[arm][i])]
         for i, s in enumerate(seeds) for arm in arms])
    diag = markdown_table(
        ['seed', 'arm'] + [f'{k} (last)' for k in LOGGED],
        [[s, ARM_NAMES[arm]] + [runs[arm][i].get(f'train_{k}', math.nan) for k in LOGGED]
         for i, s in enumerate(seeds) for arm in arms if arm in COLORING])
    return (f'### {dataset}\n\nMean ± std over seeds {list(seeds)}; a difference row is the '
            f'mean paired difference over seeds with its 95% t-interval.\n\n{table}\n\n'
            f'Per seed:\n\n{per_seed}\n\nColouring diagnostics (training log, last value; '
            f'log K: mean over own-instance cells and over the cells of the other instances '
            f'of the image):\n\n{diag}\n')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--sets', nargs='+', choices=sorted(SETS), default=['nuclei'])
    parser.add_argument('--seeds', type=int, nargs='+', required=True)
    parser.add_argument('--arms', nargs='+', choices=list(ARM_NAMES), default=list(ARM_NAMES))
    parser.add_argument('--recipe', default='default',
                        help='name of the colouring settings (its runs are cached under it)')
    parser.add_argument('--options', nargs='*', default=[],
                        help='--cfg-options of the colouring arms (train and test)')
    parser.add_argument('--arm-recipes', nargs='+', metavar='ARM=RECIPE',
                        help='with --report-only: report each arm\'s finished runs of its own '
                        '(frozen) recipe')
    parser.add_argument('--work-dir', default=ColoringBenchmark.work_dir)
    parser.add_argument('--iters', type=int, default=ITERS,
                        help='training iterations (the committed schedule stretched; give '
                        'the runs a recipe name of their own)')
    parser.add_argument('--out', help='write the markdown report here')
    parser.add_argument('--report-only', action='store_true',
                        help='report finished runs; train nothing')
    parser.add_argument('--compare-recipes', action='store_true',
                        help='print every finished run of --seeds (tuning seeds) and stop')
    parser.add_argument('--timing', type=int, metavar='SEED',
                        help="time the trained arms of this seed side by side (after training)")
    parser.add_argument('--pictures', type=int, metavar='SEED',
                        help='draw the colouring arms of this seed into --pictures-dir')
    parser.add_argument('--pictures-dir', default='docs/coloring')
    parser.add_argument('--timing-batches', type=int, default=12)
    parser.add_argument('--timing-warmup', type=int, default=2)
    args = parser.parse_args()
    if args.timing_batches <= args.timing_warmup:
        parser.error('--timing-batches must be above --timing-warmup')
    if args.iters < 1:
        parser.error(f'--iters must be >= 1, got {args.iters}')
    bench = ColoringBenchmark(work_dir=args.work_dir, iters=args.iters)
    if args.compare_recipes:
        for d in args.sets:
            print(f'### {d}: every run of seeds {args.seeds}\n\n'
                  f'{recipes_table(bench, d, args.seeds)}\n')
        return
    start = time.time()
    if not args.report_only:
        for dataset in args.sets:
            for seed in args.seeds:
                for arm in args.arms:
                    bench.run(dataset, seed, arm, args.recipe, args.options)
    arm_recipes = dict(pair.split('=', 1) for pair in args.arm_recipes or [])
    if arm_recipes and not args.report_only:
        parser.error('--arm-recipes reports finished runs: give --report-only')
    if arm_recipes and not set(args.arms) <= set(arm_recipes):
        parser.error(f'--arm-recipes names no recipe for {set(args.arms) - set(arm_recipes)}')
    text = ''.join(report(bench, d, args.seeds, args.arms, args.recipe, args.options,
                          arm_recipes) + '\n' for d in args.sets)
    if args.pictures is not None:
        for d in args.sets:
            drawn = pictures(bench, d, args.pictures, args.arms, args.recipe, args.pictures_dir)
            rel = osp.dirname(args.out or '.')
            text += ''.join(f'![{osp.basename(p)}]({osp.relpath(p, rel)})\n'
                            for p in drawn) + '\n'
    if args.timing is not None:
        text += ''.join(timing(bench, d, args.timing, args.arms, args.recipe,
                               args.timing_batches, args.timing_warmup) + '\n'
                        for d in args.sets)
    command = 'python .dev_scripts/benchmark_coloring.py ' + shlex.join(sys.argv[1:])
    header = (f'Command: `{command}`  \nHardware: {platform.machine()} CPU '
              f'({platform.processor() or "unknown"}), torch {torch.__version__}, '
              f'{torch.get_num_threads()} thread(s). Wall time of this invocation: '
              f'{(time.time() - start) / 60:.0f} min (cached runs are not re-run).\n\n')
    print(header + text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(header + text)


if __name__ == '__main__':
    main()
