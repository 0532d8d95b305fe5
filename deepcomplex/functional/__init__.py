"""deepcomplex.functional: the math of every complex layer as functions on native complex tensors."""
from .activation import cardioid, complex_to_real, crelu, modrelu, zrelu
from .attention import multi_head_attention_forward, scaled_dot_product_attention
from .bilinear import bilinear
from .conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, linear
from .conversion import concatenated_to_complex, interleaved_to_complex, real_to_complex
from .dropout import dropout, dropout1d, dropout2d, dropout3d
from .gru import complex_gru, complex_gru_cell
from .layer_norm import complex_group_norm, complex_layer_norm
from .loss import complex_l1_loss, complex_mse_loss, log_magnitude, log_magnitude_mse, magnitude_phase_loss
from .magnitude_norm import complex_rms_norm, magnitude_batch_norm
from .normalization import complex_batch_norm, naive_batch_norm, whitening_matrix
from .phase_activation import complex_ratio_mask, mod_tanh, zleaky_relu
from .pooling import adaptive_avg_pool2d, avg_pool1d, avg_pool2d, avg_pool3d, max_pool2d, spectral_pool2d
from .pooling_adaptive import (adaptive_avg_pool1d, adaptive_avg_pool3d, adaptive_max_pool1d, adaptive_max_pool2d,
                               adaptive_max_pool3d)
from .pooling_max import max_pool1d, max_pool3d, max_unpool1d, max_unpool2d, max_unpool3d
from .pooling_spectral import spectral_pool1d, spectral_pool3d
from .positional import positional_frequencies, rotary_embedding, sinusoidal_positional_encoding
from .recurrent import (complex_conv_lstm, complex_conv_lstm_cell, complex_lstm, complex_lstm_cell, split_sigmoid,
                        split_tanh)
from .resampling import interpolate, pixel_shuffle, pixel_unshuffle
from .split import fourier_bessel_basis, split_dcf_conv2d, split_tt_linear, tt_svd, tt_to_dense
from .split_activation import cprelu, split_elu, split_gelu

__all__ = [
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "linear", "crelu",
    "modrelu", "zrelu", "cardioid", "complex_to_real", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool2d",
    "max_pool2d", "spectral_pool2d", "dropout", "dropout2d", "complex_batch_norm", "complex_layer_norm",
    "complex_group_norm", "whitening_matrix", "naive_batch_norm", "fourier_bessel_basis", "split_dcf_conv2d",
    "split_tt_linear", "tt_svd", "tt_to_dense", "complex_lstm_cell", "complex_lstm", "complex_conv_lstm_cell",
    "complex_conv_lstm", "split_sigmoid", "split_tanh", "scaled_dot_product_attention", "multi_head_attention_forward",
    "interpolate", "pixel_shuffle", "pixel_unshuffle", "max_pool1d", "max_pool3d", "max_unpool1d", "max_unpool2d",
    "max_unpool3d", "adaptive_avg_pool1d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "adaptive_max_pool3d", "spectral_pool1d", "spectral_pool3d", "positional_frequencies",
    "sinusoidal_positional_encoding", "rotary_embedding", "complex_gru_cell", "complex_gru", "split_elu", "split_gelu",
    "cprelu", "zleaky_relu", "mod_tanh", "complex_ratio_mask", "complex_rms_norm", "magnitude_batch_norm", "dropout1d",
    "dropout3d", "bilinear", "real_to_complex", "concatenated_to_complex", "interleaved_to_complex", "complex_mse_loss",
    "complex_l1_loss", "log_magnitude", "log_magnitude_mse", "magnitude_phase_loss",
]
