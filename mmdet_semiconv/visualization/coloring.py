"""Pictures of box-free colouring: masks, seed map, Psi as colours, class foreground."""
from typing import List, Optional

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from .embedding import _pca_rgb  # noqa: E402


@torch.no_grad()
def draw_coloring_predictions(model, batch: dict, paths: List[str],
                              title: Optional[str] = None) -> None:
    """:func:`draw_coloring` of every image of a test batch of a :class:`SemiConvColoring`
    (masks scored above 0.5; the first class's maps)."""
    model.eval()
    data = model.data_preprocessor(batch, False)
    head = model.mask_head
    phi, fg, seeds, log_sigma = head(model.extract_feat(data['inputs']))
    psi = head.psi(phi)
    results = head.predict_by_feat(phi, fg, seeds, log_sigma,
                                   [s.metainfo for s in data['data_samples']], rescale=False)
    for i, (path, res) in enumerate(zip(paths, results)):
        h, w = data['data_samples'][i].img_shape
        img = data['inputs'][i].permute(1, 2, 0).cpu().numpy()
        img = (img - img.min()) / max(np.ptp(img), 1e-8)
        keep = (res.scores > 0.5).cpu().numpy()
        draw_coloring(path, img[:h, :w], res.masks.cpu().numpy()[keep],
                      seeds[i, 0].float().sigmoid().cpu().numpy(),
                      psi[i].cpu().numpy(), fg[i, 0].float().sigmoid().cpu().numpy() > 0.5,
                      head.phi_stride, title)


def draw_coloring(path: str, img: np.ndarray, masks: np.ndarray, seeds: np.ndarray,
                  psi: np.ndarray, fg: np.ndarray, stride: int,
                  title: Optional[str] = None) -> None:
    """One figure: input with predicted masks | seed map | Psi as colours on the foreground.

    Args:
        img (np.ndarray): (H, W, 3) float in [0, 1], the network's input frame.
        masks (np.ndarray): (K, H, W) bool.
        seeds (np.ndarray): (h, w) seed scores on the cells of ``stride``.
        psi (np.ndarray): (D, h, w).
        fg (np.ndarray): (h, w) bool predicted foreground.
    """
    h, w = img.shape[:2]
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.2 * h / w + 0.5))
    overlay = img * 0.5
    rng = np.random.default_rng(0)
    for m in masks:
        overlay[m] = overlay[m] * 0.3 + rng.uniform(0.2, 1.0, 3) * 0.7
    extent = (0, seeds.shape[1] * stride, seeds.shape[0] * stride, 0)
    axes[0].imshow(overlay)
    axes[0].set_title(f'{len(masks)} masks (score > 0.5)')
    axes[1].imshow(seeds, vmin=0, vmax=1, cmap='magma', extent=extent)
    axes[1].set_title('seed map')
    axes[2].imshow(_pca_rgb(psi, fg), extent=extent)
    axes[2].set_title('Psi on the foreground (3 principal axes as RGB)')
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
