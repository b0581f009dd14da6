"""What the semi-convolutional branch costs: SemiConv Mask R-CNN beside the Mask R-CNN it
extends, measured in one run on the same batches.

    python tools/analysis_tools/branch_overhead.py configs/semiconv_worms_cpu.py \\
        --baseline configs/mask-rcnn_worms_cpu.py [--checkpoint A.pth --baseline-checkpoint B.pth]
        [--data-root data/synthetic_worms/ --ann-file annotations/val.json --scale 1333 800]
        [--max-iter 10] [--warmup 2] [--device cpu] [--profile]

Timing (the default): every inference (``predict`` mode) and training step (forward +
backward, no update) is one ``torch.utils.benchmark.Timer.timeit(1)`` measurement (which runs
the step twice to warm up, then times it once), the two models alternating batch by batch so
that a load that slows a batch slows both; per model and mode
the measurements are merged, ``Compare`` prints them, and the summary gives parameters, FLOPs
of one image in ``tensor`` mode (mmengine's counter), median ms per image with its IQR, the
ratio of the medians and the quartiles of the per-batch ratios, and on CUDA the peak memory
allocated by a training step (``-`` on the CPU, as in mmdet's metafiles).

``--profile``: torch.profiler over the same steps, the branch broken down into its parts
(subnet per FPN level, u_hat, RoIAlign of Phi, kernel, eq. (5) and its targets, BCE on K),
forward and backward. Every part runs inside a profiler scope ``semiconv:<part>``
(:func:`mmdet_semiconv.models.utils.branch_scope`). A part's forward time is the wall time of
its scopes less the scopes nested in them; its backward time is that of the autograd nodes its
forward ops created: the profiler gives each forward op and the backward function it records a
common (sequence number, thread), which is how torch itself carries forward stacks to backward
events.

``--data-root``/``--ann-file``/``--scale`` point both models at any COCO-format data resized to
a given scale. Without checkpoints the weights are random (no download) and shared where the
models share a parameter, and every image yields ``--detections`` boxes (score threshold 0) so
that the mask stage runs as it would trained.
"""
import argparse
import statistics
import time
from collections import defaultdict
from functools import partial
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config, DictAction
from torch.profiler import ProfilerActivity, profile
from torch.utils.benchmark import Compare, Measurement

import mmdet_semiconv  # noqa: F401  (registers the models)
from mmdet_semiconv.models.utils.profiling import BRANCH_PARTS, SCOPE_PREFIX
from mmdet_semiconv.utils.benchmark import (STEPS, alternating, batches, build_model, load_config,
                                            point_at_data, set_input_scale, time_models)
from mmdet_semiconv.utils.cli import index, positive_int

NAMES = ('semi-conv', 'Mask R-CNN')


def add_model_args(parser: argparse.ArgumentParser) -> None:
    """The command-line arguments that choose the two models and their data."""
    parser.add_argument('config', help='the semi-conv config')
    parser.add_argument('--baseline', required=True, help='the Mask R-CNN config')
    parser.add_argument('--checkpoint', help='weights of the semi-conv model')
    parser.add_argument('--baseline-checkpoint', help='weights of the baseline')
    parser.add_argument('--data-root', help='COCO-format data for both models (else the '
                        "semi-conv config's dataloaders)")
    parser.add_argument('--ann-file', default='annotations/val.json',
                        help='COCO json relative to --data-root (train and test batches)')
    parser.add_argument('--img-prefix', default='', help='image folder relative to --data-root')
    parser.add_argument('--scale', type=positive_int, nargs=2, metavar=('LONG', 'SHORT'),
                        help="replace the pipelines' resize by Resize(scale, keep_ratio=True)")
    parser.add_argument('--detections', type=index, default=100,
                        help='boxes per test image (score threshold 0); 0 keeps the configs')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides applied to both configs')


def build_pair(args: argparse.Namespace) -> Tuple[Config, Dict[str, torch.nn.Module]]:
    """``(semi-conv config, {'semi-conv': model, 'Mask R-CNN': model})`` from
    :func:`add_model_args`' arguments."""
    models, cfgs = {}, {}
    for name, config, ckpt in (('semi-conv', args.config, args.checkpoint),
                               ('Mask R-CNN', args.baseline, args.baseline_checkpoint)):
        cfg = load_config(config, args.cfg_options, ckpt, args.detections or None)
        if args.data_root:
            point_at_data(cfg, args.data_root, args.ann_file, args.img_prefix)
        if args.scale:
            set_input_scale(cfg, args.scale)
        cfgs[name] = cfg
        models[name] = build_model(cfg, ckpt, args.device)
    if not (args.checkpoint or args.baseline_checkpoint):
        share_weights(models['semi-conv'], models['Mask R-CNN'])
    return cfgs['semi-conv'], models


