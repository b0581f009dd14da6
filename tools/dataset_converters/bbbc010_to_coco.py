"""BBBC010 (C. elegans) -> COCO json, one class, overlapping worm masks kept.

    python tools/dataset_converters/bbbc010_to_coco.py data/BBBC010 --out-dir data/bbbc010_coco \\
        [--image-type binary|brightfield] [--train-wells wells.txt]
        [--foreground provided|union] [--min-foreground-iou 0.95]

``data/BBBC010`` holds the unzipped BBBC010_v2_images, BBBC010_v1_foreground and
BBBC010_v1_foreground_eachworm. Default split: wells A01-C02 train, C03-E04 test; a
``--train-wells`` file lists one train well per line (every other well is test).
"""
import argparse
import sys
from typing import List

from mmdet_semiconv.datasets.converters import ConversionError, convert_bbbc010
from mmdet_semiconv.utils.cli import finite_float


def well_list(path: str) -> List[str]:
    """The wells of a ``--train-wells`` file, one per line."""
    try:
        with open(path) as f:
            wells = [w.strip() for w in f if w.strip()]
    except OSError as e:
        raise argparse.ArgumentTypeError(f'cannot read {path} ({e.strerror}): give a text file '
                                         'with one train well (e.g. A01) per line')
    if not wells:
        raise argparse.ArgumentTypeError(f'{path} lists no well: give one train well per line')
    return wells


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--image-type', choices=['binary', 'brightfield'], default='binary')
    parser.add_argument('--train-wells', type=well_list,
                        help='file with one train well per line')
    parser.add_argument('--foreground', choices=['provided', 'union'], default='provided',
                        help='binary input: <well>_binary.png or the union of the worm masks')
    parser.add_argument('--min-foreground-iou', type=finite_float, default=0.95,
                        help='warn for wells whose foreground disagrees with their masks')
    args = parser.parse_args()
    try:
        cocos = convert_bbbc010(args.root, args.out_dir, args.image_type, args.train_wells,
                                foreground=args.foreground,
                                min_foreground_iou=args.min_foreground_iou)
    except ConversionError as e:
        sys.exit(f'error: {e}')
    for split, coco in cocos.items():
        ious = [im['foreground_iou'] for im in coco['images']]
        print(f'{split}: {len(coco["images"])} images, {len(coco["annotations"])} worms, '
              f'foreground IoU with the masks min {min(ious):.3f} / mean '
              f'{sum(ious) / len(ious):.3f}')


if __name__ == '__main__':
    main()
