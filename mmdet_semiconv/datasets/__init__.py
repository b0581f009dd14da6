from .synthetic import (DOT_CLASSES, WORM_CLASSES, DotGridConfig, WormConfig,
                        WormDataset, generate_dot_grid, generate_dot_split,
                        generate_worm_image, generate_worm_split)

__all__ = [
    'WORM_CLASSES', 'DOT_CLASSES', 'WormConfig', 'DotGridConfig', 'WormDataset',
    'generate_worm_image', 'generate_worm_split', 'generate_dot_grid', 'generate_dot_split'
]
