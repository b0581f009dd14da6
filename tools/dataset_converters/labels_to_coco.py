"""Own annotations -> COCO json: instance label images or per-instance mask files.

    python tools/dataset_converters/labels_to_coco.py IMAGES_DIR --labels LABELS_DIR \\
        --out-dir data/my_cells [--split train] [--category nucleus]
    python tools/dataset_converters/labels_to_coco.py IMAGES_DIR --masks MASKS_DIR ...

Label images share their image's stem (``a.tif`` -> ``a.png``/``a.tif``); mask files are
named ``<image stem>_<anything>.png``, one instance each (overlaps kept). Run once per split;
mmdet_semiconv/datasets/converters/label_images.py documents the rules.
"""
import argparse
import sys

from mmdet_semiconv.datasets.converters import ConversionError, convert_label_images


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('images')
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--labels', help='folder of instance label images')
    source.add_argument('--masks', help='folder of per-instance mask files')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--split', default='train')
    parser.add_argument('--category', default='object', help='the one class name')
    args = parser.parse_args()
    try:
        coco = convert_label_images(args.images, args.out_dir, args.labels, args.masks,
                                    args.split, args.category)
    except ConversionError as e:
        sys.exit(f'error: {e}')
    print(f'{args.split}: {len(coco["images"])} images, {len(coco["annotations"])} instances '
          f'-> {args.out_dir}/annotations/{args.split}.json')


if __name__ == '__main__':
    main()
