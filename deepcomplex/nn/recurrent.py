"""Complex LSTM and ConvLSTM modules (Trabelsi et al., 2018), thin wrappers over deepcomplex.functional.recurrent."""
from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
from torch import nn

from .. import init as cinit
from .._validation import check_positive_ints
from ..functional.recurrent import (State, check_kernel_size, complex_conv_lstm, complex_conv_lstm_cell, complex_lstm,
                                    complex_lstm_cell)
from .module import KindPreservingModule, complex_dtype
from .rnn_stack import RecurrentCellBase, register_stack, stack_params, stack_repr

_Size = Union[int, Sequence[int]]

__all__ = ["ComplexLSTMCell", "ComplexLSTM", "ComplexConvLSTMCell1d", "ComplexConvLSTMCell2d", "ComplexConvLSTM1d",
           "ComplexConvLSTM2d"]


def _init_gates(weight_ih: torch.Tensor, weight_hh: torch.Tensor, bias: Optional[torch.Tensor], hidden: int) -> None:
    """Rayleigh/Glorot complex weights (Trabelsi et al., Sec. 3.6); zero bias with Re of the forget-gate slice at 1."""
    cinit.complex_rayleigh_(weight_ih, "glorot")
    cinit.complex_rayleigh_(weight_hh, "glorot")
    if bias is not None:
        with torch.no_grad():
            bias.zero_()
            bias[hidden:2 * hidden] = 1.0


