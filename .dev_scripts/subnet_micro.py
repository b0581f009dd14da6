"""The Phi subnet on one P2 map of an 800x1067 image (2 threads): each conv alone, the 1x1 conv
as one addmm, and an FPN 3x3 conv for comparison; time and fresh pages per call.
Output: docs/overhead/subnet_micro.txt (see docs/benchmarks.md)."""
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
x = torch.randn(1, 256, 200, 272)
sub = nn.Sequential(nn.Conv2d(256, 256, 1), nn.ReLU(inplace=True),
                    nn.Conv2d(256, 8, 3, padding=1))
fpn3 = nn.Conv2d(256, 256, 3, padding=1)  # an FPN output conv at P2, for comparison


def mm_subnet(x):
    n, c, h, w = x.shape
    hid = torch.addmm(sub[0].bias[:, None], sub[0].weight.view(256, 256),
                      x.view(c, h * w)).relu_()
    return F.conv2d(hid.view(1, 256, h, w), sub[2].weight, sub[2].bias, padding=1)


def t(f, n=10):
    with torch.no_grad():
        f()
        s = time.perf_counter()
        for _ in range(n):
            f()
    return (time.perf_counter() - s) / n * 1e3


def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


with torch.no_grad():
    print('max diff mm vs conv', (mm_subnet(x) - sub(x)).abs().max().item())
for name, f in [('subnet conv', lambda: sub(x)), ('1x1 only', lambda: sub[0](x)),
                ('3x3 to 8 only', lambda: sub[2](x)), ('subnet as addmm', lambda: mm_subnet(x)),
                ('FPN 3x3 256->256 (9x the 1x1 MACs)', lambda: fpn3(x))]:
    f0 = faults()
    ms = t(f)
    print(f'{name}: {ms:.1f} ms, {(faults() - f0) * 4 / 1024 / 11:.0f} MiB faulted per call')
