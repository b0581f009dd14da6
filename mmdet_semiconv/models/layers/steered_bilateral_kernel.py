"""SteeredBilateralKernel: affinities from semi-convolutional embeddings (sections 3.4, 3.5)."""
import math
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmdet.registry import MODELS

# sqrt(d^2 + eps) keeps the gradient of the distance finite where Psi_u == Psi_seed (the argmax
# seed itself): d/dx ||x|| is 0/0 at 0.
_DIST_EPS = 1e-12


@MODELS.register_module()
class SteeredBilateralKernel(BaseModule):
    """K_sigma(u, v) between a seed and every pixel of a RoI, returned as log K.

    * ``form='laplacian'`` (eq. 10, the paper's choice):
      ``log K = -||Psi_u - Psi_seed|| / sigma``.
    * ``form='gaussian'`` (eq. 7 with a learned bandwidth; ``sigma = 1`` is eq. 7 exactly):
      ``log K = -||Psi_u - Psi_seed||^2 / (2 sigma^2)``.

    ``sigma = exp(log_sigma)`` is learned, so it stays positive.

    The seed (section 3.5) comes from the mask logits s of the RoI:

    * ``'soft'``: ``p = softmax(s)`` over the RoI, ``Psi_seed = sum_u p_u Psi_u`` (differentiable;
      used in training as the paper does);
    * ``'argmax'``: ``Psi_seed = Psi_{argmax s}`` (the paper's test-time rule).

    Everything here runs in float32, also under ``torch.autocast``: Psi carries image
    coordinates, which fp16/bf16 cannot resolve to a pixel.

    Args:
        sigma (float): initial sigma, in embedding units. Defaults to 1.
        form (str): the kernel's form, ``'laplacian'`` or ``'gaussian'``.
        train_seed (str): seed rule in training. Defaults to ``'soft'``.
        test_seed (str): seed rule in eval mode. Defaults to ``'argmax'``.
    """

    FORMS = ('laplacian', 'gaussian')
    SEEDS = ('soft', 'argmax')

    def __init__(self,
                 sigma: float = 1.0,
                 form: str = 'laplacian',
                 train_seed: str = 'soft',
                 test_seed: str = 'argmax',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if form not in self.FORMS:
            raise ValueError(f'form must be one of {self.FORMS}, got {form!r}')
        for name, seed in (('train_seed', train_seed), ('test_seed', test_seed)):
            if seed not in self.SEEDS:
                raise ValueError(f'{name} must be one of {self.SEEDS}, got {seed!r}')
        if not (math.isfinite(sigma) and sigma > 0):
            raise ValueError(f'sigma must be finite and > 0, got {sigma}')
        self.form = form
        self.train_seed = train_seed
        self.test_seed = test_seed
        self.log_sigma = nn.Parameter(torch.tensor(math.log(sigma)))

    @property
    def sigma(self) -> Tensor:
        return self.log_sigma.float().exp()

    @staticmethod
    def seed(psi: Tensor, scores: Tensor, mode: str) -> Tensor:
        """Psi_seed of each RoI (section 3.5).

        Args:
            psi (Tensor): (R, D, M, M) float32 Psi on the RoI grid.
            scores (Tensor): (R, M, M) mask logits s.
            mode (str): ``'soft'`` or ``'argmax'``.

        Returns:
            Tensor: (R, D) float32.
        """
        flat_psi = psi.flatten(2)  # (R, D, M*M)
        flat_s = scores.float().flatten(1)  # (R, M*M)
        if mode == 'soft':
            p = flat_s.softmax(dim=1)
            return torch.einsum('rdn,rn->rd', flat_psi, p)
        idx = flat_s.argmax(dim=1)
        return flat_psi.gather(2, idx[:, None, None].expand(-1, psi.size(1), 1))[..., 0]

    def forward(self, psi: Tensor, scores: Tensor,
                seed_mode: Optional[str] = None) -> Tensor:
        """log K_sigma(u_seed, u) for every cell u of every RoI.

        Args:
            psi (Tensor): (R, D, M, M) Psi on the RoI grid.
            scores (Tensor): (R, M, M) mask logits s that choose the seed.
            seed_mode (str, optional): overrides ``train_seed``/``test_seed``.

        Returns:
            Tensor: (R, M, M) float32 log K, <= 0.
        """
        mode = seed_mode or (self.train_seed if self.training else self.test_seed)
        with torch.autocast(device_type=psi.device.type, enabled=False):
            psi = psi.float()
            return self.log_affinity(psi, self.seed(psi, scores, mode))

    def log_affinity(self, psi: Tensor, psi_seed: Tensor,
                     sigma: Optional[Tensor] = None) -> Tensor:
        """log K_sigma(seed, u) of eq. (10) (or 7) for every cell u, one seed per map.

        Args:
            psi (Tensor): (R, D, *S) Psi, e.g. (R, D, M, M) on RoI grids or (R, D, H, W) on
                whole images.
            psi_seed (Tensor): (R, D) the seed's Psi of each map.
            sigma (Tensor, optional): (R, ) a bandwidth per map, or (R, D) one per embedding
                dimension (anisotropic: the distance is taken on ``(Psi - Psi_seed) / sigma``
                with sigma 1), in embedding units (the per-instance sigma of the colouring
                head's ``pixel_sigma`` departure). The learned ``sigma`` of this kernel by
                default, as in the paper.

        Returns:
            Tensor: (R, *S) float32 log K, <= 0.
        """
        with torch.autocast(device_type=psi.device.type, enabled=False):
            spatial = (1, ) * (psi.dim() - 2)
            psi_seed = psi_seed.float().reshape(psi_seed.shape + spatial)
            diff = psi.float() - psi_seed
            if sigma is not None and sigma.dim() == 2:
                diff = diff / sigma.float().reshape(sigma.shape + spatial)
                sigma = diff.new_ones(())
            elif sigma is None:
                sigma = self.sigma
            else:
                sigma = sigma.float().reshape((-1, ) + spatial)
            sq_dist = diff.pow(2).sum(dim=1)
            if self.form == 'laplacian':
                return -(sq_dist + _DIST_EPS).sqrt() / sigma
            return -sq_dist / (2 * sigma.pow(2))
