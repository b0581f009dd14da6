"""What a perfect embedding could add: mask AP on a split's ground-truth boxes of s alone, of the
model's s_hat, and of s + log K with the learned and with an oracle Psi over a sigma sweep, plus
the learned embedding's precision in pixels (mmdet_semiconv/evaluation/semiconv_ceiling.py).

    python tools/analysis_tools/ceiling.py CONFIG CHECKPOINT [--stride 4] [--overlap mean|own]
        [--background zero|nearest] [--sigmas 4 8 16 32 64] [--offsets 0] [--out ceiling.json]
        [--cfg-options test_dataloader.dataset.data_root=... test_evaluator.0.ann_file=...]
"""
import argparse
import json

from mmengine.config import DictAction

from mmdet.apis import init_detector
from mmdet_semiconv.evaluation import OraclePsi, evaluation_split, semiconv_ceiling
from mmdet_semiconv.utils.cli import (finite_float, output_file, positive_float, positive_int,
                                      write_json_out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--stride', type=positive_int, default=4,
                        help='stride of the oracle Phi map in input pixels (4 = P2)')
    parser.add_argument('--overlap', choices=('mean', 'own'), default='mean')
    parser.add_argument('--background', choices=('zero', 'nearest'), default='zero')
    parser.add_argument('--sigmas', type=positive_float, nargs='+',
                        default=[4., 8., 16., 32., 64.],
                        help='kernel bandwidths of the sweep, input pixels')
    parser.add_argument('--offsets', type=finite_float, nargs='+', default=[0.],
                        help='global logit offsets added to every variant')
    parser.add_argument('--out', type=output_file, help='write the numbers as json here')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    model = init_detector(args.config, args.checkpoint, device=args.device,
                          cfg_options=args.cfg_options)
    branch = getattr(model.roi_head, 'semiconv_branch', None)
    oracle = OraclePsi(args.stride, args.overlap, args.background,
                       branch.coord_scale if branch is not None else 64.)
    out = semiconv_ceiling(model, *evaluation_split(model), oracle, args.sigmas, args.offsets)
    text = json.dumps(out, indent=1)
    print(text)
    if args.out:
        write_json_out(args.out, text)


if __name__ == '__main__':
    main()
