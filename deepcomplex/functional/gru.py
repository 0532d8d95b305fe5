"""Complex GRU math: torch.nn.GRU's equations (Cho et al., 2014) with complex affine maps, the split sigmoid and tanh
and complex gate products (the complex recurrent layers of Trabelsi et al., 2018, "Deep Complex Networks", ICLR).

    r = sigma_split(a_r),  z = sigma_split(a_z)      (a = W_ih x + b_ih + W_hh h + b_hh, gates r, z, n along 3H)
    n = tanh_split(W_in x + b_in + r * (W_hn h + b_hn))
    h' = (1 - z) * n + z * h                          (* = complex elementwise product)

The same real and complex: with real tensors the internal step is torch.nn.GRU's, which the tests use to check the
gate order and the (bidirectional) stacking against torch itself.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
import torch.nn.functional as F

from .._validation import check_complex
from .recurrent import _check_input, _check_params
from .rnn import check_stack, unroll
from .split_activation import sigmoid_parts, tanh_parts

Tensor = torch.Tensor
GRUParams = tuple[Tensor, Tensor, Optional[Tensor], Optional[Tensor]]  # weight_ih, weight_hh, bias_ih, bias_hh

__all__ = ["complex_gru_cell", "complex_gru"]


def gru_update(gx: Tensor, gh: Tensor, h: Tensor, dim: int = -1) -> Tensor:
    """The GRU state update from the input part ``gx`` and the recurrent part ``gh`` of the gate pre-activations
    (order r, z, n along ``dim``): split sigmoid/tanh and complex products for complex tensors, torch.nn.GRU's
    sigmoid/tanh for real ones."""
    sigmoid, tanh = (sigmoid_parts, tanh_parts) if gx.is_complex() else (torch.sigmoid, torch.tanh)
    hidden = h.shape[dim]
    rz = sigmoid(gx.narrow(dim, 0, 2 * hidden) + gh.narrow(dim, 0, 2 * hidden))  # r and z in one call
    r, z = rz.chunk(2, dim)
    n = tanh(gx.narrow(dim, 2 * hidden, hidden) + r * gh.narrow(dim, 2 * hidden, hidden))
    return n + z * (h - n)  # = (1 - z) n + z h, with one product fewer


def _check_gru_params(name: str, params: GRUParams) -> None:
    _check_params(name, params[0], params[1], params[2:], 0, n_gates=3)


def _hidden(name: str, hx: Optional[Tensor], shape: tuple[int, ...], batch_axis: int, unbatched: bool, like: Tensor,
            what: str) -> Tensor:
    """Zeros of ``shape`` when ``hx`` is None, else the validated h (with the batch axis added when unbatched)."""
    if hx is None:
        return torch.zeros(shape, dtype=like.dtype, device=like.device)
    if isinstance(hx, (tuple, list)):
        raise TypeError(f"{name} expects the {what} h as one complex tensor (a GRU has no cell state), got a "
                        f"{type(hx).__name__}")
    check_complex(f"{name} {what} h", hx, like.dtype)
    expected = shape[:batch_axis] + shape[batch_axis + 1:] if unbatched else shape
    if tuple(hx.shape) != tuple(expected):
        raise ValueError(f"{name} expects {what} h of shape {tuple(expected)}, got {tuple(hx.shape)}")
    return hx.unsqueeze(batch_axis) if unbatched else hx


def complex_gru_cell(input: Tensor, hx: Optional[Tensor], weight_ih: Tensor, weight_hh: Tensor,
                     bias_ih: Optional[Tensor] = None, bias_hh: Optional[Tensor] = None, *,
                     name: str = "complex_gru_cell", check_params: bool = True) -> Tensor:
    r"""Compute one step of a complex GRU cell.

    .. math::
        \begin{array}{ll}
        r = \sigma_{\text{split}}(W_{ir} x + b_{ir} + W_{hr} h + b_{hr}), \quad
        z = \sigma_{\text{split}}(W_{iz} x + b_{iz} + W_{hz} h + b_{hz}) \\
        n = \tanh_{\text{split}}(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn})) \\
        h' = (1 - z) \odot n + z \odot h
        \end{array}

    torch.nn.GRUCell's equations (Cho et al., 2014, "Learning Phrase Representations using RNN Encoder-Decoder for
    Statistical Machine Translation", EMNLP, Sec. 2.3, in torch's form with :math:`r` applied after
    :math:`W_{hn}`) with complex affine maps, the split sigmoid and tanh (:func:`split_sigmoid`,
    :func:`split_tanh`) and complex elementwise products :math:`\odot` (after Trabelsi et al., 2018, "Deep Complex
    Networks", ICLR). Gate order along the :math:`3H` axis is r, z, n, as torch. The split gates do not reduce to
    torch's real GRU on real data: :math:`\sigma_{\text{split}}(a) = \sigma(a) + 0.5i` for real :math:`a`.

    Args:
        input (Tensor): complex input :math:`x`, :math:`(N, H_{in})` or unbatched :math:`(H_{in})`.
        hx (Tensor or None): the state :math:`h`, complex :math:`(N, H)` (or :math:`(H)` for unbatched input);
            ``None`` for zeros.
        weight_ih (Tensor): complex :math:`W_{ih} = [W_{ir}; W_{iz}; W_{in}]`, :math:`(3H, H_{in})`.
        weight_hh (Tensor): complex :math:`W_{hh} = [W_{hr}; W_{hz}; W_{hn}]` of the same dtype, :math:`(3H, H)`.
        bias_ih (Tensor, optional): complex :math:`b_{ih}`, :math:`(3H)`. Default: ``None``.
        bias_hh (Tensor, optional): complex :math:`b_{hh}`, :math:`(3H)`. Default: ``None``.
        name (str): the name that error messages give (keyword only; a module passes its own).
            Default: ``"complex_gru_cell"``.
        check_params (bool): validate the weights and biases (dtypes, shapes); ``False`` skips it for parameters
            already known to be valid, e.g. a module's own (keyword only). The input and state are always
            checked. Default: ``True``.

    Shape:
        - Input: :math:`(N, H_{in})` or :math:`(H_{in})`, complex.
        - hx: :math:`(N, H)` or :math:`(H)` complex, or ``None``.
        - Output: :math:`h'`, :math:`(N, H)` or :math:`(H)`.

    Example::

        >>> w_ih = torch.randn(3 * 20, 10, dtype=torch.cfloat) * 0.1
        >>> w_hh = torch.randn(3 * 20, 20, dtype=torch.cfloat) * 0.1
        >>> x = torch.randn(4, 10, dtype=torch.cfloat)
        >>> h = F.complex_gru_cell(x, None, w_ih, w_hh)
        >>> h = F.complex_gru_cell(x, h, w_ih, w_hh)
        >>> h.shape
        torch.Size([4, 20])
    """
    if check_params:
        _check_gru_params(name, (weight_ih, weight_hh, bias_ih, bias_hh))
    unbatched = _check_input(name, input, weight_ih, 0, seq=False)
    x = input.unsqueeze(0) if unbatched else input
    h = _hidden(name, hx, (x.shape[0], weight_hh.shape[1]), 0, unbatched, x, "state")
    h = gru_update(F.linear(x, weight_ih, bias_ih), F.linear(h, weight_hh, bias_hh), h)
    return h.squeeze(0) if unbatched else h


def unroll_gru(x: Tensor, h0: Tensor, layers, unbatched: bool = False, batch_first: bool = False,
               bidirectional: bool = False) -> tuple[Tensor, Tensor]:
    """Run GRU layers over x (L, N, H_in), complex or real: ``layers`` holds (input map of the whole sequence,
    recurrent map of h) per layer and direction in torch's order (``functional.rnn``); h0 is (layers * directions,
    N, H). Returns (all h of the last layer, h_n)."""
    out, (h_n,) = unroll(x, (h0,), layers, lambda gx, gh, state: (gru_update(gx, gh, state[0]),), bidirectional, -1,
                         unbatched, batch_first)
    return out, h_n


def complex_gru(input: Tensor, hx: Optional[Tensor], params: Sequence[GRUParams], batch_first: bool = False,
                bidirectional: bool = False, *, name: str = "complex_gru",
                check_params: bool = True) -> tuple[Tensor, Tensor]:
    r"""Apply a multi-layer (bidirectional) complex GRU to an input sequence.

    Each layer runs the cell of :func:`complex_gru_cell` over the time steps,

    .. math::
        h_t = \operatorname{cell}(x_t, h_{t-1}), \qquad t = 1, \dots, L

    and the hidden states :math:`h_t` of one layer are the input sequence of the next (torch.nn.GRU's stacking, Cho
    et al., 2014, "Learning Phrase Representations using RNN Encoder-Decoder for Statistical Machine Translation",
    EMNLP, with the complex maps and split activations of Trabelsi et al., 2018, "Deep Complex Networks", ICLR).
    With ``bidirectional``, a second cell per layer reads the sequence backwards (:math:`t = L, \dots, 1`) and its
    :math:`h_t`, in time order, are concatenated after the forward ones, as torch (Schuster and Paliwal, 1997,
    "Bidirectional Recurrent Neural Networks", IEEE TSP). Returns ``(output, h_n)`` as ``torch.nn.GRU``.

    Args:
        input (Tensor): complex input sequence, :math:`(L, N, H_{in})`, :math:`(N, L, H_{in})` if ``batch_first``,
            or unbatched :math:`(L, H_{in})`; :math:`L \ge 1`.
        hx (Tensor or None): the initial state :math:`h_0`, complex :math:`(D \cdot \text{num\_layers}, N, H)` (or
            without :math:`N` for unbatched input), :math:`D = 2` if ``bidirectional`` else 1; ``None`` for zeros.
        params (sequence): one tuple ``(weight_ih, weight_hh, bias_ih, bias_hh)`` per layer and direction (layer 0,
            its reverse if ``bidirectional``, layer 1, ...: torch's order), as in :func:`complex_gru_cell`
            (weight_ih of layer :math:`k > 0` is :math:`(3H, D H)`); biases may be ``None``.
        batch_first (bool): input and output are :math:`(N, L, \cdot)` instead of :math:`(L, N, \cdot)`; the state
            keeps its layout. Default: ``False``.
        bidirectional (bool): run a reverse direction per layer, as ``torch.nn.GRU``. Default: ``False``.
        name (str): the name that error messages give (keyword only; a module passes its own).
            Default: ``"complex_gru"``.
        check_params (bool): validate the weights and biases of every layer (dtypes, shapes, chaining); ``False``
            skips it for parameters already known to be valid, e.g. a module's own (keyword only). The input and
            state are always checked. Default: ``True``.

    Shape:
        - Input: :math:`(L, N, H_{in})`, :math:`(N, L, H_{in})` if ``batch_first``, or :math:`(L, H_{in})`; complex.
        - Output: ``output`` :math:`(L, N, D H)` (:math:`(N, L, D H)` if ``batch_first``, :math:`(L, D H)`
          unbatched), the :math:`h_t` of the last layer; ``h_n`` :math:`(D \cdot \text{num\_layers}, N, H)` (or
          without :math:`N`), the states after the last step (of the reverse direction: after :math:`t = 1`).

    Example::

        >>> params = [(torch.randn(60, 10, dtype=torch.cfloat) * 0.1, torch.randn(60, 20, dtype=torch.cfloat) * 0.1,
        ...            None, None) for _ in range(2)]
        >>> x = torch.randn(7, 4, 10, dtype=torch.cfloat)
        >>> output, h_n = F.complex_gru(x, None, params, bidirectional=True)
        >>> output.shape, h_n.shape
        (torch.Size([7, 4, 40]), torch.Size([2, 4, 20]))
    """
    if check_params or not params:
        check_stack(name, params, bidirectional, _check_gru_params)
    unbatched = _check_input(name, input, params[0][0], 0, seq=True)
    x = input.unsqueeze(1) if unbatched else (input.transpose(0, 1) if batch_first else input)
    h0 = _hidden(name, hx, (len(params), x.shape[1], params[0][1].shape[1]), 1, unbatched, x, "initial state")
    layers = [(lambda seq, w=w_ih, b=b_ih: F.linear(seq, w, b), lambda h, w=w_hh, b=b_hh: F.linear(h, w, b))
              for w_ih, w_hh, b_ih, b_hh in params]
    return unroll_gru(x, h0, layers, unbatched, batch_first, bidirectional)
