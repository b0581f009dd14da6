from .coordinates import level_coordinates, roi_grid_coordinates

__all__ = ['level_coordinates', 'roi_grid_coordinates']
