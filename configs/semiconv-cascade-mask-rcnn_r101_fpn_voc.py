# SemiConv Cascade Mask R-CNN, R101-FPN, on PASCAL VOC 2012: the baseline
# cascade-mask-rcnn_r101_fpn_voc.py plus the branch, on every mask stage (one Phi per step,
# each stage its own kernel). Stage 2: starts from the baseline via load_from.
_base_ = ['./cascade-mask-rcnn_r101_fpn_voc.py', './_base_/semiconv_stage2_24e.py']

model = dict(
    roi_head=dict(
        type='SemiConvCascadeRoIHead',
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

load_from = 'work_dirs/cascade-mask-rcnn_r101_fpn_voc/epoch_24.pth'  # stage 1

optim_wrapper = dict(paramwise_cfg={{_base_.semiconv_paramwise_cfg}})
