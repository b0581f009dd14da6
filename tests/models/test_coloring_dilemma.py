"""The 1-D coloring dilemma of section 3.6 through the package: its Phi subnet, being
convolutional, colours identical replicas alike; u_hat (eq. 6) added to the displacement of
sec. 3.6 gives each replica its own colour."""
import numpy as np
import pytest
import torch

from mmdet_semiconv.models import SemiConvPhiSubnet
from mmdet_semiconv.models.utils import level_coordinates

SCALE = 50  # pixels per coordinate unit (coord_scale): a region S_k = [2k, 2k + 2] is 100 px
WIDTH = 500  # five replicas


def _signal():
    """u_hat's x of every pixel, and x of period 2 with x_u = 1 - |u - (2k + 1)| on S_k."""
    u = level_coordinates(1, WIDTH, 1, SCALE, 2, torch.device('cpu'))[0, 0, 0].double().numpy()
    r = u % 2 - 1  # position inside the region, in [-1, 1)
    return u, 1 - np.abs(r), r


def test_the_phi_subnet_colours_replicas_alike_and_u_hat_tells_them_apart():
    u, x, _ = _signal()
    torch.manual_seed(0)
    neck = SemiConvPhiSubnet(in_channels=1, feat_channels=8, embed_dims=4).eval()
    with torch.no_grad():
        phi = neck(torch.tensor(x, dtype=torch.float32).view(1, 1, 1, WIDTH))
    psi = phi + level_coordinates(1, WIDTH, 1, SCALE, 4, phi.device)
    same = [100 * k + 50 for k in range(5)]  # the same point of every replica
    for j in same[1:]:
        torch.testing.assert_close(phi[0, :, 0, j], phi[0, :, 0, same[0]], rtol=0, atol=1e-6)
        # Psi of the replicas is 2 units (one period) apart per replica
        assert float(psi[0, 0, 0, j] - psi[0, 0, 0, same[0]]) == \
            pytest.approx((j - same[0]) / SCALE, abs=1e-5)
    # the subnet is not constant: another point of the period gets another colour
    assert (phi[0, :, 0, 75] - phi[0, :, 0, 50]).abs().max() > 1e-3


def test_the_displacement_of_sec_3_6_votes_for_each_region_centre():
    u, x, r = _signal()
    dx = -np.sign(r)  # x'_u
    phi = (1 - x) * dx  # Phi_u = (1 - x_u) x'_u, a function of the signal alone
    psi = phi + u  # eq. (3) with u_hat
    region = np.floor(u / 2)
    interior = np.abs(r) < 1 - 1e-9
    np.testing.assert_allclose(psi[interior], 2 * region[interior] + 1, atol=1e-6)
    assert len(np.unique(np.round(psi[interior], 6))) == 5  # five replicas, five colours
