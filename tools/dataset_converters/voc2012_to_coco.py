"""PASCAL VOC 2012 instance masks (or SBD's) -> COCO json with RLE masks.

    python tools/dataset_converters/voc2012_to_coco.py data/VOCdevkit/VOC2012 \\
        --splits train val --out-dir data/VOCdevkit/VOC2012/annotations
    # SDS protocol: train masks from SBD
    python tools/dataset_converters/voc2012_to_coco.py data/VOCdevkit/VOC2012 --splits train \\
        --sbd-root data/benchmark_RELEASE --out-dir data/VOCdevkit/VOC2012/annotations

Writes ``<out-dir>/voc12_<split>[_sbd].json`` once every split is converted, the splits as
one whole (a run stopped while writing leaves the old set or the new one, never a new train
beside an old val); never modifies the sources. See mmdet_semiconv/datasets/converters/voc.py
for the
layout and the void handling.
"""
import argparse
import os.path as osp
import sys

from mmdet_semiconv.datasets.coco_io import require_file_targets, write_json_set
from mmdet_semiconv.datasets.converters import ConversionError, convert_voc, require_writable_dir


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('voc_root', help='VOCdevkit/VOC2012')
    parser.add_argument('--splits', nargs='+', default=['train', 'val'])
    parser.add_argument('--sbd-root', help='SBD benchmark_RELEASE: take masks from its inst/')
    parser.add_argument('--out-dir', help='default: <voc_root>/annotations')
    args = parser.parse_args()
    out_dir = args.out_dir or osp.join(args.voc_root, 'annotations')
    cocos = {}
    try:
        require_writable_dir(out_dir)
        names = [f'voc12_{split}{"_sbd" if args.sbd_root else ""}.json' for split in args.splits]
        require_file_targets(out_dir, names)
        for split, name in zip(args.splits, names):
            cocos[name] = convert_voc(args.voc_root, None, split=split, sbd_root=args.sbd_root)
        write_json_set(out_dir, cocos, '.building-voc12')
    except (ConversionError, IsADirectoryError) as e:
        sys.exit(f'error: {e}')
    for name, coco in cocos.items():
        print(f'{osp.join(out_dir, name)}: {len(coco["images"])} images, '
              f'{len(coco["annotations"])} instances')


if __name__ == '__main__':
    main()