def share_weights(model: torch.nn.Module, baseline: torch.nn.Module) -> None:
    """Give ``model`` the baseline's weights wherever they share a parameter, so that two
    randomly initialised models detect the same boxes and only the branch differs (with
    independent random weights the detections differ, and so do NMS and mask pasting)."""
    own = model.state_dict()
    shared = {k: v for k, v in baseline.state_dict().items()
              if k in own and own[k].shape == v.shape}
    if len(shared) < len(baseline.state_dict()):
        raise ValueError('the baseline has weights the semi-conv model lacks: '
                         f'{sorted(set(baseline.state_dict()) - set(shared))[:5]}')
    # the model's own values for the rest (its branch): a full state, no "missing keys"
    model.load_state_dict({**own, **shared})


def flops(model: torch.nn.Module, batch: dict) -> float:
    """FLOPs of one image in ``tensor`` mode (mmengine's counter, as mmdet's get_flops.py: the
    RoI part runs on the first 100 proposals)."""
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


def cuda_peak_memory_mb(step: Callable[[], None], device: str) -> Optional[float]:
    """``torch.cuda.max_memory_allocated`` over one call of ``step`` in MiB, the quantity of
    mmdet's "Training Memory"; None on the CPU, whose process RSS measures the allocator's
    caching rather than the model (docs/benchmarks.md)."""
    if not device.startswith('cuda'):
        return None
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    step()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() / 2**20


def summarize(times: Dict[str, Dict[str, Measurement]], images: Dict[str, int],
              names: Sequence[str] = NAMES) -> Dict:
    """Per mode: each model's median and IQR in ms per image, the ratio of the medians and the
    (25, 50, 75)th percentiles of the per-batch ratios (first model over second)."""
    a, b = names
    out: Dict = {}
    for mode, per_model in times.items():
        stats = {n: dict(median=m.median * 1e3 / images[mode], iqr=m.iqr * 1e3 / images[mode])
                 for n, m in per_model.items()}
        paired = np.asarray(per_model[a].times) / np.asarray(per_model[b].times)
        stats['ratio'] = stats[a]['median'] / stats[b]['median']
        stats['paired'] = tuple(float(q) for q in np.percentile(paired, (25, 50, 75)))
        out[mode] = stats
    return out


def summary_table(summary: Dict, extra: Dict[str, Dict[str, float]],
                  names: Sequence[str] = NAMES) -> str:
    """Markdown: a row per model and the ratio row."""
    a, b = names
    cols = ['params (M)', 'GFLOPs (tensor mode)', 'inference ms/img, median (IQR)',
            'train step ms/img, median (IQR)', 'CUDA train memory (MiB)']
    lines = ['| model | ' + ' | '.join(cols) + ' |', '|---' * (len(cols) + 1) + '|']

    def mem(name):
        return '-' if extra[name]['mem'] is None else f'{extra[name]["mem"]:.0f}'

    def cell(mode, name):
        s = summary[mode][name]
        return f'{s["median"]:.1f} ({s["iqr"]:.1f})'

    for name in names:
        lines.append(f'| {name} | {extra[name]["params"]:.3f} | {extra[name]["gflops"]:.2f} | '
                     f'{cell("predict", name)} | {cell("train", name)} | {mem(name)} |')

    def ratio(mode):
        s = summary[mode]
        return f'{s["ratio"]:.3f} (per batch {s["paired"][0]:.3f}-{s["paired"][2]:.3f})'

    mem_ratio = ('-' if extra[a]['mem'] is None or not extra[b]['mem']
                 else f'{extra[a]["mem"] / extra[b]["mem"]:.3f}')
    lines.append(f'| ratio (of medians) | {extra[a]["params"] / extra[b]["params"]:.3f} | '
                 f'{extra[a]["gflops"] / extra[b]["gflops"]:.3f} | {ratio("predict")} | '
                 f'{ratio("train")} | {mem_ratio} |')
    return '\n'.join(lines)


