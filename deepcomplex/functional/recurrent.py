"""Complex (Conv)LSTM math: torch's LSTM equations with complex affine maps / 'same' convolutions, split sigmoid and
tanh, complex gate products (Trabelsi et al., 2018, as summarised in shared/PAPERS.md).

    i, f, o = sigma(Re a) + i sigma(Im a)   (split sigmoid of the gate pre-activations a)
    g       = tanh(Re a) + i tanh(Im a)     (split tanh)
    c_t = f * c_{t-1} + i * g,   h_t = o * tanh_split(c_t)   (* = complex product)

Pre-activations: W_ih x_t + b_ih + W_hh h_{t-1} + b_hh (LSTM) or W_ih (*) x_t + W_hh (*) h_{t-1} + b (ConvLSTM, 'same'
cross-correlation); gate order along the 4H (4 * hidden_channels) axis is i, f, g, o as in torch.nn.LSTM.
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F

from .._layout import as_complex
from .._validation import check_channels, check_complex, check_rank, check_window
from .conv import conv1d, conv2d, conv3d

Tensor = torch.Tensor
State = tuple[Tensor, Tensor]
LSTMParams = tuple[Tensor, Tensor, Optional[Tensor], Optional[Tensor]]  # weight_ih, weight_hh, bias_ih, bias_hh
ConvLSTMParams = tuple[Tensor, Tensor, Optional[Tensor]]  # weight_ih, weight_hh, bias

__all__ = ["split_sigmoid", "split_tanh", "complex_lstm_cell", "complex_lstm", "complex_conv_lstm_cell",
           "complex_conv_lstm"]

_CONV = {1: conv1d, 2: conv2d, 3: conv3d}


# Both act on the real view at once: going through z.real and z.imag would make each backward fill a zero tensor
# of z's size for the other part and add the two.
def split_sigmoid(z: Tensor) -> Tensor:
    """sigma(Re z) + i sigma(Im z) (split sigmoid, Trabelsi et al., 2018)."""
    return as_complex(torch.sigmoid(torch.view_as_real(z)))


def split_tanh(z: Tensor) -> Tensor:
    """tanh(Re z) + i tanh(Im z) (split tanh, Trabelsi et al., 2018)."""
    return as_complex(torch.tanh(torch.view_as_real(z)))


def _pointwise(gates: Tensor, c: Tensor, dim: int) -> State:
    """The LSTM state update from gate pre-activations (order i, f, g, o along ``dim``): split sigmoid/tanh and
    complex products for complex gates, torch.nn.LSTM's sigmoid/tanh for real ones."""
    sigmoid, tanh = (split_sigmoid, split_tanh) if gates.is_complex() else (torch.sigmoid, torch.tanh)
    i, f, g, o = gates.chunk(4, dim)
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    return sigmoid(o) * tanh(c), c


# ----------------------------------------------------------------------------------------------------------- checks
def _check_params(name: str, weight_ih: Tensor, weight_hh: Tensor, biases: Sequence[Optional[Tensor]], nd: int) -> None:
    check_complex(f"{name} weight_ih", weight_ih)
    check_complex(f"{name} weight_hh", weight_hh, weight_ih.dtype)
    for b in biases:
        if b is not None:
            check_complex(f"{name} bias", b, weight_ih.dtype)
    if weight_ih.dim() != nd + 2 or weight_hh.dim() != nd + 2:
        raise ValueError(f"{name} expects {nd + 2}D weights, got weight_ih {tuple(weight_ih.shape)} and weight_hh "
                         f"{tuple(weight_hh.shape)}")
    gates, hidden = weight_hh.shape[0], weight_hh.shape[1]
    if gates != 4 * hidden or weight_ih.shape[0] != gates:
        raise ValueError(f"{name} expects weight_ih of shape (4H, ...) and weight_hh of shape (4H, H, ...), got "
                         f"{tuple(weight_ih.shape)} and {tuple(weight_hh.shape)}")
    if weight_ih.shape[2:] != weight_hh.shape[2:]:
        raise ValueError(f"{name} expects weight_ih and weight_hh with the same kernel size, got "
                         f"{tuple(weight_ih.shape[2:])} and {tuple(weight_hh.shape[2:])}")
    if any(k % 2 == 0 for k in weight_ih.shape[2:]):
        raise ValueError(f"{name} needs odd kernel sizes for 'same' padding, got {tuple(weight_ih.shape[2:])}")
    for b in biases:
        if b is not None and tuple(b.shape) != (gates,):
            raise ValueError(f"{name} expects biases of shape ({gates},), got {tuple(b.shape)}")


