"""deepcomplex.nn: complex-valued layers that take and return native complex tensors, like torch.nn."""
from .activation import CardioidReLU, ComplexToReal, CReLU, ModReLU, ZReLU
from .conv import (ComplexConv1d, ComplexConv2d, ComplexConv3d, ComplexConvTranspose1d, ComplexConvTranspose2d,
                   ComplexConvTranspose3d)
from .dropout import ComplexDropout, ComplexDropout2d
from .linear import ComplexLinear
from .normalization import (ComplexBatchNorm1d, ComplexBatchNorm2d, ComplexBatchNorm3d, ComplexGroupNorm,
                            ComplexLayerNorm, NaiveComplexBatchNorm2d)
from .pooling import (ComplexAdaptiveAvgPool2d, ComplexAvgPool1d, ComplexAvgPool2d, ComplexAvgPool3d, ComplexMaxPool2d,
                      SpectralPool2d)
from .recurrent import (ComplexConvLSTM1d, ComplexConvLSTM2d, ComplexConvLSTMCell1d, ComplexConvLSTMCell2d, ComplexLSTM,
                        ComplexLSTMCell)
from .split import SplitDCFConv2d, SplitTTLinear

__all__ = [
    "ComplexConv1d", "ComplexConv2d", "ComplexConv3d",
    "ComplexConvTranspose1d", "ComplexConvTranspose2d", "ComplexConvTranspose3d", "ComplexLinear",
    "CReLU", "ModReLU", "ZReLU", "CardioidReLU", "ComplexToReal",
    "ComplexAvgPool1d", "ComplexAvgPool2d", "ComplexAvgPool3d", "ComplexAdaptiveAvgPool2d", "ComplexMaxPool2d",
    "SpectralPool2d", "ComplexDropout", "ComplexDropout2d",
    "ComplexBatchNorm1d", "ComplexBatchNorm2d", "ComplexBatchNorm3d", "ComplexLayerNorm", "ComplexGroupNorm",
    "NaiveComplexBatchNorm2d", "SplitDCFConv2d", "SplitTTLinear",
    "ComplexLSTMCell", "ComplexLSTM", "ComplexConvLSTMCell1d", "ComplexConvLSTMCell2d", "ComplexConvLSTM1d",
    "ComplexConvLSTM2d",
]
