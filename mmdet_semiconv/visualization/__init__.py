from .embedding import draw_result, image_embeddings

__all__ = ['draw_result', 'image_embeddings']
