"""Complex (Conv)LSTM math: torch's LSTM equations with complex affine maps / 'same' convolutions, split sigmoid and
tanh, complex gate products (the LSTM of Hochreiter and Schmidhuber, 1997, in torch.nn.LSTM's form, and the ConvLSTM
of Shi et al., 2015, "Convolutional LSTM Network", NeurIPS, made complex with the split activations and complex
products of Trabelsi et al., 2018, "Deep Complex Networks", ICLR).

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

from .._validation import check_channels, check_complex, check_rank, check_window
from .conv import conv1d, conv2d, conv3d, convolution
from .rnn import check_stack, unroll
from .split_activation import sigmoid_parts, split_sigmoid, split_tanh, tanh_parts

Tensor = torch.Tensor
State = tuple[Tensor, Tensor]
LSTMParams = tuple[Tensor, Tensor, Optional[Tensor], Optional[Tensor]]  # weight_ih, weight_hh, bias_ih, bias_hh
ConvLSTMParams = tuple[Tensor, Tensor, Optional[Tensor]]  # weight_ih, weight_hh, bias

__all__ = ["split_sigmoid", "split_tanh", "complex_lstm_cell", "complex_lstm", "complex_conv_lstm_cell",
           "complex_conv_lstm"]

_CONV = {1: conv1d, 2: conv2d, 3: conv3d}


def _pointwise(gates: Tensor, c: Tensor, dim: int) -> State:
    """The LSTM state update from gate pre-activations (order i, f, g, o along ``dim``): split sigmoid/tanh and
    complex products for complex gates, torch.nn.LSTM's sigmoid/tanh for real ones."""
    sigmoid, tanh = (sigmoid_parts, tanh_parts) if gates.is_complex() else (torch.sigmoid, torch.tanh)
    i, f, g, o = gates.chunk(4, dim)
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    return sigmoid(o) * tanh(c), c


# ----------------------------------------------------------------------------------------------------------- checks
def _check_params(name: str, weight_ih: Tensor, weight_hh: Tensor, biases: Sequence[Optional[Tensor]], nd: int,
                  n_gates: int = 4) -> None:
    check_complex(f"{name} weight_ih", weight_ih)
    check_complex(f"{name} weight_hh", weight_hh, weight_ih.dtype)
    for b in biases:
        if b is not None:
            check_complex(f"{name} bias", b, weight_ih.dtype)
    if weight_ih.dim() != nd + 2 or weight_hh.dim() != nd + 2:
        raise ValueError(f"{name} expects {nd + 2}D weights, got weight_ih {tuple(weight_ih.shape)} and weight_hh "
                         f"{tuple(weight_hh.shape)}")
    gates, hidden = weight_hh.shape[0], weight_hh.shape[1]
    if gates != n_gates * hidden or weight_ih.shape[0] != gates:
        raise ValueError(f"{name} expects weight_ih of shape ({n_gates}H, ...) and weight_hh of shape ({n_gates}H, H, "
                         f"...), got "
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
                      bias_ih: Optional[Tensor] = None, bias_hh: Optional[Tensor] = None, *,
                      name: str = "complex_lstm_cell", check_params: bool = True) -> State:
    r"""Compute one step of a complex LSTM cell.

    .. math::
        \begin{array}{ll}
        a = W_{ih} x + b_{ih} + W_{hh} h + b_{hh} = [a_i, a_f, a_g, a_o] \\
        i = \sigma_{\text{split}}(a_i), \quad f = \sigma_{\text{split}}(a_f), \quad g = \tanh_{\text{split}}(a_g),
        \quad o = \sigma_{\text{split}}(a_o) \\
        c' = f \odot c + i \odot g, \qquad h' = o \odot \tanh_{\text{split}}(c')
        \end{array}

    torch.nn.LSTMCell's equations (Hochreiter and Schmidhuber, 1997) with complex affine maps, the split sigmoid and
    tanh (:func:`split_sigmoid`, :func:`split_tanh`) and complex elementwise products :math:`\odot` (after Trabelsi
    et al., 2018, "Deep Complex Networks", ICLR). Gate order along the :math:`4H` axis is i, f, g, o, as torch.

    Args:
        input (Tensor): complex input :math:`x`, :math:`(N, H_{in})` or unbatched :math:`(H_{in})`.
        hx (tuple or None): the state :math:`(h, c)`, two complex tensors :math:`(N, H)` (or :math:`(H)` for
            unbatched input); ``None`` for zeros.
        weight_ih (Tensor): complex :math:`W_{ih}`, :math:`(4H, H_{in})`.
        weight_hh (Tensor): complex :math:`W_{hh}` of the same dtype, :math:`(4H, H)`.
        bias_ih (Tensor, optional): complex :math:`b_{ih}`, :math:`(4H)`. Default: ``None``.
        bias_hh (Tensor, optional): complex :math:`b_{hh}`, :math:`(4H)`. Default: ``None``.
        name (str): the name that error messages give (keyword only; a module passes its own).
            Default: ``"complex_lstm_cell"``.
        check_params (bool): validate the weights and biases (dtypes, shapes); ``False`` skips it for parameters
            already known to be valid, e.g. a module's own (keyword only). The input and state are always
            checked. Default: ``True``.

    Shape:
        - Input: :math:`(N, H_{in})` or :math:`(H_{in})`, complex.
        - hx: a tuple of two :math:`(N, H)` or :math:`(H)` complex tensors, or ``None``.
        - Output: the tuple :math:`(h', c')`, each :math:`(N, H)` or :math:`(H)`.

    Example::

        >>> w_ih = torch.randn(4 * 20, 10, dtype=torch.cfloat) * 0.1
        >>> w_hh = torch.randn(4 * 20, 20, dtype=torch.cfloat) * 0.1
        >>> x = torch.randn(4, 10, dtype=torch.cfloat)
        >>> h, c = F.complex_lstm_cell(x, None, w_ih, w_hh)
        >>> h, c = F.complex_lstm_cell(x, (h, c), w_ih, w_hh)
        >>> h.shape, c.shape
        (torch.Size([4, 20]), torch.Size([4, 20]))
    """
    return _lstm_cell(name, input, hx, weight_ih, weight_hh, bias_ih, bias_hh, check_params)


