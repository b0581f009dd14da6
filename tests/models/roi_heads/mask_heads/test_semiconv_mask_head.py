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
    semi = SemiConvMaskHead(use_kernel=False, **HEAD)
    missing, unexpected = semi.load_state_dict(fcn.state_dict(), strict=False)
    assert missing == ['kernel.log_sigma'] and not unexpected
    return fcn, semi


def _sampling_results():
    inputs = demo_mm_inputs(batch_size=2, image_shapes=(3, 64, 64), num_items=[3, 2],
                            num_classes=3, with_mask=True)
    gts = [sample.gt_instances for sample in inputs['data_samples']]
    proposals = demo_mm_proposals([(3, 64, 64)] * 2, 40)
    return demo_mm_sampling_results(proposals, gts), gts


def test_kernel_off_is_fcn_mask_head_exactly():
    fcn, semi = _heads()
    results, gts = _sampling_results()
    num_pos = sum(len(r.pos_priors) for r in results)
    x = torch.randn(num_pos, 16, 14, 14)
    psi = torch.randn(num_pos, 8, 28, 28)  # ignored with the kernel off
    ref = fcn(x)
    out, log_k = semi(x, psi, torch.zeros(num_pos, dtype=torch.long))
    assert log_k is None
    assert torch.equal(out, ref)
    ref_loss = fcn.loss_and_target(ref, results, gts, TRAIN_CFG)
    loss = semi.loss_and_target(out, None, results, gts, TRAIN_CFG)
    assert loss['loss_mask'].keys() == {'loss_mask'}
    assert torch.equal(loss['loss_mask']['loss_mask'], ref_loss['loss_mask']['loss_mask'])
    assert torch.equal(loss['mask_targets'], ref_loss['mask_targets'])


def test_kernel_on_adds_log_k_and_its_loss():
    fcn, semi = _heads()
    semi.use_kernel = True
    results, gts = _sampling_results()
    labels = torch.cat([r.pos_gt_labels for r in results])
    x = torch.randn(len(labels), 16, 14, 14)
    psi = torch.randn(len(labels), 8, 28, 28, requires_grad=True)
    s = fcn(x)
    out, log_k = semi(x, psi, labels)
    assert log_k.shape == (len(labels), 28, 28) and (log_k <= 0).all()
    assert torch.allclose(out, s + log_k[:, None], atol=1e-6)
    # the seed is chosen on each RoI's own class channel
    seed_s = s[torch.arange(len(labels)), labels]
    expected = semi.kernel(psi, seed_s)
    assert torch.allclose(log_k, expected)
    losses = semi.loss_and_target(out, log_k, results, gts, TRAIN_CFG)['loss_mask']
    assert set(losses) == {'loss_mask', 'loss_kernel'}
    sum(losses.values()).backward()
    assert psi.grad.abs().sum() > 0 and semi.kernel.log_sigma.grad is not None
