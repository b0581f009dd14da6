import math

import pytest
import torch

from mmdet_semiconv.models import SteeredBilateralKernel


def _psi():
    # one RoI, D=2, a 1x2 grid: Psi = (0, 0) and (3, 4), 5 apart
    return torch.tensor([[[[0., 3.]], [[0., 4.]]]])


def test_laplacian_argmax_eq10():
    kernel = SteeredBilateralKernel(sigma=2.0, test_seed='argmax').eval()
    log_k = kernel(_psi(), torch.tensor([[[5., -1.]]]))  # seed: cell 0
    assert torch.allclose(log_k, torch.tensor([[[0., -5 / 2]]]), atol=1e-5)


def test_laplacian_soft_seed_is_the_softmax_expectation():
    kernel = SteeredBilateralKernel(sigma=1.0).train()
    log_k = kernel(_psi(), torch.zeros(1, 1, 2))  # equal scores: seed = mean = (1.5, 2)
    assert torch.allclose(log_k, torch.full((1, 1, 2), -2.5), atol=1e-5)
    scores = torch.tensor([[[math.log(3.), 0.]]])  # p = (0.75, 0.25): seed = (0.75, 1)
    log_k = kernel(_psi(), scores)
    assert torch.allclose(log_k, torch.tensor([[[-1.25, -3.75]]]), atol=1e-5)


def test_gaussian_variant_eq7():
    kernel = SteeredBilateralKernel(sigma=1.0, form='gaussian').eval()
    log_k = kernel(_psi(), torch.tensor([[[5., -1.]]]))
    assert torch.allclose(log_k, torch.tensor([[[0., -25 / 2]]]), atol=1e-6)


def test_sigma_stays_positive_and_learns():
    kernel = SteeredBilateralKernel(sigma=1.0).train()
    with torch.no_grad():
        kernel.log_sigma.fill_(-50.)
    assert kernel.sigma > 0
    with torch.no_grad():
        kernel.log_sigma.fill_(0.)
    psi = torch.randn(3, 8, 4, 4)
    kernel(psi, torch.randn(3, 4, 4)).sum().backward()
    assert kernel.log_sigma.grad is not None and kernel.log_sigma.grad.abs() > 0


def test_argmax_seed_has_finite_gradient():
    kernel = SteeredBilateralKernel().eval()
    psi = torch.randn(2, 8, 5, 5, requires_grad=True)
    kernel(psi, torch.randn(2, 5, 5)).sum().backward()
    assert torch.isfinite(psi.grad).all()


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match='form must be one of'):
        SteeredBilateralKernel(form='cauchy')
    with pytest.raises(ValueError, match='test_seed'):
        SteeredBilateralKernel(test_seed='max')
    for sigma in (0., float('nan'), float('inf')):
        with pytest.raises(ValueError, match='sigma must be finite and > 0'):
            SteeredBilateralKernel(sigma=sigma)


def test_float32_under_autocast_near_image_coordinate_1000():
    """Psi ~ 1000 px / coord_scale: bf16 would resolve it to 8 px; the kernel must not."""
    torch.manual_seed(0)
    kernel = SteeredBilateralKernel(sigma=0.05).eval()
    psi = 1000 / 64 + torch.rand(4, 8, 7, 7) * 0.1  # float32, as the RoI head builds it
    scores = torch.randperm(4 * 49).float().view(4, 7, 7)  # exact in bf16: same argmax
    ref = kernel(psi, scores)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = kernel(psi, scores.bfloat16())
    assert out.dtype == torch.float32
    assert torch.isfinite(out).all()
    assert torch.allclose(out, ref, atol=1e-5)


@pytest.mark.parametrize('form', ['laplacian', 'gaussian'])
def test_a_bandwidth_per_map_replaces_the_learned_one(form):
    kernel = SteeredBilateralKernel(sigma=0.5, form=form)
    psi = torch.randn(3, 4, 5, 6)
    seeds = torch.randn(3, 4)
    default = kernel.log_affinity(psi, seeds)
    assert torch.equal(kernel.log_affinity(psi, seeds, kernel.sigma.expand(3)), default)
    scaled = kernel.log_affinity(psi, seeds, torch.tensor([0.5, 1.0, 0.25]))
    power = 1 if form == 'laplacian' else 2
    for r, factor in enumerate([1.0, 0.5, 2.0]):
        assert torch.allclose(scaled[r], default[r] * factor**power)
