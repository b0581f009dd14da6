from .semiconv_mask_head import SemiConvMaskHead

__all__ = ['SemiConvMaskHead']
