# The from-scratch training recipe of the semi-conv CPU worm configs (the main job and the
# cascade): the recipe of configs/semiconv_worms_cpu_finetune.py at the same absolute learning
# rates: Phi at 2.5e-3, log_sigma steps of about 1e-2 without weight decay; log K is ramped into
# the logits over the first 100 iterations while eq. (5) and the BCE on K train Phi and sigma.
semiconv_paramwise_cfg = dict(custom_keys={
    'semiconv_branch': dict(lr_mult=2.5),
    'log_sigma': dict(lr_mult=10., decay_mult=0.),
})
semiconv_hooks = [dict(type='SemiConvFinetuneHook', kernel_begin=0, kernel_ramp=100)]