def unroll_lstm(x: Tensor, h0: Tensor, c0: Tensor, layers, gate_dim: int, unbatched: bool = False,
                batch_first: bool = False, bidirectional: bool = False) -> tuple[Tensor, State]:
    """Run LSTM layers over x (L, N, ...), complex or real: ``layers`` holds (input map applied to the whole sequence,
    recurrent map of h) per layer and direction (torch's order, see ``functional.rnn``), both giving gate
    pre-activations (order i, f, g, o along ``gate_dim``); h0, c0 are (layers * directions, N, ...). Returns (all h
    of the last layer, (h_n, c_n)), the output (N, L, ...) if ``batch_first``."""
    def step(gx, gh, state):
        return _pointwise(gx + gh, state[1], gate_dim)

    out, (h_n, c_n) = unroll(x, (h0, c0), layers, step, bidirectional, -1, unbatched, batch_first)
    return out, (h_n, c_n)


def _lstm(name: str, input: Tensor, hx, params: Sequence[LSTMParams], batch_first: bool,
          check_params: bool = True, bidirectional: bool = False) -> tuple[Tensor, State]:
    if check_params or not params:
        check_stack(name, params, bidirectional, lambda label, p: _check_params(label, p[0], p[1], p[2:], 0))
    unbatched = _check_input(name, input, params[0][0], 0, seq=True)
    x = input.unsqueeze(1) if unbatched else (input.transpose(0, 1) if batch_first else input)
    batch, hidden = x.shape[1], params[0][1].shape[1]
    h0, c0 = _state(name, hx, (len(params), batch, hidden), 1, unbatched, x, "initial state")
    layers = [(lambda seq, w=w_ih, b=b_ih: F.linear(seq, w, b), lambda h, w=w_hh, b=b_hh: F.linear(h, w, b))
              for w_ih, w_hh, b_ih, b_hh in params]
    return unroll_lstm(x, h0, c0, layers, -1, unbatched, batch_first, bidirectional)


