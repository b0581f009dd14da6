"""Diagnostics of a trained model on its test split's ground-truth boxes: mask AP with detection
taken out and, for semi-conv models, sigma and the kernel separation (log K on the box's own
instance / other instances / background).

    python tools/analysis_tools/diagnose.py CONFIG CHECKPOINT [--out diag.json]
        [--cfg-options test_dataloader.dataset.data_root=... test_evaluator.0.ann_file=...]
"""
import argparse
import json

from mmengine.config import DictAction

from mmdet.apis import init_detector
from mmdet_semiconv.evaluation import evaluation_split, gt_box_diagnostics
from mmdet_semiconv.utils.cli import output_file, write_json_out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', type=output_file, help='write the numbers as json here')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    model = init_detector(args.config, args.checkpoint, device=args.device,
                          cfg_options=args.cfg_options)
    out = gt_box_diagnostics(model, *evaluation_split(model))
    text = json.dumps(out, indent=1)
    print(text)
    if args.out:
        write_json_out(args.out, text)


if __name__ == '__main__':
    main()
