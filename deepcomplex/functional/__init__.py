"""deepcomplex.functional: the math of every complex layer as functions on native complex tensors."""
from .activation import cardioid, complex_to_real, crelu, modrelu, zrelu
from .conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, linear
from .dropout import dropout, dropout2d
from .normalization import (complex_batch_norm, complex_group_norm, complex_layer_norm, naive_batch_norm,
                            whitening_matrix)
from .recurrent import (complex_conv_lstm, complex_conv_lstm_cell, complex_lstm, complex_lstm_cell, split_sigmoid,
                        split_tanh)
from .split import fourier_bessel_basis, split_dcf_conv2d, split_tt_linear, tt_svd, tt_to_dense
from .pooling import adaptive_avg_pool2d, avg_pool1d, avg_pool2d, avg_pool3d, max_pool2d, spectral_pool2d

__all__ = [
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "linear",
    "crelu", "modrelu", "zrelu", "cardioid", "complex_to_real",
    "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool2d", "max_pool2d", "spectral_pool2d",
    "dropout", "dropout2d",
    "complex_batch_norm", "complex_layer_norm", "complex_group_norm", "whitening_matrix", "naive_batch_norm",
    "fourier_bessel_basis", "split_dcf_conv2d", "split_tt_linear", "tt_svd", "tt_to_dense",
    "complex_lstm_cell", "complex_lstm", "complex_conv_lstm_cell", "complex_conv_lstm", "split_sigmoid", "split_tanh",
]