def complex_lstm(input: Tensor, hx: Optional[State], params: Sequence[LSTMParams], batch_first: bool = False,
                 bidirectional: bool = False, *, name: str = "complex_lstm",
                 check_params: bool = True) -> tuple[Tensor, State]:
    r"""Apply a multi-layer complex LSTM to an input sequence.

    Each layer runs the cell of :func:`complex_lstm_cell` over the time steps,

    .. math::
        (h_t, c_t) = \operatorname{cell}(x_t, (h_{t-1}, c_{t-1})), \qquad t = 1, \dots, L

    and the hidden states :math:`h_t` of one layer are the input sequence of the next (torch.nn.LSTM's stacking,
    Hochreiter and Schmidhuber, 1997, with the complex maps and split activations of Trabelsi et al., 2018, "Deep
    Complex Networks", ICLR). Returns ``(output, (h_n, c_n))`` as ``torch.nn.LSTM``. With ``bidirectional``, a
    second cell per layer reads the sequence backwards, its :math:`h_t` (in time order) concatenated after the
    forward ones, as torch (Schuster and Paliwal, 1997, "Bidirectional Recurrent Neural Networks", IEEE TSP).

    Args:
        input (Tensor): complex input sequence, :math:`(L, N, H_{in})`, :math:`(N, L, H_{in})` if ``batch_first``,
            or unbatched :math:`(L, H_{in})`; :math:`L \ge 1`.
        hx (tuple or None): the initial state :math:`(h_0, c_0)`, two complex tensors :math:`(D \cdot
            \text{num\_layers}, N, H)` (or without :math:`N` for unbatched input), :math:`D = 2` if
            ``bidirectional`` else 1; ``None`` for zeros.
        params (sequence): one tuple ``(weight_ih, weight_hh, bias_ih, bias_hh)`` per layer and direction (layer 0,
            its reverse if ``bidirectional``, layer 1, ...: torch's order), as in :func:`complex_lstm_cell`
            (weight_ih of layer :math:`k > 0` is :math:`(4H, D H)`); biases may be ``None``.
        batch_first (bool): input and output are :math:`(N, L, \cdot)` instead of :math:`(L, N, \cdot)`; the state
            keeps its layout. Default: ``False``.
        bidirectional (bool): run a reverse direction per layer, as ``torch.nn.LSTM``. Default: ``False``.
        name (str): the name that error messages give (keyword only; a module passes its own).
            Default: ``"complex_lstm"``.
        check_params (bool): validate the weights and biases of every layer (dtypes, shapes, chaining); ``False``
            skips it for parameters already known to be valid, e.g. a module's own (keyword only). The input and
            state are always checked. Default: ``True``.

    Shape:
        - Input: :math:`(L, N, H_{in})`, :math:`(N, L, H_{in})` if ``batch_first``, or :math:`(L, H_{in})`; complex.
        - Output: ``output`` :math:`(L, N, D H)` (:math:`(N, L, D H)` if ``batch_first``, :math:`(L, D H)`
          unbatched), the :math:`h_t` of the last layer; ``h_n`` and ``c_n`` each :math:`(D \cdot
          \text{num\_layers}, N, H)` (or without :math:`N`), the states after the last step.

    Example::

        >>> params = [(torch.randn(80, 10, dtype=torch.cfloat) * 0.1, torch.randn(80, 20, dtype=torch.cfloat) * 0.1,
        ...            None, None),
        ...           (torch.randn(80, 20, dtype=torch.cfloat) * 0.1, torch.randn(80, 20, dtype=torch.cfloat) * 0.1,
        ...            None, None)]
        >>> x = torch.randn(7, 4, 10, dtype=torch.cfloat)
        >>> output, (h_n, c_n) = F.complex_lstm(x, None, params)
        >>> output.shape, h_n.shape, c_n.shape
        (torch.Size([7, 4, 20]), torch.Size([2, 4, 20]), torch.Size([2, 4, 20]))
    """
    return _lstm(name, input, hx, params, batch_first, check_params, bidirectional)


