"""The held-out table of docs/benchmark_coloring.md from finished colouring-benchmark runs: one
row per set and metric, a column per arm (mean ± std over seeds), a column per paired
difference to semi-conv colouring (mean [95% t-interval]), then every seed with the commit
that trained it. Reads the cached results.json of each run; trains nothing.

    python .dev_scripts/coloring_heldout_table.py --set worms --seeds 25 26 27 28 29 \\
        --arm-recipes semiconv=se conv=se maskrcnn=lr2x solov2=lr2x
"""
import argparse
import json
import os.path as osp

import numpy as np
from benchmark_staged import paired_difference

from mmdet_semiconv.evaluation.tables import markdown_table

NAMES = {'semiconv': 'semi-conv colouring', 'conv': 'Psi = Phi', 'maskrcnn': 'Mask R-CNN',
         'solov2': 'SOLOv2'}
METRICS = (('coco/segm_mAP', 'mask AP'), ('matching/accuracy@0.50', 'DSB acc@0.5'),
           ('matching/mean_accuracy', 'avAP'), ('crossing/segm_mAP', 'crossing mask AP'),
           ('masks_per_gt', 'masks per GT'))
LOGGED = ('train_sigma_px', 'train_spread_px', 'train_sigma_units', 'train_spread_units')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--set', required=True)
    parser.add_argument('--seeds', type=int, nargs='+', required=True)
    parser.add_argument('--arm-recipes', nargs='+', required=True, metavar='ARM=RECIPE')
    parser.add_argument('--work-dir', default='work_dirs/benchmark_coloring')
    args = parser.parse_args()
    recipes = dict(pair.split('=', 1) for pair in args.arm_recipes)
    runs = {}
    for arm, recipe in recipes.items():
        runs[arm] = []
        for seed in args.seeds:
            path = osp.join(args.work_dir, args.set, f'seed{seed}', f'{arm}_{recipe}',
                            'results.json')
            with open(path) as f:
                runs[arm].append(json.load(f))
    others = [a for a in recipes if a != 'semiconv']
    rows = []
    for key, name in METRICS:
        row = [f'{args.set}, {name}']
        for arm in recipes:
            v = [r[key] for r in runs[arm]]
            row.append(f'{np.mean(v):.3f} ± {np.std(v, ddof=1) if len(v) > 1 else 0:.3f}')
        for arm in others:
            mean, lo, hi = paired_difference([r[key] for r in runs['semiconv']],
                                             [r[key] for r in runs[arm]])
            row.append(f'{mean:+.3f} [{lo:+.3f}, {hi:+.3f}]')
        rows.append(row)
    print(markdown_table(['set, metric'] + [NAMES[a] for a in recipes]
                         + [f'semi-conv − {NAMES[a]}' for a in others], rows))
    print()
    per_seed = []
    for i, seed in enumerate(args.seeds):
        for arm in recipes:
            r = runs[arm][i]
            per_seed.append([seed, NAMES[arm], recipes[arm]] + [r[k] for k, _ in METRICS]
                            + [r.get(k, float('nan')) for k in LOGGED]
                            + [r.get('train_minutes', float('nan')),
                               r['git_commit'][:7] + (' (dirty)' if r['git_dirty'] else '')])
    print(markdown_table(['seed', 'arm', 'recipe'] + [n for _, n in METRICS]
                         + [k[6:] for k in LOGGED] + ['train min', 'commit'], per_seed))


if __name__ == '__main__':
    main()
