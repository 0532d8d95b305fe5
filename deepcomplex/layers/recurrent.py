"""A real 1-D ConvLSTM (Shi et al., 2015, "Convolutional LSTM Network", NeurIPS, Eq. 3 without the peephole terms),
the real twin of ``deepcomplex.nn.ComplexConvLSTM1d``, unrolled by the same loop (``functional.recurrent.unroll_lstm``).
"""
from __future__ import annotations

from typing import Callable, Optional

import torch
from torch import nn

from .._validation import check_positive_ints
from ..functional.recurrent import unroll_lstm

__all__ = ["ConvLSTMCell1d", "ConvLSTM1d"]

State = tuple[torch.Tensor, torch.Tensor]


class ConvLSTMCell1d(nn.Module):
    r"""One real ConvLSTM layer over (N, C, W) input: the input map ``conv_ih`` and the recurrent map ``conv_hh``.

    .. math::
        [i, f, g, o] = W_{ih} \star x_t + W_{hh} \star h_{t-1} + b, \quad
        c_t = \sigma(f) \, c_{t-1} + \sigma(i) \tanh(g), \quad h_t = \sigma(o) \tanh(c_t)

    with :math:`\star` a 'same' 1-D convolution over W (Shi et al., 2015, Eq. 3 without the peephole terms, as
    ``torch.nn.LSTM`` and the complex layer); gate order i, f, g, o along the 4 C_h channels.
    Init: Glorot-uniform weights (as the complex layer's Rayleigh/Glorot), zero bias except 1 on the forget gate.

    Args:
        in_channels (int): C, the input channels.
        hidden_channels (int): C_h, the channels of h and c.
        kernel_size (int): odd kernel size of both convolutions ('same' padding).
        bias (bool): a bias in the input map. Default: True.

    Shape:
        - Input: :math:`(N, C, W)`; state :math:`(h, c)` each :math:`(N, C_h, W)`, or None for zeros.
        - Output: :math:`(h', c')` each :math:`(N, C_h, W)`.

    Example::

        >>> cell = ConvLSTMCell1d(2, 4, 3)
        >>> h, c = cell(torch.randn(8, 2, 16))
        >>> h.shape
        torch.Size([8, 4, 16])
    """

    def __init__(self, in_channels: int, hidden_channels: int, kernel_size: int, bias: bool = True) -> None:
        super().__init__()
        self.hidden_channels = hidden_channels
        self.conv_ih = nn.Conv1d(in_channels, 4 * hidden_channels, kernel_size, padding=kernel_size // 2, bias=bias)
        self.conv_hh = nn.Conv1d(hidden_channels, 4 * hidden_channels, kernel_size, padding=kernel_size // 2,
                                 bias=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # Glorot like the complex layer's Rayleigh/Glorot; zero bias but 1 on the forget gate, as there
        nn.init.xavier_uniform_(self.conv_ih.weight)
        nn.init.xavier_uniform_(self.conv_hh.weight)
        if self.conv_ih.bias is not None:
            with torch.no_grad():
                self.conv_ih.bias.zero_()
                self.conv_ih.bias[self.hidden_channels:2 * self.hidden_channels] = 1.0

    def maps(self) -> tuple[Callable[[torch.Tensor], torch.Tensor], nn.Module]:
        """(input map of a whole sequence (L, N, C, W), recurrent map of h (N, C_h, W)), each giving the gate
        pre-activations, as ``functional.recurrent.unroll_lstm`` takes them."""
        conv = self.conv_ih
        return (lambda seq: conv(seq.flatten(0, 1)).unflatten(0, seq.shape[:2])), self.conv_hh

    def forward(self, input: torch.Tensor, hx: Optional[State] = None) -> State:
        if hx is None:
            zeros = input.new_zeros(input.shape[0], self.hidden_channels, input.shape[-1])
            hx = (zeros, zeros)
        _, (h, c) = unroll_lstm(input.unsqueeze(0), hx[0].unsqueeze(0), hx[1].unsqueeze(0), [self.maps()], 1)
        return h[0], c[0]


class ConvLSTM1d(nn.Module):
    """Multi-layer real ConvLSTM over (N, L, C, W) (batch_first, the default) or (L, N, C, W); 'same' padding (odd k).

    Per layer and step the :class:`ConvLSTMCell1d` equations (Shi et al., 2015, without the peephole terms, like
    torch.nn.LSTM and the complex layer): [i, f, g, o] = W_ih * x_t + W_hh * h_{t-1} + b ('*' a 1-D convolution over
    W); i, f, o = sigmoid, g = tanh; c_t = f c_{t-1} + i g; h_t = o tanh(c_t). Glorot-uniform weights, zero bias
    except 1 on the forget gate. The real twin of ``deepcomplex.nn.ComplexConvLSTM1d``.

    Args:
        in_channels (int): C, the input channels.
        hidden_channels (int): C_h, the channels of h and c in every layer.
        kernel_size (int): odd kernel size of the convolutions.
        num_layers (int): stacked layers. Default: 1.
        bias (bool): a bias in each layer's input map. Default: True.
        batch_first (bool): input and output (N, L, C, W) rather than (L, N, C, W). Default: True.

    Shape:
        - Input: :math:`(N, L, C, W)` (or :math:`(L, N, C, W)`); state :math:`(h_0, c_0)` each
          :math:`(\\text{num\\_layers}, N, C_h, W)`, or None for zeros.
        - Output: (all h of the last layer, :math:`(N, L, C_h, W)` (or :math:`(L, N, C_h, W)`), :math:`(h_n, c_n)`).

    Example::

        >>> rnn = ConvLSTM1d(2, 4, 3, num_layers=2)
        >>> out, (h, c) = rnn(torch.randn(8, 5, 2, 16))
        >>> out.shape, h.shape
        (torch.Size([8, 5, 4, 16]), torch.Size([2, 8, 4, 16]))
    """

    def __init__(self, in_channels: int, hidden_channels: int, kernel_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = True) -> None:
        super().__init__()
        check_positive_ints("ConvLSTM1d", in_channels=in_channels, hidden_channels=hidden_channels,
                            kernel_size=kernel_size, num_layers=num_layers)
        if kernel_size % 2 == 0:
            raise ValueError(f"ConvLSTM1d needs an odd kernel_size for 'same' padding, got {kernel_size}")
        self.in_channels, self.hidden_channels, self.kernel_size = in_channels, hidden_channels, kernel_size
        self.num_layers, self.batch_first = num_layers, batch_first
        self.cells = nn.ModuleList(ConvLSTMCell1d(in_channels if k == 0 else hidden_channels, hidden_channels,
                                                  kernel_size, bias) for k in range(num_layers))

    def forward(self, input: torch.Tensor, hx: Optional[State] = None) -> tuple[torch.Tensor, State]:
        name = type(self).__name__
        if input.dim() != 4:
            raise ValueError(f"{name} expects a 4D input ({'N, L' if self.batch_first else 'L, N'}, C, W), got "
                             f"shape {tuple(input.shape)}")
        x = input if self.batch_first else input.transpose(0, 1)  # (N, L, C, W)
        n, steps, c, w = x.shape
        if c != self.in_channels:
            raise ValueError(f"{name} expects {self.in_channels} input channels, got {c}")
        if steps == 0:
            raise ValueError(f"{name} expects a non-empty sequence, got shape {tuple(input.shape)}")
        if hx is None:
            zeros = x.new_zeros(self.num_layers, n, self.hidden_channels, w)
            hx = (zeros, zeros)
        layers = [cell.maps() for cell in self.cells]
        return unroll_lstm(x.transpose(0, 1), hx[0], hx[1], layers, 1, batch_first=self.batch_first)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.hidden_channels}, kernel_size={self.kernel_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        return s + f", batch_first={self.batch_first}"
