from .semiconv_coloring_head import SemiConvColoringHead

__all__ = ['SemiConvColoringHead']
