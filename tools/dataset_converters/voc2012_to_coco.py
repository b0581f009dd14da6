"""PASCAL VOC 2012 instance masks (or SBD's) -> COCO json with RLE masks.

    python tools/dataset_converters/voc2012_to_coco.py data/VOCdevkit/VOC2012 \\
        --splits train val --out-dir data/VOCdevkit/VOC2012/annotations
    # SDS protocol: train masks from SBD
    python tools/dataset_converters/voc2012_to_coco.py data/VOCdevkit/VOC2012 --splits train \\
        --sbd-root data/benchmark_RELEASE --out-dir data/VOCdevkit/VOC2012/annotations

Writes ``<out-dir>/voc12_<split>[_sbd].json`` once every split is converted (each file
atomically); never modifies the sources. See mmdet_semiconv/datasets/converters/voc.py for the
layout and the void handling.
"""
import argparse
import os.path as osp
import sys

from mmdet_semiconv.datasets.coco_io import atomic_write_json
from mmdet_semiconv.datasets.converters import (ConversionError, convert_voc,
                                                require_writable_dir)


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
        for split in args.splits:
            out = osp.join(out_dir, f'voc12_{split}{"_sbd" if args.sbd_root else ""}.json')
            cocos[out] = convert_voc(args.voc_root, None, split=split, sbd_root=args.sbd_root)
    except ConversionError as e:
        sys.exit(f'error: {e}')
    for out, coco in cocos.items():
        atomic_write_json(out, coco)
        print(f'{out}: {len(coco["images"])} images, {len(coco["annotations"])} instances')


if __name__ == '__main__':
    main()
