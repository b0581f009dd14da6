"""Where the semi-convolutional branch spends its time: torch.profiler over whole inference and
training steps of SemiConv Mask R-CNN and Mask R-CNN, the branch broken down into its parts
(``tools/analysis_tools/profile_branch.py``).

Every part of the branch runs inside a profiler scope named ``semiconv:<part>``
(:func:`mmdet_semiconv.models.utils.branch_scope`). A part's forward time is the wall time of
its scopes, less the scopes nested in them. Its backward time is that of the autograd nodes its
forward ops created: the profiler gives each forward op and the backward function it records a
common (sequence number, thread), which is how torch itself carries forward stacks to
backward events.
"""
import statistics
import time
from collections import defaultdict
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from torch.profiler import ProfilerActivity, profile

from ..models.utils.profiling import SCOPE_PREFIX
from .side_by_side import STEPS, alternating, batches

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


def profile_models(models: Dict[str, torch.nn.Module], test_batches: List[dict],
                   train_batches: List[dict], warmup: int) -> Dict[str, Dict]:
    """Profile every batch after ``warmup`` (models alternating): per mode, the median over
    batches of each model's step and of each branch part of the first model, in ms/img."""
    first = next(iter(models))
    out: Dict[str, Dict] = {}
    for mode, data in (('predict', test_batches), ('train', train_batches)):
        steps: Dict[str, List[float]] = defaultdict(list)
        parts: Dict[Tuple[str, str], List[float]] = defaultdict(list)
        for model in models.values():
            model.train(mode == 'train')
        for i, name in alternating(len(data), list(models)):
            step = STEPS[mode](models[name], data[i])
            if i < warmup:
                step()
                continue
            n = len(data[i]['inputs'])
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
    from ..models.utils.profiling import BRANCH_PARTS
    for i, prefix in enumerate(BRANCH_PARTS):
        if part.startswith(prefix):
            return i, part
    return len(BRANCH_PARTS), part


def table(result: Dict[str, Dict], names: Sequence[str]) -> str:
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


def run(models: Dict[str, torch.nn.Module], test_loader_cfg, train_loader_cfg,
        max_iter: int, warmup: int) -> str:
    """Profile ``models`` (semi-conv first) and return the report (header and table)."""
    n = warmup + max_iter
    test_batches = batches(test_loader_cfg, n)
    train_batches = batches(train_loader_cfg, n)
    result = profile_models(models, test_batches, train_batches, warmup)
    shape = tuple(test_batches[0]['inputs'][0].shape[-2:])
    header = (f'torch.profiler (CPU), torch {torch.__version__}, {torch.get_num_threads()} '
              f'threads; median over {max_iter} profiled batches of '
              f'{len(test_batches[0]["inputs"])} (test) / {len(train_batches[0]["inputs"])} '
              f'(train) images after {warmup} warm-up, first test input {shape[0]}x{shape[1]}; '
              'ms per image (the profiler itself adds some time to every op)')
    return header + '\n\n' + table(result, list(models))
