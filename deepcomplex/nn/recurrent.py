"""Complex LSTM and ConvLSTM modules (Trabelsi et al., 2018), thin wrappers over deepcomplex.functional.recurrent."""
from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
from torch import nn

from .. import init as cinit
from ..functional.recurrent import State, _conv_lstm, _conv_lstm_cell, _lstm, _lstm_cell, check_kernel_size
from ._utils import KindPreservingModule, complex_dtype

_Size = Union[int, Sequence[int]]

__all__ = ["ComplexLSTMCell", "ComplexLSTM", "ComplexConvLSTMCell1d", "ComplexConvLSTMCell2d", "ComplexConvLSTM1d",
           "ComplexConvLSTM2d"]


def _check_sizes(name: str, **sizes: int) -> None:
    for what, v in sizes.items():
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name}: {what} must be a positive int, got {v!r}")


def _init_gates(weight_ih: torch.Tensor, weight_hh: torch.Tensor, bias: Optional[torch.Tensor], hidden: int) -> None:
    """Rayleigh/Glorot complex weights (Trabelsi et al., Sec. 3.6); zero bias with Re of the forget-gate slice at 1."""
    cinit.complex_rayleigh_(weight_ih, "glorot")
    cinit.complex_rayleigh_(weight_hh, "glorot")
    if bias is not None:
        with torch.no_grad():
            bias.zero_()
            bias[hidden:2 * hidden] = 1.0


class ComplexLSTMCell(KindPreservingModule):
    """Complex LSTM cell, arguments as torch.nn.LSTMCell; forward(input (N, H_in) or (H_in), (h, c) or None) -> (h, c).

    Gates: torch's LSTM equations with complex affine maps, split sigmoid/tanh on Re and Im, complex products
    c' = f*c + i*g, h' = o*tanh_split(c') (Trabelsi et al., 2018, per shared/PAPERS.md); gate order i, f, g, o.
    Init: weight_ih (4H, H_in), weight_hh (4H, H) Rayleigh/Glorot; biases zero but Re(bias_ih) of the forget gate = 1.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        _check_sizes(name, input_size=input_size, hidden_size=hidden_size)
        dtype = complex_dtype(name, dtype)
        self.input_size, self.hidden_size = input_size, hidden_size
        kw = dict(device=device, dtype=dtype)
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size, **kw))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size, **kw))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size, **kw)) if bias else None
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size, **kw)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _init_gates(self.weight_ih, self.weight_hh, self.bias_ih, self.hidden_size)
        if self.bias_hh is not None:
            nn.init.zeros_(self.bias_hh)

    def forward(self, input: torch.Tensor, hx: Optional[State] = None) -> State:
        return _lstm_cell(type(self).__name__, input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                          check_params=False)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias_ih is None:
            s += ", bias=False"
        return s + f", dtype={self.weight_ih.dtype}"


class ComplexLSTM(KindPreservingModule):
    """Multi-layer complex LSTM, arguments as torch.nn.LSTM (no dropout/bidirectional/proj_size).

    forward(input (L, N, H_in) / (N, L, H_in) if batch_first / (L, H_in), (h0, c0) each (num_layers, N, H) or None)
    -> (output: all h of the last layer, (h_n, c_n)). Per layer the ComplexLSTMCell equations (Trabelsi et al., 2018):
    split sigmoid/tanh on Re and Im, complex gate products, gate order i, f, g, o. Parameters weight_ih_l{k},
    weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} as torch; Rayleigh/Glorot weights, zero biases except Re(bias_ih) of
    the forget gate = 1.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        _check_sizes(name, input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
        dtype = complex_dtype(name, dtype)
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        kw = dict(device=device, dtype=dtype)
        for k in range(num_layers):
            n_in = input_size if k == 0 else hidden_size
            self.register_parameter(f"weight_ih_l{k}", nn.Parameter(torch.empty(4 * hidden_size, n_in, **kw)))
            self.register_parameter(f"weight_hh_l{k}", nn.Parameter(torch.empty(4 * hidden_size, hidden_size, **kw)))
            for b in ("ih", "hh"):
                p = nn.Parameter(torch.empty(4 * hidden_size, **kw)) if bias else None
                self.register_parameter(f"bias_{b}_l{k}", p)
        self.reset_parameters()

    def _layer(self, k: int) -> tuple:
        return tuple(getattr(self, f"{p}_l{k}") for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def reset_parameters(self) -> None:
        for k in range(self.num_layers):
            w_ih, w_hh, b_ih, b_hh = self._layer(k)
            _init_gates(w_ih, w_hh, b_ih, self.hidden_size)
            if b_hh is not None:
                nn.init.zeros_(b_hh)

    def forward(self, input: torch.Tensor, hx: Optional[State] = None) -> tuple[torch.Tensor, State]:
        params = [self._layer(k) for k in range(self.num_layers)]
        return _lstm(type(self).__name__, input, hx, params, self.batch_first, check_params=False)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        return s + f", dtype={self.weight_ih_l0.dtype}"


class _ComplexConvLSTMCellNd(KindPreservingModule):
    _nd = 0

    def __init__(self, in_channels: int, hidden_channels: int, kernel_size: _Size, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        _check_sizes(name, in_channels=in_channels, hidden_channels=hidden_channels)
        self.kernel_size = check_kernel_size(name, kernel_size, self._nd)
        dtype = complex_dtype(name, dtype)
        self.in_channels, self.hidden_channels = in_channels, hidden_channels
        kw = dict(device=device, dtype=dtype)
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_channels, in_channels, *self.kernel_size, **kw))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_channels, hidden_channels, *self.kernel_size, **kw))
        self.bias = nn.Parameter(torch.empty(4 * hidden_channels, **kw)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _init_gates(self.weight_ih, self.weight_hh, self.bias, self.hidden_channels)

    def forward(self, input: torch.Tensor, hx: Optional[State] = None) -> State:
        return _conv_lstm_cell(type(self).__name__, input, hx, self.weight_ih, self.weight_hh, self.bias,
                               check_params=False)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.hidden_channels}, kernel_size={self.kernel_size}"
        if self.bias is None:
            s += ", bias=False"
        return s + f", dtype={self.weight_ih.dtype}"