def check_kernel_size(name: str, kernel_size: Union[int, Sequence[int]], nd: int) -> tuple[int, ...]:
    """The kernel size as an nd-tuple of odd positive ints, else ValueError naming ``name``."""
    k = (kernel_size,) * nd if isinstance(kernel_size, int) else tuple(int(v) for v in kernel_size)
    if len(k) != nd or any(v < 1 for v in k):
        raise ValueError(f"{name} expects kernel_size as a positive int or a tuple of {nd} positive ints, "
                         f"got {kernel_size}")
    if any(v % 2 == 0 for v in k):
        raise ValueError(f"{name} needs an odd kernel_size for 'same' padding (the state must keep its size), "
                         f"got {kernel_size}")
    return k


def _state(name: str, hx, shape: tuple[int, ...], batch_axis: int, unbatched: bool, like: Tensor,
           what: str = "state") -> State:
    """Zeros of ``shape`` when ``hx`` is None, else the validated (h, c) (with the batch axis added when unbatched)."""
    if hx is None:
        z = torch.zeros(shape, dtype=like.dtype, device=like.device)
        return z, z
    if not (isinstance(hx, (tuple, list)) and len(hx) == 2):
        raise TypeError(f"{name} expects the {what} as a tuple (h, c) of two complex tensors, got {type(hx).__name__}")
    expected = shape[:batch_axis] + shape[batch_axis + 1:] if unbatched else shape
    out = []
    for label, t in zip(("h", "c"), hx):
        check_complex(f"{name} {what} {label}", t, like.dtype)
        if tuple(t.shape) != tuple(expected):
            raise ValueError(f"{name} expects {what} {label} of shape {tuple(expected)}, got {tuple(t.shape)}")
        out.append(t.unsqueeze(batch_axis) if unbatched else t)
    return out[0], out[1]


def _check_input(name: str, input: Tensor, weight_ih: Tensor, nd: int, seq: bool) -> bool:
    """Validate the input of a cell (seq=False) or sequence layer; returns whether it is unbatched."""
    base = nd + 1 + int(seq)  # rank of an unbatched input
    check_complex(name, input, weight_ih.dtype)
    if nd == 0:
        want = "(L, H_in) or (L, N, H_in)" if seq else "(H_in) or (N, H_in)"
        check_rank(name, input, (base, base + 1), want)
        unbatched = input.dim() == base
        check_channels(name, input.shape[-1], weight_ih.shape[1], "input features (last dimension)")
    else:
        sp = "".join(f", {s}" for s in "DHW"[3 - nd:])
        want = f"(L, C{sp}) or (L, N, C{sp})" if seq else f"(C{sp}) or (N, C{sp})"
        check_rank(name, input, (base, base + 1), want)
        unbatched = input.dim() == base
        check_channels(name, input.shape[-nd - 1], weight_ih.shape[1])
        check_window(name, input, nd, tuple(weight_ih.shape[2:]), padding="same")
    if seq and input.shape[0] == 0:
        raise ValueError(f"{name} expects a non-empty sequence (L >= 1), got input of shape {tuple(input.shape)}")
    return unbatched


# ------------------------------------------------------------------------------------------------------------ LSTM
def _lstm_cell(name: str, input: Tensor, hx, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Optional[Tensor],
               bias_hh: Optional[Tensor], check_params: bool = True) -> State:
    if check_params:
        _check_params(name, weight_ih, weight_hh, (bias_ih, bias_hh), 0)
    unbatched = _check_input(name, input, weight_ih, 0, seq=False)
    x = input.unsqueeze(0) if unbatched else input
    h, c = _state(name, hx, (x.shape[0], weight_hh.shape[1]), 0, unbatched, x)
    h, c = _pointwise(F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh), c, -1)
    return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


