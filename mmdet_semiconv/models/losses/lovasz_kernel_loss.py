"""LovaszKernelLoss: the instance-level kernel loss of SpatialEmbeddings (a named departure)."""
import math

import torch
import torch.nn as nn
from kornia.losses import lovasz_hinge_loss
from torch import Tensor

from mmdet.registry import MODELS


@MODELS.register_module()
class LovaszKernelLoss(nn.Module):
    """Lovász hinge between each instance's kernel map and its mask, averaged over instances.

    The departure of SpatialEmbeddings (Neven et al., CVPR 2019) from a per-pixel loss on K:
    for instance k, the logits ``2 K(c_k, u) - 1`` over every cell u of its image (the cells of
    other instances are negatives) against its mask, through the Lovász extension of the
    Jaccard loss. It optimises each instance's IoU, so a few hard cells (where worms cross)
    cost what they cost the IoU, not one BCE term each.

    The input is ``log K`` as the paper's BCE on K takes it, so that ``loss_kernel`` of the
    colouring head switches between the two by ``type`` alone. Instances are the batch of
    kornia's ``lovasz_hinge_loss`` (one sort per row, no loop per instance), in float32.

    Args:
        loss_weight (float): >= 0. Defaults to 1.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        if not (math.isfinite(loss_weight) and loss_weight >= 0):
            raise ValueError(f'loss_weight must be finite and >= 0, got {loss_weight}')
        self.loss_weight = loss_weight

    def forward(self, log_k: Tensor, target: Tensor) -> Tensor:
        """
        Args:
            log_k (Tensor): (K, *S) log K of each instance's kernel map, <= 0.
            target (Tensor): (K, *S) its mask, 0 or 1.

        Returns:
            Tensor: float32 scalar, the mean over the K instances.
        """
        with torch.autocast(device_type=log_k.device.type, enabled=False):
            logits = 2 * log_k.float().exp().flatten(1) - 1
            return self.loss_weight * lovasz_hinge_loss(logits[:, None, :, None],
                                                        target.float().flatten(1)[..., None])
