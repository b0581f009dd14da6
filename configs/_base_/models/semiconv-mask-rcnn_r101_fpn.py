# SemiConv Mask R-CNN, R101-FPN (section 3.5): mmdet's Mask R-CNN plus the embedding branch.
# Only what differs from the base is stated.
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r101_fpn_1x_coco.py'

custom_imports = dict(imports=['mmdet_semiconv'], allow_failed_imports=False)

model = dict(
    roi_head=dict(
        type='SemiConvRoIHead',
        embedding_neck=dict(
            type='SemiConvEmbeddingNeck',
            in_channels=256,
            feat_channels=256,
            embed_dims=8,  # D
            strides=[4, 8, 16, 32, 64],  # the FPN's
            coord_scale=64.,  # input pixels per embedding unit
            fpn_grad_scale=0.1),  # "downscale the gradients ... by a factor of 10"
        loss_embedding=dict(
            type='SemiConvEmbeddingLoss', levels=[0, 1, 2, 3], loss_weight=1.0),
        mask_head=dict(
            type='SemiConvMaskHead',
            kernel=dict(
                type='SteeredBilateralKernel',
                sigma=1.0,
                kernel='laplacian',  # eq. (10)
                train_seed='soft',
                test_seed='argmax'),
            loss_kernel=dict(type='LogSpaceBCELoss', loss_weight=1.0))))
