"""The embedding pictures: Psi as colours that tell instances apart, figures written whole."""
import numpy as np
from PIL import Image

from mmdet_semiconv.visualization.embedding import _pca_rgb, draw_kernel, draw_result


def test_psi_colours_separate_instances_and_leave_the_background_white():
    psi = np.zeros((8, 6, 6))
    psi[0, :, :3], psi[0, :, 3:] = -1., 1.  # two instances, far apart in Psi
    psi[1] = np.random.default_rng(0).normal(0, 0.01, (6, 6))
    fg = np.ones((6, 6), bool)
    fg[0] = False
    rgb = _pca_rgb(psi, fg)
    assert rgb.shape == (6, 6, 3) and (rgb >= 0).all() and (rgb <= 1).all()
    assert (rgb[0] == 1).all()  # background
    left, right = rgb[1:, :3].reshape(-1, 3), rgb[1:, 3:].reshape(-1, 3)
    assert np.abs(left[:, 0] - right[:, 0]).min() > 0.9  # the main axis splits them
    assert (_pca_rgb(psi, np.zeros((6, 6), bool)) == 1).all()  # no foreground: all white


def test_the_figures_are_written(tmp_path):
    img = np.zeros((32, 48, 3), np.uint8)
    img[8:24, 8:40] = 200
    masks = np.zeros((1, 32, 48), bool)
    masks[0, 8:24, 8:40] = True
    phi = np.random.default_rng(0).normal(0, 0.1, (8, 8, 12))
    draw_result(str(tmp_path / 'r.png'), img, masks, phi, phi + 1, stride=4, coord_scale=64.,
                title='t')
    kernel = np.random.default_rng(1).uniform(0, 1, (7, 7))
    draw_kernel(str(tmp_path / 'k.png'), img, np.array([8., 8., 40., 24.]), kernel,
                np.zeros((7, 7)))
    for name in ('r.png', 'k.png'):
        with Image.open(tmp_path / name) as pic:
            assert pic.size[0] > 300 and pic.size[1] > 100
