"""SemiConvColoringHead: box-free instance colouring with semi-convolutional embeddings.

The paper's central claim (sections 3.1, 3.4, 3.6, 4.1) as a single-stage head: the pixels of
one object vote for one point, ``Psi_u = Phi_u + u_hat`` (eqs. 3, 6), and the steered
bilateral kernel (eq. 10) between a seed pixel and every other pixel cuts the object out,
without a box.
"""
import math
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.structures import InstanceData
from torch import Tensor

from mmdet.models.dense_heads.base_mask_head import BaseMaskHead
from mmdet.registry import MODELS
from mmdet.structures.mask import mask2bbox
from mmdet.utils import ConfigType, InstanceList, OptConfigType, OptMultiConfig

from ..layers import shuffle_conv
from ..losses.semiconv_embedding_loss import member_means
from ..utils.coordinates import level_coordinates, sample_on_cells


@MODELS.register_module()
class SemiConvColoringHead(BaseMaskHead):
    """Colours instances by their semi-convolutional embedding and decodes them greedily.

    Data flow::

        FPN levels x[:num_levels] --3x3 conv each, upsampled to the finest (stride 4), summed,
            stacked_convs 3x3 convs--> F (N, C_f, H/4, W/4)
        F --SemiConvPhiSubnet (pixel shuffle r = 4 / phi_stride)--> Phi (N, D, h, w)
        F --3x3 conv + the same pixel shuffle--> class foreground and seed logits (N, 2C, h, w)
        F --3x3 conv + the same pixel shuffle--> log sigma offsets (N, 1, h, w), only with
            ``pixel_sigma`` (a departure, below)
        Psi = Phi + u_hat (eq. 6; Phi alone with ``use_u_hat=False``, the convolutional
            embedding of section 3.1 that the coloring dilemma says must fail)

    Losses (:meth:`loss_by_feat`), every one on the cells of stride ``phi_stride``:

    * ``loss_embedding``: eq. (5), :class:`SemiConvEmbeddingLoss`, on Psi;
    * ``loss_kernel``: for each instance k, ``BCE(K(c_k, u), m_k(u))`` over every cell u of its
      image, with ``c_k`` the instance's mean Psi (the paper's BCE on K of section 3.5, with the
      instance mean for the seed), in log space and float32;
    * ``loss_fg``: per-class foreground, sigmoid cross-entropy against the union of the masks;
    * ``loss_seed``: a departure from the paper (which seeds from the mask logits inside a
      RoI, and has no RoI here): the sigmoid seed map regresses ``K(c_k, u)`` at the cells u of
      instance k (the highest one where instances overlap) and 0 elsewhere, the choice of
      SpatialEmbeddings (Neven et al., CVPR 2019): a cell is a good seed where its Psi lies
      near its instance's centre. The target is detached.
    * ``loss_sigma`` (only with ``pixel_sigma``): the log sigma offsets of an instance's cells
      regress their (detached) mean, so that any cell may serve as its seed.

    ``pixel_sigma=True`` is a second departure, off by default (the paper learns one sigma):
    SpatialEmbeddings' bandwidth per instance. A map s(u) offsets log sigma at every cell;
    instance k is cut with ``sigma_k = sigma exp(mean_k s)`` in training and with
    ``sigma exp(s(seed))`` at test time. s starts at 0, where it is the paper's kernel:
    the kernel's BCE can then widen the bandwidth of long objects whose Psi spreads more
    (worms) without widening it for small ones.

    The successors' training signal (issue 37), each a named departure, off by default:

    * ``loss_kernel=dict(type='LovaszKernelLoss')``: SpatialEmbeddings' Lovász hinge on
      ``2K - 1`` per instance over its image, in place of the BCE on K;
    * ``anisotropic_sigma=True`` (with ``pixel_sigma``): the sigma map has one channel per
      embedding dimension, and instance k is cut with ``sigma_k,d = sigma exp(g mean_k s_d)``
      (``g = sigma_gain``; EmbedSeg's published ``exp(10 s)`` is ``sigma_gain=10``);
    * ``seed_fg_weight``: the seed regression weighs foreground cells by this factor
      (SpatialEmbeddings' and EmbedSeg's ``foreground_weight``, 10);
    * ``centre``: the point instance k's kernel is centred on in training: ``'mean'`` (its
      mean Psi, the paper's and SpatialEmbeddings' learned centre), ``'centroid'`` (the GT
      centroid) or ``'medoid'`` (the GT cell nearest to all others, EmbedSeg; a bent worm's
      centroid may lie off its body). With a GT point the first two dimensions (the ones
      u_hat fills) are that point, the others the instance's mean Psi.
    * ``kernel=dict(form='gaussian')``: SpatialEmbeddings' Gaussian kernel (eq. 7) instead
      of the Laplacian of eq. (10).

    Decoding (:meth:`predict_by_feat`, section 3.4): per class, the best remaining seed whose
    score passes ``seed_thr``, mask = ``{u : K(seed, u) > mask_thr}`` within the class
    foreground; the mask's cells are removed as seeds and (unless ``overlap``) as members of
    later masks; repeat up to ``max_per_img``. ``overlap=True`` keeps removed cells available
    to later masks, so that a crossing may belong to two instances (overlapping worms).
    Two decoding departures make the test-time centre the one training used:
    ``refine_centre=True`` cuts once from the seed's Psi, then again from the mean Psi (and
    mean sigma) of that first mask, so that one cell's noisy Psi does not decide the mask;
    ``min_unclaimed`` (EmbedSeg: 0.5) keeps a mask only if more than that fraction of its
    cells is still unclaimed (its cells stop being seeds either way).

    Args:
        num_classes (int): number of classes (one foreground and one seed map each).
        in_channels (int): FPN channels.
        feat_channels (int): channels of the fused features F.
        num_levels (int): FPN levels fused, finest first. Defaults to 4 (P2-P5).
        stacked_convs (int): 3x3 convs after the fusion. Defaults to 2.
        phi_stride (int): stride of Psi and the maps, 4 (the finest FPN level), 2 or 1.
        embed_dims (int): D of Phi (>= 2; u_hat fills the first two). Defaults to 8.
        coord_scale (float): input pixels per embedding unit (u_hat = pixel / coord_scale).
        use_u_hat (bool): ``Psi = Phi + u_hat`` (True, semi-convolutional) or ``Psi = Phi``
            (False, convolutional). Defaults to True.
        kernel (dict): :class:`SteeredBilateralKernel` (sigma in embedding units).
        pixel_sigma (bool): a bandwidth per instance from a per-cell map (departure, above).
            Defaults to False.
        anisotropic_sigma (bool): one bandwidth per embedding dimension (needs
            ``pixel_sigma``). Defaults to False.
        sigma_gain (float): g of ``sigma exp(g s)``. Defaults to 1.
        seed_fg_weight (float): weight of the foreground cells in the seed regression.
            Defaults to 1 (every cell alike).
        centre (str): ``'mean'`` (default), ``'centroid'`` or ``'medoid'`` (above).
        loss_embedding, loss_kernel, loss_fg, loss_seed, loss_sigma (dict): the losses above.
        norm_cfg (dict): norm of the fusion convs. Defaults to GN with 32 groups.
        train_cfg, test_cfg (dict): ``test_cfg`` holds ``fg_thr``, ``seed_thr``, ``mask_thr``,
            ``min_area`` (input px), ``max_per_img``, ``overlap``, ``refine_centre``,
            ``min_unclaimed``, ``absorb_fragments`` and ``decode_at``
            (:meth:`_predict_by_feat_single`).
    """

    CENTRES = ('mean', 'centroid', 'medoid')

    def __init__(self,
                 num_classes: int,
                 in_channels: int = 256,
                 feat_channels: int = 128,
                 num_levels: int = 4,
                 stacked_convs: int = 2,
                 strides: Tuple[int, ...] = (4, 8, 16, 32),
                 phi_stride: int = 2,
                 embed_dims: int = 8,
                 coord_scale: float = 32.,
                 use_u_hat: bool = True,
                 kernel: ConfigType = dict(type='SteeredBilateralKernel', sigma=0.3),
                 loss_embedding: ConfigType = dict(
                     type='SemiConvEmbeddingLoss', normalize='instance'),
                 loss_kernel: ConfigType = dict(type='LogSpaceBCELoss', loss_weight=1.0),
                 loss_fg: ConfigType = dict(
                     type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
                 loss_seed: ConfigType = dict(type='MSELoss', loss_weight=1.0),
                 pixel_sigma: bool = False,
                 loss_sigma: ConfigType = dict(type='MSELoss', loss_weight=10.0),
                 anisotropic_sigma: bool = False,
                 sigma_gain: float = 1.0,
                 seed_fg_weight: float = 1.0,
                 centre: str = 'mean',
                 norm_cfg: ConfigType = dict(type='GN', num_groups=32, requires_grad=True),
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not (math.isfinite(coord_scale) and coord_scale > 0):
            raise ValueError(f'coord_scale must be finite and > 0, got {coord_scale}: '
                             'u_hat = pixel / coord_scale')
        if phi_stride < 1 or strides[0] % phi_stride:
            raise ValueError(f'phi_stride must divide the finest FPN stride {strides[0]}, '
                             f'got {phi_stride}')
        if not 1 <= num_levels <= len(strides):
            raise ValueError(f'num_levels must be in [1, {len(strides)}], got {num_levels}')
        if centre not in self.CENTRES:
            raise ValueError(f'centre must be one of {self.CENTRES}, got {centre!r}')
        if anisotropic_sigma and not pixel_sigma:
            raise ValueError('anisotropic_sigma=True needs pixel_sigma=True: the bandwidths '
                             'per dimension come from the sigma map')
        for name, value in (('sigma_gain', sigma_gain), ('seed_fg_weight', seed_fg_weight)):
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f'{name} must be finite and > 0, got {value}')
        self.centre = centre
        self.sigma_gain = float(sigma_gain)
        self.seed_fg_weight = float(seed_fg_weight)
        self.sigma_channels = embed_dims if anisotropic_sigma else 1
        self.num_classes = num_classes
        self.num_levels = num_levels
        self.strides = tuple(strides)
        self.phi_stride = phi_stride
        self.embed_dims = embed_dims
        self.coord_scale = float(coord_scale)
        self.use_u_hat = use_u_hat
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        factor = strides[0] // phi_stride
        self.lateral_convs = nn.ModuleList(
            ConvModule(in_channels, feat_channels, 3, padding=1, norm_cfg=norm_cfg)
            for _ in range(num_levels))
        self.fused_convs = nn.Sequential(*(
            ConvModule(feat_channels, feat_channels, 3, padding=1, norm_cfg=norm_cfg)
            for _ in range(stacked_convs)))
        # Phi: the subnet of section 3.5 with the pixel-shuffle upsampling of phi_stride; its
        # gradient into F is not scaled (F is this head's own, not a shared FPN)
        self.phi_subnet = MODELS.build(dict(
            type='SemiConvPhiSubnet', in_channels=feat_channels,
            feat_channels=feat_channels, embed_dims=embed_dims, fpn_grad_scale=1.0,
            upsample_factor=factor))
        self.maps = nn.Sequential(*shuffle_conv(feat_channels, 2 * num_classes, factor))
        self.pixel_sigma = pixel_sigma
        if pixel_sigma:
            self.sigma_map = nn.Sequential(
                *shuffle_conv(feat_channels, self.sigma_channels, factor))
            self.loss_sigma = MODELS.build(loss_sigma)
        self.kernel = MODELS.build(kernel)
        self.loss_embedding = MODELS.build(loss_embedding)
        self.loss_kernel = MODELS.build(loss_kernel)
        self.loss_fg = MODELS.build(loss_fg)
        self.loss_seed = MODELS.build(loss_seed)

    def init_weights(self) -> None:
        super().init_weights()
        # the foreground and seed maps start at p = 0.01, as the classifiers of mmdet's
        # dense heads, so that the many background cells do not dominate the first steps
        nn.init.normal_(self.maps[0].weight, std=0.01)
        nn.init.constant_(self.maps[0].bias, -math.log(99))
        if self.pixel_sigma:
            # s = 0 everywhere: the paper's one learned sigma until the BCE moves it
            nn.init.zeros_(self.sigma_map[0].weight)
            nn.init.zeros_(self.sigma_map[0].bias)

    def forward(self, x: Tuple[Tensor, ...]
                ) -> Tuple[Tensor, Tensor, Tensor, Optional[Tensor]]:
        """Phi and the maps from FPN features.

        Args:
            x (tuple[Tensor]): FPN levels, finest first, (N, C_in, H_l, W_l).

        Returns:
            tuple: Phi (N, D, h, w), the foreground logits and the seed logits
            (N, num_classes, h, w), and the sigma map s (N, S, h, w), S = 1 or D
            (``anisotropic_sigma``), with ``pixel_sigma`` or None; (h, w) = the finest
            level's x 4 / ``phi_stride``, in the dtype autocast gives.
        """
        size = x[0].shape[-2:]
        fused = self.lateral_convs[0](x[0])
        for conv, feat in zip(self.lateral_convs[1:], x[1:self.num_levels]):
            fused = fused + F.interpolate(conv(feat), size=size, mode='bilinear',
                                          align_corners=False)
        fused = self.fused_convs(fused)
        fg_logits, seed_logits = self.maps(fused).split(self.num_classes, dim=1)
        log_sigma = self.sigma_map(fused) if self.pixel_sigma else None
        return self.phi_subnet(fused), fg_logits, seed_logits, log_sigma

    def psi(self, phi: Tensor) -> Tensor:
        """Psi = Phi + u_hat (eq. 6) in float32, or Phi alone without ``use_u_hat``.

        Args:
            phi (Tensor): (N, D, h, w).

        Returns:
            Tensor: (N, D, h, w) float32.
        """
        phi = phi.float()
        if not self.use_u_hat:
            return phi
        h, w = phi.shape[-2:]
        return phi + level_coordinates(h, w, self.phi_stride, self.coord_scale,
                                       self.embed_dims, phi.device)

    def loss_by_feat(self, phi: Tensor, fg_logits: Tensor, seed_logits: Tensor,
                     log_sigma: Optional[Tensor], batch_gt_instances: InstanceList,
                     batch_img_metas: List[dict], **kwargs) -> Dict[str, Tensor]:
        """The losses of the class docstring, and diagnostics.

        Args:
            phi (Tensor): (N, D, h, w).
            fg_logits, seed_logits (Tensor): (N, num_classes, h, w).
            log_sigma (Tensor, optional): (N, 1, h, w) log sigma offsets (``pixel_sigma``).
            batch_gt_instances (list[InstanceData]): ``masks`` padded to the batch input
                (BaseMaskHead.loss does it) and ``labels``.
            batch_img_metas (list[dict]): image metas.

        Returns:
            dict: ``loss_embedding``, ``loss_kernel``, ``loss_fg``, ``loss_seed`` (and
            ``loss_sigma``) and the logged, non-loss ``sigma_px`` (the mean over instances
            with ``pixel_sigma``), ``logk_own``, ``logk_other``. Every loss is finite,
            with a gradient path, for a batch without instances.
        """
        psi = self.psi(phi)
        n, _, h, w = psi.shape
        masks, img_ids, labels = self._targets_on_cells(batch_gt_instances, (h, w), psi.device)
        zero = psi.sum() * 0
        loss_embedding = self.loss_embedding([psi], [masks], img_ids)

        # per instance: the centre of K over its whole image (``centre``)
        inst, ys, xs = masks.nonzero(as_tuple=True)
        rows = psi.permute(0, 2, 3, 1).reshape(-1, psi.size(1))
        cells = (img_ids[inst] * h + ys) * w + xs
        member = rows[cells]
        means, _ = member_means(member, inst, masks.size(0))
        centres = self._centres(means, xs, ys, inst, masks.size(0))
        sigma, losses = None, {}
        if log_sigma is not None:
            s = log_sigma.float().permute(0, 2, 3, 1).reshape(-1, self.sigma_channels)[cells]
            s_mean, _ = member_means(s, inst, masks.size(0))  # (K, S)
            sigma = self.kernel.sigma * (self.sigma_gain * s_mean).exp()
            if self.sigma_channels == 1:
                sigma = sigma[:, 0]
            losses['loss_sigma'] = (self.loss_sigma(s, s_mean[inst].detach())
                                    if masks.size(0) else log_sigma.sum() * 0)
        log_k = self.kernel.log_affinity(psi[img_ids], centres, sigma)  # (K, h, w)
        spread = (member - means[inst]).detach().pow(2).sum(1)
        spread = (spread.new_zeros(masks.size(0)).index_add_(0, inst, spread)
                  / masks.flatten(1).sum(1).clamp(min=1)).sqrt()  # (K, ) RMS, units
        fg_target = psi.new_zeros(n * self.num_classes, h, w)
        seed_target = psi.new_zeros(n * self.num_classes, h, w)
        if masks.size(0):
            loss_kernel = self.loss_kernel(log_k, masks.float())
            slot = img_ids * self.num_classes + labels
            fg_target.index_reduce_(0, slot, masks.float(), 'amax')
            seed_target.index_reduce_(0, slot, (log_k.detach().exp() * masks), 'amax')
        else:
            loss_kernel = zero + log_k.sum() * 0
        fg_target = fg_target.view(n, self.num_classes, h, w)
        seed_target = seed_target.view(n, self.num_classes, h, w)
        loss_fg = self.loss_fg(fg_logits.float().flatten(), fg_target.flatten())
        seed_weight = (None if self.seed_fg_weight == 1 else
                       1 + (self.seed_fg_weight - 1) * fg_target)
        loss_seed = self.loss_seed(seed_logits.float().sigmoid(), seed_target,
                                   weight=seed_weight)
        return dict(loss_embedding=loss_embedding, loss_kernel=loss_kernel, loss_fg=loss_fg,
                    loss_seed=loss_seed, **losses,
                    **self._kernel_diagnostics(log_k.detach(), masks, img_ids, n, sigma,
                                               spread))

    def _centres(self, means: Tensor, xs: Tensor, ys: Tensor, inst: Tensor,
                 num: int) -> Tensor:
        """The centre each instance's kernel is cut around in training (``centre``): its
        mean Psi (num, D), with the first two dimensions replaced by the u_hat of its GT
        centroid or medoid. xs, ys (P,) are the cells of the (instance, cell) pairs inst."""
        if self.centre == 'mean' or not num:
            return means
        points = torch.stack([xs, ys], 1).float()
        if self.centre == 'centroid':
            point, _ = member_means(points, inst, num)
        else:
            point = instance_medoids(points, inst, num)
        centres = means.clone()
        centres[:, :2] = (point + 0.5) * self.phi_stride / self.coord_scale
        return centres

    def _targets_on_cells(self, batch_gt_instances: InstanceList, size: Tuple[int, int],
                          device: torch.device) -> Tuple[Tensor, Tensor, Tensor]:
        """Every instance's mask on Psi's cells (K, h, w) bool, its image and its label (K,)."""
        masks, img_ids, labels = [], [], []
        for i, gt in enumerate(batch_gt_instances):
            m = gt.masks.to_tensor(dtype=torch.bool, device=device)
            masks.append(sample_on_cells(m, self.phi_stride, size))
            img_ids.append(torch.full((len(m), ), i, dtype=torch.long, device=device))
            labels.append(gt.labels.to(device).long())
        return torch.cat(masks), torch.cat(img_ids), torch.cat(labels)

    def _kernel_diagnostics(self, log_k: Tensor, masks: Tensor, img_ids: Tensor,
                            num_images: int, sigma: Optional[Tensor],
                            spread: Tensor) -> Dict[str, Tensor]:
        """Logged, not losses: sigma (the mean over instances of ``sigma`` if given, and with
        a bandwidth per dimension over the two dimensions u_hat fills) and the instances' mean
        Psi spread (RMS distance of its cells' Psi to their mean), in input pixels
        (``sigma_px``, ``spread_px``) with u_hat, in embedding units without it
        (``sigma_units``, ``spread_units``: a Psi = Phi embedding has no pixel unit); mean
        log K of each instance's own cells and of the cells of the other instances of its
        image."""
        if sigma is None or not len(sigma):
            sigma = self.kernel.sigma
        else:  # per dimension: the two that u_hat fills carry the pixel unit
            sigma = sigma[:, :2].mean() if sigma.dim() == 2 else sigma.mean()
        if self.use_u_hat:
            out = dict(sigma_px=sigma.detach() * self.coord_scale)
            if len(spread):
                out['spread_px'] = spread.mean() * self.coord_scale
        else:
            out = dict(sigma_units=sigma.detach())
            if len(spread):
                out['spread_units'] = spread.mean()
        if masks.size(0):
            union = masks.new_zeros((num_images, ) + masks.shape[1:])
            union.index_put_((img_ids, ), masks, accumulate=True)
            others = union[img_ids] & ~masks
            out['logk_own'] = log_k[masks].mean()
            if others.any():
                out['logk_other'] = log_k[others].mean()
        return out

    def predict_by_feat(self, phi: Tensor, fg_logits: Tensor, seed_logits: Tensor,
                        log_sigma: Optional[Tensor], batch_img_metas: List[dict],
                        rescale: bool = True, **kwargs) -> InstanceList:
        """Greedy seed decoding of every image (class docstring).

        Returns:
            list[InstanceData]: per image ``masks`` (n, H, W) bool (the original image's size
            with ``rescale``, else the input's), ``scores``, ``labels`` and ``bboxes`` from the
            masks.
        """
        if log_sigma is None:  # the kernel's one sigma: s = 0 everywhere
            log_sigma = phi.new_zeros((phi.size(0), 1) + phi.shape[-2:])
        log_sigma = log_sigma * self.sigma_gain
        maps = torch.cat([self.psi(phi), fg_logits.float(), seed_logits.float(),
                          log_sigma.float()], dim=1)
        return [self._predict_by_feat_single(m, meta, rescale)
                for m, meta in zip(maps, batch_img_metas)]

    def _predict_by_feat_single(self, maps: Tensor, img_meta: dict,
                                rescale: bool) -> InstanceData:
        """Decode one image from ``maps`` (D + 2 num_classes + 1, h, w): Psi (float32), the
        foreground and the seed logits, and the log sigma offsets (1 or D channels).

        ``test_cfg.decode_at = 'input'`` (default) first takes the maps to the input's pixels
        (bilinear, which reproduces u_hat exactly), so that masks follow the foreground and
        the kernel below a cell; ``'cells'`` decodes on the cells of ``phi_stride``.
        """
        cfg = self.test_cfg
        img_h, img_w = img_meta['img_shape'][:2]
        out_h, out_w = img_meta['ori_shape'][:2] if rescale else (img_h, img_w)
        stride = self.phi_stride
        if cfg.get('decode_at', 'input') == 'input':
            maps = F.interpolate(maps[None], scale_factor=stride, mode='bilinear',
                                 align_corners=False)[0, :, :img_h, :img_w]
            stride = 1
        psi, fg, seeds, log_sigma = maps.split(
            [self.embed_dims, self.num_classes, self.num_classes,
             maps.size(0) - self.embed_dims - 2 * self.num_classes])
        masks, scores, labels = self.decode(psi, fg.sigmoid(), seeds.sigmoid(), stride**2,
                                            log_sigma)
        results = InstanceData()
        if masks.size(0):
            out = self._resize_masks(masks, stride, (img_h, img_w), (out_h, out_w))
            keep = out.flatten(1).sum(1) >= cfg.get('min_area', 0)
            results.masks = out[keep]
            results.scores, results.labels = scores[keep], labels[keep]
        else:
            results.masks = maps.new_zeros((0, out_h, out_w), dtype=torch.bool)
            results.scores, results.labels = scores, labels
        results.bboxes = mask2bbox(results.masks).to(maps.dtype)
        return results

    @staticmethod
    def _resize_masks(masks: Tensor, stride: int, img_shape: Tuple[int, int],
                      out_shape: Tuple[int, int]) -> Tensor:
        """(n, h, w) bool masks on cells of ``stride`` -> (n, *out_shape) bool.

        Bilinear, as SOLOv2 does, for the masks and for their union, whose pixels each go at
        least to the mask that covers them most: touching masks still tile the foreground
        they were cut from (a pixel between two cells of two masks has 0.5 of each).
        """
        up = torch.cat([masks, masks.any(0, keepdim=True)]).float()[None]
        if stride > 1:
            up = F.interpolate(up, scale_factor=stride, mode='bilinear',
                               align_corners=False)
        up = up[..., :img_shape[0], :img_shape[1]]
        if tuple(out_shape) != tuple(img_shape):
            up = F.interpolate(up, size=tuple(out_shape), mode='bilinear', align_corners=False)
        up, union = up[0, :-1], up[0, -1]
        owner = up.argmax(0) == torch.arange(len(up), device=up.device)[:, None, None]
        return (up > 0.5) | (owner & (union > 0.5))

    @torch.no_grad()
    def decode(self, psi: Tensor, fg: Tensor, seeds: Tensor, cell_area: float = 1.,
               log_sigma: Optional[Tensor] = None) -> Tuple[Tensor, Tensor, Tensor]:
        """Greedy seeds on a grid of cells or pixels (section 3.4), class by class.

        Args:
            psi (Tensor): (D, h, w) float32 Psi of one image.
            fg (Tensor): (num_classes, h, w) foreground probabilities.
            seeds (Tensor): (num_classes, h, w) seed scores.
            cell_area (float): input pixels per grid cell (for ``min_area``).
            log_sigma (Tensor, optional): (S, h, w) log sigma offsets, S = 1 or D; a seed u
                cuts with ``sigma exp(s(u))``. None: the kernel's sigma.

        Returns:
            tuple[Tensor, Tensor, Tensor]: masks (n, h, w) bool on the grid, scores (n,) and
            labels (n,), by decreasing score, at most ``max_per_img``.
        """
        cfg = self.test_cfg
        cap = cfg.get('max_per_img', 100)
        sigma = self.kernel.sigma.expand(psi[0].numel(), 1)
        if log_sigma is not None:
            sigma = sigma * log_sigma.float().flatten(1).t().exp()  # (P, S)
        masks, scores, labels = [], [], []
        for c in range(self.num_classes):
            if len(masks) >= cap:
                break
            m, s = self._decode_class(psi.flatten(1), fg[c].flatten(), seeds[c].flatten(),
                                      sigma, cap - len(masks), cell_area)
            masks += [mask.view(psi.shape[-2:]) for mask in m]
            scores += s
            labels += [c] * len(m)
        if not masks:
            return (psi.new_zeros((0, ) + psi.shape[-2:], dtype=torch.bool),
                    psi.new_zeros(0), torch.zeros(0, dtype=torch.long, device=psi.device))
        scores_t = torch.stack(scores)
        order = scores_t.argsort(descending=True)
        return (torch.stack(masks)[order], scores_t[order],
                torch.tensor(labels, device=psi.device)[order])

    def _decode_class(self, psi: Tensor, fg: Tensor, seeds: Tensor, sigma: Tensor, cap: int,
                      cell_area: float) -> Tuple[List[Tensor], List[Tensor]]:
        """The greedy loop on one class: psi (D, P), fg, seeds and the bandwidth each cell
        would cut with as a seed, sigma (P, S) -> masks (P,) bool and their seed scores.

        With ``test_cfg.absorb_fragments`` (a departure from the paper's decoding, off by
        default), a mask below ``min_area`` is not dropped with its pixels: each of them joins
        the kept mask of this class whose seed it is most affine to (highest K). Fragments are
        the cells whose Psi missed every seed by more than the kernel's half-width, mostly
        on object borders, where Psi blends with the background's.
        """
        cfg = self.test_cfg
        log_thr = math.log(cfg.get('mask_thr', 0.5))
        min_unclaimed = cfg.get('min_unclaimed', 0.)
        fg = fg > cfg.get('fg_thr', 0.5)
        candidates = torch.where(fg, seeds, 0.)
        free = fg.clone()
        region = fg if cfg.get('overlap', False) else free
        masks, scores, seed_idx = [], [], []
        while len(masks) < cap:
            score, idx = candidates.max(0)
            if score < cfg.get('seed_thr', 0.5):
                break
            mask = self._cut(psi, psi[:, idx], sigma[idx], log_thr) & region
            if cfg.get('refine_centre', False) and mask.any():
                mask = self._cut(psi, psi[:, mask].mean(1), sigma[mask].mean(0),
                                 log_thr) & region
            mask[idx] = True  # the seed itself, also where the kernel is degenerate
            candidates[mask] = 0
            if min_unclaimed and free[mask].float().mean() <= min_unclaimed:
                continue
            free &= ~mask
            masks.append(mask)
            scores.append(score)
            seed_idx.append(idx)
        if not cfg.get('absorb_fragments', False) or not masks:
            return masks, scores
        big = torch.tensor([float(m.sum()) * cell_area >= cfg.get('min_area', 0)
                            for m in masks])
        if big.all() or not big.any():
            return masks, scores
        kept = torch.stack([m for m, b in zip(masks, big) if b])
        orphans = torch.stack([m for m, b in zip(masks, big) if not b]).any(0) & ~kept.any(0)
        kept_seeds = torch.stack(seed_idx)[big]
        log_k = self.kernel.log_affinity(psi[:, orphans][None].expand(len(kept), -1, -1),
                                         psi[:, kept_seeds].t(),
                                         _bandwidth(sigma[kept_seeds]))  # (n_kept, n_orphans)
        kept[log_k.argmax(0), orphans.nonzero()[:, 0]] = True
        return list(kept), [s for s, b in zip(scores, big) if b]

    def _cut(self, psi: Tensor, centre: Tensor, sigma: Tensor, log_thr: float) -> Tensor:
        """(P,) bool: the cells of psi (D, P) whose log K to centre (D,) with bandwidth sigma
        (S,) passes log_thr."""
        return self.kernel.log_affinity(psi[None], centre[None], _bandwidth(sigma[None]))[0] \
            > log_thr


def _bandwidth(sigma: Tensor) -> Tensor:
    """(R, S) bandwidths -> what the kernel takes: (R, ) for one, (R, D) per dimension."""
    return sigma[:, 0] if sigma.size(1) == 1 else sigma


def instance_medoids(points: Tensor, inst: Tensor, num: int, max_ref: int = 512) -> Tensor:
    """The medoid of each instance's points: the member whose summed distance to the
    members is least (EmbedSeg's centre for non-convex shapes), vectorised over instances.

    Args:
        points (Tensor): (P, 2) float points of the (instance, point) pairs.
        inst (Tensor): (P, ) long instance of each pair, in [0, num).
        num (int): number of instances.
        max_ref (int): the summed distance is taken to at most this many members, evenly
            strided, so that memory is num x max(|S|) x max_ref.

    Returns:
        Tensor: (num, 2) float, 0 for an instance without points.
    """
    counts = torch.bincount(inst, minlength=num)
    order = inst.argsort(stable=True)
    inst_s = inst[order]
    pos = torch.arange(len(inst), device=inst.device) - (counts.cumsum(0) - counts)[inst_s]
    size = int(counts.max()) if len(inst) else 1
    padded = points.new_zeros(num, size, 2)
    valid = torch.zeros(num, size, dtype=torch.bool, device=points.device)
    padded[inst_s, pos] = points[order].float()
    valid[inst_s, pos] = True
    step = max(1, math.ceil(size / max_ref))
    dist = torch.cdist(padded, padded[:, ::step]) * valid[:, None, ::step]
    total = dist.sum(2).masked_fill(~valid, math.inf)
    best = total.argmin(1)
    return padded[torch.arange(num, device=points.device), best]
