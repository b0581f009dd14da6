# SemiConv Cascade Mask R-CNN on the synthetic worms, CPU-sized: cascade-mask-rcnn_worms_cpu.py
# plus the semi-convolutional branch on its three mask stages.
_base_ = './cascade-mask-rcnn_worms_cpu.py'

custom_imports = dict(imports=['mmdet_semiconv'], allow_failed_imports=False)

model = dict(
    roi_head=dict(
        type='SemiConvCascadeRoIHead',
        semiconv_branch=dict(
            type='SemiConvEmbeddingBranch',
            embedding_neck=dict(
                type='SemiConvEmbeddingNeck', feat_channels=64, embed_dims=8,
                fpn_grad_scale=0.1),
            loss_embedding=dict(
                type='SemiConvEmbeddingLoss', levels=[0, 1, 2, 3], normalize='instance',
                loss_weight=1.0),
            coord_scale=64.),
        mask_head=dict(
            type='SemiConvMaskHead',
            kernel=dict(
                type='SteeredBilateralKernel', sigma=1.0, kernel='laplacian',
                train_seed='soft', test_seed='argmax'),
            loss_kernel=dict(type='LogSpaceBCELoss', loss_weight=1.0))))
