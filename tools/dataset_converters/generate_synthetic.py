"""Generate the embedded default data sets (COCO format) with a progress bar.

    python tools/dataset_converters/generate_synthetic.py worms [--out data/synthetic_worms]
        [--num-train 200] [--num-val 50] [--train-seed 0] [--val-seed 1] [--width 232] ...
    python tools/dataset_converters/generate_synthetic.py dots [--out data/dot_grid]

Every WormConfig / DotGridConfig field is a flag (mmdet_semiconv/datasets/synthetic.py
documents them and their defaults).
"""
import argparse
import dataclasses

from mmdet_semiconv.datasets import (DotGridConfig, WormConfig, generate_dot_split,
                                     generate_worm_split)


def add_fields(parser, cls):
    for f in dataclasses.fields(cls):
        parser.add_argument('--' + f.name.replace('_', '-'), type=type(f.default),
                            default=f.default)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='kind', required=True)
    worms = sub.add_parser('worms')
    worms.add_argument('--out', default='data/synthetic_worms')
    worms.add_argument('--num-train', type=int, default=200)
    worms.add_argument('--num-val', type=int, default=50)
    worms.add_argument('--train-seed', type=int, default=0)
    worms.add_argument('--val-seed', type=int, default=1)
    add_fields(worms, WormConfig)
    dots = sub.add_parser('dots')
    dots.add_argument('--out', default='data/dot_grid')
    dots.add_argument('--num', type=int, default=1)
    add_fields(dots, DotGridConfig)
    args = parser.parse_args()
    counts = ('num_train', 'num_val') if args.kind == 'worms' else ('num', )
    for name in counts:
        if getattr(args, name) <= 0:
            parser.error(f'--{name.replace("_", "-")} must be > 0, got {getattr(args, name)}')
    try:
        if args.kind == 'worms':
            cfg = WormConfig(**{f.name: getattr(args, f.name)
                                for f in dataclasses.fields(WormConfig)})
        else:
            cfg = DotGridConfig(**{f.name: getattr(args, f.name)
                                   for f in dataclasses.fields(DotGridConfig)})
    except ValueError as e:  # the settings' own check, named by field
        parser.error(str(e))
    if args.kind == 'worms':
        generate_worm_split(args.out, 'train', args.num_train, args.train_seed, cfg)
        generate_worm_split(args.out, 'val', args.num_val, args.val_seed, cfg)
    else:
        generate_dot_split(args.out, 'train', args.num, cfg)


if __name__ == '__main__':
    main()
