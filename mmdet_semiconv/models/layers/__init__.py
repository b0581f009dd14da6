from .semiconv_phi_subnet import SemiConvPhiSubnet, scale_grad, shuffle_conv
from .steered_bilateral_kernel import SteeredBilateralKernel

__all__ = ['SemiConvPhiSubnet', 'SteeredBilateralKernel', 'scale_grad', 'shuffle_conv']