def complex_lstm_cell(input: Tensor, hx: Optional[State], weight_ih: Tensor, weight_hh: Tensor,
                      bias_ih: Optional[Tensor] = None, bias_hh: Optional[Tensor] = None) -> State:
    """One complex LSTM step on (N, H_in) or (H_in) input with state (h, c) of shape (N, H) or (H); returns (h', c')."""
    return _lstm_cell("complex_lstm_cell", input, hx, weight_ih, weight_hh, bias_ih, bias_hh)


def unroll_lstm(x: Tensor, h0: Tensor, c0: Tensor, layers, gate_dim: int, unbatched: bool = False,
                batch_first: bool = False) -> tuple[Tensor, State]:
    """Run LSTM layers over x (L, N, ...), complex or real: ``layers`` holds (input map applied to the whole sequence,
    recurrent map of h) per layer, both giving gate pre-activations (order i, f, g, o along ``gate_dim``); h0, c0 are
    (layers, N, ...). Returns (all h of the last layer, (h_n, c_n)), the output (N, L, ...) if ``batch_first``."""
    hs, cs = [], []
    for k, (input_map, recurrent_map) in enumerate(layers):
        # unbind, not xi[t]: the backward of each indexing would write a zero tensor of the whole sequence's size
        # (quadratic in its length); unbind's backward stacks the steps' gradients once
        steps = input_map(x).unbind(0)
        h, c = h0[k], c0[k]
        outs = []
        for xt in steps:
            h, c = _pointwise(xt + recurrent_map(h), c, gate_dim)
            outs.append(h)
        x = torch.stack(outs)
        hs.append(h)
        cs.append(c)
    h_n, c_n = torch.stack(hs), torch.stack(cs)
    if unbatched:
        return x.squeeze(1), (h_n.squeeze(1), c_n.squeeze(1))
    return (x.transpose(0, 1) if batch_first else x), (h_n, c_n)


def _lstm(name: str, input: Tensor, hx, params: Sequence[LSTMParams], batch_first: bool,
          check_params: bool = True) -> tuple[Tensor, State]:
    if not params:
        raise ValueError(f"{name} needs at least one layer of parameters")
    if check_params:
        for k, (w_ih, w_hh, b_ih, b_hh) in enumerate(params):
            _check_params(f"{name} (layer {k})", w_ih, w_hh, (b_ih, b_hh), 0)
            if k and w_ih.shape[1] != params[k - 1][1].shape[1]:
                raise ValueError(f"{name}: layer {k} expects {w_ih.shape[1]} input features, layer {k - 1} gives "
                                 f"{params[k - 1][1].shape[1]}")
    unbatched = _check_input(name, input, params[0][0], 0, seq=True)
    x = input.unsqueeze(1) if unbatched else (input.transpose(0, 1) if batch_first else input)
    batch, hidden = x.shape[1], params[0][1].shape[1]
    h0, c0 = _state(name, hx, (len(params), batch, hidden), 1, unbatched, x, "initial state")
    layers = [(lambda seq, w=w_ih, b=b_ih: F.linear(seq, w, b), lambda h, w=w_hh, b=b_hh: F.linear(h, w, b))
              for w_ih, w_hh, b_ih, b_hh in params]
    return unroll_lstm(x, h0, c0, layers, -1, unbatched, batch_first)


def complex_lstm(input: Tensor, hx: Optional[State], params: Sequence[LSTMParams],
                 batch_first: bool = False) -> tuple[Tensor, State]:
    """Multi-layer complex LSTM over (L, N, H_in) ((N, L, H_in) if batch_first, or (L, H_in)) input.

    ``params`` holds (weight_ih, weight_hh, bias_ih, bias_hh) per layer; ``hx`` is (h0, c0) each (num_layers, N, H) or
    None for zeros. Returns (output of all h of the last layer, (h_n, c_n)) as torch.nn.LSTM.
    """
    return _lstm("complex_lstm", input, hx, params, batch_first)


