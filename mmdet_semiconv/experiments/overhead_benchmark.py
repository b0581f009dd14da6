"""The cost of the semi-convolutional branch: SemiConv Mask R-CNN against the Mask R-CNN it
extends, measured side by side in one run (``tools/analysis_tools/benchmark.py``).

On a shared or noisy machine a single mean hides the noise, so every figure is reported as the
minimum and the median of its timed steps, the overhead as the ratio of the two medians, and
the spread of that ratio as the interquartile range of the per-batch ratios (the two models run
each batch one after the other, so a load that slows a batch slows both).
"""
import ctypes
import gc
import resource
import statistics
import time
from functools import partial
from typing import Dict, List, Optional, Sequence, Tuple

import torch

from .side_by_side import STEPS, alternating, batches

NAMES = ('semi-conv', 'Mask R-CNN')


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


def _sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def timed(step, device: str) -> float:
    """Wall time of one call of ``step``, in seconds."""
    _sync(device)
    start = time.perf_counter()
    step()
    _sync(device)
    return time.perf_counter() - start


def _proc_status_kb(field: str) -> Optional[int]:
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark of this process's RSS (Linux >= 4.0)."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def _release_free_heap() -> bool:
    """Give the C heap's free memory back to the OS (glibc's ``malloc_trim``), so that the
    next step's peak RSS is what it allocates, not what earlier steps left free."""
    try:
        return bool(ctypes.CDLL('libc.so.6').malloc_trim(0) >= 0)
    except (OSError, AttributeError):
        return False


def peak_memory_mb(step, device: str) -> Optional[float]:
    """Peak memory one call of ``step`` needs, in MiB: on CUDA ``max_memory_allocated``; on
    the CPU the rise of the process's peak RSS above its RSS before the call, after the free
    heap was returned to the OS (None where glibc or /proc do not allow it)."""
    gc.collect()
    if device.startswith('cuda'):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        step()
        torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated() / 2**20
    if not _release_free_heap():
        return None
    before = _proc_status_kb('VmRSS')
    if before is None or not _reset_peak_rss():
        return None
    step()
    peak = _proc_status_kb('VmHWM')
    return None if peak is None else (peak - before) / 1024


def quartiles(values: Sequence[float]) -> Sequence[float]:
    """(25th, 50th, 75th) percentiles; a single value is all three."""
    if len(values) == 1:
        return (values[0], ) * 3
    q = statistics.quantiles(values, n=4, method='inclusive')
    return q[0], q[1], q[2]


