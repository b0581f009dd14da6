from .semiconv_coloring import SemiConvColoring

__all__ = ['SemiConvColoring']
