"""deepcomplex.nn: complex-valued layers that take and return native complex tensors, like torch.nn."""
from .activation import CardioidReLU, ComplexToReal, CReLU, ModReLU, ZReLU
from .attention import ComplexMultiheadAttention
from .conv import (ComplexConv1d, ComplexConv2d, ComplexConv3d, ComplexConvTranspose1d, ComplexConvTranspose2d,
                   ComplexConvTranspose3d)
from .conversion import ComplexAngle, ComplexModulus, ConcatenatedToComplex, InterleavedToComplex, RealToComplex
from .dropout import ComplexDropout, ComplexDropout1d, ComplexDropout2d, ComplexDropout3d
from .embedding import ComplexClassToken, ComplexPatchEmbed
from .gru import ComplexGRU, ComplexGRUCell
from .linear import ComplexBilinear, ComplexLinear
from .loss import ComplexL1Loss, ComplexMSELoss, LogMagnitudeMSELoss, MagnitudePhaseLoss
from .magnitude_norm import ComplexRMSNorm, MagnitudeBatchNorm
from .naive_norm import NaiveComplexBatchNorm1d, NaiveComplexBatchNorm3d
from .normalization import (ComplexBatchNorm1d, ComplexBatchNorm2d, ComplexBatchNorm3d, ComplexGroupNorm,
                            ComplexLayerNorm, NaiveComplexBatchNorm2d)
from .phase_activation import ComplexRatioMask, ModTanh, ZLeakyReLU
from .pooling import (ComplexAdaptiveAvgPool2d, ComplexAvgPool1d, ComplexAvgPool2d, ComplexAvgPool3d, ComplexMaxPool2d,
                      SpectralPool2d)
from .pooling_adaptive import (ComplexAdaptiveAvgPool1d, ComplexAdaptiveAvgPool3d, ComplexAdaptiveMaxPool1d,
                               ComplexAdaptiveMaxPool2d, ComplexAdaptiveMaxPool3d, SpectralPool1d, SpectralPool3d)
from .pooling_max import ComplexMaxPool1d, ComplexMaxPool3d, ComplexMaxUnpool1d, ComplexMaxUnpool2d, ComplexMaxUnpool3d
from .positional import ComplexRotaryEmbedding, ComplexSinusoidalPositionalEncoding
from .recurrent import (ComplexConvLSTM1d, ComplexConvLSTM2d, ComplexConvLSTMCell1d, ComplexConvLSTMCell2d,
                        ComplexLSTM, ComplexLSTMCell)
from .resampling import ComplexPixelShuffle, ComplexPixelUnshuffle, ComplexUpsample
from .split import SplitDCFConv2d, SplitTTLinear
from .split_activation import ComplexELU, ComplexGELU, ComplexSigmoid, ComplexTanh, CPReLU
from .transformer import ComplexTransformer, ComplexTransformerEncoder, ComplexTransformerEncoderLayer
from .transformer_decoder import ComplexTransformerDecoder, ComplexTransformerDecoderLayer

__all__ = [
    "ComplexConv1d", "ComplexConv2d", "ComplexConv3d", "ComplexConvTranspose1d", "ComplexConvTranspose2d",
    "ComplexConvTranspose3d", "ComplexLinear", "CReLU", "ModReLU", "ZReLU", "CardioidReLU", "ComplexToReal",
    "ComplexAvgPool1d", "ComplexAvgPool2d", "ComplexAvgPool3d", "ComplexAdaptiveAvgPool2d", "ComplexMaxPool2d",
    "SpectralPool2d", "ComplexDropout", "ComplexDropout2d", "ComplexBatchNorm1d", "ComplexBatchNorm2d",
    "ComplexBatchNorm3d", "ComplexLayerNorm", "ComplexGroupNorm", "NaiveComplexBatchNorm2d", "SplitDCFConv2d",
    "SplitTTLinear", "ComplexLSTMCell", "ComplexLSTM", "ComplexConvLSTMCell1d", "ComplexConvLSTMCell2d",
    "ComplexConvLSTM1d", "ComplexConvLSTM2d", "ComplexMultiheadAttention", "ComplexTransformerEncoderLayer",
    "ComplexTransformerEncoder", "ComplexTransformerDecoderLayer", "ComplexTransformerDecoder", "ComplexTransformer",
    "ComplexSinusoidalPositionalEncoding", "ComplexRotaryEmbedding", "ComplexPatchEmbed", "ComplexClassToken",
    "ComplexUpsample", "ComplexPixelShuffle", "ComplexPixelUnshuffle", "ComplexMaxPool1d", "ComplexMaxPool3d",
    "ComplexMaxUnpool1d", "ComplexMaxUnpool2d", "ComplexMaxUnpool3d", "ComplexAdaptiveAvgPool1d",
    "ComplexAdaptiveAvgPool3d", "ComplexAdaptiveMaxPool1d", "ComplexAdaptiveMaxPool2d", "ComplexAdaptiveMaxPool3d",
    "SpectralPool1d", "SpectralPool3d", "ComplexGRUCell", "ComplexGRU", "ComplexTanh", "ComplexSigmoid", "CPReLU",
    "ComplexELU", "ComplexGELU", "ZLeakyReLU", "ModTanh", "ComplexRatioMask", "ComplexRMSNorm", "MagnitudeBatchNorm",
    "NaiveComplexBatchNorm1d", "NaiveComplexBatchNorm3d", "ComplexDropout1d", "ComplexDropout3d", "ComplexBilinear",
    "RealToComplex", "ConcatenatedToComplex", "InterleavedToComplex", "ComplexModulus", "ComplexAngle",
    "ComplexMSELoss", "ComplexL1Loss", "LogMagnitudeMSELoss", "MagnitudePhaseLoss",
]

from .. import backends as _backends  # noqa: E402

for _name in __all__:  # every layer runs eagerly, with its compiled kernels, behind a graph break under torch.compile
    _backends.eager_under_compile(globals()[_name])
del _name
