"""The 1-D convolutional coloring dilemma of section 3.6, and its semi-convolutional fix."""
import numpy as np
import torch

STEP = 0.01


def _signal():
    """x of period 2 with x_u = min(1 - u, 1 + u) on [-1, 1]; regions S_k = [-1, 1] + 2k."""
    u = np.round(np.arange(-5, 5 + STEP / 2, STEP), 6)
    r = (u + 1) % 2 - 1  # position inside the period, in [-1, 1)
    x = np.minimum(1 - r, 1 + r)
    return u, x


def test_translation_invariant_operator_colours_replicas_alike():
    u, x = _signal()
    torch.manual_seed(0)
    net = torch.nn.Sequential(  # any local, translation-invariant operator
        torch.nn.Conv1d(1, 8, 21, padding=10, padding_mode='circular'), torch.nn.ReLU(),
        torch.nn.Conv1d(8, 4, 21, padding=10, padding_mode='circular'))
    with torch.no_grad():
        colours = net(torch.tensor(x, dtype=torch.float32)[None, None])[0].t().numpy()
    centres = [np.argmin(np.abs(u - 2 * k)) for k in range(-2, 3)]  # u = 2k, one per region
    for i in centres[1:]:
        np.testing.assert_allclose(colours[i], colours[centres[0]], atol=1e-5)


def test_semi_convolutional_operator_separates_replicas():
    u, x = _signal()
    dx = np.gradient(x, STEP)
    phi = u + (1 - x) * dx  # Phi_u = u + (1 - x_u) x'_u (sec. 3.6)
    region = np.round(u / 2)  # k such that u in [-1, 1] + 2k
    r = (u + 1) % 2 - 1
    interior = (np.abs(np.abs(r) - 1) > 2 * STEP) & (np.abs(r) > 2 * STEP)  # away from kinks
    interior &= np.abs(u) < 5 - 2 * STEP
    np.testing.assert_allclose(phi[interior], 2 * region[interior], atol=1e-6)
    assert len(np.unique(region[interior])) == 5  # five replicas, five colours
