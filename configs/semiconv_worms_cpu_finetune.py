# Stage 2 of the staged training (section 4.3) on the synthetic worms, CPU-sized: the baseline
# fine-tuning mask-rcnn_worms_cpu_finetune.py plus the semi-convolutional branch, which starts
# from its init. SemiConvStageHook refuses a stage-1 checkpoint that leaves anything else
# uninitialised and schedules the branch.
#
#   python tools/train.py configs/semiconv_worms_cpu_finetune.py \
#       --cfg-options load_from=work_dirs/mask-rcnn_worms_cpu/iter_300.pth
_base_ = './mask-rcnn_worms_cpu_finetune.py'

custom_imports = dict(imports=['mmdet_semiconv'], allow_failed_imports=False)

model = dict(
    roi_head=dict(
        type='SemiConvRoIHead',
        semiconv_branch=dict(
            type='SemiConvEmbeddingBranch',
            embedding_neck=dict(
                type='SemiConvEmbeddingNeck', feat_channels=64, embed_dims=8,
                fpn_grad_scale=0.1),
            # eq. (5) where the RoIs read Psi: every worm box is below mmdet's 112 px level
            # threshold, so all of them read P2; summed per image as in the paper
            loss_embedding=dict(
                type='SemiConvEmbeddingLoss', levels=[0], normalize='image', loss_weight=1.0),
            coord_scale=64.),
        mask_head=dict(
            type='SemiConvMaskHead',
            kernel=dict(
                type='SteeredBilateralKernel', sigma=1.0, kernel='laplacian',
                train_seed='soft', test_seed='argmax'),
            loss_kernel=dict(type='LogSpaceBCELoss', loss_weight=1.0))))
# The branch starts from its init at the fine-tuning lr (2.5e-4): Phi gets the lr stage 1 was
# trained with, and log_sigma (Adam moves a parameter by about lr per step) a step of 1e-2, so
# sigma can travel e-fold in 100 iterations; no weight decay pulls sigma towards 1 unit.
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={
        'semiconv_branch': dict(lr_mult=4.),
        'log_sigma': dict(lr_mult=40., decay_mult=0.),
    }))
# eq. (5) and the BCE on K train Phi and sigma from the first iteration; log K joins the logits
# gradually (s_hat = s + lambda log K, lambda 0 -> 1 over the first half), since a kernel
# that has not learned yet can only shrink masks.
custom_hooks = [dict(type='SemiConvStageHook', kernel_start_iter=0, kernel_ramp_iters=150,
                     require_stage1=True)]
