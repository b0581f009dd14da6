"""RoIAlign of Phi (8 x 28 x 28) against the mask head's own (64 x 14 x 14) on 400 worm-sized RoIs,
at 1 and 2 threads. Output: docs/overhead/roi_align_threads.txt (see docs/benchmarks.md)."""
import time

import torch
from mmcv.ops import RoIAlign

torch.manual_seed(0)
x1, y1 = torch.rand(400) * 180, torch.rand(400) * 130  # worm-sized boxes on a 232x174 batch of 4
rois = torch.stack([torch.randint(0, 4, (400,)).float(), x1, y1,
                    x1 + 10 + torch.rand(400) * 50, y1 + 10 + torch.rand(400) * 40], 1)
phi, feat = torch.randn(4, 8, 44, 58, requires_grad=True), torch.randn(4, 64, 44, 58)
phi_align = RoIAlign(28, 0.25, sampling_ratio=0, aligned=True)   # the branch's
mask_align = RoIAlign(14, 0.25, sampling_ratio=0, aligned=True)  # Mask R-CNN's own
for threads in (1, 2):
    torch.set_num_threads(threads)
    for name, step in (('mask features 64x14x14', lambda: mask_align(feat, rois)),
                       ('Phi 8x28x28', lambda: phi_align(phi, rois)),
                       ('Phi 8x28x28 fwd + bwd', lambda: phi_align(phi, rois).sum().backward())):
        step()
        start = time.perf_counter()
        for _ in range(20):
            step()
        print(f'{threads} threads, {name}: {(time.perf_counter() - start) / 20 * 1e3:.1f} ms')
