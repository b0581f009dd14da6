from .coordinates import level_coordinates, roi_grid_coordinates, sample_on_cells
from .profiling import BRANCH_PARTS, SCOPE_PREFIX, branch_scope

__all__ = [
    'level_coordinates', 'roi_grid_coordinates', 'sample_on_cells', 'BRANCH_PARTS',
    'SCOPE_PREFIX', 'branch_scope'
]
