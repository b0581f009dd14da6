"""SemiConv Mask R-CNN against the plain Mask R-CNN it extends, measured side by side in one run.

    python tools/analysis_tools/benchmark.py configs/semiconv_worms_cpu.py \\
        --baseline configs/mask-rcnn_worms_cpu.py [--checkpoint A.pth --baseline-checkpoint B.pth]
        [--data-root data/synthetic_worms/ --ann-file annotations/val.json --scale 1333 800]
        [--max-iter 10] [--warmup 2] [--device cpu]

The two models get the same batches and their steps alternate batch by batch. Reported per
model: parameters, FLOPs of one image in ``tensor`` mode, inference (``predict`` mode) and one
training step (forward + backward) in ms per image as min / median of the timed batches, the
peak memory of a training step (CUDA max allocated; on the CPU the rise of the peak RSS), and
the ratio of the medians with the quartiles of the per-batch ratios.

``--data-root``/``--ann-file``/``--scale`` point both models at any COCO-format data resized to
a given scale. Without checkpoints the weights are random (no download), and every image yields
``--detections`` boxes (score threshold 0) so that the mask stage runs as it would trained.
Package code: ``mmdet_semiconv/experiments/overhead_benchmark.py``.
"""
import argparse

import mmdet_semiconv  # noqa: F401
from mmdet_semiconv.experiments import overhead_benchmark
from mmdet_semiconv.experiments.side_by_side import add_model_args, build_pair


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_model_args(parser)
    parser.add_argument('--max-iter', type=int, default=10, help='timed batches per mode')
    parser.add_argument('--warmup', type=int, default=2, help='untimed batches first')
    args = parser.parse_args()
    cfg, models = build_pair(args)
    print(overhead_benchmark.run(models, cfg.test_dataloader, cfg.train_dataloader,
                                 args.max_iter, args.warmup, args.device))


if __name__ == '__main__':
    main()