# -------------------------------------------------------------------------------------------------------- ConvLSTM
def _same_convolution(nd: int, checked: bool):
    """The 'same' cross-correlation (x, weight, bias) -> gates: conv{nd}d with its checks, or, for a module's own
    parameters (valid when built) with the input and state checked once up front, the unchecked core."""
    if checked:
        conv = _CONV[nd]
        return lambda x, w, b: conv(x, w, b, padding="same")
    return lambda x, w, b: convolution(x, w, b, 1, "same", 1, False, 0, 1)


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
    conv = _same_convolution(nd, check_params)
    gates = conv(x, weight_ih, bias) + conv(h, weight_hh, None)
    h, c = _pointwise(gates, c, 1)
    return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


def complex_conv_lstm_cell(input: Tensor, hx: Optional[State], weight_ih: Tensor, weight_hh: Tensor,
                           bias: Optional[Tensor] = None, *, name: str = "complex_conv_lstm_cell",
                           check_params: bool = True) -> State:
    r"""Compute one step of a complex convolutional LSTM cell ('same' convolutions, 1 to 3 spatial dimensions).

    .. math::
        \begin{array}{ll}
        a = W_{ih} \star x + W_{hh} \star h + b = [a_i, a_f, a_g, a_o] \text{ (along channels)} \\
        i = \sigma_{\text{split}}(a_i), \quad f = \sigma_{\text{split}}(a_f), \quad g = \tanh_{\text{split}}(a_g),
        \quad o = \sigma_{\text{split}}(a_o) \\
        c' = f \odot c + i \odot g, \qquad h' = o \odot \tanh_{\text{split}}(c')
        \end{array}

    The ConvLSTM of Shi et al., 2015, "Convolutional LSTM Network", NeurIPS (without peephole terms), with complex
    'same' cross-correlations :math:`\star` (:func:`conv1d` to :func:`conv3d`), the split sigmoid and tanh and complex
    elementwise products :math:`\odot` (after Trabelsi et al., 2018, "Deep Complex Networks", ICLR). Gate order
    along the :math:`4 C_h` channels is i, f, g, o, as torch.nn.LSTM.

    Args:
        input (Tensor): complex input :math:`x`, :math:`(N, C_{in}, *S)` or unbatched :math:`(C_{in}, *S)`, with
            1 to 3 spatial dimensions :math:`S`.
        hx (tuple or None): the state :math:`(h, c)`, two complex tensors :math:`(N, C_h, *S)` (or
            :math:`(C_h, *S)`); ``None`` for zeros.
        weight_ih (Tensor): complex :math:`W_{ih}`, :math:`(4 C_h, C_{in}, *k)` with odd kernel sizes :math:`k`.
        weight_hh (Tensor): complex :math:`W_{hh}` of the same dtype, :math:`(4 C_h, C_h, *k)`.
        bias (Tensor, optional): complex :math:`b`, :math:`(4 C_h)`. Default: ``None``.
        name (str): the name that error messages give (keyword only; a module passes its own).
            Default: ``"complex_conv_lstm_cell"``.
        check_params (bool): validate the weights and bias (dtypes, shapes, odd kernel sizes) and run the checked
            convolutions; ``False`` skips these for parameters already known to be valid, e.g. a module's own
            (keyword only). The input and state are always checked. Default: ``True``.

    Shape:
        - Input: :math:`(N, C_{in}, *S)` or :math:`(C_{in}, *S)`, complex.
        - hx: a tuple of two :math:`(N, C_h, *S)` or :math:`(C_h, *S)` complex tensors, or ``None``.
        - Output: the tuple :math:`(h', c')`, each :math:`(N, C_h, *S)` or :math:`(C_h, *S)`.

    Example::

        >>> w_ih = torch.randn(4 * 5, 3, 3, 3, dtype=torch.cfloat) * 0.1
        >>> w_hh = torch.randn(4 * 5, 5, 3, 3, dtype=torch.cfloat) * 0.1
        >>> x = torch.randn(2, 3, 8, 8, dtype=torch.cfloat)
        >>> h, c = F.complex_conv_lstm_cell(x, None, w_ih, w_hh)
        >>> h.shape, c.shape
        (torch.Size([2, 5, 8, 8]), torch.Size([2, 5, 8, 8]))
    """
    return _conv_lstm_cell(name, input, hx, weight_ih, weight_hh, bias, check_params)


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
    conv = _same_convolution(nd, check_params)

    def input_map(seq, w, b):  # the input maps of all steps at once, the steps folded into the batch
        out = conv(seq.reshape(seq.shape[0] * seq.shape[1], *seq.shape[2:]), w, b)
        return out.reshape(seq.shape[0], seq.shape[1], *out.shape[1:])

    layers = [(lambda seq, w=w_ih, b=b: input_map(seq, w, b), lambda h, w=w_hh: conv(h, w, None))
              for w_ih, w_hh, b in params]
    return unroll_lstm(x, h0, c0, layers, 1, unbatched, batch_first)


