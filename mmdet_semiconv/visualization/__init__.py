from .coloring import draw_coloring, draw_coloring_predictions
from .embedding import draw_kernel, draw_predictions, draw_result, image_embeddings

__all__ = [
    'draw_kernel', 'draw_predictions', 'draw_result', 'image_embeddings', 'draw_coloring',
    'draw_coloring_predictions'
]
