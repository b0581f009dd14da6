"""The one-command GPU check: mixed precision end to end on CUDA, with random weights and a small
generated data set (no download), in a few minutes on one GPU.

    bash tools/analysis_tools/gpu_check.sh          # or: python tools/analysis_tools/gpu_check.py

For ``configs/semiconv_voc.py`` and its baseline ``configs/mask-rcnn_r101_fpn_voc.py`` at
1333 x 800: ``--iters`` training iterations through mmengine's ``AmpOptimWrapper`` (what
``tools/train.py --amp`` uses), a test pass with COCO metrics, and the side-by-side benchmark
(inference and training ratios, CUDA max allocated memory). Prints one table per part; on a
machine without CUDA it says so and exits 0 without running anything.
"""
import argparse
import math
import os.path as osp
import sys

import torch
from branch_overhead import benchmark, share_weights
from mmengine.runner import Runner

import mmdet_semiconv  # noqa: F401
from mmdet_semiconv.datasets import SyntheticWormSplits, WormConfig
from mmdet_semiconv.evaluation.tables import markdown_table
from mmdet_semiconv.utils.benchmark import batches, load_config, point_at_data, set_input_scale
from mmdet_semiconv.utils.cli import positive_int

MODELS = (('semi-conv', 'configs/semiconv_voc.py'),
          ('Mask R-CNN', 'configs/mask-rcnn_r101_fpn_voc.py'))


def amp_config(config: str, data_root: str, work_dir: str, iters: int):
    """``config`` with random weights, on the generated data at 800 px, for ``iters`` AMP
    iterations and a test pass."""
    cfg = load_config(config)
    point_at_data(cfg, data_root, 'annotations/train.json')
    set_input_scale(cfg, (1333, 800))
    for split in ('val', 'test'):
        cfg[f'{split}_dataloader'].dataset.update(ann_file='annotations/val.json')
        cfg[f'{split}_evaluator'] = dict(type='CocoMetric', metric=['bbox', 'segm'],
                                         ann_file=osp.join(data_root, 'annotations/val.json'))
    cfg.work_dir = work_dir
    cfg.load_from = None
    cfg.optim_wrapper.type = 'AmpOptimWrapper'  # as tools/train.py --amp
    cfg.optim_wrapper.loss_scale = 'dynamic'
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=iters + 1)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters + 1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    for hook in cfg.get('custom_hooks', []):
        if hook.get('type') == 'SemiConvFinetuneHook':  # random weights: no stage 1 to load
            hook.update(require_pretrained=False, by_epoch=False, kernel_ramp=0)
    return cfg


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/gpu_check')
    parser.add_argument('--iters', type=positive_int, default=20,
                        help='AMP training iterations')
    parser.add_argument('--bench-iters', type=positive_int, default=10,
                        help='timed benchmark batches')
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print('gpu_check: skipped, no CUDA device (torch.cuda.is_available() is False). '
              'It needs the CUDA build of torch and mmcv built with FORCE_CUDA=1: '
              '`FORCE_CUDA=1 tools/setup_env.sh` (README, "Installing by hand").')
        return 0
    data_root = osp.join(args.work_dir, 'data')
    # worms at twice the default scale, so that they are not tiny at 800 px
    SyntheticWormSplits(root=data_root, num_train=16, num_val=8,
                        config=WormConfig(width=464, height=348)).ensure()
    rows, models = [], {}
    for name, config in MODELS:
        cfg = amp_config(config, data_root, osp.join(args.work_dir, osp.basename(config)[:-3]),
                         args.iters)
        torch.cuda.reset_peak_memory_stats()
        runner = Runner.from_cfg(cfg)
        runner.train()
        loss = runner.message_hub.get_scalar('train/loss').current()
        metrics = runner.test()
        rows.append([name, args.iters, f'{loss:.4f}', math.isfinite(loss),
                     f"{metrics['coco/segm_mAP']:.3f}",
                     f'{torch.cuda.max_memory_allocated() / 2**30:.2f}'])
        models[name] = runner.model
    print('\nAMP training and test (random weights, 1333 x 800)\n')
    print(markdown_table(['model', 'AMP iterations', 'last loss', 'finite', 'test segm mAP',
                          'max memory (GiB)'], rows))
    bench_cfg = load_config(MODELS[0][1], detections=100)
    point_at_data(bench_cfg, data_root, 'annotations/val.json')
    set_input_scale(bench_cfg, (1333, 800))
    share_weights(models['semi-conv'], models['Mask R-CNN'])
    print('\nSide by side (same batches, alternating; fp32)\n')
    n = 2 + args.bench_iters
    data = dict(predict=batches(bench_cfg.test_dataloader, n),
                train=batches(bench_cfg.train_dataloader, n))
    print(benchmark(models, data, 2, 'cuda'))
    return 0 if all(r[3] for r in rows) else 1


if __name__ == '__main__':
    sys.exit(main())
