"""Cost of the eq. (5) loss against the number of instances, side by side in one run.

    python tools/analysis_tools/benchmark_embedding_loss.py [--size 256] [--min-run-time 1]

Same image size, same covered pixels, 5 vs 50 vs 500 instances per image (the image is cut into
vertical stripes, one instance each, plus an overlapping copy of the first stripe so that a
pixel belongs to two instances). Prints forward+backward time per call and the ratio to 5
instances, for the loss on (instance, pixel) pairs (instance_spreads: should stay near 1;
a dense instances x pixels distance matrix would grow ~100x), and for the same loss called on
dense (K, H, W) masks (embedding_loss_single), whose nonzero() scan of the masks is itself
O(K H W). Each time is the median of torch.utils.benchmark's ``blocked_autorange``.
"""
import argparse

import torch
from torch.utils.benchmark import Timer

from mmdet_semiconv.models.losses import embedding_loss_single, instance_spreads
from mmdet_semiconv.utils.cli import positive_float, positive_int


def stripes(num: int, h: int, w: int) -> torch.Tensor:
    edges = torch.linspace(0, w, num + 1).long()
    masks = torch.zeros(num + 1, h, w, dtype=torch.bool)
    for k in range(num):
        masks[k, :, edges[k]:edges[k + 1]] = True
    masks[num] = masks[0]  # an overlapping instance
    return masks


def time_call(fn, min_run_time: float) -> float:
    """Median seconds of ``fn()[0].backward()`` (forward and backward of the loss)."""
    timer = Timer('fn()[0].backward()', globals=dict(fn=fn),
                  num_threads=torch.get_num_threads())
    return timer.blocked_autorange(min_run_time=min_run_time).median


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=positive_int, default=256, help='H = W of the Psi grid')
    parser.add_argument('--dims', type=positive_int, default=8)
    parser.add_argument('--min-run-time', type=positive_float, default=1.0,
                        help='seconds of timed calls per measurement')
    args = parser.parse_args()
    torch.manual_seed(0)
    psi = torch.randn(args.dims, args.size, args.size, requires_grad=True)
    print(f'eq. (5) forward+backward, Psi {args.dims}x{args.size}x{args.size}, '
          f'torch {torch.__version__}, {torch.get_num_threads()} threads')
    print('| instances | pairs: ms / call | ratio to 5 | dense masks: ms / call | ratio to 5 |')
    print('|---|---|---|---|---|')
    base = None
    for num in (5, 50, 500):
        masks = stripes(num, args.size, args.size)
        inst, pix = masks.flatten(1).nonzero(as_tuple=True)
        k = masks.size(0)
        rows = psi.flatten(1).t()
        t_pairs = time_call(lambda: (instance_spreads(rows, inst, pix, k)[0].sum(), ),
                            args.min_run_time)
        t_dense = time_call(lambda: embedding_loss_single(psi, masks), args.min_run_time)
        base = base or (t_pairs, t_dense)
        print(f'| {num} | {t_pairs * 1e3:.2f} | {t_pairs / base[0]:.2f} | '
              f'{t_dense * 1e3:.2f} | {t_dense / base[1]:.2f} |')


if __name__ == '__main__':
    main()
