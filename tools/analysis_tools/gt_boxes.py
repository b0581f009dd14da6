"""Analyses of a trained model on its test split's ground-truth boxes (detection taken out).

    python tools/analysis_tools/gt_boxes.py diagnose CONFIG CHECKPOINT [--out diag.json]
    python tools/analysis_tools/gt_boxes.py ceiling CONFIG CHECKPOINT [--stride 4]
        [--overlap mean|own] [--background zero|nearest] [--sigmas 4 8 16 32 64] [--offsets 0]
        [--out ceiling.json]
    ... [--cfg-options test_dataloader.dataset.data_root=... test_evaluator.0.ann_file=...]

``diagnose``: mask AP on the boxes and, for semi-conv models, sigma and the kernel separation
(log K on the box's own instance / other instances / background;
mmdet_semiconv/evaluation/semiconv_diagnostics.py).
``ceiling``: what a perfect embedding could add: mask AP of s alone, of the model's s_hat, and
of s + log K with the learned and with an oracle Psi over a sigma sweep, plus the learned
embedding's precision in pixels (mmdet_semiconv/evaluation/semiconv_ceiling.py).
"""
import argparse
import json

from mmengine.config import DictAction

from mmdet.apis import init_detector
from mmdet_semiconv.evaluation import (OraclePsi, evaluation_split, gt_box_diagnostics,
                                       semiconv_ceiling)
from mmdet_semiconv.utils.cli import (finite_float, output_file, positive_float, positive_int,
                                      write_json_out)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument('config')
    common.add_argument('checkpoint')
    common.add_argument('--out', type=output_file, help='write the numbers as json here')
    common.add_argument('--device', default='cpu')
    common.add_argument('--cfg-options', nargs='+', action=DictAction)
    analyses = parser.add_subparsers(dest='analysis', required=True)
    analyses.add_parser('diagnose', parents=[common], help='mask AP, sigma, log K separation')
    ceiling = analyses.add_parser('ceiling', parents=[common],
                                  help='mask AP with the learned and an oracle Psi')
    ceiling.add_argument('--stride', type=positive_int, default=4,
                         help='stride of the oracle Phi map in input pixels (4 = P2)')
    ceiling.add_argument('--overlap', choices=('mean', 'own'), default='mean')
    ceiling.add_argument('--background', choices=('zero', 'nearest'), default='zero')
    ceiling.add_argument('--sigmas', type=positive_float, nargs='+',
                         default=[4., 8., 16., 32., 64.],
                         help='kernel bandwidths of the sweep, input pixels')
    ceiling.add_argument('--offsets', type=finite_float, nargs='+', default=[0.],
                         help='global logit offsets added to every variant')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    model = init_detector(args.config, args.checkpoint, device=args.device,
                          cfg_options=args.cfg_options)
    split = evaluation_split(model)
    if args.analysis == 'diagnose':
        out = gt_box_diagnostics(model, *split)
    else:
        branch = getattr(model.roi_head, 'semiconv_branch', None)
        oracle = OraclePsi(args.stride, args.overlap, args.background,
                           branch.coord_scale if branch is not None else 64.)
        out = semiconv_ceiling(model, *split, oracle, args.sigmas, args.offsets)
    text = json.dumps(out, indent=1)
    print(text)
    if args.out:
        write_json_out(args.out, text)


if __name__ == '__main__':
    main()
