# SemiConv Mask R-CNN on the embedded synthetic worms, sized for a 2-core CPU (the main job):
# the baseline mask-rcnn_worms_cpu.py plus the semi-convolutional branch, trained from scratch.
_base_ = './mask-rcnn_worms_cpu.py'

custom_imports = dict(imports=['mmdet_semiconv'], allow_failed_imports=False)

model = dict(
    roi_head=dict(
        type='SemiConvRoIHead',
        semiconv_branch=dict(
            type='SemiConvEmbeddingBranch',
            # Phi: 1x1 conv + ReLU + 3x3 conv to D; FPN gradient x0.1 (section 3.5)
            embedding_neck=dict(
                type='SemiConvEmbeddingNeck', feat_channels=64, embed_dims=8,
                fpn_grad_scale=0.1),
            loss_embedding=dict(  # eq. (5)
                type='SemiConvEmbeddingLoss', levels=[0, 1, 2, 3], normalize='instance',
                loss_weight=1.0),
            coord_scale=64.),  # input pixels per embedding unit
        mask_head=dict(
            type='SemiConvMaskHead',
            kernel=dict(  # eq. (10), sigma in embedding units
                type='SteeredBilateralKernel', sigma=1.0, kernel='laplacian',
                train_seed='soft', test_seed='argmax'),
            loss_kernel=dict(type='LogSpaceBCELoss', loss_weight=1.0))))
