"""SemiConvEmbeddingBranch: the semi-convolutional embedding branch of section 3.5 as one part."""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from torch import Tensor

from mmdet.registry import MODELS
from mmdet.structures.mask import BitmapMasks
from mmdet.utils import ConfigType, InstanceList, OptMultiConfig

from ..utils.coordinates import level_coordinates, roi_grid_coordinates, sample_on_cells
from ..utils.profiling import branch_scope


@MODELS.register_module()
class SemiConvEmbeddingBranch(BaseModule):
    """Everything the paper adds beside the mask head: Phi, u_hat, and the loss of eq. (5).

    Data flow::

        FPN levels x[:num_levels] --forward (phi_subnet)--> Phi per level (N, D, H_l, W_l)
          loss_by_feat: Psi = Phi + u_hat on the loss levels, GT masks read on their cells,
                        eq. (5)                                   -> loss_embedding
          roi_psi_by_feat: Phi RoI-aligned on the M x M mask grid by the mask RoI extractor's
                        own level mapping (mmdet's SingleRoIExtractor) + u_hat of each cell
                                                                  -> Psi (R, D, M, M)

    The RoI heads call :meth:`forward` once at the top of their ``loss``/``predict``/
    ``forward`` and hand the Phi tuple down to every mask stage, as mmdet's HTC hands down its
    semantic features. It computes Phi on every level that something may read (the loss levels
    and the levels the mask RoIs may be mapped to; P6 is read by neither in Mask R-CNN).

    The RoI geometry (``mask_size``, ``featmap_strides``, ``finest_scale``) must be the mask
    RoI extractor's, so that each mask logit s(u) meets the Psi of the same point u:
    :class:`SemiConvRoIHead` passes them from its mask RoI extractor and mask head.

    ``phi_stride`` (a departure from the paper, for thin objects): Phi is one map at this
    stride (2 or 1 with P2 at 4), predicted from P2 by the subnet with a learned upsampling
    (``SemiConvPhiSubnet.upsample_factor = strides[0] / phi_stride``); eq. (5) is computed
    on its cells and every RoI reads Psi from it. It exists because the paper's read of Psi at
    P2 blends a worm one or two cells wide with its background (docs/method.md, "Psi at a
    finer stride"). ``None`` (default) is the paper's design: Phi on each FPN level.

    Args:
        phi_subnet (dict): the Phi subnet, :class:`SemiConvPhiSubnet`. ``in_channels``
            defaults to the mask RoI extractor's ``out_channels`` (the FPN width).
        loss_embedding (dict): eq. (5), :class:`SemiConvEmbeddingLoss`.
        loss_levels (Sequence[int]): the Phi levels eq. (5) trains (0 = the finest, P2).
            Defaults to (0, 1, 2, 3), the four levels mmdet's mask RoI extractor reads. Train
            the levels the mask RoIs read Psi from: mmdet assigns a RoI to
            ``floor(log2(sqrt(wh) / 56 + 1e-6))``, so every RoI below 112 px reads P2.
        coord_scale (float): input pixels per embedding unit (u_hat = pixel / coord_scale).
            Defaults to 64.
        strides (Sequence[int]): stride of each FPN level in input pixels.
        mask_size (int): side M of the mask grid.
        featmap_strides (Sequence[int]): the strides the mask RoI extractor reads.
        finest_scale (int): the mask RoI extractor's level-mapping scale.
        roi_layer (dict): RoI layer for Phi. ``aligned=True`` is required: u_hat assumes
            RoIAlign's half-pixel convention.
        phi_stride (int, optional): one Phi map at this stride (divides ``strides[0]``),
            upsampled from the first FPN level; None: Phi per FPN level (the paper).
    """

    def __init__(self,
                 phi_subnet: ConfigType = dict(type='SemiConvPhiSubnet'),
                 loss_embedding: ConfigType = dict(type='SemiConvEmbeddingLoss'),
                 loss_levels: Sequence[int] = (0, 1, 2, 3),
                 coord_scale: float = 64.,
                 strides: Sequence[int] = (4, 8, 16, 32, 64),
                 mask_size: int = 28,
                 featmap_strides: Sequence[int] = (4, 8, 16, 32),
                 finest_scale: int = 56,
                 roi_layer: ConfigType = dict(type='RoIAlign', sampling_ratio=0, aligned=True),
                 phi_stride: Optional[int] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not (math.isfinite(coord_scale) and coord_scale > 0):
            raise ValueError(f'coord_scale must be finite and > 0, got {coord_scale} (inf would '
                             'make u_hat zero: a plain convolution)')
        if not roi_layer.get('aligned', True):
            raise ValueError("roi_layer must use aligned=True: u_hat assumes RoIAlign's "
                             'half-pixel convention')
        if tuple(featmap_strides) != tuple(strides[:len(featmap_strides)]):
            raise ValueError(f'featmap_strides {tuple(featmap_strides)} must be the first '
                             f'strides of the FPN {tuple(strides)}')
        if 'levels' in loss_embedding:
            raise ValueError('loss_embedding.levels is now the branch\'s loss_levels (since '
                             '2026-12-06): move it to semiconv_branch.loss_levels')
        if not loss_levels or any(isinstance(lvl, bool) or not isinstance(lvl, int) or lvl < 0
                                  for lvl in loss_levels):
            raise ValueError('loss_levels must be Phi level indices >= 0 (0 = the finest), '
                             f'got {list(loss_levels)}')
        self.loss_levels = tuple(loss_levels)
        self.phi_stride = phi_stride
        if phi_stride is not None:
            if phi_stride < 1 or strides[0] % phi_stride:
                raise ValueError(f'phi_stride must divide the finest FPN stride '
                                 f'{strides[0]}, got {phi_stride}')
            phi_subnet = dict(phi_subnet, upsample_factor=strides[0] // phi_stride)
            # one Phi map, read by every RoI whatever its size
            strides = featmap_strides = (phi_stride, )
        self.phi_subnet = MODELS.build(phi_subnet)
        self.loss_embedding = MODELS.build(loss_embedding)
        self.embed_dims = self.phi_subnet.embed_dims
        self.coord_scale = float(coord_scale)
        #: stride of each Phi level in input pixels (the FPN's, or ``(phi_stride, )``)
        self.strides = tuple(strides)
        self.mask_size = int(mask_size)
        self.roi_extractor = MODELS.build(
            dict(type='SingleRoIExtractor',
                 roi_layer=dict(roi_layer, output_size=self.mask_size),
                 out_channels=self.embed_dims,
                 featmap_strides=list(featmap_strides),
                 finest_scale=finest_scale))
        self.num_levels = max(len(featmap_strides), max(self.loss_levels) + 1)
        if self.num_levels > len(self.strides):
            raise ValueError(f'loss_levels {list(self.loss_levels)} reach past '
                             f'the {len(self.strides)} Phi levels (strides {self.strides})')

    def forward(self, x: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Phi on every level the loss or the mask RoIs may read, under the caller's autocast.

        Args:
            x (Sequence[Tensor]): FPN levels, each (N, C, H_l, W_l).

        Returns:
            tuple[Tensor]: ``num_levels`` Phi, each (N, D, r H_l, r W_l) (r = 1 but with
            ``phi_stride``).
        """
        if len(x) < self.num_levels:
            raise ValueError(f'{len(x)} FPN levels given, {self.num_levels} needed')
        phis = []
        for level in range(self.num_levels):
            with branch_scope(f'phi_subnet_{self.level_name(level)}'):
                phis.append(self.phi_subnet(x[level]))
        return tuple(phis)

    def level_name(self, level: int) -> str:
        """``'p2'`` for the level of stride 4: levels are named by log2 of their stride (as
        FPN levels are; ``phi_stride`` 1 is ``'p0'``)."""
        return f'p{int(math.log2(self.strides[level]))}'

    # --- Psi -------------------------------------------------------------------------------

    def level_psi(self, phi: Tensor, level: int) -> Tensor:
        """Psi = Phi + u_hat (eqs. 3, 6) of one FPN level, in float32.

        Args:
            phi (Tensor): (N, D, H_l, W_l) Phi of level ``level``.

        Returns:
            Tensor: (N, D, H_l, W_l) float32.
        """
        with branch_scope('u_hat'):
            u_hat = level_coordinates(phi.size(2), phi.size(3), self.strides[level],
                                      self.coord_scale, self.embed_dims, phi.device)
            return phi.float() + u_hat

    def roi_psi_by_feat(self, phis: Sequence[Tensor], rois: Tensor) -> Tensor:
        """Psi on the M x M mask grid of each RoI, in float32 (also under autocast).

        Phi (small, O(1)) is interpolated and the exact cell coordinates are added afterwards:
        interpolating Psi itself would round image coordinates in low precision.

        Args:
            phis (Sequence[Tensor]): :meth:`forward`'s Phi.
            rois (Tensor): (R, 5) ``(batch_idx, x1, y1, x2, y2)`` in input pixels.

        Returns:
            Tensor: (R, D, M, M) float32.
        """
        extractor = self.roi_extractor
        with torch.autocast(device_type=rois.device.type, enabled=False):
            with branch_scope('phi_roi_align'):
                phi_roi = extractor([phi.float() for phi in phis[:extractor.num_inputs]],
                                    rois.float())
            with branch_scope('u_hat'):
                # u_hat is zero beyond x and y: add those two channels, in place (phi_roi is
                # the extractor's new tensor)
                phi_roi[:, :2] += roi_grid_coordinates(rois.float(), self.mask_size,
                                                       self.coord_scale, embed_dims=2)
                return phi_roi

    # --- eq. (5) ---------------------------------------------------------------------------

    def cell_targets(self, batch_gt_instances: InstanceList,
                     sizes: Sequence[Tuple[int, int]],
                     device: torch.device) -> Tuple[List[Tensor], Tensor]:
        """GT masks of the whole batch on the cells of each loss level, on ``device``.

        Args:
            batch_gt_instances (list[InstanceData]): with ``masks`` (BitmapMasks or
                PolygonMasks) in the input frame.
            sizes (Sequence[tuple[int, int]]): (h, w) of each loss level.

        Returns:
            tuple: ``masks`` per loss level, (K, h, w) bool over the K instances of the
            batch, and ``img_ids`` (K,) long, the image of each instance.
        """
        per_level: List[List[Tensor]] = [[] for _ in sizes]
        img_ids = []
        for i, gt in enumerate(batch_gt_instances):
            if isinstance(gt.masks, BitmapMasks):
                # a view of the full-resolution masks: only the cells read are copied
                full = torch.from_numpy(gt.masks.masks)
            else:  # polygons are rasterised in the input frame first
                full = gt.masks.to_tensor(dtype=torch.bool, device='cpu')
            img_ids.append(torch.full((full.size(0), ), i, dtype=torch.long, device=device))
            for out, lvl, size in zip(per_level, self.loss_levels, sizes):
                out.append(sample_on_cells(full, self.strides[lvl], size).to(
                    device=device, dtype=torch.bool))
        return [torch.cat(m) for m in per_level], torch.cat(img_ids)

    def loss_by_feat(self, phis: Sequence[Tensor],
                     batch_gt_instances: InstanceList) -> Dict[str, Tensor]:
        """Eq. (5) on Psi of the loss levels for every GT instance.

        Returns:
            dict: ``loss_embedding``, the enabled companion terms (``loss_boundary``,
            ``loss_repulsion``; :meth:`SemiConvEmbeddingLoss.companion_losses`) and, for the
            log only, the unweighted eq. (5) of each level (``eq5_p2``, ...: P-number from the
            stride).
        """
        psis = [self.level_psi(phis[lvl], lvl) for lvl in self.loss_levels]
        with branch_scope('eq5_targets'):
            masks, img_ids = self.cell_targets(batch_gt_instances,
                                               [p.shape[-2:] for p in psis], psis[0].device)
        with branch_scope('eq5'):
            per_level = self.loss_embedding.level_losses(psis, masks, img_ids)
            losses = dict(loss_embedding=self.loss_embedding.loss_weight * per_level.mean(),
                          **self.loss_embedding.companion_losses(psis, masks, img_ids))
        for lvl, value in zip(self.loss_levels, per_level.detach()):
            losses[f'eq5_{self.level_name(lvl)}'] = value
        return losses

    def sigma_px(self, sigma: Tensor) -> Tensor:
        """A kernel bandwidth in embedding units, in input pixels (for the log)."""
        return sigma.detach() * self.coord_scale
