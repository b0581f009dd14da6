"""The coordinate embedding u_hat of eq. (6), shared by every FPN level and every RoI, and the
one rule that puts an input-pixel mask on a feature level's cells.

Convention (one for the whole package, matching mmcv's ``RoIAlign(aligned=True)``):

* Coordinates are continuous positions in the frame of the network input (after resize and
  padding), x first; pixel ``k`` spans ``[k, k + 1)`` so its centre is ``k + 0.5``.
* A cell ``(i, j)`` of a feature map with stride ``s`` is centred at ``((j + 0.5) s, (i + 0.5) s)``;
  this is the point ``RoIAlign(aligned=True)`` samples for feature index ``j``.
* A cell ``(a, b)`` of an ``M x M`` grid over a box ``(x1, y1, x2, y2)`` is centred at
  ``(x1 + (b + 0.5) (x2 - x1) / M, y1 + (a + 0.5) (y2 - y1) / M)``: the centre of the RoIAlign bin.
* Both are divided by ``coord_scale`` so that the displacements Phi the network learns are
  O(1) (an object of a few hundred pixels spans a few units).

With these, ``Psi_u = Phi_u + u_hat`` of one image point is the same whichever level or RoI it is
read from (``tests/models/roi_heads/test_semiconv_embedding_branch.py`` checks this through
RoIAlign).
Coordinates are always built in float32: in fp16 a coordinate of 1000 has a step of 0.5 px.
"""
from typing import Tuple

import torch
from torch import Tensor


def level_coordinates(height: int, width: int, stride: float,
                      coord_scale: float, embed_dims: int,
                      device: torch.device) -> Tensor:
    """u_hat (eq. 6) of every cell of one feature level.

    Returns:
        Tensor: float32, shape (1, embed_dims, height, width); channel 0 is x, channel 1 is y,
        the remaining ``embed_dims - 2`` channels are zero.
    """
    ys = (torch.arange(height, device=device, dtype=torch.float32) + 0.5) * stride
    xs = (torch.arange(width, device=device, dtype=torch.float32) + 0.5) * stride
    u_hat = torch.zeros(1, embed_dims, height, width, device=device, dtype=torch.float32)
    u_hat[0, 0] = xs[None, :] / coord_scale
    u_hat[0, 1] = ys[:, None] / coord_scale
    return u_hat


def roi_grid_coordinates(rois: Tensor, size: int, coord_scale: float,
                         embed_dims: int) -> Tensor:
    """u_hat (eq. 6) of the centre of every cell of a ``size x size`` grid over each RoI.

    Args:
        rois (Tensor): shape (R, 5), ``(batch_idx, x1, y1, x2, y2)`` in input pixels.

    Returns:
        Tensor: float32, shape (R, embed_dims, size, size).
    """
    rois = rois.float()
    centres = (torch.arange(size, device=rois.device, dtype=torch.float32) + 0.5) / size
    x1, y1, x2, y2 = (rois[:, i, None] for i in range(1, 5))
    xs = (x1 + centres * (x2 - x1)) / coord_scale  # (R, size)
    ys = (y1 + centres * (y2 - y1)) / coord_scale
    u_hat = rois.new_zeros(rois.size(0), embed_dims, size, size)
    u_hat[:, 0] = xs[:, None, :]
    u_hat[:, 1] = ys[:, :, None]
    return u_hat


def sample_on_cells(masks: Tensor, stride: int, size: Tuple[int, int]) -> Tensor:
    """Masks in input pixels, read at the cell centres of a level with ``stride``.

    The cell centred at ``(j + 0.5) s`` takes the value of the input pixel ``s // 2 + j s``
    (the pixel that contains the centre). Cells past the mask (mmdet pads images at the
    bottom/right, so the top-left origin is shared) are background.

    Args:
        masks (Tensor): (..., H, W) masks in input pixels, any dtype, any device.
        stride (int): the level's stride in input pixels.
        size (tuple[int, int]): (h, w) of the level.

    Returns:
        Tensor: (..., h, w), same dtype and device.
    """
    h, w = size
    sampled = masks[..., stride // 2::stride, stride // 2::stride][..., :h, :w]
    out = masks.new_zeros(masks.shape[:-2] + (h, w))
    out[..., :sampled.size(-2), :sampled.size(-1)] = sampled
    return out
