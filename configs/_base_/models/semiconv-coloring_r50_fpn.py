# Box-free semi-convolutional instance colouring (SemiConvColoring) at mmdet's GPU scale: an
# ImageNet ResNet-50 and a 256-channel FPN, as mmdet's SOLOv2 R50; one SemiConvColoringHead
# whose foreground and seed maps are per class.
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
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    neck=dict(
        type='FPN', in_channels=[256, 512, 1024, 2048], out_channels=256, start_level=0,
        num_outs=4),
    mask_head=dict(
        type='SemiConvColoringHead',
        num_classes=80,
        in_channels=256,
        feat_channels=128,
        phi_stride=2,
        embed_dims=8,
        coord_scale=128.,  # input pixels per embedding unit
        kernel=dict(type='SteeredBilateralKernel', sigma=0.1)),  # ~13 px
    test_cfg=dict(
        fg_thr=0.5, seed_thr=0.5, mask_thr=0.5, min_area=32, max_per_img=100,
        overlap=False))
