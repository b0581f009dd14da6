"""How precisely a colouring model's instances vote (issue 37 item 5).

Per ground-truth instance: its length (skeleton pixels), the spread of its cells' u_hat (how
far its pixels lie from their mean: the reach Phi must cancel), the spread of its learned Psi
(RMS distance of its cells' Psi to their mean) and the bandwidth it is cut with (the
instance's mean sigma over its cells, the two pixel dimensions). A cell joins its seed's mask
at K > 0.5, i.e. within ``sqrt(2 ln 2) sigma`` (Gaussian) or ``ln 2 sigma`` (Laplacian) of
the centre: an instance whose Psi spread is above that falls apart.
"""
from typing import Dict, List

import numpy as np
import torch
from skimage.morphology import skeletonize

from ..models.utils.coordinates import level_coordinates, sample_on_cells


@torch.no_grad()
def instance_spreads_of(model, batch: dict) -> List[Dict[str, float]]:
    """One row per GT instance of a test batch of a :class:`SemiConvColoring`: ``length_px``,
    ``reach_px`` (RMS distance of its pixels' u_hat to their mean), ``spread`` (the same of
    its Psi) and ``sigma`` (its cut's bandwidth), the last two in input px with u_hat and in
    embedding units without it (``unit``)."""
    model.eval()
    data = model.data_preprocessor(batch, False)
    head = model.mask_head
    phi, _, _, log_sigma = head(model.extract_feat(data['inputs']))
    psi = head.psi(phi)
    n, d, h, w = psi.shape
    scale = head.coord_scale if head.use_u_hat else 1.
    sigma_map = (head.kernel.sigma.expand(n, h, w) * scale if log_sigma is None else
                 seed_sigma_map(head, log_sigma))
    u_hat = level_coordinates(h, w, head.phi_stride, head.coord_scale, d, psi.device)[0]
    rows = []
    for i, sample in enumerate(data['data_samples']):
        gt = sample.gt_instances.masks.to_tensor(dtype=torch.bool, device=psi.device)
        cells = sample_on_cells(gt, head.phi_stride, (h, w))
        for full, mask in zip(gt, cells):
            if not mask.any():
                continue
            member, coords = psi[i][:, mask], u_hat[:2, mask]
            rows.append(dict(
                length_px=float(skeletonize(full.cpu().numpy()).sum()),
                reach_px=_rms(coords) * head.coord_scale,
                spread=_rms(member) * scale,
                sigma=float(sigma_map[i][mask].mean()),
                unit='px' if head.use_u_hat else 'units'))
    return rows


def seed_sigma_map(head, log_sigma: torch.Tensor) -> torch.Tensor:
    """The bandwidth a seed at each cell cuts with, (N, h, w), from the head's sigma map
    (N, S, h, w): the mean over the two pixel dimensions, in input px with u_hat and in
    embedding units without it."""
    sigma = head.kernel.sigma * (head.sigma_gain * log_sigma.float()[:, :2]).exp()
    return sigma.mean(1) * (head.coord_scale if head.use_u_hat else 1.)


def _rms(x: torch.Tensor) -> float:
    """RMS distance of the columns of x (D, P) to their mean."""
    return float((x - x.mean(1, keepdim=True)).pow(2).sum(0).mean().sqrt())


def draw_spreads(path: str, models: Dict[str, List[Dict[str, float]]]) -> None:
    """Psi spread and sigma against length, one colour per model, with the GT reach."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    first = next(iter(models.values()))
    axes[0].scatter([r['length_px'] for r in first], [r['reach_px'] for r in first], s=6,
                    c='0.6', label='u_hat (the reach Phi must cancel), px')
    for name, rows in models.items():
        unit = rows[0]['unit'] if rows else 'px'
        length = np.array([r['length_px'] for r in rows])
        axes[0].scatter(length, [r['spread'] for r in rows], s=6, label=f'{name} Psi ({unit})')
        axes[1].scatter(length, [r['sigma'] for r in rows], s=6, label=f'{name} ({unit})')
    axes[0].set_title('spread of an instance (RMS to its mean)')
    axes[1].set_title('sigma of an instance')
    for ax in axes:
        ax.set_xlabel('instance length (skeleton px)')
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