# -------------------------------------------------------------------------------------------------------- ConvLSTM
def _conv_lstm_cell(name: str, input: Tensor, hx, weight_ih: Tensor, weight_hh: Tensor, bias: Optional[Tensor],
                    check_params: bool = True) -> State:
    nd = weight_ih.dim() - 2
    if nd not in _CONV:
        raise ValueError(f"{name} expects 3D, 4D or 5D weights, got weight_ih of shape {tuple(weight_ih.shape)}")
    if check_params:
        _check_params(name, weight_ih, weight_hh, (bias,), nd)
    unbatched = _check_input(name, input, weight_ih, nd, seq=False)
    x = input.unsqueeze(0) if unbatched else input
    h, c = _state(name, hx, (x.shape[0], weight_hh.shape[1], *x.shape[2:]), 0, unbatched, x)
    conv = _CONV[nd]
    gates = conv(x, weight_ih, bias, padding="same") + conv(h, weight_hh, None, padding="same")
    h, c = _pointwise(gates, c, 1)
    return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


def complex_conv_lstm_cell(input: Tensor, hx: Optional[State], weight_ih: Tensor, weight_hh: Tensor,
                           bias: Optional[Tensor] = None) -> State:
    """One complex ConvLSTM step ('same' convolutions, 1-3 spatial dims) on (N, C, *S) or (C, *S); returns (h', c')."""
    return _conv_lstm_cell("complex_conv_lstm_cell", input, hx, weight_ih, weight_hh, bias)


def _conv_lstm(name: str, input: Tensor, hx, params: Sequence[ConvLSTMParams], batch_first: bool,
               check_params: bool = True) -> tuple[Tensor, State]:
    if not params:
        raise ValueError(f"{name} needs at least one layer of parameters")
    nd = params[0][0].dim() - 2
    if nd not in _CONV:
        raise ValueError(f"{name} expects 3D, 4D or 5D weights, got weight_ih of shape {tuple(params[0][0].shape)}")
    if check_params:
        for k, (w_ih, w_hh, b) in enumerate(params):
            _check_params(f"{name} (layer {k})", w_ih, w_hh, (b,), nd)
            if k and w_ih.shape[1] != params[k - 1][1].shape[1]:
                raise ValueError(f"{name}: layer {k} expects {w_ih.shape[1]} input channels, layer {k - 1} gives "
                                 f"{params[k - 1][1].shape[1]}")
    unbatched = _check_input(name, input, params[0][0], nd, seq=True)
    x = input.unsqueeze(1) if unbatched else (input.transpose(0, 1) if batch_first else input)
    batch, spatial = x.shape[1], tuple(x.shape[3:])
    h0, c0 = _state(name, hx, (len(params), batch, params[0][1].shape[1], *spatial), 1, unbatched, x,
                    "initial state")
    conv = _CONV[nd]

    def input_map(seq, w, b):  # the input maps of all steps at once, the steps folded into the batch
        out = conv(seq.reshape(seq.shape[0] * seq.shape[1], *seq.shape[2:]), w, b, padding="same")
        return out.reshape(seq.shape[0], seq.shape[1], *out.shape[1:])

    layers = [(lambda seq, w=w_ih, b=b: input_map(seq, w, b), lambda h, w=w_hh: conv(h, w, None, padding="same"))
              for w_ih, w_hh, b in params]
    return unroll_lstm(x, h0, c0, layers, 1, unbatched, batch_first)


def complex_conv_lstm(input: Tensor, hx: Optional[State], params: Sequence[ConvLSTMParams],
                      batch_first: bool = False) -> tuple[Tensor, State]:
    """Multi-layer complex ConvLSTM over (L, N, C, *S) ((N, L, C, *S) if batch_first, or (L, C, *S)) input.

    ``params`` holds (weight_ih, weight_hh, bias) per layer; ``hx`` is (h0, c0) each (num_layers, N, C_h, *S) or None.
    Returns (output of all h of the last layer, (h_n, c_n)).
    """
    return _conv_lstm("complex_conv_lstm", input, hx, params, batch_first)
