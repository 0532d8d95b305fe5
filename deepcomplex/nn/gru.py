"""Complex GRU modules (torch.nn.GRU's equations with the complex layers of Trabelsi et al., 2018), thin wrappers over
deepcomplex.functional.gru."""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from .. import init as cinit
from .._validation import check_positive_ints
from ..functional.gru import complex_gru, complex_gru_cell
from .module import KindPreservingModule, complex_dtype
from .rnn_stack import RecurrentCellBase, register_stack, stack_params, stack_repr

__all__ = ["ComplexGRUCell", "ComplexGRU"]


def _init_gru(weight_ih: torch.Tensor, weight_hh: torch.Tensor, bias_ih: Optional[torch.Tensor],
              bias_hh: Optional[torch.Tensor]) -> None:
    """Rayleigh/Glorot complex weights (Trabelsi et al., Sec. 3.6) and zero biases."""
    cinit.complex_rayleigh_(weight_ih, "glorot")
    cinit.complex_rayleigh_(weight_hh, "glorot")
    for b in (bias_ih, bias_hh):
        if b is not None:
            nn.init.zeros_(b)


class ComplexGRUCell(RecurrentCellBase):
    r"""A complex GRU cell: one step of torch's GRU equations with complex maps and split activations.

    .. math::
        \begin{array}{ll}
        r = \sigma_{\text{split}}(W_{ir} x + b_{ir} + W_{hr} h + b_{hr}), \quad
        z = \sigma_{\text{split}}(W_{iz} x + b_{iz} + W_{hz} h + b_{hz}) \\
        n = \tanh_{\text{split}}(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn})) \\
        h' = (1 - z) \odot n + z \odot h
        \end{array}

    where :math:`\sigma_{\text{split}}(z) = \sigma(\operatorname{Re} z) + i \, \sigma(\operatorname{Im} z)` (likewise
    tanh) and :math:`\odot` is the complex elementwise product: ``torch.nn.GRUCell`` (Cho et al., 2014, "Learning
    Phrase Representations using RNN Encoder-Decoder for Statistical Machine Translation", EMNLP, Sec. 2.3) with the
    complex layers of Trabelsi et al., 2018, "Deep Complex Networks", ICLR. Gate order r, z, n, as torch. The module
    form of :func:`deepcomplex.functional.complex_gru_cell`; ``forward(input, hx=None)`` returns :math:`h'`, with
    ``hx`` the state :math:`h` or ``None`` for zeros.

    Args:
        input_size (int): number :math:`H_{in}` of complex input features.
        hidden_size (int): number :math:`H` of complex features of the state.
        bias (bool): if ``False``, the cell has no ``bias_ih`` and ``bias_hh``. Default: ``True``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``; input and state must have this
            dtype. Default: the complex counterpart of torch's default dtype.

    Shape:
        - input: :math:`(N, H_{in})` or :math:`(H_{in})`, complex.
        - hx: :math:`(N, H)` or :math:`(H)` complex, or ``None``.
        - Output: :math:`h'`, :math:`(N, H)` or :math:`(H)`, complex.

    Attributes:
        weight_ih (Tensor): complex :math:`W_{ih}` of shape :math:`(3H, H_{in})`, rows in gate order r, z, n.
        weight_hh (Tensor): complex :math:`W_{hh}` of shape :math:`(3H, H)`. Both weights are drawn with the
            Rayleigh/Glorot init (Trabelsi et al., 2018, Sec. 3.6).
        bias_ih (Tensor): complex :math:`b_{ih}` of shape :math:`(3H)`, initialised to 0; ``None`` if ``bias=False``.
        bias_hh (Tensor): complex :math:`b_{hh}` of shape :math:`(3H)`, initialised to 0; ``None`` if ``bias=False``.

    Example::

        >>> cell = nn.ComplexGRUCell(10, 20)
        >>> x = torch.randn(6, 3, 10, dtype=torch.cfloat)
        >>> h = None
        >>> for t in range(6):
        ...     h = cell(x[t], h)
        >>> h.shape
        torch.Size([3, 20])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        _init_gru(self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)

    def forward(self, input: torch.Tensor, hx: Optional[torch.Tensor] = None) -> torch.Tensor:
        return complex_gru_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                                name=type(self).__name__, check_params=False)


class ComplexGRU(KindPreservingModule):
    r"""Applies a multi-layer (bidirectional) complex GRU to a complex input sequence.

    .. math::
        h^{(k)}_t = \operatorname{cell}_k(h^{(k-1)}_t, h^{(k)}_{t-1}), \qquad h^{(0)}_t = x_t, \quad t = 1, \dots, L

    with each :math:`\operatorname{cell}_k` the equations of :class:`ComplexGRUCell` (split sigmoid and tanh,
    complex gate products, gate order r, z, n): ``torch.nn.GRU`` (Cho et al., 2014, "Learning Phrase Representations
    using RNN Encoder-Decoder for Statistical Machine Translation", EMNLP) with the complex layers of Trabelsi et al.,
    2018, "Deep Complex Networks", ICLR; no dropout. With ``bidirectional=True`` each layer has a second cell that
    reads the sequence backwards, torch's semantics (Schuster and Paliwal, 1997, "Bidirectional Recurrent Neural
    Networks", IEEE TSP): output features :math:`2H`, forward first. The module form of
    :func:`deepcomplex.functional.complex_gru`; ``forward(input, hx=None)`` returns ``(output, h_n)``, with ``hx``
    the initial state :math:`h_0` or ``None`` for zeros.

    Args:
        input_size (int): number :math:`H_{in}` of complex input features.
        hidden_size (int): number :math:`H` of complex features of the state.
        num_layers (int): number of stacked layers. Default: 1
        bias (bool): if ``False``, the layers have no ``bias_ih_l{k}`` and ``bias_hh_l{k}``. Default: ``True``
        batch_first (bool): if ``True``, input and output are :math:`(N, L, \cdot)` instead of
            :math:`(L, N, \cdot)`; the state keeps its layout. Default: ``False``
        bidirectional (bool): if ``True``, a bidirectional GRU (:math:`D = 2` directions), else :math:`D = 1`.
            Default: ``False``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``; input and state must have this
            dtype. Default: the complex counterpart of torch's default dtype.

    Shape:
        - input: :math:`(L, N, H_{in})`, :math:`(N, L, H_{in})` if ``batch_first``, or :math:`(L, H_{in})`; complex.
        - hx: :math:`(D \cdot \text{num\_layers}, N, H)` (or without :math:`N`) complex, or ``None``.
        - Output: ``output`` :math:`(L, N, D H)` (:math:`(N, L, D H)` if ``batch_first``, :math:`(L, D H)`
          unbatched), the :math:`h_t` of the last layer; ``h_n`` shaped as ``hx``, the states after the last step.

    Attributes:
        weight_ih_l{k} (Tensor): complex :math:`(3H, H_{in})` for :math:`k = 0`, else :math:`(3H, D H)`; the
            reverse direction's parameters carry the suffix ``_reverse`` (``weight_ih_l{k}_reverse``, ...), as torch.
        weight_hh_l{k} (Tensor): complex :math:`(3H, H)`. The weights are drawn with the Rayleigh/Glorot init
            (Trabelsi et al., 2018, Sec. 3.6).
        bias_ih_l{k} (Tensor): complex :math:`(3H)`, initialised to 0.
        bias_hh_l{k} (Tensor): complex :math:`(3H)`, initialised to 0.

    Example::

        >>> rnn = nn.ComplexGRU(10, 20, num_layers=2, bidirectional=True)
        >>> x = torch.randn(5, 3, 10, dtype=torch.cfloat)
        >>> output, h_n = rnn(x)
        >>> output.shape, h_n.shape
        (torch.Size([5, 3, 40]), torch.Size([4, 3, 20]))
    """

    _gates = 3

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, bidirectional: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        check_positive_ints(name, input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
        dtype = complex_dtype(name, dtype)
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.bidirectional = bias, batch_first, bool(bidirectional)
        register_stack(self, self._gates, dict(device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for params in stack_params(self):
            _init_gru(*params)

    def forward(self, input: torch.Tensor, hx: Optional[torch.Tensor] = None) -> tuple[torch.Tensor, torch.Tensor]:
        return complex_gru(input, hx, stack_params(self), self.batch_first, self.bidirectional,
                           name=type(self).__name__, check_params=False)

    def extra_repr(self) -> str:
        return stack_repr(self)
