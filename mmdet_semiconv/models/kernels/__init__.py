from .steered_bilateral_kernel import SteeredBilateralKernel

__all__ = ['SteeredBilateralKernel']