class ComplexLSTMCell(RecurrentCellBase):
    r"""A complex LSTM cell: one step of torch's LSTM equations with complex maps and split activations.

    .. math::
        \begin{array}{ll}
        [a_i, a_f, a_g, a_o] = W_{ih} x + b_{ih} + W_{hh} h + b_{hh} \\
        i = \sigma_{\text{split}}(a_i), \quad f = \sigma_{\text{split}}(a_f), \quad g = \tanh_{\text{split}}(a_g),
        \quad o = \sigma_{\text{split}}(a_o) \\
        c' = f \odot c + i \odot g, \qquad h' = o \odot \tanh_{\text{split}}(c')
        \end{array}

    where :math:`\sigma_{\text{split}}(z) = \sigma(\operatorname{Re} z) + i \, \sigma(\operatorname{Im} z)` (likewise
    tanh) and :math:`\odot` is the complex elementwise product: ``torch.nn.LSTMCell`` (Hochreiter and Schmidhuber,
    1997) with the complex layers of Trabelsi et al., 2018, "Deep Complex Networks", ICLR, who build complex
    (convolutional) LSTMs for speech spectrum prediction (Sec. 4.3). Gate order i, f, g, o, as torch. The module form of
    :func:`deepcomplex.functional.complex_lstm_cell`; ``forward(input, hx=None)`` returns ``(h', c')``, with ``hx``
    the state ``(h, c)`` or ``None`` for zeros.

    Args:
        input_size (int): number :math:`H_{in}` of complex input features.
        hidden_size (int): number :math:`H` of complex features of the state.
        bias (bool): if ``False``, the cell has no ``bias_ih`` and ``bias_hh``. Default: ``True``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``; input and state must have this
            dtype. Default: the complex counterpart of torch's default dtype.

    Shape:
        - input: :math:`(N, H_{in})` or :math:`(H_{in})`, complex.
        - hx: a tuple of two :math:`(N, H)` or :math:`(H)` complex tensors :math:`(h, c)`, or ``None``.
        - Output: the tuple :math:`(h', c')`, each :math:`(N, H)` or :math:`(H)`, complex.

    Attributes:
        weight_ih (Tensor): complex :math:`W_{ih}` of shape :math:`(4H, H_{in})`, rows in gate order i, f, g, o.
        weight_hh (Tensor): complex :math:`W_{hh}` of shape :math:`(4H, H)`. Both weights are drawn with the
            Rayleigh/Glorot init (Trabelsi et al., 2018, Sec. 3.6).
        bias_ih (Tensor): complex :math:`b_{ih}` of shape :math:`(4H)`, zero except :math:`\operatorname{Re}` of the
            forget-gate slice, set to 1; ``None`` if ``bias=False``.
        bias_hh (Tensor): complex :math:`b_{hh}` of shape :math:`(4H)`, initialised to 0; ``None`` if ``bias=False``.

    Example::

        >>> cell = nn.ComplexLSTMCell(10, 20)
        >>> x = torch.randn(6, 3, 10, dtype=torch.cfloat)
        >>> hx = None
        >>> for t in range(6):
        ...     hx = cell(x[t], hx)
        >>> hx[0].shape, hx[1].shape
        (torch.Size([3, 20]), torch.Size([3, 20]))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        _init_gates(self.weight_ih, self.weight_hh, self.bias_ih, self.hidden_size)
        if self.bias_hh is not None:
            nn.init.zeros_(self.bias_hh)

    def forward(self, input: torch.Tensor, hx: Optional[State] = None) -> State:
        return complex_lstm_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                                 name=type(self).__name__, check_params=False)


class ComplexLSTM(KindPreservingModule):
    r"""Applies a multi-layer complex LSTM to a complex input sequence.

    .. math::
        (h^{(k)}_t, c^{(k)}_t) = \operatorname{cell}_k(h^{(k-1)}_t, (h^{(k)}_{t-1}, c^{(k)}_{t-1})), \qquad
        h^{(0)}_t = x_t, \quad t = 1, \dots, L

    with each :math:`\operatorname{cell}_k` the equations of :class:`ComplexLSTMCell` (split sigmoid and tanh,
    complex gate products, gate order i, f, g, o): ``torch.nn.LSTM`` (Hochreiter and Schmidhuber, 1997) with the
    complex layers of Trabelsi et al., 2018, "Deep Complex Networks", ICLR (complex convolutional LSTMs for speech
    spectrum prediction, Sec. 4.3); no dropout or proj_size. With ``bidirectional=True`` each layer has a second
    cell that reads the sequence backwards, torch's semantics (Schuster and Paliwal, 1997, "Bidirectional Recurrent
    Neural Networks", IEEE TSP): output features :math:`2H`, forward first. The module form of
    :func:`deepcomplex.functional.complex_lstm`; ``forward(input, hx=None)`` returns ``(output, (h_n, c_n))``, with
    ``hx`` the initial state ``(h_0, c_0)`` or ``None`` for zeros.

    Args:
        input_size (int): number :math:`H_{in}` of complex input features.
        hidden_size (int): number :math:`H` of complex features of the state.
        num_layers (int): number of stacked layers. Default: 1
        bias (bool): if ``False``, the layers have no ``bias_ih_l{k}`` and ``bias_hh_l{k}``. Default: ``True``
        batch_first (bool): if ``True``, input and output are :math:`(N, L, \cdot)` instead of
            :math:`(L, N, \cdot)`; the state keeps its layout. Default: ``False``
        bidirectional (bool): if ``True``, a bidirectional LSTM (:math:`D = 2` directions), else :math:`D = 1`.
            Default: ``False``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``; input and state must have this
            dtype. Default: the complex counterpart of torch's default dtype.

    Shape:
        - input: :math:`(L, N, H_{in})`, :math:`(N, L, H_{in})` if ``batch_first``, or :math:`(L, H_{in})`; complex.
        - hx: a tuple of two :math:`(D \cdot \text{num\_layers}, N, H)` (or without :math:`N`) complex tensors, or
          ``None``.
        - Output: ``output`` :math:`(L, N, D H)` (:math:`(N, L, D H)` if ``batch_first``, :math:`(L, D H)`
          unbatched), the :math:`h_t` of the last layer; ``h_n`` and ``c_n`` shaped as ``hx``, the states after the
          last step.

    Attributes:
        weight_ih_l{k} (Tensor): complex :math:`(4H, H_{in})` for :math:`k = 0`, else :math:`(4H, D H)`; the
            reverse direction's parameters carry the suffix ``_reverse`` (``weight_ih_l{k}_reverse``, ...), as torch.
        weight_hh_l{k} (Tensor): complex :math:`(4H, H)`. The weights are drawn with the Rayleigh/Glorot init
            (Trabelsi et al., 2018, Sec. 3.6).
        bias_ih_l{k} (Tensor): complex :math:`(4H)`, zero except :math:`\operatorname{Re}` of the forget-gate slice,
            set to 1.
        bias_hh_l{k} (Tensor): complex :math:`(4H)`, initialised to 0.

    Example::

        >>> rnn = nn.ComplexLSTM(10, 20, num_layers=2)
        >>> x = torch.randn(5, 3, 10, dtype=torch.cfloat)
        >>> output, (h_n, c_n) = rnn(x)
        >>> output.shape, h_n.shape, c_n.shape
        (torch.Size([5, 3, 20]), torch.Size([2, 3, 20]), torch.Size([2, 3, 20]))
    """

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

    _gates = 4

    def _layer(self, k: int, suffix: str = "") -> tuple:
        return tuple(getattr(self, f"{p}_l{k}{suffix}") for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def reset_parameters(self) -> None:
        for w_ih, w_hh, b_ih, b_hh in stack_params(self):
            _init_gates(w_ih, w_hh, b_ih, self.hidden_size)
            if b_hh is not None:
                nn.init.zeros_(b_hh)

    def forward(self, input: torch.Tensor, hx: Optional[State] = None) -> tuple[torch.Tensor, State]:
        return complex_lstm(input, hx, stack_params(self), self.batch_first, self.bidirectional,
                            name=type(self).__name__, check_params=False)

    def extra_repr(self) -> str:
        return stack_repr(self)


class _ComplexConvLSTMCellNd(KindPreservingModule):
    _nd = 0

    def __init__(self, in_channels: int, hidden_channels: int, kernel_size: _Size, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        check_positive_ints(name, in_channels=in_channels, hidden_channels=hidden_channels)
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
        return complex_conv_lstm_cell(input, hx, self.weight_ih, self.weight_hh, self.bias, name=type(self).__name__,
                                      check_params=False)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.hidden_channels}, kernel_size={self.kernel_size}"
        if self.bias is None:
            s += ", bias=False"
        return s + f", dtype={self.weight_ih.dtype}"


class ComplexConvLSTMCell1d(_ComplexConvLSTMCellNd):
    r"""A complex convolutional LSTM cell over 1-D signals: one step with complex 'same' convolutions.

    .. math::
        \begin{array}{ll}
        [a_i, a_f, a_g, a_o] = W_{ih} \star x + W_{hh} \star h + b \text{ (along channels)} \\
        i = \sigma_{\text{split}}(a_i), \quad f = \sigma_{\text{split}}(a_f), \quad g = \tanh_{\text{split}}(a_g),
        \quad o = \sigma_{\text{split}}(a_o) \\
        c' = f \odot c + i \odot g, \qquad h' = o \odot \tanh_{\text{split}}(c')
        \end{array}

    The ConvLSTM of Shi et al., 2015, "Convolutional LSTM Network", NeurIPS (without peephole terms), with complex
    'same' cross-correlations :math:`\star` (:class:`ComplexConv1d`), the split sigmoid and tanh on Re and Im and
    complex elementwise products :math:`\odot`, as the complex convolutional LSTM of Trabelsi et al., 2018, "Deep
    Complex Networks", ICLR, Sec. 4.3. Gate order i, f, g, o along the :math:`4 C_h` channels. The module form of
    :func:`deepcomplex.functional.complex_conv_lstm_cell`; ``forward(input, hx=None)`` returns ``(h', c')``, with
    ``hx`` the state ``(h, c)`` or ``None`` for zeros.

    Args:
        in_channels (int): number :math:`C_{in}` of complex input channels.
        hidden_channels (int): number :math:`C_h` of complex channels of the state.
        kernel_size (int or tuple): size :math:`k` of the kernels, odd so that 'same' padding keeps the size.
        bias (bool): if ``False``, the cell has no ``bias``. Default: ``True``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``; input and state must have this
            dtype. Default: the complex counterpart of torch's default dtype.

    Shape:
        - input: :math:`(N, C_{in}, W)` or :math:`(C_{in}, W)`, complex.
        - hx: a tuple of two :math:`(N, C_h, W)` or :math:`(C_h, W)` complex tensors :math:`(h, c)`, or ``None``.
        - Output: the tuple :math:`(h', c')`, each :math:`(N, C_h, W)` or :math:`(C_h, W)`, complex.

    Attributes:
        weight_ih (Tensor): complex :math:`W_{ih}` of shape :math:`(4 C_h, C_{in}, k)`.
        weight_hh (Tensor): complex :math:`W_{hh}` of shape :math:`(4 C_h, C_h, k)`. Both are drawn with the
            Rayleigh/Glorot init (Trabelsi et al., 2018, Sec. 3.6).
        bias (Tensor): complex :math:`b` of shape :math:`(4 C_h)`, zero except :math:`\operatorname{Re}` of the
            forget-gate slice, set to 1; ``None`` if ``bias=False``.

    Example::

        >>> cell = nn.ComplexConvLSTMCell1d(2, 8, kernel_size=5)
        >>> x = torch.randn(4, 2, 64, dtype=torch.cfloat)
        >>> h, c = cell(x)
        >>> h, c = cell(x, (h, c))
        >>> h.shape, c.shape
        (torch.Size([4, 8, 64]), torch.Size([4, 8, 64]))
    """
    _nd = 1


class ComplexConvLSTMCell2d(_ComplexConvLSTMCellNd):
    r"""A complex convolutional LSTM cell over images: one step with complex 'same' convolutions.

    .. math::
        \begin{array}{ll}
        [a_i, a_f, a_g, a_o] = W_{ih} \star x + W_{hh} \star h + b \text{ (along channels)} \\
        i = \sigma_{\text{split}}(a_i), \quad f = \sigma_{\text{split}}(a_f), \quad g = \tanh_{\text{split}}(a_g),
        \quad o = \sigma_{\text{split}}(a_o) \\
        c' = f \odot c + i \odot g, \qquad h' = o \odot \tanh_{\text{split}}(c')
        \end{array}

    The ConvLSTM of Shi et al., 2015, "Convolutional LSTM Network", NeurIPS (without peephole terms), with complex
    'same' cross-correlations :math:`\star` (:class:`ComplexConv2d`), the split sigmoid and tanh on Re and Im and
    complex elementwise products :math:`\odot`, as the complex convolutional LSTM of Trabelsi et al., 2018, "Deep
    Complex Networks", ICLR, Sec. 4.3. Gate order i, f, g, o along the :math:`4 C_h` channels. The module form of
    :func:`deepcomplex.functional.complex_conv_lstm_cell`; ``forward(input, hx=None)`` returns ``(h', c')``, with
    ``hx`` the state ``(h, c)`` or ``None`` for zeros.

    Args:
        in_channels (int): number :math:`C_{in}` of complex input channels.
        hidden_channels (int): number :math:`C_h` of complex channels of the state.
        kernel_size (int or tuple): size :math:`(k_H, k_W)` of the kernels, odd so that 'same' padding keeps
            the size.
        bias (bool): if ``False``, the cell has no ``bias``. Default: ``True``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``; input and state must have this
            dtype. Default: the complex counterpart of torch's default dtype.

    Shape:
        - input: :math:`(N, C_{in}, H, W)` or :math:`(C_{in}, H, W)`, complex.
        - hx: a tuple of two :math:`(N, C_h, H, W)` or :math:`(C_h, H, W)` complex tensors :math:`(h, c)`, or ``None``.
        - Output: the tuple :math:`(h', c')`, each :math:`(N, C_h, H, W)` or :math:`(C_h, H, W)`, complex.

    Attributes:
        weight_ih (Tensor): complex :math:`W_{ih}` of shape :math:`(4 C_h, C_{in}, k_H, k_W)`.
        weight_hh (Tensor): complex :math:`W_{hh}` of shape :math:`(4 C_h, C_h, k_H, k_W)`. Both are drawn with the
            Rayleigh/Glorot init (Trabelsi et al., 2018, Sec. 3.6).
        bias (Tensor): complex :math:`b` of shape :math:`(4 C_h)`, zero except :math:`\operatorname{Re}` of the
            forget-gate slice, set to 1; ``None`` if ``bias=False``.

    Example::

        >>> cell = nn.ComplexConvLSTMCell2d(3, 5, kernel_size=3)
        >>> x = torch.randn(2, 3, 8, 8, dtype=torch.cfloat)
        >>> h, c = cell(x)
        >>> h.shape, c.shape
        (torch.Size([2, 5, 8, 8]), torch.Size([2, 5, 8, 8]))
    """
    _nd = 2


class _ComplexConvLSTMNd(KindPreservingModule):
    _nd = 0
    _cell = _ComplexConvLSTMCellNd

    def __init__(self, in_channels: int, hidden_channels: int, kernel_size: _Size, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        check_positive_ints(name, in_channels=in_channels, hidden_channels=hidden_channels, num_layers=num_layers)
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
        return complex_conv_lstm(input, hx, params, self.batch_first, name=type(self).__name__, check_params=False)

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
    r"""Applies a multi-layer complex convolutional LSTM to a sequence of complex 1-D signals.

    .. math::
        (h^{(k)}_t, c^{(k)}_t) = \operatorname{cell}_k(h^{(k-1)}_t, (h^{(k)}_{t-1}, c^{(k)}_{t-1})), \qquad
        h^{(0)}_t = x_t, \quad t = 1, \dots, L

    with each :math:`\operatorname{cell}_k` a :class:`ComplexConvLSTMCell1d` (complex 'same' convolutions, split
    sigmoid and tanh, complex gate products): the ConvLSTM of Shi et al., 2015, "Convolutional LSTM Network",
    NeurIPS, as the complex convolutional LSTM of Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 4.3.
    The module form of :func:`deepcomplex.functional.complex_conv_lstm`; ``forward(input, hx=None)`` returns
    ``(output, (h_n, c_n))``, with ``hx`` the initial state ``(h_0, c_0)`` or ``None`` for zeros.

    Args:
        in_channels (int): number :math:`C_{in}` of complex input channels.
        hidden_channels (int): number :math:`C_h` of complex channels of the state, in every layer.
        kernel_size (int or tuple): size :math:`k` of the kernels, odd so that 'same' padding keeps the size.
        num_layers (int): number of stacked layers. Default: 1
        bias (bool): if ``False``, the cells have no ``bias``. Default: ``True``
        batch_first (bool): if ``True``, input and output are :math:`(N, L, \cdots)` instead of
            :math:`(L, N, \cdots)`; the state keeps its layout. Default: ``False``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``; input and state must have this
            dtype. Default: the complex counterpart of torch's default dtype.

    Shape:
        - input: :math:`(L, N, C_{in}, W)`, :math:`(N, L, C_{in}, W)` if ``batch_first``, or :math:`(L, C_{in}, W)`;
          complex.
        - hx: a tuple of two :math:`(\text{num\_layers}, N, C_h, W)` (or without :math:`N`) complex tensors, or
          ``None``.
        - Output: ``output`` :math:`(L, N, C_h, W)` (:math:`(N, L, C_h, W)` if ``batch_first``, :math:`(L, C_h, W)`
          unbatched), the :math:`h_t` of the last layer; ``h_n`` and ``c_n`` shaped as ``hx``.

    Attributes:
        cells (ModuleList): the ``num_layers`` :class:`ComplexConvLSTMCell1d` cells (parameters ``weight_ih``,
            ``weight_hh``, ``bias`` each, Rayleigh/Glorot weights, zero bias except Re of the forget-gate slice = 1).

    Example::

        >>> rnn = nn.ComplexConvLSTM1d(1, 16, kernel_size=5, num_layers=2, batch_first=True)
        >>> x = torch.randn(4, 10, 1, 64, dtype=torch.cfloat)
        >>> output, (h_n, c_n) = rnn(x)
        >>> output.shape, h_n.shape
        (torch.Size([4, 10, 16, 64]), torch.Size([2, 4, 16, 64]))
    """
    _nd, _cell = 1, ComplexConvLSTMCell1d


class ComplexConvLSTM2d(_ComplexConvLSTMNd):
    r"""Applies a multi-layer complex convolutional LSTM to a sequence of complex images.

    .. math::
        (h^{(k)}_t, c^{(k)}_t) = \operatorname{cell}_k(h^{(k-1)}_t, (h^{(k)}_{t-1}, c^{(k)}_{t-1})), \qquad
        h^{(0)}_t = x_t, \quad t = 1, \dots, L

    with each :math:`\operatorname{cell}_k` a :class:`ComplexConvLSTMCell2d` (complex 'same' convolutions, split
    sigmoid and tanh, complex gate products): the ConvLSTM of Shi et al., 2015, "Convolutional LSTM Network",
    NeurIPS, as the complex convolutional LSTM of Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 4.3.
    The module form of :func:`deepcomplex.functional.complex_conv_lstm`; ``forward(input, hx=None)`` returns
    ``(output, (h_n, c_n))``, with ``hx`` the initial state ``(h_0, c_0)`` or ``None`` for zeros.

    Args:
        in_channels (int): number :math:`C_{in}` of complex input channels.
        hidden_channels (int): number :math:`C_h` of complex channels of the state, in every layer.
        kernel_size (int or tuple): size :math:`(k_H, k_W)` of the kernels, odd so that 'same' padding keeps
            the size.
        num_layers (int): number of stacked layers. Default: 1
        bias (bool): if ``False``, the cells have no ``bias``. Default: ``True``
        batch_first (bool): if ``True``, input and output are :math:`(N, L, \cdots)` instead of
            :math:`(L, N, \cdots)`; the state keeps its layout. Default: ``False``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``; input and state must have this
            dtype. Default: the complex counterpart of torch's default dtype.

    Shape:
        - input: :math:`(L, N, C_{in}, H, W)`, :math:`(N, L, C_{in}, H, W)` if ``batch_first``, or
          :math:`(L, C_{in}, H, W)`; complex.
        - hx: a tuple of two :math:`(\text{num\_layers}, N, C_h, H, W)` (or without :math:`N`) complex tensors, or
          ``None``.
        - Output: ``output`` :math:`(L, N, C_h, H, W)` (:math:`(N, L, C_h, H, W)` if ``batch_first``,
          :math:`(L, C_h, H, W)` unbatched), the :math:`h_t` of the last layer; ``h_n`` and ``c_n`` shaped as ``hx``.

    Attributes:
        cells (ModuleList): the ``num_layers`` :class:`ComplexConvLSTMCell2d` cells (parameters ``weight_ih``,
            ``weight_hh``, ``bias`` each, Rayleigh/Glorot weights, zero bias except Re of the forget-gate slice = 1).

    Example::

        >>> rnn = nn.ComplexConvLSTM2d(3, 5, kernel_size=3)
        >>> x = torch.randn(6, 2, 3, 8, 8, dtype=torch.cfloat)
        >>> output, (h_n, c_n) = rnn(x)
        >>> output.shape, h_n.shape, c_n.shape
        (torch.Size([6, 2, 5, 8, 8]), torch.Size([1, 2, 5, 8, 8]), torch.Size([1, 2, 5, 8, 8]))
    """
    _nd, _cell = 2, ComplexConvLSTMCell2d
