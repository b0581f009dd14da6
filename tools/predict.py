"""Predict instances on images and write them as biology tools read them.

    python tools/predict.py CONFIG CHECKPOINT INPUT --out-dir OUT [--score-thr 0.5]
        [--mask-files] [--device cpu]

INPUT is an image or a folder of images. For each image ``<stem>``: ``OUT/labels/<stem>.png``,
a 16-bit instance label image (instance k = the k-th highest score; where predicted masks
overlap, the higher-scored instance is on top, as a label image holds one instance per
pixel); with ``--mask-files`` also ``OUT/masks/<stem>_<nn>_ground_truth.png`` per instance
(the BBBC010 layout, overlaps kept). ``OUT/instances.csv`` has a row per instance: image,
instance id, class, score, area, box, centroid and skeleton length (pixels). Predictions run
through mmdet's DetInferencer, any mmdet config and checkpoint.
"""
import argparse
import os
import os.path as osp
import sys

from mmdet_semiconv.datasets.converters.label_images import IMAGE_EXTS
from mmdet_semiconv.datasets.instance_export import (instance_rows, write_label_image,
                                                     write_mask_files, write_table)
from mmdet_semiconv.utils.cli import probability


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('input', help='an image or a folder of images')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--score-thr', type=probability, default=0.5,
                        help='instances scored below are not written (default 0.5)')
    parser.add_argument('--mask-files', action='store_true',
                        help='also one PNG per instance, <stem>_<nn>_ground_truth.png')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    if not 0 <= args.score_thr <= 1:
        parser.error(f'--score-thr must be in [0, 1], got {args.score_thr}')
    for path, what in ((args.config, 'config'), (args.checkpoint, 'checkpoint'),
                       (args.input, 'input')):
        if not osp.exists(path):
            parser.error(f'{what} {path} does not exist')
    if osp.isdir(args.input):
        images = [osp.join(args.input, f) for f in sorted(os.listdir(args.input))
                  if osp.splitext(f)[1].lower() in IMAGE_EXTS]
        if not images:
            parser.error(f'{args.input} holds no image ({", ".join(IMAGE_EXTS)})')
    else:
        images = [args.input]

    from mmdet.apis import DetInferencer
    inferencer = DetInferencer(model=args.config, weights=args.checkpoint, device=args.device,
                               scope='mmdet', show_progress=False)
    classes = inferencer.model.dataset_meta.get('classes', ())
    rows = []
    from tqdm import tqdm
    for path in tqdm(images, desc='predict'):
        pred = inferencer(path, return_datasamples=True, no_save_vis=True,
                          no_save_pred=True)['predictions'][0].pred_instances
        keep = pred.scores >= args.score_thr
        order = pred.scores[keep].argsort(descending=True)
        masks = pred.masks[keep][order].cpu().numpy().astype(bool)
        scores = pred.scores[keep][order].tolist()
        names = [classes[i] if i < len(classes) else str(i)
                 for i in pred.labels[keep][order].tolist()]
        stem = osp.splitext(osp.basename(path))[0]
        write_label_image(osp.join(args.out_dir, 'labels', f'{stem}.png'), masks)
        if args.mask_files:
            write_mask_files(osp.join(args.out_dir, 'masks'), stem, masks)
        rows += instance_rows(stem, masks, scores, names)
    write_table(osp.join(args.out_dir, 'instances.csv'), rows)
    print(f'{len(images)} images, {len(rows)} instances -> {args.out_dir}/labels/, '
          f'{args.out_dir}/instances.csv')


if __name__ == '__main__':
    sys.exit(main())