def complex_conv_lstm(input: Tensor, hx: Optional[State], params: Sequence[ConvLSTMParams],
                      batch_first: bool = False, *, name: str = "complex_conv_lstm",
                      check_params: bool = True) -> tuple[Tensor, State]:
    r"""Apply a multi-layer complex convolutional LSTM to an input sequence.

    Each layer runs the cell of :func:`complex_conv_lstm_cell` over the time steps,

    .. math::
        (h_t, c_t) = \operatorname{cell}(x_t, (h_{t-1}, c_{t-1})), \qquad t = 1, \dots, L

    and the hidden states :math:`h_t` of one layer are the input sequence of the next (Shi et al., 2015,
    "Convolutional LSTM Network", NeurIPS, with the complex maps and split activations of Trabelsi et al., 2018,
    "Deep Complex Networks", ICLR). Returns ``(output, (h_n, c_n))`` as ``torch.nn.LSTM``.

    Args:
        input (Tensor): complex input sequence, :math:`(L, N, C_{in}, *S)`, :math:`(N, L, C_{in}, *S)` if
            ``batch_first``, or unbatched :math:`(L, C_{in}, *S)`; :math:`L \ge 1`, 1 to 3 spatial dimensions.
        hx (tuple or None): the initial state :math:`(h_0, c_0)`, two complex tensors
            :math:`(\text{num\_layers}, N, C_h, *S)` (or without :math:`N`); ``None`` for zeros.
        params (sequence): one tuple ``(weight_ih, weight_hh, bias)`` per layer, as in
            :func:`complex_conv_lstm_cell`; every layer has the same hidden channels :math:`C_h`.
        batch_first (bool): input and output are :math:`(N, L, \cdots)` instead of :math:`(L, N, \cdots)`; the state
            keeps its layout. Default: ``False``.
        name (str): the name that error messages give (keyword only; a module passes its own).
            Default: ``"complex_conv_lstm"``.
        check_params (bool): validate the weights and biases of every layer (dtypes, shapes, odd kernel sizes,
            chaining) and run the checked convolutions; ``False`` skips these for parameters already known to be
            valid, e.g. a module's own (keyword only). The input and state are always checked. Default: ``True``.

    Shape:
        - Input: :math:`(L, N, C_{in}, *S)`, :math:`(N, L, C_{in}, *S)` if ``batch_first``, or
          :math:`(L, C_{in}, *S)`; complex.
        - Output: ``output`` :math:`(L, N, C_h, *S)` (:math:`(N, L, C_h, *S)` if ``batch_first``,
          :math:`(L, C_h, *S)` unbatched), the :math:`h_t` of the last layer; ``h_n`` and ``c_n`` each
          :math:`(\text{num\_layers}, N, C_h, *S)` (or without :math:`N`).

    Example::

        >>> w_ih = torch.randn(4 * 5, 3, 3, 3, dtype=torch.cfloat) * 0.1
        >>> w_hh = torch.randn(4 * 5, 5, 3, 3, dtype=torch.cfloat) * 0.1
        >>> x = torch.randn(6, 2, 3, 8, 8, dtype=torch.cfloat)
        >>> output, (h_n, c_n) = F.complex_conv_lstm(x, None, [(w_ih, w_hh, None)])
        >>> output.shape, h_n.shape
        (torch.Size([6, 2, 5, 8, 8]), torch.Size([1, 2, 5, 8, 8]))
    """
    return _conv_lstm(name, input, hx, params, batch_first, check_params)
