"""Generate the embedded default data sets (COCO format) with a progress bar.

    python tools/dataset_converters/generate_synthetic.py worms [--out data/synthetic_worms]
        [--num-train 200] [--num-val 50] [--train-seed 0] [--val-seed 1] [--width 232] ...
    python tools/dataset_converters/generate_synthetic.py nuclei [--out data/synthetic_nuclei]
        [--num-train 200] [--num-val 50] [--train-seed 0] [--val-seed 1] [--radius 7] ...
    python tools/dataset_converters/generate_synthetic.py dots [--out data/dot_grid]

Every WormConfig / NucleiConfig / DotGridConfig field is a flag
(mmdet_semiconv/datasets/synthetic.py documents them and their defaults).
"""
import argparse

from mmdet_semiconv.datasets import (DotGridConfig, NucleiConfig, WormConfig, generate_dot_split,
                                     generate_split, refuse_foreign_split)
from mmdet_semiconv.utils.cli import add_dataclass_args, dataclass_from_args

#: the random families: subcommand -> (settings, default output folder)
FAMILIES = {'worms': (WormConfig, 'data/synthetic_worms'),
            'nuclei': (NucleiConfig, 'data/synthetic_nuclei')}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='kind', required=True)
    for kind, (cls, out) in FAMILIES.items():
        family = sub.add_parser(kind)
        family.add_argument('--out', default=out)
        family.add_argument('--num-train', type=int, default=200)
        family.add_argument('--num-val', type=int, default=50)
        family.add_argument('--train-seed', type=int, default=0)
        family.add_argument('--val-seed', type=int, default=1)
        add_dataclass_args(family, cls)
    dots = sub.add_parser('dots')
    dots.add_argument('--out', default='data/dot_grid')
    dots.add_argument('--num', type=int, default=1)
    add_dataclass_args(dots, DotGridConfig)
    args = parser.parse_args()
    counts = ('num_train', 'num_val') if args.kind in FAMILIES else ('num', )
    for name in counts:
        if getattr(args, name) <= 0:
            parser.error(f'--{name.replace("_", "-")} must be > 0, got {getattr(args, name)}')
    try:
        cls = FAMILIES[args.kind][0] if args.kind in FAMILIES else DotGridConfig
        cfg = dataclass_from_args(cls, args)
    except ValueError as e:  # the settings' own check, named by field
        parser.error(str(e))
    try:
        if args.kind in FAMILIES:
            # both splits are checked before either is written
            for split in ('train', 'val'):
                refuse_foreign_split(args.out, split)
            generate_split(args.out, 'train', args.num_train, args.train_seed, cfg)
            generate_split(args.out, 'val', args.num_val, args.val_seed, cfg)
        else:
            generate_dot_split(args.out, 'train', args.num, cfg)
    except ValueError as e:  # an output that is not the generator's to replace
        parser.error(str(e))


if __name__ == '__main__':
    main()
