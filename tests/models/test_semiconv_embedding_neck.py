import torch

from mmdet_semiconv.models import SemiConvEmbeddingNeck
from mmdet_semiconv.models.necks import scale_grad


def test_shapes_per_level():
    neck = SemiConvEmbeddingNeck(in_channels=16, feat_channels=8, embed_dims=8)
    feats = tuple(torch.randn(2, 16, 32 // 2**i, 24 // 2**i) for i in range(5))
    phis = neck(feats)
    assert [p.shape for p in phis] == [(2, 8, f.size(2), f.size(3)) for f in feats]


def test_grad_scale_keeps_forward_and_scales_backward():
    x = torch.randn(3, 4, requires_grad=True)
    y = scale_grad(x, 0.1)
    assert torch.equal(y, x)
    (y * 2).sum().backward()
    assert torch.allclose(x.grad, torch.full_like(x, 0.2))

    torch.manual_seed(0)
    neck = SemiConvEmbeddingNeck(in_channels=8, feat_channels=8, embed_dims=4,
                                 fpn_grad_scale=0.1)
    feats = torch.randn(1, 8, 6, 6, requires_grad=True)
    out_scaled = neck((feats, ))[0]
    out_scaled.pow(2).sum().backward()
    grad_scaled = feats.grad.clone()
    feats.grad = None
    neck.fpn_grad_scale = 1.0
    out_plain = neck((feats, ))[0]
    out_plain.pow(2).sum().backward()
    assert torch.equal(out_scaled, out_plain)  # forward values are unchanged
    assert torch.allclose(grad_scaled, 0.1 * feats.grad, atol=1e-7)
    # the subnet's own parameters are not scaled: only the gradient into the FPN is
    assert neck.subnet[0].weight.grad is not None