def _faulted_mb() -> float:
    """Memory this process has faulted in so far (minor page faults), in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt * resource.getpagesize() / 2**20


def measure(models: Dict[str, torch.nn.Module], test_batches: List[dict],
            train_batches: List[dict], warmup: int,
            device: str) -> Tuple[Dict[str, Dict], Dict[str, Dict]]:
    """Per-image seconds and per-image MiB of fresh pages of every timed step, each as
    ``{mode: {model: [...]}}``, alternating the models batch by batch (:func:`alternating`);
    the first ``warmup`` batches are not kept.

    Fresh pages are memory the step had to fault in because the C allocator had returned it
    to the OS (large CPU tensors are mmap-ed and unmapped one by one): on the CPU they cost
    time in whichever operator touches them first, in or out of the branch.
    """
    times: Dict[str, Dict[str, List[float]]] = {}
    faults: Dict[str, Dict[str, List[float]]] = {}
    for mode, data in (('predict', test_batches), ('train', train_batches)):
        times[mode] = {name: [] for name in models}
        faults[mode] = {name: [] for name in models}
        for model in models.values():
            model.train(mode == 'train')
        for i, name in alternating(len(data), list(models)):
            before = _faulted_mb()
            t = timed(STEPS[mode](models[name], data[i]), device)
            if i >= warmup:
                n = len(data[i]['inputs'])
                times[mode][name].append(t / n)
                faults[mode][name].append((_faulted_mb() - before) / n)
    return times, faults


def summarize(times: Dict[str, Dict[str, List[float]]], names: Sequence[str] = NAMES) -> Dict:
    """min/median ms per image of each model and mode, the ratio of the medians and the
    quartiles of the per-batch ratios (first model over second)."""
    a, b = names
    out: Dict = {}
    for mode, per_model in times.items():
        stats = {n: dict(min=min(v) * 1e3, median=statistics.median(v) * 1e3)
                 for n, v in per_model.items()}
        paired = [x / y for x, y in zip(per_model[a], per_model[b])]
        stats['ratio'] = stats[a]['median'] / stats[b]['median']
        stats['paired'] = quartiles(paired)
        out[mode] = stats
    return out


def table(summary: Dict, extra: Dict[str, Dict[str, float]], names: Sequence[str] = NAMES) -> str:
    """The markdown table: a row per model and the ratio row."""
    a, b = names
    mem = any(extra[n].get('mem') is not None for n in names)
    cols = ['params (M)', 'GFLOPs (tensor mode)', 'inference ms/img (min / median)',
            'train step ms/img (min / median)', 'peak train memory (MiB)']
    lines = ['| model | ' + ' | '.join(cols) + ' |', '|---' * (len(cols) + 1) + '|']

    def fmt(mode, name):
        s = summary[mode][name]
        return f'{s["min"]:.1f} / {s["median"]:.1f}'

    def fmt_mem(name):
        value = extra[name].get('mem')
        return 'not measured' if value is None else f'{value:.0f}'

    for name in names:
        lines.append(f'| {name} | {extra[name]["params"]:.3f} | {extra[name]["gflops"]:.2f} | '
                     f'{fmt("predict", name)} | {fmt("train", name)} | {fmt_mem(name)} |')

    def fmt_ratio(mode):
        s = summary[mode]
        lo, _, hi = s['paired']
        return f'{s["ratio"]:.3f} (per batch {lo:.3f}-{hi:.3f})'

    mem_ratio = (f'{extra[a]["mem"] / extra[b]["mem"]:.3f}'
                 if mem and extra[a].get('mem') and extra[b].get('mem') else '-')
    lines.append(f'| ratio (of medians) | {extra[a]["params"] / extra[b]["params"]:.3f} | '
                 f'{extra[a]["gflops"] / extra[b]["gflops"]:.3f} | {fmt_ratio("predict")} | '
                 f'{fmt_ratio("train")} | {mem_ratio} |')
    return '\n'.join(lines)


def run(models: Dict[str, torch.nn.Module], test_loader_cfg, train_loader_cfg,
        max_iter: int, warmup: int, device: str) -> str:
    """Measure ``models`` (semi-conv first) and return the report (header and table)."""
    n = warmup + max_iter
    test_batches = batches(test_loader_cfg, n)
    train_batches = batches(train_loader_cfg, n)
    times, faults = measure(models, test_batches, train_batches, warmup, device)
    summary = summarize(times, list(models))
    extra = {}
    for name, model in models.items():
        extra[name] = dict(params=sum(p.numel() for p in model.parameters()) / 1e6,
                           gflops=flops(model, test_batches[0]) / 1e9)
        model.train()
        extra[name]['mem'] = peak_memory_mb(STEPS['train'](model, train_batches[0]), device)
    shape = tuple(test_batches[0]['inputs'][0].shape[-2:])
    header = (f'device: {device}, torch {torch.__version__}, {torch.get_num_threads()} threads; '
              f'{max_iter} timed batches of {len(test_batches[0]["inputs"])} (test) / '
              f'{len(train_batches[0]["inputs"])} (train) images after {warmup} warm-up, '
              f'first test input {shape[0]}x{shape[1]}; the models alternate batch by batch')
    paged = '; '.join(
        f'{mode}: ' + ' / '.join(f'{statistics.median(faults[mode][n]):.0f}' for n in models)
        for mode in ('predict', 'train'))
    return (header + '\n\n' + table(summary, extra, list(models)) + '\n\n'
            f'Fresh pages faulted in per image (median MiB, {" / ".join(models)}): {paged}')