def benchmark(models: Dict[str, torch.nn.Module], data: Dict[str, List[dict]], warmup: int,
              device: str) -> str:
    """Time ``models`` (semi-conv first) on ``data`` and return the report: header,
    torch.utils.benchmark's comparison and the summary table."""
    times = time_models(models, data, warmup)
    images = {mode: len(b[0]['inputs']) for mode, b in data.items()}
    summary = summarize(times, images, list(models))
    extra = {}
    for name, model in models.items():
        extra[name] = dict(params=sum(p.numel() for p in model.parameters()) / 1e6,
                           gflops=flops(model, data['predict'][0]) / 1e9)
        model.train()
        extra[name]['mem'] = cuda_peak_memory_mb(STEPS['train'](model, data['train'][0]),
                                                 device)
    compare = Compare([m for per_model in times.values() for m in per_model.values()])
    return (header(data, warmup, device, 'timed') + '\n\n' + str(compare) + '\n'
            + summary_table(summary, extra, list(models)))


def header(data: Dict[str, List[dict]], warmup: int, device: str, how: str) -> str:
    shape = tuple(data['predict'][0]['inputs'][0].shape[-2:])
    return (f'device: {device}, torch {torch.__version__}, {torch.get_num_threads()} threads; '
            f'{len(data["predict"]) - warmup} {how} batches of '
            f'{len(data["predict"][0]["inputs"])} (test) / {len(data["train"][0]["inputs"])} '
            f'(train) images after {warmup} warm-up, first test input {shape[0]}x{shape[1]}; '
            'the models alternate batch by batch')


# ---------------------------------------------------------------------- profile (torch.profiler)

#: FunctionEvent.scope of the event autograd records around a backward function.
_BACKWARD_FUNCTION = 1


def _ancestor(event, predicate) -> Optional[object]:
    event = event.cpu_parent
    while event is not None and not predicate(event):
        event = event.cpu_parent
    return event


def _is_scope(event) -> bool:
    return event.name.startswith(SCOPE_PREFIX)


def _is_backward(event) -> bool:
    return getattr(event, 'scope', 0) == _BACKWARD_FUNCTION


def branch_times(events: Sequence) -> Dict[str, Dict[str, float]]:
    """``{part: {'forward': us, 'backward': us}}`` from a profile's events (microseconds)."""
    times: Dict[str, Dict[str, float]] = defaultdict(lambda: dict(forward=0., backward=0.))
    forward_key_part: Dict[Tuple[int, int], str] = {}
    for event in events:
        if _is_scope(event):
            part = event.name[len(SCOPE_PREFIX):]
            times[part]['forward'] += event.cpu_time_total
            outer = _ancestor(event, _is_scope)
            if outer is not None:  # counted in the outer scope's wall time too
                times[outer.name[len(SCOPE_PREFIX):]]['forward'] -= event.cpu_time_total
        elif event.sequence_nr >= 0 and not _is_backward(event) \
                and _ancestor(event, _is_backward) is None:
            scope = _ancestor(event, _is_scope)
            if scope is not None:
                forward_key_part[(event.sequence_nr, event.thread)] = \
                    scope.name[len(SCOPE_PREFIX):]
    for event in events:
        if _is_backward(event) and _ancestor(event, _is_backward) is None:
            part = forward_key_part.get((event.sequence_nr, event.fwd_thread))
            if part is not None:
                times[part]['backward'] += event.cpu_time_total
    return dict(times)


def profile_step(step: Callable[[], None]) -> Tuple[float, List]:
    """Wall time of one profiled call of ``step`` (us) and the profiler's events."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        start = time.perf_counter()
        step()
        wall = (time.perf_counter() - start) * 1e6
    return wall, prof.events()


def profile_models(models: Dict[str, torch.nn.Module], data: Dict[str, List[dict]],
                   warmup: int) -> Dict[str, Dict]:
    """Profile every batch after ``warmup`` (models alternating): per mode, the median over
    batches of each model's step and of each branch part of the first model, in ms/img."""
    first = next(iter(models))
    out: Dict[str, Dict] = {}
    for mode, mode_batches in data.items():
        steps: Dict[str, List[float]] = defaultdict(list)
        parts: Dict[Tuple[str, str], List[float]] = defaultdict(list)
        for model in models.values():
            model.train(mode == 'train')
        for i, name in alternating(len(mode_batches), list(models)):
            step = STEPS[mode](models[name], mode_batches[i])
            if i < warmup:
                step()
                continue
            n = len(mode_batches[i]['inputs'])
            wall, events = profile_step(step)
            steps[name].append(wall / n / 1e3)
            if name == first:
                for part, t in branch_times(events).items():
                    for direction, us in t.items():
                        parts[(part, direction)].append(us / n / 1e3)
        out[mode] = dict(
            steps={k: statistics.median(v) for k, v in steps.items()},
            parts={k: statistics.median(v) for k, v in parts.items()})
    return out


