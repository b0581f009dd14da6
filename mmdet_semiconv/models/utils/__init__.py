from .coordinates import level_coordinates, roi_grid_coordinates, sample_on_cells

__all__ = ['level_coordinates', 'roi_grid_coordinates', 'sample_on_cells']
