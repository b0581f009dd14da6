import pytest
import torch
from mmengine.config import ConfigDict

from mmdet.models.roi_heads.mask_heads import FCNMaskHead
from mmdet.testing import demo_mm_inputs, demo_mm_proposals, demo_mm_sampling_results
from mmdet_semiconv.models import SemiConvMaskHead

HEAD = dict(num_convs=2, in_channels=16, conv_out_channels=16, num_classes=3)
TRAIN_CFG = ConfigDict(mask_size=28)


def _heads():
    torch.manual_seed(0)
    fcn = FCNMaskHead(**HEAD)
    fcn.init_weights()
    semi = SemiConvMaskHead(**HEAD)
    missing, unexpected = semi.load_state_dict(fcn.state_dict(), strict=False)
    assert missing == ['kernel.log_sigma'] and not unexpected
    return fcn, semi


def _sampling_results():
    inputs = demo_mm_inputs(batch_size=2, image_shapes=(3, 64, 64), num_items=[3, 2],
                            num_classes=3, with_mask=True)
    gts = [sample.gt_instances for sample in inputs['data_samples']]
    proposals = demo_mm_proposals([(3, 64, 64)] * 2, 40)
    return demo_mm_sampling_results(proposals, gts), gts


def test_forward_loss_and_predict_are_fcn_mask_heads():
    """The FCNMaskHead contract: forward returns the logits, the losses are FCNMaskHead's."""
    fcn, semi = _heads()
    results, gts = _sampling_results()
    x = torch.randn(sum(len(r.pos_priors) for r in results), 16, 14, 14)
    ref, out = fcn(x), semi(x)
    assert isinstance(out, torch.Tensor) and torch.equal(out, ref)
    ref_loss = fcn.loss_and_target(ref, results, gts, TRAIN_CFG)
    loss = semi.loss_and_target(out, results, gts, TRAIN_CFG)
    assert torch.equal(loss['loss_mask']['loss_mask'], ref_loss['loss_mask']['loss_mask'])
    assert torch.equal(loss['mask_targets'], ref_loss['mask_targets'])


def test_sharpen_adds_lambda_log_k_and_its_loss():
    fcn, semi = _heads()
    results, gts = _sampling_results()
    labels = torch.cat([r.pos_gt_labels for r in results])
    x = torch.randn(len(labels), 16, 14, 14)
    psi = torch.randn(len(labels), 8, 28, 28, requires_grad=True)
    s = semi(x)
    s_hat, log_k = semi.sharpen(s, psi, labels)
    assert log_k.shape == (len(labels), 28, 28) and (log_k <= 0).all()
    assert torch.allclose(s_hat, s + log_k[:, None], atol=1e-6)
    # the seed is chosen on each RoI's own class channel
    seed_s = s[torch.arange(len(labels)), labels]
    assert torch.allclose(log_k, semi.kernel(psi, seed_s))
    semi.kernel_weight = 0.25
    assert torch.allclose(semi.sharpen(s, psi, labels)[0], s + 0.25 * log_k[:, None],
                          atol=1e-6)
    semi.kernel_weight = 0.
    assert semi.sharpen(s, psi, labels)[0] is s  # lambda = 0: the logits are Mask R-CNN's
    targets = semi.loss_and_target(s_hat, results, gts, TRAIN_CFG)['mask_targets']
    losses = semi.loss_kernel_by_feat(log_k, targets)
    assert set(losses) == {'loss_kernel'}
    losses['loss_kernel'].backward()
    assert psi.grad.abs().sum() > 0 and semi.kernel.log_sigma.grad is not None
    empty = semi.loss_kernel_by_feat(log_k[:0], targets[:0])['loss_kernel']
    assert empty.item() == 0 and empty.requires_grad


def test_logk_offset_is_learned_and_added_with_lambda():
    semi = SemiConvMaskHead(logk_offset=0.3, kernel_weight=0.5, **HEAD)
    labels = torch.tensor([0, 2])
    s = torch.randn(2, 3, 28, 28)
    psi = torch.randn(2, 8, 28, 28)
    s_hat, log_k = semi.sharpen(s, psi, labels)
    assert torch.allclose(s_hat, s + 0.5 * (log_k[:, None] + 0.3), atol=1e-6)
    assert torch.equal(log_k, semi.kernel(psi, s[torch.arange(2), labels]))  # K without beta
    s_hat.sum().backward()
    assert semi.logk_offset.grad == 0.5 * s_hat.numel()
    assert SemiConvMaskHead(**HEAD).logk_offset is None  # the paper's head has no offset


@pytest.mark.parametrize('kwargs,message', [
    (dict(kernel_weight=-1.), 'kernel_weight .* must be finite and >= 0'),
    (dict(kernel_weight=float('nan')), 'kernel_weight .* must be finite and >= 0'),
    (dict(logk_offset=True), 'logk_offset is the initial beta'),  # not "beta = 1.0"
    (dict(logk_offset='0.5'), 'logk_offset is the initial beta'),
    (dict(logk_offset=float('inf')), 'logk_offset is the initial beta'),
])
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SemiConvMaskHead(num_classes=2, **kwargs)