def _part_order(part: str) -> Tuple[int, str]:
    for i, prefix in enumerate(BRANCH_PARTS):
        if part.startswith(prefix):
            return i, part
    return len(BRANCH_PARTS), part


def profile_table(result: Dict[str, Dict], names: Sequence[str]) -> str:
    """Markdown: a row per part (forward, backward, % of the semi-conv step) per mode, then the
    branch's sum, both steps, their difference and what of it the parts do not explain."""
    a, b = names
    all_parts = sorted({p for mode in result.values() for p, _ in mode['parts']},
                       key=_part_order)
    head = ('| part | inference fwd | % of step | train fwd | train bwd | % of step |\n'
            '|---|---|---|---|---|---|')
    lines = [head]
    sums = {('predict', 'forward'): 0., ('train', 'forward'): 0., ('train', 'backward'): 0.}
    for part in all_parts:
        cells = []
        for mode, directions in (('predict', ('forward', )), ('train', ('forward', 'backward'))):
            total = 0.
            for d in directions:
                value = result[mode]['parts'].get((part, d), 0.)
                sums[(mode, d)] += value
                total += value
                cells.append(f'{value:.2f}')
            cells.append(f'{100 * total / result[mode]["steps"][a]:.2f}')
        lines.append(f'| {part} | ' + ' | '.join(cells) + ' |')
    inf = sums[('predict', 'forward')]
    trn = sums[('train', 'forward')] + sums[('train', 'backward')]
    pa = result['predict']['steps']
    ta, tb = result['train']['steps'][a], result['train']['steps'][b]
    lines.append(f'| **branch, all parts** | {inf:.2f} | {100 * inf / pa[a]:.2f} | '
                 f'{sums[("train", "forward")]:.2f} | {sums[("train", "backward")]:.2f} | '
                 f'{100 * trn / ta:.2f} |')
    lines.append(f'| whole step, {a} | {pa[a]:.1f} | 100 | {ta:.1f} (fwd + bwd) | | 100 |')
    lines.append(f'| whole step, {b} | {pa[b]:.1f} | {100 * pa[b] / pa[a]:.1f} | '
                 f'{tb:.1f} (fwd + bwd) | | {100 * tb / ta:.1f} |')
    di, dt = pa[a] - pa[b], ta - tb
    lines.append(f'| difference of the steps | {di:.1f} | {100 * di / pa[a]:.1f} | {dt:.1f} | | '
                 f'{100 * dt / ta:.1f} |')
    lines.append(f'| difference the parts do not explain | {di - inf:.1f} | '
                 f'{100 * (di - inf) / pa[a]:.1f} | {dt - trn:.1f} | | '
                 f'{100 * (dt - trn) / ta:.1f} |')
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_model_args(parser)
    parser.add_argument('--max-iter', type=positive_int, default=10,
                        help='measured batches per mode')
    parser.add_argument('--warmup', type=index, default=2, help='unmeasured batches first')
    parser.add_argument('--profile', action='store_true',
                        help='break the branch down into its parts with torch.profiler')
    args = parser.parse_args()
    cfg, models = build_pair(args)
    n = args.warmup + args.max_iter
    data = dict(predict=batches(cfg.test_dataloader, n), train=batches(cfg.train_dataloader, n))
    if args.profile:
        result = profile_models(models, data, args.warmup)
        print(header(data, args.warmup, args.device, 'profiled') + '; median ms per image '
              '(the profiler itself adds some time to every op)\n\n'
              + profile_table(result, list(models)))
    else:
        print(benchmark(models, data, args.warmup, args.device))


if __name__ == '__main__':
    main()
