# SOLOv2, the model of mmdet::solov2/solov2_r50_fpn_1x_coco.py, sized for a 2-core CPU the way
# mask-rcnn_r18_fpn_cpu.py sizes Mask R-CNN: a ResNet-18 with 16 base channels from scratch,
# 64-channel FPN, heads at a quarter of mmdet's widths, and the scale ranges halved as that
# config halves the anchor scale (the CPU images and objects are small). Everything else
# (grids, strides, losses, matrix NMS) is mmdet's SOLOv2. tests/configs checks the rest
# against mmdet's config.
width = 64

model = dict(
    type='SOLOv2',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_mask=True,
        pad_size_divisor=32),
    backbone=dict(
        type='ResNet',
        depth=18,
        base_channels=16,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        init_cfg=None),
    neck=dict(
        type='FPN', in_channels=[16, 32, 64, 128], out_channels=width, start_level=0,
        num_outs=5),
    mask_head=dict(
        type='SOLOV2Head',
        num_classes=1,
        in_channels=width,
        feat_channels=2 * width,
        stacked_convs=4,
        strides=[8, 8, 16, 32, 32],
        scale_ranges=((1, 48), (24, 96), (48, 192), (96, 384), (192, 1024)),
        pos_scale=0.2,
        num_grids=[40, 36, 24, 16, 12],
        cls_down_index=0,
        mask_feature_head=dict(
            feat_channels=width // 2,
            start_level=0,
            end_level=3,
            out_channels=width,
            mask_stride=4,
            norm_cfg=dict(type='GN', num_groups=32, requires_grad=True)),
        loss_mask=dict(type='DiceLoss', use_sigmoid=True, loss_weight=3.0),
        loss_cls=dict(
            type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0)),
    test_cfg=dict(
        nms_pre=500,
        score_thr=0.1,
        mask_thr=0.5,
        filter_thr=0.05,
        kernel='gaussian',
        sigma=2.0,
        max_per_img=100))
