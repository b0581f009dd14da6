"""Where the semi-convolutional branch spends its time, against the whole step (torch.profiler).

    python tools/analysis_tools/profile_branch.py configs/semiconv_worms_cpu.py \\
        --baseline configs/mask-rcnn_worms_cpu.py [--data-root ... --scale 1333 800]
        [--max-iter 3] [--warmup 1]

One inference and one training step (forward + backward) of each model per batch, the models
alternating; the branch broken down into its parts (subnet per FPN level, u_hat, RoIAlign of
Phi, kernel, eq. (5) and its targets, BCE on K), forward and backward, as a markdown table.
Takes the model and data arguments of benchmark.py. Package code:
``mmdet_semiconv/experiments/overhead_profile.py``.
"""
import argparse

import mmdet_semiconv  # noqa: F401
from mmdet_semiconv.experiments import overhead_profile
from mmdet_semiconv.experiments.side_by_side import add_model_args, build_pair


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_model_args(parser)
    parser.add_argument('--max-iter', type=int, default=3, help='profiled batches per mode')
    parser.add_argument('--warmup', type=int, default=1, help='unprofiled batches first')
    args = parser.parse_args()
    cfg, models = build_pair(args)
    print(overhead_profile.run(models, cfg.test_dataloader, cfg.train_dataloader,
                               args.max_iter, args.warmup))


if __name__ == '__main__':
    main()
