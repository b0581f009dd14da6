"""The staged benchmark on synthetic worms (Table 1 protocol), paired over seeds.

    python tools/analysis_tools/benchmark_staged.py --seeds 10 11 12 13 14 \\
        [--recipe NAME --semiconv-options key=value ...] [--stage1-iters 900] \\
        [--stage2-iters 300] [--work-dir work_dirs/benchmark_staged] [--out docs/...md] \\
        [--stage1-only] [--width 232 --height 174 ... every WormConfig field]

Stage 1 (plain Mask R-CNN, validated along the way) for every seed, then both stage-2 arms,
then the report: per-arm AP, AP50, AP75, box AP and mask AP on ground-truth boxes, the paired
difference with its 95% interval, per-seed numbers, the branch's diagnostics and the stage-1
curves (mmdet_semiconv/experiments/staged_benchmark.py says how). Every run is cached under
--work-dir; stop it any time and run the same command again to continue.

Choose settings on tuning seeds (300+), never on the reported ones.
"""
import argparse
import dataclasses
import platform
import shlex
import sys

import torch

from mmdet_semiconv.datasets import WormConfig
from mmdet_semiconv.experiments.staged_benchmark import (StagedBenchmark, recipes_table,
                                                         run_benchmark)


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
    for cls in (StagedBenchmark, WormConfig):
        for f in dataclasses.fields(cls):
            if f.name != 'worms':
                parser.add_argument('--' + f.name.replace('_', '-'), type=type(f.default),
                                    default=f.default)
    args = parser.parse_args()
    worms = WormConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(WormConfig)})
    bench = StagedBenchmark(worms=worms, **{f.name: getattr(args, f.name)
                                            for f in dataclasses.fields(StagedBenchmark)
                                            if f.name != 'worms'})
    if args.compare_recipes:
        for seed in args.seeds:
            print(f'seed {seed}\n{recipes_table(bench, seed)}\n')
        return
    if args.stage1_only:
        for seed in args.seeds:
            bench.stage1(seed)
            print(f'seed {seed} stage-1 validation mask AP: {bench.stage1_curve(seed)}')
        return
    command = 'python tools/analysis_tools/benchmark_staged.py ' + shlex.join(sys.argv[1:])
    print(run_benchmark(bench, args.seeds, args.recipe, args.semiconv_options, args.out,
                        command, args.hardware, args.tuning_seeds))


if __name__ == '__main__':
    main()
