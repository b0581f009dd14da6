"""The stage-2 recipe of configs/semiconv_worms_cpu_finetune.py does what its comments say."""
import os.path as osp

from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mmdet.registry import MODELS
from mmdet_semiconv.engine.hooks.semiconv_finetune_hook import linear_ramp
from mmdet_semiconv.testing import CONFIGS

CONFIG = osp.join(CONFIGS, 'semiconv_worms_cpu_finetune.py')


def _lrs(optim_wrapper, model):
    by_param = {}
    for group in optim_wrapper.optimizer.param_groups:
        for p in group['params']:
            by_param[p] = (group['lr'], group['weight_decay'])
    return {name: by_param[p] for name, p in model.named_parameters()}


def test_sigma_and_the_branch_get_their_own_lr():
    cfg = Config.fromfile(CONFIG)
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    lrs = _lrs(wrapper, model)
    base = cfg.optim_wrapper.optimizer.lr
    assert lrs['roi_head.mask_head.kernel.log_sigma'] == (base * 40, 0.)
    assert lrs['roi_head.semiconv_branch.phi_subnet.subnet.0.weight'][0] == base * 10
    assert lrs['roi_head.mask_head.convs.0.conv.weight'][0] == base  # shared with Mask R-CNN


def test_sigma_moves_in_a_few_steps():
    """With the recipe's lr, 20 Adam steps towards a narrower kernel move sigma by ~20%."""
    cfg = Config.fromfile(CONFIG)
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    kernel = model.roi_head.mask_head.kernel
    start = float(kernel.sigma)
    for _ in range(20):
        wrapper.update_params(kernel.sigma)  # loss = sigma: pushes it down
    assert float(kernel.sigma) < 0.85 * start


def test_lambda_ramps_before_the_lr_drops():
    cfg = Config.fromfile(CONFIG)
    hook = cfg.custom_hooks[0]
    ramp = [linear_ramp(it, hook.kernel_begin, hook.kernel_ramp)
            for it in (0, 49, 99, 299)]
    assert ramp == [1 / 100, 0.5, 1.0, 1.0]
    assert cfg.param_scheduler[0].milestones == [150]
    assert cfg.model.roi_head.semiconv_branch.loss_embedding.levels == [0]
