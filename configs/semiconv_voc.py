# SemiConv Mask R-CNN, R101-FPN, on PASCAL VOC 2012 instance segmentation: stage 2 of the
# paper's training (section 4.3, Tables 2-3). The baseline mask-rcnn_r101_fpn_voc.py plus the
# branch; it starts from the stage-1 Mask R-CNN via load_from and fine-tunes everything for
# 24 epochs, lr 0.0025 lowered x0.1 after epoch 12, 2 images per GPU.
_base_ = ['./mask-rcnn_r101_fpn_voc.py', './_base_/semiconv_stage2_24e.py']

model = dict(
    roi_head=dict(
        type='SemiConvRoIHead',
        semiconv_branch=dict(
            type='SemiConvEmbeddingBranch',
            # Phi: 1x1 conv 256 + ReLU + 3x3 conv to D; FPN gradient x0.1 (section 3.5)
            embedding_neck=dict(
                type='SemiConvEmbeddingNeck', feat_channels=256, embed_dims=8,
                fpn_grad_scale=0.1),
            # eq. (5), summed per image as in the paper, on every level a RoI may read
            loss_embedding=dict(
                type='SemiConvEmbeddingLoss', levels=[0, 1, 2, 3], normalize='image',
                loss_weight=1.0),
            coord_scale=64.),  # input pixels per embedding unit
        mask_head=dict(
            type='SemiConvMaskHead',
            kernel=dict(  # eq. (10), sigma in embedding units
                type='SteeredBilateralKernel', sigma=1.0, kernel='laplacian',
                train_seed='soft', test_seed='argmax'),
            loss_kernel=dict(type='LogSpaceBCELoss', loss_weight=1.0))))

load_from = 'work_dirs/mask-rcnn_r101_fpn_voc/epoch_24.pth'  # stage 1

optim_wrapper = dict(paramwise_cfg={{_base_.semiconv_paramwise_cfg}})
