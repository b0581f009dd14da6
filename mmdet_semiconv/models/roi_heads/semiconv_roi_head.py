"""SemiConvRoIHead: Mask R-CNN's RoI head with the semi-convolutional branch wired in."""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor

from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.models.utils import empty_instances
from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox2roi
from mmdet.structures.mask import BitmapMasks
from mmdet.utils import ConfigType, InstanceList
from ..utils.coordinates import roi_grid_coordinates


@MODELS.register_module()
class SemiConvRoIHead(StandardRoIHead):
    """Standard RoI head plus the embedding branch of section 3.5.

    Data flow (the branch lives here, like HTC's semantic head, so mmdet's ``MaskRCNN`` runs
    its ``loss``/``predict``/``tensor`` modes unchanged)::

        FPN levels x --SemiConvEmbeddingNeck--> Phi per level (N, D, H_l, W_l)
          image level: eq. (5) on Psi = Phi + u_hat for every GT instance  -> loss_embedding
          per mask RoI: Phi RoI-aligned on the M x M mask grid (the level chosen exactly as for
          the mask features) + u_hat of each cell                          -> Psi (R, D, M, M)
          SemiConvMaskHead(mask features, Psi, labels)                     -> s_hat, log K

    With ``embedding_neck=None`` and ``mask_head.kernel=None`` there is no branch: the head is
    mmdet's ``StandardRoIHead`` + ``FCNMaskHead`` (same outputs, losses and state-dict keys),
    which is how the Mask R-CNN baselines and stage-1 configs are written.

    Args:
        embedding_neck (dict, optional): config of :class:`SemiConvEmbeddingNeck`.
        loss_embedding (dict): config of :class:`SemiConvEmbeddingLoss`.
        embedding_roi_layer (dict): RoI layer for Phi; its ``output_size`` is set to the mask
            head's output grid. Defaults to ``RoIAlign(sampling_ratio=0, aligned=True)``; the
            coordinate convention assumes ``aligned=True``.
        **kwargs: :class:`StandardRoIHead` arguments; ``mask_head`` should be a
            :class:`SemiConvMaskHead`.
    """

    def __init__(self,
                 embedding_neck: Optional[ConfigType],
                 loss_embedding: ConfigType = dict(type='SemiConvEmbeddingLoss'),
                 embedding_roi_layer: ConfigType = dict(
                     type='RoIAlign', sampling_ratio=0, aligned=True),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not self.with_mask or self.share_roi_extractor:
            raise ValueError('SemiConvRoIHead needs a mask_head with its own '
                             'mask_roi_extractor (Psi is read on the mask RoIs)')
        if not embedding_roi_layer.get('aligned', True):
            raise ValueError('embedding_roi_layer must use aligned=True: u_hat assumes '
                             "RoIAlign's half-pixel convention")
        if embedding_neck is None:
            self.embedding_neck = None
            return
        self.embedding_neck = MODELS.build(embedding_neck)
        self.loss_embedding = MODELS.build(loss_embedding)

        # Phi is read on the grid the mask logits live on, by the same level mapping as the
        # mask features, so that each logit s(u) meets the Psi of the same point u.
        mask_extractor = self.mask_roi_extractor
        scale = getattr(self.mask_head, 'scale_factor', None)
        scale = scale if getattr(self.mask_head, 'upsample', None) is not None else 1
        self.mask_size = int(mask_extractor.roi_layers[0].output_size[0] * scale)
        self.embedding_roi_extractor = MODELS.build(
            dict(type=type(mask_extractor).__name__,
                 roi_layer=dict(embedding_roi_layer, output_size=self.mask_size),
                 out_channels=self.embedding_neck.embed_dims,
                 featmap_strides=list(mask_extractor.featmap_strides),
                 finest_scale=mask_extractor.finest_scale))

    @property
    def with_embedding(self) -> bool:
        return self.embedding_neck is not None

    # --- Psi -----------------------------------------------------------------------------

    def roi_psi(self, phis: Sequence[Tensor], rois: Tensor) -> Tensor:
        """Psi on the M x M mask grid of each RoI, in float32 (also under autocast).

        Phi (small, O(1)) is interpolated and the exact cell coordinates are added afterwards:
        interpolating Psi itself would round image coordinates in low precision.

        Args:
            phis (Sequence[Tensor]): Phi per level, each (N, D, H_l, W_l).
            rois (Tensor): (R, 5) ``(batch_idx, x1, y1, x2, y2)``.

        Returns:
            Tensor: (R, D, M, M) float32.
        """
        num_inputs = self.embedding_roi_extractor.num_inputs
        with torch.autocast(device_type=rois.device.type, enabled=False):
            phi_roi = self.embedding_roi_extractor(
                tuple(p.float() for p in phis[:num_inputs]), rois.float())
            return phi_roi + roi_grid_coordinates(
                rois, self.mask_size, self.embedding_neck.coord_scale,
                self.embedding_neck.embed_dims)

    def level_masks(self, batch_gt_instances: InstanceList,
                    phis: Sequence[Tensor]) -> List[List[Tensor]]:
        """GT masks sampled at the cell centres of each level the embedding loss uses.

        A cell of stride s centred at ``(j + 0.5) s`` takes the value of input pixel
        ``s // 2 + j s``. Masks are padded with background up to the feature size (mmdet pads
        images at the bottom/right, so the top-left origin is shared).

        Returns:
            list[list[Tensor]]: ``[level][image]`` bool tensors (K_i, H_l, W_l).
        """
        out = []
        for lvl in self.loss_embedding.levels:
            stride = self.embedding_neck.strides[lvl]
            h, w = phis[lvl].shape[-2:]
            device = phis[lvl].device
            lvl_masks = []
            for gt in batch_gt_instances:
                masks = gt.masks
                arr = masks.masks if isinstance(masks, BitmapMasks) else masks.to_ndarray()
                sub = np.zeros((arr.shape[0], h, w), dtype=bool)
                sampled = arr[:, stride // 2::stride, stride // 2::stride][:, :h, :w]
                sub[:, :sampled.shape[1], :sampled.shape[2]] = sampled
                lvl_masks.append(torch.from_numpy(sub).to(device))
            out.append(lvl_masks)
        return out

    # --- forward, loss, predict ------------------------------------------------------------

    def _mask_forward(self,
                      x: Tuple[Tensor],
                      rois: Tensor,
                      labels: Optional[Tensor] = None,
                      phis: Optional[Sequence[Tensor]] = None) -> dict:
        """Mask head forward, used by loss, predict and tensor modes alike.

        Args:
            x (tuple[Tensor]): FPN levels.
            rois (Tensor): (R, 5) mask RoIs.
            labels (Tensor, optional): (R,) class of each RoI (GT in training, predicted at
                test time); None in ``tensor`` mode.
            phis (Sequence[Tensor], optional): Phi per level if already computed.

        Returns:
            dict: ``mask_preds`` (R, num_classes, M, M), ``mask_feats``, ``log_k`` (R, M, M)
            or None, ``psi`` (R, D, M, M) or None.
        """
        mask_feats = self.mask_roi_extractor(
            x[:self.mask_roi_extractor.num_inputs], rois)
        if self.with_shared_head:
            mask_feats = self.shared_head(mask_feats)
        psi = None
        if self.with_embedding and self.mask_head.use_kernel:
            if phis is None:
                phis = self.embedding_neck(x)
            psi = self.roi_psi(phis, rois)
        mask_preds, log_k = self.mask_head(mask_feats, psi, labels)
        return dict(mask_preds=mask_preds, mask_feats=mask_feats, log_k=log_k, psi=psi)

    def mask_loss(self, x: Tuple[Tensor],
                  sampling_results: List[SamplingResult], bbox_feats: Tensor,
                  batch_gt_instances: InstanceList) -> dict:
        """Mask losses of the positive RoIs plus the image-level embedding loss (eq. 5).

        Returns:
            dict: as :meth:`StandardRoIHead.mask_loss`; ``loss_mask`` holds ``loss_mask``,
            ``loss_kernel`` (kernel on) and ``loss_embedding``.
        """
        phis = self.embedding_neck(x) if self.with_embedding else None
        pos_rois = bbox2roi([res.pos_priors for res in sampling_results])
        pos_labels = torch.cat([res.pos_gt_labels for res in sampling_results])
        mask_results = self._mask_forward(x, pos_rois, labels=pos_labels, phis=phis)
        mask_loss_and_target = self.mask_head.loss_and_target(
            mask_preds=mask_results['mask_preds'],
            log_k=mask_results['log_k'],
            sampling_results=sampling_results,
            batch_gt_instances=batch_gt_instances,
            rcnn_train_cfg=self.train_cfg)
        losses = mask_loss_and_target['loss_mask']
        if not self.with_embedding:
            mask_results.update(loss_mask=losses)
            return mask_results
        psis = [self.embedding_neck.psi(phi, lvl) for lvl, phi in enumerate(phis)]
        losses['loss_embedding'] = self.loss_embedding(
            psis, self.level_masks(batch_gt_instances, phis))
        mask_results.update(loss_mask=losses)
        return mask_results

    def predict_mask(self,
                     x: Tuple[Tensor],
                     batch_img_metas: List[dict],
                     results_list: InstanceList,
                     rescale: bool = False) -> InstanceList:
        """As :meth:`StandardRoIHead.predict_mask`, seeding each box on its predicted class."""
        mask_rois = bbox2roi([res.bboxes for res in results_list])
        if mask_rois.shape[0] == 0:
            return empty_instances(
                batch_img_metas, mask_rois.device, task_type='mask',
                instance_results=results_list,
                mask_thr_binary=self.test_cfg.mask_thr_binary)
        labels = torch.cat([res.labels for res in results_list])
        mask_preds = self._mask_forward(x, mask_rois, labels=labels)['mask_preds']
        mask_preds = mask_preds.split([len(res) for res in results_list], 0)
        return self.mask_head.predict_by_feat(
            mask_preds=mask_preds,
            results_list=results_list,
            batch_img_metas=batch_img_metas,
            rcnn_test_cfg=self.test_cfg,
            rescale=rescale)
