"""Pictures of what the model learned: masks over the input, Phi as arrows (Fig. 2), Psi as
colours (Fig. 5)."""
import os
import os.path as osp
from typing import List, Optional, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import Tensor  # noqa: E402

from ..models.utils import sample_on_cells  # noqa: E402


@torch.no_grad()
def image_embeddings(model, inputs: Tensor, level: int = 0) -> Tuple[Tensor, Tensor]:
    """Phi and Psi of a preprocessed batch on one FPN level.

    Args:
        model: a detector whose ``roi_head`` has a :class:`SemiConvEmbeddingBranch`.
        inputs (Tensor): (N, 3, H, W) preprocessed images.

    Returns:
        tuple[Tensor, Tensor]: Phi and Psi, each (N, D, H_l, W_l) float32, in embedding units.
    """
    branch = model.roi_head.semiconv_branch
    phi = branch(model.extract_feat(inputs))[level]
    return phi.float(), branch.level_psi(phi, level)


@torch.no_grad()
def draw_predictions(model, dataloader, out_dir: str, num: int) -> List[str]:
    """:func:`draw_result` of the first ``num`` images of a test dataloader; returns the paths.

    Masks are drawn for detections scored above 0.5; Phi and Psi of P2 in the input frame.
    """
    model.eval()
    branch = model.roi_head.semiconv_branch
    os.makedirs(out_dir, exist_ok=True)
    paths: List[str] = []
    for batch in dataloader:
        data = model.data_preprocessor(batch, False)
        results = model(**data, mode='predict')
        phi, psi = image_embeddings(model, data['inputs'])
        for i, res in enumerate(results):
            if len(paths) >= num:
                return paths
            img = batch['inputs'][i].permute(1, 2, 0).numpy()[..., ::-1]  # BGR -> RGB
            h, w = res.ori_shape
            keep = res.pred_instances.scores > 0.5
            masks = res.pred_instances.masks[keep].cpu().numpy()
            name = osp.basename(res.img_path)
            path = osp.join(out_dir, f'{osp.splitext(name)[0]}.png')
            draw_result(path, np.ascontiguousarray(img[:h, :w]), masks, phi[i].cpu().numpy(),
                        psi[i].cpu().numpy(), branch.strides[0], branch.coord_scale,
                        title=f'{name}: {len(masks)} masks (score > 0.5)')
            paths.append(path)
    return paths


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
    fg = sample_on_cells(torch.from_numpy(img.mean(2) > 127), stride, (hl, wl)).numpy()
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
