from .checked_coco_dataset import CheckedCocoDataset
from .coco_checks import AnnotationFileError, check_coco
from .synthetic import (DOT_CLASSES, NUCLEUS_CLASSES, WORM_CLASSES, DotGridConfig, NucleiConfig,
                        SyntheticWormSplits, WormConfig, generate_dot_grid, generate_dot_split,
                        generate_nuclei_image, generate_split, generate_worm_image,
                        generate_worm_split, refuse_foreign_split)

__all__ = [
    'CheckedCocoDataset', 'AnnotationFileError', 'check_coco', 'WORM_CLASSES', 'DOT_CLASSES',
    'NUCLEUS_CLASSES', 'WormConfig',
    'NucleiConfig', 'DotGridConfig', 'SyntheticWormSplits', 'generate_worm_image',
    'generate_nuclei_image', 'generate_split', 'generate_worm_split', 'generate_dot_grid',
    'generate_dot_split', 'refuse_foreign_split'
]
