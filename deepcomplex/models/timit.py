"""Next-frame speech spectrum predictors for TIMIT (Deep Complex Networks, Trabelsi et al., 2018, Sec. 4.3).

Input: complex STFT frames x (N, T, F) (``deepcomplex.data.timit.load_timit``); output: the predicted complex spectrum
of the next frame at every step, (N, T, F) complex, scored with ``deepcomplex.functional.loss.log_magnitude_mse``
against the log-magnitudes y of the true next frames.

``timit_convlstm``: the spectrum as one complex channel over frequency -> ``ComplexConvLSTM1d`` over time (complex
'same' convolutions along frequency, split sigmoid/tanh, complex gate products) -> complex 1x1 convolution to one
channel. ``timit_convlstm_real``: its real twin, Re and Im as two real channels -> a real ConvLSTM
(``deepcomplex.layers.ConvLSTM1d``, Shi et al., 2015) -> real 1x1 convolution to two channels, read as Re and Im of
the prediction.

Parameter counts (real numbers; a complex one counts two), C_h hidden channels, k the kernel, L layers:
complex 2 * [sum over layers of 4 C_h (C_in k + C_h k + 1)] + 2 (C_h + 1) with C_in = 1 for the first layer;
real sum over layers of 4 C_h (C_in k + C_h k + 1) + 2 C_h + 2 with C_in = 2 for the first layer.
Defaults (k = 5, L = 2): complex C_h = 16 -> 31,650; real C_h = 23 -> 32,892 (the real width ~ sqrt(2) times the
complex one gives about the same count, as the paper compares models of similar size).
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from .. import backends
from .. import nn as cnn
from .._validation import check_positive_ints
from ..layers import ConvLSTM1d
from ..nn.module import KindPreservingModule
from .registry import register_model

__all__ = ["TimitConvLSTM", "timit_convlstm", "timit_convlstm_real"]


@backends.eager_under_compile
class TimitConvLSTM(KindPreservingModule):
    """Next-frame spectrum predictor: complex (N, T, F) STFT frames -> predicted complex (N, T, F) next frames.

    ``is_complex``: ComplexConvLSTM1d on the one complex channel and a complex 1x1 head; otherwise the real twin
    (Re, Im as two channels, ConvLSTM1d, real 1x1 head to two channels read as Re and Im). Either takes complex64
    input (complex128 after ``.to(torch.float64)`` or ``.to(torch.complex128)``, which keep real parameters real and
    complex ones complex).
    """

    def __init__(self, n_freq: int = 129, hidden_channels: int = 16, kernel_size: int = 5, num_layers: int = 2,
                 is_complex: bool = True, name: Optional[str] = None) -> None:
        super().__init__()
        self.name = name or ("timit_convlstm" if is_complex else "timit_convlstm_real")
        check_positive_ints(self.name, n_freq=n_freq, hidden_channels=hidden_channels, kernel_size=kernel_size,
                    num_layers=num_layers)
        if kernel_size % 2 == 0:
            raise ValueError(f"{self.name} needs an odd kernel_size for 'same' padding, got {kernel_size}")
        self.n_freq, self.is_complex = n_freq, is_complex
        if is_complex:
            self.rnn = cnn.ComplexConvLSTM1d(1, hidden_channels, kernel_size, num_layers, batch_first=True)
            self.head = cnn.ComplexConv1d(hidden_channels, 1, 1)
        else:
            self.rnn = ConvLSTM1d(2, hidden_channels, kernel_size, num_layers, batch_first=True)
            self.head = nn.Conv1d(hidden_channels, 2, 1)

    def _check_input(self, x) -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{self.name} expects a complex tensor (N, T, F), got {type(x).__name__}")
        param = self.head.weight
        want = param.dtype if param.is_complex() else {torch.float32: torch.complex64,
                                                        torch.float64: torch.complex128}.get(param.dtype)
        if not x.is_complex():
            raise TypeError(f"{self.name} expects complex STFT frames ({want}), got {x.dtype}")
        if x.dtype != want:
            raise TypeError(f"{self.name} expects {want} input (its parameters' precision), got {x.dtype}; convert "
                            f"explicitly")
        if x.dim() != 3:
            raise ValueError(f"{self.name} expects a 3D input (N, T, F) of STFT frames, got {x.dim()}D input of "
                             f"shape {tuple(x.shape)}")
        if x.shape[2] != self.n_freq:
            raise ValueError(f"{self.name} expects F = {self.n_freq} frequency bins (n_freq), got {x.shape[2]} "
                             f"(input of shape {tuple(x.shape)})")
        if x.shape[0] == 0 or x.shape[1] == 0:
            raise ValueError(f"{self.name} expects a non-empty batch of non-empty sequences, got shape "
                             f"{tuple(x.shape)}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        n, steps, f = x.shape
        if self.is_complex:
            h, _ = self.rnn(x.unsqueeze(2))  # (N, T, C_h, F)
            return self.head(h.reshape(n * steps, -1, f)).reshape(n, steps, f)
        h, _ = self.rnn(torch.stack([x.real, x.imag], 2))  # (N, T, 2, F) -> (N, T, C_h, F)
        out = self.head(h.reshape(n * steps, -1, f)).reshape(n, steps, 2, f)
        return torch.complex(out[:, :, 0], out[:, :, 1])

    def extra_repr(self) -> str:
        return f"n_freq={self.n_freq}"


def _example_spectra(batch: int, n_freq: int = 129, **kwargs) -> torch.Tensor:
    """A batch of 8 complex STFT frames (N, T, F), as the TIMIT task feeds the models."""
    return torch.randn(batch, 8, n_freq, dtype=torch.complex64)


@register_model(example_input=_example_spectra)
def timit_convlstm(n_freq: int = 129, hidden_channels: int = 16, kernel_size: int = 5,
                   num_layers: int = 2) -> TimitConvLSTM:
    """Complex ConvLSTM next-frame spectrum predictor for TIMIT (31,650 real parameters at the defaults)."""
    return TimitConvLSTM(n_freq, hidden_channels, kernel_size, num_layers, True, "timit_convlstm")


@register_model(example_input=_example_spectra)
def timit_convlstm_real(n_freq: int = 129, hidden_channels: int = 23, kernel_size: int = 5,
                        num_layers: int = 2) -> TimitConvLSTM:
    """Real twin of timit_convlstm (Re/Im as two channels, real ConvLSTM; 32,892 parameters at the defaults)."""
    return TimitConvLSTM(n_freq, hidden_channels, kernel_size, num_layers, False, "timit_convlstm_real")
