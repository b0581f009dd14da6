"""Psi spread per instance against its sigma and its length, for trained colouring models.

    python tools/analysis_tools/coloring_spread.py --model NAME CONFIG CHECKPOINT \\
        [--model NAME2 CONFIG2 CHECKPOINT2 ...] --out-dir DIR [--num-batches 4]

Writes DIR/spread.png and DIR/spread.csv (one row per model and GT instance of the configs'
test split) and prints the medians per model (mmdet_semiconv.evaluation.coloring_spread).
"""
import argparse
import csv
import os
import os.path as osp

import numpy as np

import mmdet_semiconv  # noqa: F401  (registers the models)
from mmdet_semiconv.evaluation.coloring_spread import draw_spreads, instance_spreads_of
from mmdet_semiconv.utils.benchmark import batches, build_model, load_config
from mmdet_semiconv.utils.cli import positive_int


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--model', nargs=3, action='append', required=True,
                        metavar=('NAME', 'CONFIG', 'CHECKPOINT'))
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--num-batches', type=positive_int, default=4)
    args = parser.parse_args()
    models = {}
    for name, config, ckpt in args.model:
        cfg = load_config(config, checkpoint=ckpt)
        model = build_model(cfg, ckpt, 'cpu')
        models[name] = [row for batch in batches(cfg.test_dataloader, args.num_batches)
                        for row in instance_spreads_of(model, batch)]
    os.makedirs(args.out_dir, exist_ok=True)
    draw_spreads(osp.join(args.out_dir, 'spread.png'), models)
    with open(osp.join(args.out_dir, 'spread.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['model', 'length_px', 'reach_px', 'spread', 'sigma', 'unit'])
        for name, rows in models.items():
            writer.writerows([name, r['length_px'], r['reach_px'], r['spread'], r['sigma'],
                              r['unit']] for r in rows)
    for name, rows in models.items():
        med = {k: float(np.median([r[k] for r in rows])) for k in
               ('length_px', 'reach_px', 'spread', 'sigma')}
        print(f'{name}: {len(rows)} instances, median length {med["length_px"]:.1f} px, '
              f'reach {med["reach_px"]:.1f} px, Psi spread {med["spread"]:.2f} '
              f'{rows[0]["unit"] if rows else ""}, sigma {med["sigma"]:.2f}')


if __name__ == '__main__':
    main()
