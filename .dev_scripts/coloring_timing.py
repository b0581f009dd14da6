"""Inference and training time per image of each arm's trained held-out checkpoint, side by
side in one process on the same batches (mmdet_semiconv.utils.benchmark: the models alternate
batch by batch, torch.utils.benchmark timers), each arm with its own frozen recipe.

    python .dev_scripts/coloring_timing.py --set worms --seed 25 \\
        --arm-recipes semiconv=se conv=se maskrcnn=lr2x solov2=lr2x [--batches 8 --warmup 2]
"""
import argparse
import os.path as osp

import torch

from mmdet_semiconv.evaluation.tables import markdown_table
from mmdet_semiconv.utils.benchmark import (batches, build_model, load_config, point_at_data,
                                            time_models)

NAMES = {'semiconv': 'semi-conv colouring', 'conv': 'Psi = Phi', 'maskrcnn': 'Mask R-CNN',
         'solov2': 'SOLOv2'}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--set', required=True)
    parser.add_argument('--seed', type=int, required=True)
    parser.add_argument('--arm-recipes', nargs='+', required=True, metavar='ARM=RECIPE')
    parser.add_argument('--work-dir', default='work_dirs/benchmark_coloring')
    parser.add_argument('--batches', type=int, default=8)
    parser.add_argument('--warmup', type=int, default=2)
    args = parser.parse_args()
    seed_dir = osp.join(args.work_dir, args.set, f'seed{args.seed}')
    models, data = {}, {}
    for pair in args.arm_recipes:
        arm, recipe = pair.split('=', 1)
        work = osp.join(seed_dir, f'{arm}_{recipe}')
        ckpt = osp.join(work, 'iter_300.pth')
        cfg = load_config(osp.join(work, 'config.py'), checkpoint=ckpt)
        point_at_data(cfg, osp.join(seed_dir, 'data'), 'annotations/val.json')
        models[NAMES[arm]] = build_model(cfg, ckpt, 'cpu')
        if not data:
            data = dict(predict=batches(cfg.test_dataloader, args.batches),
                        train=batches(cfg.train_dataloader, args.batches))
    times = time_models(models, data, args.warmup)
    images = {mode: len(b[0]['inputs']) for mode, b in data.items()}
    ref = NAMES['maskrcnn']
    rows = []
    for name in models:
        row = [name]
        for mode in ('predict', 'train'):
            med = times[mode][name].median * 1e3 / images[mode]
            row += [f'{med:.1f}', f'{med / (times[mode][ref].median * 1e3 / images[mode]):.2f}']
        rows.append(row)
    print(f'{args.set}, seed {args.seed} checkpoints, {args.batches - args.warmup} timed batches '
          f'of {images["predict"]} images after {args.warmup} warm-up, median, '
          f'{torch.get_num_threads()} thread(s)\n')
    print(markdown_table(['model', 'inference ms/img', f'x {ref}', 'train ms/img', f'x {ref}'],
                         rows))


if __name__ == '__main__':
    main()
