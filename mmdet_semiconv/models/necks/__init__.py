from .semiconv_embedding_neck import SemiConvEmbeddingNeck, scale_grad

__all__ = ['SemiConvEmbeddingNeck', 'scale_grad']
