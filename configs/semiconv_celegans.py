# SemiConv Mask R-CNN, R101-FPN, on C. elegans (BBBC010, Table 1): the baseline
# mask-rcnn_r101_fpn_celegans.py plus the branch; stage 2, starts from it via load_from.
_base_ = ['./mask-rcnn_r101_fpn_celegans.py', './_base_/semiconv_stage2_24e.py']

custom_imports = dict(imports=['mmdet_semiconv'], allow_failed_imports=False)

model = dict(
    roi_head=dict(
        type='SemiConvRoIHead',
        semiconv_branch=dict(
            type='SemiConvEmbeddingBranch',
            embedding_neck=dict(
                type='SemiConvEmbeddingNeck', feat_channels=256, embed_dims=8,
                fpn_grad_scale=0.1),
            # eq. (5), summed per image as in the paper, on every level a RoI may read
            loss_embedding=dict(
                type='SemiConvEmbeddingLoss', levels=[0, 1, 2, 3], normalize='image',
                loss_weight=1.0),
            coord_scale=64.),
        mask_head=dict(
            type='SemiConvMaskHead',
            kernel=dict(
                type='SteeredBilateralKernel', sigma=1.0, kernel='laplacian',
                train_seed='soft', test_seed='argmax'),
            loss_kernel=dict(type='LogSpaceBCELoss', loss_weight=1.0))))

load_from = 'work_dirs/mask-rcnn_r101_fpn_celegans/epoch_24.pth'  # stage 1

optim_wrapper = dict(paramwise_cfg={{_base_.semiconv_paramwise_cfg}})
