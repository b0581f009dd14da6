"""Pictures of what the model learned: masks over the input, Phi as arrows (Fig. 2), Psi as
colours (Fig. 5)."""
from typing import Optional, Sequence

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import Tensor  # noqa: E402


@torch.no_grad()
def image_embeddings(model, inputs: Tensor, data_samples: Sequence, level: int = 0):
    """Phi and Psi of a preprocessed batch on one FPN level.

    Args:
        model: a detector whose ``roi_head`` is a :class:`SemiConvRoIHead`.
        inputs (Tensor): (N, 3, H, W) preprocessed images.

    Returns:
        tuple[Tensor, Tensor]: Phi and Psi, each (N, D, H_l, W_l) float32, in embedding units.
    """
    neck = model.roi_head.embedding_neck
    phi = neck(model.extract_feat(inputs))[level]
    return phi.float(), neck.psi(phi, level)


def _pca_rgb(psi: np.ndarray, fg: np.ndarray) -> np.ndarray:
    """Project (D, H, W) embeddings of the foreground onto their 3 main axes, as RGB in [0,1]."""
    d, h, w = psi.shape
    rgb = np.ones((h, w, 3))
    pts = psi.reshape(d, -1).T[fg.ravel()]
    if len(pts) < 3:
        return rgb
    pts = pts - pts.mean(0)
    _, _, vt = np.linalg.svd(pts, full_matrices=False)
    proj = pts @ vt[:3].T
    proj = (proj - proj.min(0)) / np.maximum(np.ptp(proj, 0), 1e-8)
    if proj.shape[1] < 3:
        proj = np.pad(proj, ((0, 0), (0, 3 - proj.shape[1])), constant_values=0.5)
    rgb.reshape(-1, 3)[fg.ravel()] = proj
    return rgb


def draw_result(path: str, img: np.ndarray, masks: np.ndarray, phi: np.ndarray,
                psi: np.ndarray, stride: int, coord_scale: float,
                title: Optional[str] = None, arrow_step: int = 2) -> None:
    """One figure: input with predicted masks | Phi as arrows (Fig. 2) | Psi as colours.

    Args:
        img (np.ndarray): (H, W, 3) uint8 RGB input (in the network's input frame).
        masks (np.ndarray): (K, H, W) bool predicted masks.
        phi, psi (np.ndarray): (D, H_l, W_l) of one level with stride ``stride``.
    """
    h, w = img.shape[:2]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5 * h / w + 0.5))
    overlay = img.astype(float) / 255 * 0.5
    rng = np.random.default_rng(0)
    for m in masks:
        overlay[m] = overlay[m] * 0.4 + rng.uniform(0.3, 1.0, 3) * 0.6
    axes[0].imshow(overlay)
    axes[0].set_title(f'{len(masks)} predicted masks')

    hl, wl = phi.shape[1:]
    gray = img.mean(2) > 127
    fg = gray[stride // 2::stride, stride // 2::stride][:hl, :wl]
    fg = np.pad(fg, ((0, hl - fg.shape[0]), (0, wl - fg.shape[1])))
    axes[1].imshow(img, alpha=0.35)
    ys, xs = np.mgrid[:hl, :wl]
    sel = fg & (ys % arrow_step == 0) & (xs % arrow_step == 0)
    ux = (xs[sel] + 0.5) * stride
    uy = (ys[sel] + 0.5) * stride
    axes[1].quiver(ux, uy, phi[0][sel] * coord_scale, phi[1][sel] * coord_scale,
                   angles='xy', scale_units='xy', scale=1, width=0.002, color='tab:red')
    axes[1].set_xlim(0, w)
    axes[1].set_ylim(h, 0)
    axes[1].set_title('displacement Phi (arrows from u to u + Phi_u, Fig. 2)')
    axes[2].imshow(_pca_rgb(psi, fg), extent=(0, wl * stride, hl * stride, 0))
    axes[2].set_xlim(0, w)
    axes[2].set_ylim(h, 0)
    axes[2].set_title('Psi = Phi + u (3 principal axes as RGB)')
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def draw_kernel(path: str, img: np.ndarray, box: np.ndarray, kernel: np.ndarray,
                mask_logits: np.ndarray) -> None:
    """One detection: its box on the image | K(u_seed, u) on the RoI grid, seed marked |
    the final mask probability sigmoid(s + log K) (section 3.5).

    Args:
        box (np.ndarray): (4,) x1, y1, x2, y2 in the image's frame.
        kernel (np.ndarray): (M, M) K in [0, 1].
        mask_logits (np.ndarray): (M, M) s_hat of the detection's class; the seed is drawn
            at the argmax of K.
    """
    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    axes[0].imshow(img)
    x1, y1, x2, y2 = box
    axes[0].add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, color='r'))
    axes[0].set_title('detection')
    extent = (x1, x2, y2, y1)
    axes[1].imshow(kernel, extent=extent, vmin=0, vmax=1, cmap='viridis')
    sy, sx = np.unravel_index(np.argmax(kernel), kernel.shape)
    m = kernel.shape[0]
    axes[1].plot(x1 + (sx + 0.5) * (x2 - x1) / m, y1 + (sy + 0.5) * (y2 - y1) / m, 'r*',
                 markersize=12)
    axes[1].set_title('K(u_seed, u), seed *')
    prob = 1 / (1 + np.exp(-mask_logits))
    axes[2].imshow(prob, extent=extent, vmin=0, vmax=1, cmap='gray')
    axes[2].set_title('sigmoid(s + log K)')
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
