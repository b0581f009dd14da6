"""Inference demo through mmdet's DetInferencer on an image (folder), writing visualisations.

    python tools/demo.py data/synthetic_worms/val --config configs/semiconv_worms_cpu.py \\
        --weights work_dirs/semiconv_worms_cpu/iter_300.pth --out-dir outputs/demo
"""
import argparse

import mmdet_semiconv  # noqa: F401
from mmdet.apis import DetInferencer
from mmdet_semiconv.utils.cli import probability


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('inputs', help='an image file or a folder of images')
    parser.add_argument('--config', required=True)
    parser.add_argument('--weights', required=True)
    parser.add_argument('--out-dir', default='outputs/demo')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--pred-score-thr', type=probability, default=0.5)
    args = parser.parse_args()
    inferencer = DetInferencer(model=args.config, weights=args.weights, device=args.device,
                               show_progress=False)
    results = inferencer(args.inputs, out_dir=args.out_dir, no_save_pred=False,
                         pred_score_thr=args.pred_score_thr)
    n = len(results['predictions'])
    print(f'{n} image(s): visualisations in {args.out_dir}/vis, predictions in '
          f'{args.out_dir}/preds')


if __name__ == '__main__':
    main()
