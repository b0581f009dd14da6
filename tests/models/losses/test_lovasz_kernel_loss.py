"""LovaszKernelLoss: kornia's batched Lovász hinge on 2K - 1, per instance, against a plain
reference of Berman et al.'s algorithm written out instance by instance."""
import pytest
import torch

from mmdet.registry import MODELS


def _reference(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Lovász hinge of one flat map (Berman et al., CVPR 2018, Alg. 1), in float64."""
    errors = 1 - logits.double() * (2 * target.double() - 1)
    order = errors.argsort(descending=True)
    gt = target.double()[order]
    inter = gt.sum() - gt.cumsum(0)
    union = gt.sum() + (1 - gt).cumsum(0)
    jaccard = 1 - inter / union
    jaccard[1:] = jaccard[1:] - jaccard[:-1].clone()
    return (errors[order].clamp(min=0) * jaccard).sum()


@pytest.mark.parametrize('seed', range(5))
def test_matches_a_per_instance_reference(seed):
    gen = torch.Generator().manual_seed(seed)
    log_k = -torch.rand(6, 9, 7, generator=gen) * 4
    target = torch.rand(6, 9, 7, generator=gen) > 0.6
    loss = MODELS.build(dict(type='LovaszKernelLoss', loss_weight=2.))(log_k, target)
    want = torch.stack([_reference(2 * lk.exp().flatten() - 1, t.flatten())
                        for lk, t in zip(log_k, target)]).mean()
    assert torch.allclose(loss.double(), 2 * want, atol=1e-5)


def test_a_perfect_kernel_costs_nothing_and_the_gradient_reaches_log_k():
    target = torch.zeros(2, 8, 8, dtype=torch.bool)
    target[0, :4], target[1, 4:] = True, True
    perfect = torch.where(target, 0., -50.)
    assert MODELS.build(dict(type='LovaszKernelLoss'))(perfect, target) < 1e-6
    log_k = torch.full((2, 8, 8), -0.5, requires_grad=True)
    MODELS.build(dict(type='LovaszKernelLoss'))(log_k, target).backward()
    # raising K inside the mask and lowering it outside both lower the loss
    assert (log_k.grad[target] < 0).all() and (log_k.grad[~target] > 0).all()


def test_runs_in_float32_under_autocast():
    log_k = -torch.rand(3, 5, 5)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = MODELS.build(dict(type='LovaszKernelLoss'))(log_k, log_k > -0.5)
    assert loss.dtype == torch.float32


def test_refuses_a_negative_weight():
    with pytest.raises(ValueError, match='loss_weight'):
        MODELS.build(dict(type='LovaszKernelLoss', loss_weight=-1.))
