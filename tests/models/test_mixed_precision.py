"""Whole SemiConv models under autocast, through the RoI heads' real path (what CUDA AMP runs).

mmcv 2.1.0's CPU RoIAlign and nms reject bf16/fp16 inputs, while their CUDA kernels take half:
plain Mask R-CNN fails inside them under CPU autocast for that reason alone. The ``cuda_like_ops``
fixture makes the CPU ops accept what the CUDA ones accept (compute in float32, return the input
dtype); everything else, our branch included, runs as it would under CUDA autocast.
"""
import importlib
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox2roi
from mmdet.testing import demo_mm_inputs
from mmdet_semiconv.models import SemiConvMaskHead
from mmdet_semiconv.testing import CONFIGS

# the modules, not the functions that mmcv.ops exports under the same names
mmcv_roi_align = importlib.import_module('mmcv.ops.roi_align')
mmcv_nms = importlib.import_module('mmcv.ops.nms')
SEMICONV_CONFIGS = ('semiconv_worms_cpu.py', 'semiconv-cascade-mask-rcnn_worms_cpu.py')


def _cpu_half_types():
    types = [torch.bfloat16]
    try:
        with torch.autocast('cpu', dtype=torch.float16):
            torch.nn.functional.conv2d(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 1, 1))
        types.append(torch.float16)
    except (RuntimeError, AssertionError):  # autocast on this CPU build has no fp16
        pass
    return types


HALF_TYPES = _cpu_half_types()


@pytest.fixture
def cuda_like_ops(monkeypatch):
    roi_align = mmcv_roi_align.roi_align

    def roi_align_any_dtype(input, rois, *args, **kwargs):
        return roi_align(input.float(), rois.float(), *args, **kwargs).to(input.dtype)

    nms_apply = mmcv_nms.NMSop.apply

    def nms_any_dtype(boxes, scores, *args):
        return nms_apply(boxes.float(), scores.float(), *args)

    monkeypatch.setattr(mmcv_roi_align, 'roi_align', roi_align_any_dtype)
    monkeypatch.setattr(mmcv_nms.NMSop, 'apply', staticmethod(nms_any_dtype))


def _model_and_batch(config):
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(osp.join(CONFIGS, config)).model)
    model.init_weights()
    packed = demo_mm_inputs(batch_size=2, image_shapes=[(3, 128, 160), (3, 96, 128)],
                            num_items=[4, 2], num_classes=2, with_mask=True)
    for sample in packed['data_samples']:
        sample.gt_instances.labels.zero_()
    return model, model.data_preprocessor(packed, True)


def _record_dtypes(model):
    """Dtypes of Phi (the subnet's output) and of log K, recorded on every call."""
    seen = dict(phi=[], log_k=[])
    branch = model.roi_head.semiconv_branch
    branch.phi_subnet.subnet.register_forward_hook(
        lambda mod, args, out: seen['phi'].append(out.dtype))
    for head in model.roi_head.modules():
        if isinstance(head, SemiConvMaskHead):
            sharpen = head.sharpen

            def recording(*args, _sharpen=sharpen, **kwargs):
                s_hat, log_k = _sharpen(*args, **kwargs)
                seen['log_k'].append(log_k.dtype)
                return s_hat, log_k

            head.sharpen = recording
    return seen


@pytest.mark.parametrize('dtype', HALF_TYPES)
@pytest.mark.parametrize('config', SEMICONV_CONFIGS)
def test_loss_mode_under_autocast(cuda_like_ops, config, dtype):
    model, batch = _model_and_batch(config)
    seen = _record_dtypes(model)
    with torch.autocast('cpu', dtype=dtype):
        losses = model(**batch, mode='loss')
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    total.backward()
    assert set(seen['phi']) == {dtype}  # the subnet follows autocast ...
    assert seen['log_k'] and set(seen['log_k']) == {torch.float32}  # ... the kernel does not
    branch = model.roi_head.semiconv_branch
    assert branch.phi_subnet.subnet[0].weight.grad.abs().sum() > 0
    for head in model.roi_head.modules():
        if isinstance(head, SemiConvMaskHead):
            assert torch.isfinite(head.kernel.log_sigma.grad)


@pytest.mark.parametrize('dtype', HALF_TYPES)
@pytest.mark.parametrize('config', SEMICONV_CONFIGS)
def test_predict_and_tensor_modes_under_autocast(cuda_like_ops, config, dtype):
    model, batch = _model_and_batch(config)
    model.eval()
    seen = _record_dtypes(model)
    with torch.no_grad(), torch.autocast('cpu', dtype=dtype):
        results = model(**batch, mode='predict')
        outs = model(batch['inputs'], batch['data_samples'], mode='tensor')
    assert len(results) == 2
    for res in results:
        assert torch.isfinite(res.pred_instances.scores).all()
    assert all(torch.isfinite(t.float()).all() for t in _flatten(outs))
    assert set(seen['phi']) == {dtype} and set(seen['log_k']) == {torch.float32}


@pytest.mark.parametrize('dtype', HALF_TYPES)
def test_psi_and_log_k_under_autocast_are_close_to_float32(cuda_like_ops, dtype):
    """Psi on fixed RoIs, and log K from it with the same seed scores, agree with float32.

    The mask logits s themselves are not compared: mmdet's SingleRoIExtractor casts the RoIs to
    the features' dtype (bf16 rounds a coordinate of 100 to 0.5 px), which moves s of a random
    network by a lot; Psi reads the RoIs in float32, so its coordinates stay exact.
    """
    model, batch = _model_and_batch('semiconv_worms_cpu.py')
    model.eval()
    branch, mask_head = model.roi_head.semiconv_branch, model.roi_head.mask_head
    rois = bbox2roi([s.gt_instances.bboxes for s in batch['data_samples']])
    with torch.no_grad():
        psi_ref = branch.roi_psi_by_feat(branch(model.extract_feat(batch['inputs'])), rois)
        with torch.autocast('cpu', dtype=dtype):
            psi_amp = branch.roi_psi_by_feat(branch(model.extract_feat(batch['inputs'])), rois)
        assert psi_amp.dtype == torch.float32
        # 1e-3 units = 0.064 px; a coordinate in bf16 would be off by up to 0.5 px
        assert torch.allclose(psi_amp, psi_ref, atol=1e-3)
        seed_scores = torch.randn(psi_ref.shape[0], *psi_ref.shape[-2:])
        log_k_ref = mask_head.kernel(psi_ref, seed_scores)
        log_k_amp = mask_head.kernel(psi_amp, seed_scores)
    assert log_k_amp.dtype == torch.float32
    assert torch.allclose(log_k_amp, log_k_ref, atol=1e-3)


def test_training_step_with_autocast_and_grad_scaler(cuda_like_ops):
    """AmpOptimWrapper asserts a CUDA device; this is its step by hand (autocast + GradScaler)."""
    model, batch = _model_and_batch('semiconv_worms_cpu.py')
    optim = torch.optim.SGD(model.parameters(), lr=0.01)
    scaler = torch.amp.GradScaler('cpu')
    log_sigma = model.roi_head.mask_head.kernel.log_sigma
    before = log_sigma.detach().clone()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        total, _ = model.parse_losses(model(**batch, mode='loss'))
    scaler.scale(total).backward()
    scaler.step(optim)
    scaler.update()
    assert torch.isfinite(total)
    assert not torch.equal(log_sigma.detach(), before)
    assert all(torch.isfinite(p).all() for p in model.parameters())


def _flatten(outs):
    if isinstance(outs, torch.Tensor):
        return [outs]
    return [t for o in outs for t in _flatten(o)]
