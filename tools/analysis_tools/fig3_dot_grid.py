"""The paper's dot-grid experiment (section 4.1, Fig. 3): conv vs semi-conv embeddings.

    python tools/analysis_tools/fig3_dot_grid.py [--iters 300] [--size 192] [--grid 4]
        [--lr 1e-3] [--coord-scale 32] [--seed 0] [--weights resnet50.pth]
        [--out docs/figures/fig3.png]

A ResNet-50 truncated after res2c (mmdet's ResNet, stride 4, 256 channels) followed by 1x1
filters to 8-D embeddings is trained on one image of identical dots on a grid with the eq. (5)
loss, twice: on the convolutional embedding Phi and on the semi-convolutional Psi = Phi + u.
The foreground embeddings are clustered by k-means into the true number of dots; the adjusted
Rand index and the mean per-dot purity say which embedding tells the copies apart. Prints both
and draws the figure.

Pretrained weights cannot be fetched here: the trunk trains from scratch unless ``--weights``
names a local torchvision/mmdet ResNet-50 checkpoint.
"""
import argparse
import os
import os.path as osp
import time
from dataclasses import dataclass
from typing import Dict, Optional

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from mmdet.models.backbones import ResNet  # noqa: E402
from mmdet_semiconv.datasets import DotGridConfig, generate_dot_grid  # noqa: E402
from mmdet_semiconv.models.losses import embedding_loss_single  # noqa: E402
from mmdet_semiconv.models.utils import level_coordinates, sample_on_cells  # noqa: E402
from mmdet_semiconv.utils.cli import add_dataclass_args  # noqa: E402

STRIDE = 4  # res2c


@dataclass
class Fig3Settings:
    """The experiment's knobs (each a flag of tools/analysis_tools/fig3_dot_grid.py)."""
    iters: int = 300
    size: int = 192  # image side in pixels
    grid: int = 4  # dots per row and column
    lr: float = 1e-3
    coord_scale: float = 32.
    seed: int = 0
    weights: Optional[str] = None  # local ResNet-50 checkpoint for the trunk
    out: str = 'docs/figures/fig3.png'


class Res2cEmbedding(nn.Module):
    """ResNet-50 up to res2c, then 1x1 filters to D-dimensional embeddings."""

    def __init__(self, dims: int = 8, weights: str = None):
        super().__init__()
        init = dict(type='Pretrained', checkpoint=weights) if weights else None
        self.trunk = ResNet(depth=50, num_stages=1, out_indices=(0, ), strides=(1, ),
                            dilations=(1, ), frozen_stages=-1, norm_eval=False, init_cfg=init)
        self.trunk.init_weights()
        self.head = nn.Conv2d(256, dims, 1)

    def forward(self, x):
        return self.head(self.trunk(x)[0])


def purity(labels: np.ndarray, clusters: np.ndarray) -> float:
    """Mean over dots of the fraction of the dot's pixels in its most common cluster."""
    out = []
    for k in np.unique(labels):
        _, counts = np.unique(clusters[labels == k], return_counts=True)
        out.append(counts.max() / counts.sum())
    return float(np.mean(out))


def train_embedding(semi: bool, image: torch.Tensor, masks: torch.Tensor,
                    args: Fig3Settings) -> np.ndarray:
    """Train one embedding and return its k-means clusters of the foreground pixels."""
    torch.manual_seed(args.seed)
    net = Res2cEmbedding(weights=args.weights)
    optim = torch.optim.Adam(net.parameters(), lr=args.lr)
    h, w = masks.shape[1:]
    u_hat = level_coordinates(h, w, STRIDE, args.coord_scale, 8, image.device)[0]
    for it in range(args.iters):
        phi = net(image)[0]
        emb = phi + u_hat if semi else phi
        loss, _ = embedding_loss_single(emb, masks)
        optim.zero_grad()
        loss.backward()
        optim.step()
        if it % 50 == 0 or it == args.iters - 1:
            print(f'  {"semi-conv" if semi else "conv":9s} iter {it:4d} loss {loss.item():.4f}')
    net.eval()
    with torch.no_grad():
        phi = net(image)[0]
        emb = (phi + u_hat) if semi else phi
    fg = masks.any(0)
    feats = emb[:, fg].t().numpy()
    return KMeans(n_clusters=len(masks), n_init=10, random_state=args.seed).fit_predict(feats)


def reproduce_fig3(args: Fig3Settings) -> Dict[str, Dict[str, float]]:
    """Train both embeddings, print the table, draw the figure; returns ARI and purity."""
    start = time.time()

    cfg = DotGridConfig(width=args.size, height=args.size, rows=args.grid, cols=args.grid,
                        radius=args.size / args.grid / 4, margin=args.size / args.grid / 2)
    full = np.stack(generate_dot_grid(cfg))  # (K, H, W)
    image = torch.from_numpy(full.any(0).astype(np.float32))[None, None].repeat(1, 3, 1, 1)
    image = (image - 0.5) / 0.5
    masks = sample_on_cells(torch.from_numpy(full), STRIDE,
                            (args.size // STRIDE, args.size // STRIDE))
    labels = masks.float().argmax(0)[masks.any(0)].numpy()

    results = {}
    for semi in (False, True):
        clusters = train_embedding(semi, image, masks, args)
        results[semi] = (clusters, adjusted_rand_score(labels, clusters),
                         purity(labels, clusters))

    print('\n| embedding | ARI | per-dot purity |\n|---|---|---|')
    for semi, name in ((False, 'convolutional Phi'), (True, 'semi-convolutional Psi')):
        print(f'| {name} | {results[semi][1]:.3f} | {results[semi][2]:.3f} |')

    fg = masks.any(0).numpy()
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.8))
    gt = np.full(fg.shape, -1)
    gt[fg] = labels
    panels = [(full.any(0), '(a) image', 'gray'), (gt, '(b) ground truth', 'tab20')]
    for semi, name in ((False, '(c) conv Phi'), (True, '(d) semi-conv Psi')):
        img = np.full(fg.shape, -1)
        img[fg] = results[semi][0]
        panels.append((img, f'{name}: ARI {results[semi][1]:.2f}', 'tab20'))
    for ax, (img, title, cmap) in zip(axes, panels):
        if cmap == 'tab20':
            img = np.ma.masked_less(img, 0)
        ax.imshow(img, cmap=cmap, interpolation='nearest')
        ax.set_title(title)
        ax.axis('off')
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    fig.savefig(args.out, dpi=80)
    print(f'\nfigure: {args.out}\nfinished in {time.time() - start:.0f} s')
    return {('semi-conv' if semi else 'conv'): dict(ari=r[1], purity=r[2])
            for semi, r in results.items()}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_dataclass_args(parser, Fig3Settings)
    args = parser.parse_args(argv)
    for name in ('iters', 'size', 'grid'):
        if getattr(args, name) < 1:
            parser.error(f'--{name} must be at least 1, got {getattr(args, name)}')
    if args.size < 4 * STRIDE * args.grid:
        parser.error(f'--size {args.size} leaves dots of under one res2c cell for --grid '
                     f'{args.grid}: give --size >= {4 * STRIDE * args.grid}')
    if args.lr <= 0 or args.coord_scale <= 0:
        parser.error('--lr and --coord-scale must be positive')
    return reproduce_fig3(Fig3Settings(**vars(args)))


if __name__ == '__main__':
    main()
