"""SemiConv Mask R-CNN against the plain Mask R-CNN it extends, measured side by side in one run.

    python tools/analysis_tools/benchmark.py configs/semiconv_worms_cpu.py \\
        --baseline configs/mask-rcnn_worms_cpu.py [--checkpoint A.pth --baseline-checkpoint B.pth]
        [--max-iter 20] [--warmup 3] [--device cpu]

The two models get the same batches from the config's dataloaders, and their timed iterations
alternate (A, B, A, B, ...) so that both see the same machine load. Reported per model:
parameters, FLOPs of one image in ``tensor`` mode (mmengine's counter; the RoI part runs on
the first 100 proposals, as mmdet's get_flops.py), inference latency (ms/img, fps) in
``predict`` mode, one training step
(forward + backward of ``loss`` mode, ms/iter), and on CUDA the peak memory; then the ratio.
Flags follow mmdet's tools/analysis_tools/benchmark.py where they apply.
"""
import argparse
import time
from functools import partial
from typing import Callable, Dict, List

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, load_checkpoint

import mmdet_semiconv  # noqa: F401
from mmdet.registry import MODELS


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='the semi-conv config')
    parser.add_argument('--baseline', required=True, help='the Mask R-CNN config')
    parser.add_argument('--checkpoint', help='weights of the semi-conv model')
    parser.add_argument('--baseline-checkpoint', help='weights of the baseline')
    parser.add_argument('--max-iter', type=int, default=20, help='timed iterations per mode')
    parser.add_argument('--warmup', type=int, default=3, help='untimed iterations first')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides applied to both configs')
    return parser.parse_args()


def build(config: str, checkpoint: str, options, device: str):
    cfg = Config.fromfile(config)
    if options:
        cfg.merge_from_dict(options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu')
    return cfg, model.to(device)


def batches(dataloader_cfg, n: int) -> List[dict]:
    loader = Runner.build_dataloader(dataloader_cfg)
    out = []
    while len(out) < n:
        for batch in loader:
            out.append(batch)
            if len(out) == n:
                break
    return out


def flops(model, batch) -> float:
    """FLOPs of one image in ``tensor`` mode (mmengine's counter, as mmdet's get_flops.py)."""
    from mmengine.analysis import get_model_complexity_info
    model.eval()
    data = model.data_preprocessor(
        dict(inputs=batch['inputs'][:1], data_samples=batch['data_samples'][:1]), False)
    forward = model.forward
    model.forward = partial(forward, data_samples=data['data_samples'], mode='tensor')
    try:
        with torch.no_grad():
            out = get_model_complexity_info(model, None, inputs=data['inputs'],
                                            show_table=False, show_arch=False)
    finally:
        model.forward = forward
    return float(out['flops'])


def sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def timed(step: Callable, device: str) -> float:
    sync(device)
    start = time.perf_counter()
    step()
    sync(device)
    return time.perf_counter() - start


def main():
    args = parse_args()
    names = ('semi-conv', 'Mask R-CNN')
    cfg, semi = build(args.config, args.checkpoint, args.cfg_options, args.device)
    _, base = build(args.baseline, args.baseline_checkpoint, args.cfg_options, args.device)
    models = dict(zip(names, (semi, base)))
    n = args.warmup + args.max_iter
    test_batches = batches(cfg.test_dataloader, n)
    train_batches = batches(cfg.train_dataloader, n)

    def predict(model, batch):
        def step():
            with torch.no_grad():
                model(**model.data_preprocessor(batch, False), mode='predict')
        return step

    def train_step(model, batch):
        def step():
            losses = model(**model.data_preprocessor(batch, True), mode='loss')
            total, _ = model.parse_losses(losses)
            model.zero_grad()
            total.backward()
        return step

    results: Dict[str, Dict[str, float]] = {k: {} for k in names}
    for mode, make, data in (('predict', predict, test_batches),
                             ('train', train_step, train_batches)):
        times = {k: [] for k in names}
        for m in models.values():
            m.train(mode == 'train')
        if args.device.startswith('cuda'):
            torch.cuda.reset_peak_memory_stats()
        for i, batch in enumerate(data):
            for name, model in models.items():  # alternate: same load for both
                t = timed(make(model, batch), args.device)
                if i >= args.warmup:
                    times[name].append(t / len(batch['inputs']))
        for name in names:
            results[name][mode] = sum(times[name]) / len(times[name]) * 1e3
    for name, model in models.items():
        results[name]['params'] = sum(p.numel() for p in model.parameters()) / 1e6
        results[name]['gflops'] = flops(model, test_batches[0]) / 1e9
        if args.device.startswith('cuda'):
            torch.cuda.reset_peak_memory_stats()
            train_step(model, train_batches[0])()
            results[name]['mem'] = torch.cuda.max_memory_allocated() / 2**30

    print(f'\ndevice: {args.device}, torch {torch.__version__}, '
          f'{torch.get_num_threads()} threads; {args.max_iter} timed batches of '
          f'{len(test_batches[0]["inputs"])} (test) / {len(train_batches[0]["inputs"])} (train)'
          ' images after ' f'{args.warmup} warm-up')
    cols = ['params (M)', 'GFLOPs (tensor mode)', 'inference (ms/img)', 'fps',
            'train step (ms/img)']
    if args.device.startswith('cuda'):
        cols.append('peak train mem (GB)')
    print('| model | ' + ' | '.join(cols) + ' |')
    print('|---' * (len(cols) + 1) + '|')

    def row(r):
        vals = [f'{r["params"]:.3f}', f'{r["gflops"]:.2f}', f'{r["predict"]:.1f}',
                f'{1e3 / r["predict"]:.1f}', f'{r["train"]:.1f}']
        if 'mem' in r:
            vals.append(f'{r["mem"]:.2f}')
        return vals

    for name in names:
        print(f'| {name} | ' + ' | '.join(row(results[name])) + ' |')
    a, b = results['semi-conv'], results['Mask R-CNN']
    ratio = [f'{a["params"] / b["params"]:.3f}', f'{a["gflops"] / b["gflops"]:.3f}',
             f'{a["predict"] / b["predict"]:.3f}',
             f'{b["predict"] / a["predict"]:.3f}', f'{a["train"] / b["train"]:.3f}']
    if 'mem' in a:
        ratio.append(f'{a["mem"] / b["mem"]:.3f}')
    print('| ratio semi-conv / Mask R-CNN | ' + ' | '.join(ratio) + ' |')


if __name__ == '__main__':
    main()
