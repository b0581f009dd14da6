import pytest
import torch

from mmdet_semiconv.models import SemiConvPhiSubnet
from mmdet_semiconv.models.layers import scale_grad


def test_phi_of_a_level_has_its_resolution():
    subnet = SemiConvPhiSubnet(in_channels=16, feat_channels=8, embed_dims=8)
    feats = [torch.randn(2, 16, 32 // 2**i, 24 // 2**i) for i in range(5)]
    phis = [subnet(f) for f in feats]
    assert [p.shape for p in phis] == [(2, 8, f.size(2), f.size(3)) for f in feats]


def test_grad_scale_keeps_forward_and_scales_backward():
    x = torch.randn(3, 4, requires_grad=True)
    y = scale_grad(x, 0.1)
    assert torch.equal(y, x)
    (y * 2).sum().backward()
    assert torch.allclose(x.grad, torch.full_like(x, 0.2))

    torch.manual_seed(0)
    subnet = SemiConvPhiSubnet(in_channels=8, feat_channels=8, embed_dims=4, fpn_grad_scale=0.1)
    feats = torch.randn(1, 8, 6, 6, requires_grad=True)
    out_scaled = subnet(feats)
    out_scaled.pow(2).sum().backward()
    grad_scaled = feats.grad.clone()
    feats.grad = None
    subnet.fpn_grad_scale = 1.0
    out_plain = subnet(feats)
    out_plain.pow(2).sum().backward()
    assert torch.equal(out_scaled, out_plain)  # forward values are unchanged
    assert torch.allclose(grad_scaled, 0.1 * feats.grad, atol=1e-7)
    # the subnet's own parameters are not scaled: only the gradient into the FPN is
    assert subnet.subnet[0].weight.grad is not None


def test_upsample_factor_gives_phi_at_r_times_the_resolution():
    subnet = SemiConvPhiSubnet(in_channels=16, feat_channels=8, embed_dims=4, upsample_factor=4)
    feat = torch.randn(2, 16, 5, 7)
    phi = subnet(feat)
    assert phi.shape == (2, 4, 20, 28)
    # sub-cell (a, b) of cell (i, j) is channel d r^2 + a r + b of the conv (a pixel shuffle)
    pre = subnet.subnet[:3](feat)
    assert torch.equal(phi[:, 1, 2 * 4 + 3, 5 * 4 + 1], pre[:, 1 * 16 + 3 * 4 + 1, 2, 5])
    for bad in (0, 1.5):
        with pytest.raises(ValueError, match='upsample_factor'):
            SemiConvPhiSubnet(upsample_factor=bad)