class ComplexConvLSTMCell1d(_ComplexConvLSTMCellNd):
    """Complex ConvLSTM cell on (N, C, W) or (C, W), 'same' padding (odd kernels); forward(input, (h, c) or None).

    Gates: W_ih (*) x + W_hh (*) h + b (complex 'same' cross-correlations), split sigmoid/tanh on Re and Im, complex
    products c' = f*c + i*g, h' = o*tanh_split(c') (Trabelsi et al., 2018, per shared/PAPERS.md); order i, f, g, o.
    Init: Rayleigh/Glorot weights, zero bias except Re of the forget-gate slice = 1.
    """
    _nd = 1


class ComplexConvLSTMCell2d(_ComplexConvLSTMCellNd):
    """Complex ConvLSTM cell on (N, C, H, W) or (C, H, W), 'same' padding (odd kernels); forward(input, (h, c) or None).

    Gates: W_ih (*) x + W_hh (*) h + b (complex 'same' cross-correlations), split sigmoid/tanh on Re and Im, complex
    products c' = f*c + i*g, h' = o*tanh_split(c') (Trabelsi et al., 2018, per shared/PAPERS.md); order i, f, g, o.
    Init: Rayleigh/Glorot weights, zero bias except Re of the forget-gate slice = 1.
    """
    _nd = 2


class _ComplexConvLSTMNd(KindPreservingModule):
    _nd = 0
    _cell = _ComplexConvLSTMCellNd

    def __init__(self, in_channels: int, hidden_channels: int, kernel_size: _Size, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        _check_sizes(name, in_channels=in_channels, hidden_channels=hidden_channels, num_layers=num_layers)
        self.kernel_size = check_kernel_size(name, kernel_size, self._nd)
        complex_dtype(name, dtype)
        self.in_channels, self.hidden_channels, self.num_layers = in_channels, hidden_channels, num_layers
        self.bias, self.batch_first = bias, batch_first
        self.cells = nn.ModuleList(
            self._cell(in_channels if k == 0 else hidden_channels, hidden_channels, self.kernel_size, bias,
                       device=device, dtype=dtype) for k in range(num_layers))

    def reset_parameters(self) -> None:
        for cell in self.cells:
            cell.reset_parameters()

    def forward(self, input: torch.Tensor, hx: Optional[State] = None) -> tuple[torch.Tensor, State]:
        params = [(c.weight_ih, c.weight_hh, c.bias) for c in self.cells]
        return _conv_lstm(type(self).__name__, input, hx, params, self.batch_first, check_params=False)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.hidden_channels}, kernel_size={self.kernel_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        return s


class ComplexConvLSTM1d(_ComplexConvLSTMNd):
    """Multi-layer complex ConvLSTM over (L, N, C, W) ((N, L, C, W) if batch_first, or (L, C, W)); 'same' padding.

    forward(input, (h0, c0) each (num_layers, N, C_h, W) or None) -> (output: all h of the last layer, (h_n, c_n)).
    Per layer the ComplexConvLSTMCell1d equations: complex convolutions, split sigmoid/tanh, complex gate products
    (Trabelsi et al., 2018, per shared/PAPERS.md); Rayleigh/Glorot weights, zero bias except Re(forget bias) = 1.
    """
    _nd, _cell = 1, ComplexConvLSTMCell1d


class ComplexConvLSTM2d(_ComplexConvLSTMNd):
    """Multi-layer complex ConvLSTM over (L, N, C, H, W) ((N, L, C, H, W) if batch_first, or (L, C, H, W)); 'same' pad.

    forward(input, (h0, c0) each (num_layers, N, C_h, H, W) or None) -> (output: all h of the last layer, (h_n, c_n)).
    Per layer the ComplexConvLSTMCell2d equations: complex convolutions, split sigmoid/tanh, complex gate products
    (Trabelsi et al., 2018, per shared/PAPERS.md); Rayleigh/Glorot weights, zero bias except Re(forget bias) = 1.
    """
    _nd, _cell = 2, ComplexConvLSTMCell2d
