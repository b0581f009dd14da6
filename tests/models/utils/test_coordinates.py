"""u_hat of eq. (6): one convention for feature cells, RoI grid cells and mask sampling."""
import pytest
import torch

from mmdet_semiconv.models.utils import level_coordinates, roi_grid_coordinates, sample_on_cells


def test_a_cell_of_stride_s_is_at_its_centre_over_coord_scale():
    u = level_coordinates(3, 4, stride=8, coord_scale=16., embed_dims=5,
                          device=torch.device('cpu'))
    assert u.shape == (1, 5, 3, 4) and u.dtype == torch.float32
    assert u[0, 0, 2, 3] == (3 + 0.5) * 8 / 16  # x of column 3
    assert u[0, 1, 2, 3] == (2 + 0.5) * 8 / 16  # y of row 2
    assert not u[0, 2:].any()  # the other dimensions are free for Phi


def test_a_roi_grid_cell_is_at_its_bin_centre_and_meets_the_level_cell_it_covers():
    rois = torch.tensor([[0, 8., 16., 24., 48.]])  # 16 x 32 px
    u = roi_grid_coordinates(rois, size=4, coord_scale=1., embed_dims=2)
    assert u.shape == (1, 2, 4, 4)
    assert u[0, 0, 0].tolist() == [10., 14., 18., 22.]  # x1 + (b + 0.5) * 16 / 4
    assert u[0, 1, :, 0].tolist() == [20., 28., 36., 44.]  # y1 + (a + 0.5) * 32 / 4
    # a RoI of one stride-4 cell per bin has the level's own coordinates
    level = level_coordinates(16, 16, stride=4, coord_scale=1., embed_dims=2,
                              device=torch.device('cpu'))
    aligned = roi_grid_coordinates(torch.tensor([[0, 8., 16., 24., 32.]]), 4, 1., 2)
    assert torch.equal(aligned[0], level[0, :, 4:8, 2:6])


def test_float32_even_for_half_rois():
    u = roi_grid_coordinates(torch.tensor([[0, 1000., 1000., 1001., 1001.]]).half(), 2, 1., 2)
    assert u.dtype == torch.float32
    assert u[0, 0, 0].tolist() == pytest.approx([1000.25, 1000.75])  # fp16's step there is 0.5


def test_a_mask_is_read_at_the_pixel_holding_each_cell_centre_and_padded_cells_are_empty():
    masks = torch.zeros(1, 10, 10, dtype=torch.bool)
    masks[0, 2, 6] = True  # pixel (row 2, column 6): centre of stride-4 cell (0, 1)
    cells = sample_on_cells(masks, stride=4, size=(3, 4))
    assert cells.shape == (1, 3, 4) and cells.dtype == torch.bool
    assert cells[0].nonzero().tolist() == [[0, 1]]
    assert not cells[0, 2:].any() and not cells[0, :, 3:].any()  # past the 10 px mask
