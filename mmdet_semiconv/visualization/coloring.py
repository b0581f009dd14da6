"""Pictures of box-free colouring: masks against GT, seed map, Psi as colours, sigma map."""
from typing import List, Optional

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from ..evaluation.coloring_spread import seed_sigma_map  # noqa: E402
from .embedding import _pca_rgb  # noqa: E402


@torch.no_grad()
def draw_coloring_predictions(model, batch: dict, paths: List[str],
                              title: Optional[str] = None) -> None:
    """:func:`draw_coloring` of every image of a test batch of a :class:`SemiConvColoring`
    (masks scored above 0.5; the first class's maps; the batch's GT masks where it has them;
    the bandwidth each cell would cut with as a seed, in input px, with ``pixel_sigma``)."""
    model.eval()
    data = model.data_preprocessor(batch, False)
    head = model.mask_head
    phi, fg, seeds, log_sigma = head(model.extract_feat(data['inputs']))
    psi = head.psi(phi)
    results = head.predict_by_feat(phi, fg, seeds, log_sigma,
                                   [s.metainfo for s in data['data_samples']], rescale=False)
    if log_sigma is not None:
        sigma_px = seed_sigma_map(head, log_sigma)
    for i, (path, res) in enumerate(zip(paths, results)):
        sample = data['data_samples'][i]
        h, w = sample.img_shape
        gt = sample.get('gt_instances')
        gt_masks = (gt.masks.to_ndarray().astype(bool)[:, :h, :w]
                    if gt is not None and 'masks' in gt else None)
        img = data['inputs'][i].permute(1, 2, 0).cpu().numpy()
        img = (img - img.min()) / max(np.ptp(img), 1e-8)
        keep = (res.scores > 0.5).cpu().numpy()
        draw_coloring(path, img[:h, :w], res.masks.cpu().numpy()[keep],
                      seeds[i, 0].float().sigmoid().cpu().numpy(),
                      psi[i].cpu().numpy(), fg[i, 0].float().sigmoid().cpu().numpy() > 0.5,
                      head.phi_stride, title, gt_masks=gt_masks,
                      sigma_px=None if log_sigma is None else sigma_px[i].cpu().numpy(),
                      sigma_unit='px' if head.use_u_hat else 'units')


def draw_coloring(path: str, img: np.ndarray, masks: np.ndarray, seeds: np.ndarray,
                  psi: np.ndarray, fg: np.ndarray, stride: int,
                  title: Optional[str] = None, gt_masks: Optional[np.ndarray] = None,
                  sigma_px: Optional[np.ndarray] = None, sigma_unit: str = 'px') -> None:
    """One figure: input with predicted masks | (GT masks) | seed map | Psi as colours on the
    foreground | (the sigma map on the foreground).

    Args:
        img (np.ndarray): (H, W, 3) float in [0, 1], the network's input frame.
        masks (np.ndarray): (K, H, W) bool.
        seeds (np.ndarray): (h, w) seed scores on the cells of ``stride``.
        psi (np.ndarray): (D, h, w).
        fg (np.ndarray): (h, w) bool predicted foreground.
        gt_masks (np.ndarray, optional): (G, H, W) bool ground truth.
        sigma_px (np.ndarray, optional): (h, w) bandwidth of a seed at each cell.
    """
    h, w = img.shape[:2]
    panels = 3 + (gt_masks is not None) + (sigma_px is not None)
    fig, axes = plt.subplots(1, panels, figsize=(4 * panels, 4.2 * h / w + 0.5))
    extent = (0, seeds.shape[1] * stride, seeds.shape[0] * stride, 0)
    axes = list(axes)
    ax = axes.pop(0)
    ax.imshow(_overlay(img, masks))
    ax.set_title(f'{len(masks)} masks (score > 0.5)')
    if gt_masks is not None:
        ax = axes.pop(0)
        ax.imshow(_overlay(img, gt_masks))
        ax.set_title(f'{len(gt_masks)} GT instances')
    axes[0].imshow(seeds, vmin=0, vmax=1, cmap='magma', extent=extent)
    axes[0].set_title('seed map')
    axes[1].imshow(_pca_rgb(psi, fg), extent=extent)
    axes[1].set_title('Psi on the foreground (PCA as RGB)')
    if sigma_px is not None:
        shown = axes[2].imshow(np.where(fg, sigma_px, np.nan), cmap='viridis', extent=extent)
        axes[2].set_title(f'sigma of a seed ({sigma_unit})')
        fig.colorbar(shown, ax=axes[2], fraction=0.046)
    axes = fig.axes
    for ax in axes:
        ax.set_xlim(0, w)
        ax.set_ylim(h, 0)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _overlay(img: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """The image darkened, each mask in a random colour (seeded: the same order, the same
    colours in every panel)."""
    overlay = img * 0.5
    rng = np.random.default_rng(0)
    for m in masks:
        overlay[m] = overlay[m] * 0.3 + rng.uniform(0.2, 1.0, 3) * 0.7
    return overlay
