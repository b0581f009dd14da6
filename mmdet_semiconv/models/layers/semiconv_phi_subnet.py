"""SemiConvPhiSubnet: the shallow subnet of section 3.5 that predicts Phi."""
from typing import List, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmdet.registry import MODELS
from mmdet.utils import OptMultiConfig


class _ScaleGrad(torch.autograd.Function):
    """Identity forward; multiplies the incoming gradient by ``scale`` backward."""

    @staticmethod
    def forward(ctx, x: Tensor, scale: float) -> Tensor:
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tuple[Tensor, None]:
        return grad * ctx.scale, None


def shuffle_conv(in_channels: int, out_channels: int, factor: int) -> List[nn.Module]:
    """A 3x3 conv whose output a pixel shuffle (Shi et al., CVPR 2016) puts at ``factor`` times
    the input's resolution: (N, in, H, W) -> (N, out, factor H, factor W).

    Each of the factor x factor sub-cells of a cell gets its own learned output; the cost is
    ``factor^2`` output channels. ``factor = 1`` is the plain conv.
    """
    layers = [nn.Conv2d(in_channels, out_channels * factor * factor, 3, padding=1)]
    if factor > 1:
        layers.append(nn.PixelShuffle(factor))
    return layers


def scale_grad(x: Tensor, scale: float) -> Tensor:
    """Return ``x`` unchanged, with its gradient multiplied by ``scale``."""
    if scale == 1.0:
        return x
    return _ScaleGrad.apply(x, scale)


@MODELS.register_module()
class SemiConvPhiSubnet(BaseModule):
    """The embedding subnet of section 3.5: predicts the displacement field Phi on FPN levels.

    One subnet shared by all levels: ``1x1 conv (feat_channels) -> ReLU -> 3x3 conv (D)``.
    It outputs Phi only; :class:`SemiConvEmbeddingBranch` adds u_hat (``Psi = Phi + u_hat``,
    eqs. 3 and 6) and owns everything else of the branch.

    The paper found the RPN "extremely sensitive" to changes of the FPN, so the gradient this
    subnet sends back into the FPN is multiplied by ``fpn_grad_scale`` (0.1 in the paper); the
    forward values are untouched.

    ``upsample_factor`` r > 1 (a departure from the paper, for objects one or two P2 cells wide)
    makes the 3x3 conv predict ``D r^2`` channels that a pixel shuffle (Shi et al., CVPR 2016)
    rearranges into Phi at r times the input's resolution: each of the r x r sub-cells of a
    cell gets its own learned displacement, so a thin object's Phi need not be blended with its
    background's when RoIs read it (:func:`shuffle_conv`).

    Args:
        in_channels (int): FPN channels. Defaults to 256.
        feat_channels (int): channels of the hidden 1x1 conv. Defaults to 256.
        embed_dims (int): D, the embedding size (>= 2: the first two are x and y).
            Defaults to 8.
        fpn_grad_scale (float): gradient multiplier into the FPN. Defaults to 0.1.
        upsample_factor (int): r, Phi is output at r times the input resolution. Defaults to
            1 (the paper's subnet).
    """

    def __init__(self,
                 in_channels: int = 256,
                 feat_channels: int = 256,
                 embed_dims: int = 8,
                 fpn_grad_scale: float = 0.1,
                 upsample_factor: int = 1,
                 init_cfg: OptMultiConfig = dict(
                     type='Normal', layer='Conv2d', std=0.01)) -> None:
        super().__init__(init_cfg=init_cfg)
        if embed_dims < 2:
            raise ValueError(f'embed_dims must be >= 2 (x and y), got {embed_dims}')
        if int(upsample_factor) != upsample_factor or upsample_factor < 1:
            raise ValueError(f'upsample_factor must be an integer >= 1, got {upsample_factor}')
        self.embed_dims = embed_dims
        self.fpn_grad_scale = float(fpn_grad_scale)
        self.upsample_factor = int(upsample_factor)
        r = self.upsample_factor
        self.subnet = nn.Sequential(nn.Conv2d(in_channels, feat_channels, 1),
                                    nn.ReLU(inplace=True),
                                    *shuffle_conv(feat_channels, embed_dims, r))

    def forward(self, feat: Tensor) -> Tensor:
        """Phi of one FPN level: (N, C, H, W) -> (N, D, r H, r W), in the dtype autocast gives.

        One level per call: :class:`SemiConvEmbeddingBranch` computes a level only when a
        loss or a RoI first reads it.
        """
        return self.subnet(scale_grad(feat, self.fpn_grad_scale))
