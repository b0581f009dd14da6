"""The colouring picture: masks, seed map and Psi of the box-free head, written whole."""
import numpy as np
from PIL import Image

from mmdet_semiconv.visualization.coloring import draw_coloring


def test_the_figure_is_written_and_the_image_is_left_alone(tmp_path):
    img = np.full((40, 60, 3), 0.5)
    before = img.copy()
    masks = np.zeros((2, 40, 60), bool)
    masks[0, 5:15, 5:20], masks[1, 20:35, 30:55] = True, True
    seeds = np.random.default_rng(0).uniform(0, 1, (20, 30))
    psi = np.random.default_rng(1).normal(0, 1, (8, 20, 30))
    draw_coloring(str(tmp_path / 'c.png'), img, masks, seeds, psi, seeds > 0.5, stride=2,
                  title='t')
    with Image.open(tmp_path / 'c.png') as pic:
        assert pic.size[0] > 300
    assert np.array_equal(img, before)


def test_gt_and_sigma_panels_widen_the_figure(tmp_path):
    img = np.full((40, 60, 3), 0.5)
    masks = np.zeros((1, 40, 60), bool)
    masks[0, 5:15, 5:20] = True
    seeds = np.random.default_rng(0).uniform(0, 1, (20, 30))
    psi = np.random.default_rng(1).normal(0, 1, (8, 20, 30))
    draw_coloring(str(tmp_path / 'a.png'), img, masks, seeds, psi, seeds > 0.5, stride=2)
    draw_coloring(str(tmp_path / 'b.png'), img, masks, seeds, psi, seeds > 0.5, stride=2,
                  gt_masks=masks, sigma_px=np.full((20, 30), 3.))
    with Image.open(tmp_path / 'a.png') as a, Image.open(tmp_path / 'b.png') as b:
        assert b.size[0] > 1.5 * a.size[0]
