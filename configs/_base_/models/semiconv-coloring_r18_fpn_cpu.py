# Box-free semi-convolutional instance colouring (SemiConvColoring), sized for a 2-core CPU as
# the Mask R-CNN and SOLOv2 baselines are: the same ResNet-18 with 16 base channels from
# scratch and 64-channel FPN; one SemiConvColoringHead at stride 2.
width = 64

model = dict(
    type='SemiConvColoring',
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
        num_outs=4),
    mask_head=dict(
        type='SemiConvColoringHead',
        num_classes=1,
        in_channels=width,
        feat_channels=width,
        phi_stride=2,
        embed_dims=8,
        coord_scale=32.,  # input pixels per embedding unit
        # eq. (10); sigma 0.3 units ~ 10 px: K(seed, u) = 0.5 about 7 px from the seed
        kernel=dict(type='SteeredBilateralKernel', sigma=0.3)),
    test_cfg=dict(
        fg_thr=0.5, seed_thr=0.5, mask_thr=0.5, min_area=8, max_per_img=100,
        overlap=False))
