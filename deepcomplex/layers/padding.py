"""Keras/TensorFlow-style 'same' padding for strided 1-D convolutions, and the output lengths of Keras's 'same' and
'valid' convolutions (as the original Deep Complex Networks code builds its MusicNet models; Trabelsi et al., 2018,
"Deep Complex Networks", ICLR, Sec. 4.2)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["KerasSamePad1d", "same_length", "valid_length"]


def same_length(n: int, stride: int) -> int:
    """Output length of a Keras/TensorFlow 'same' convolution or pooling of stride ``stride`` on ``n`` samples.

    .. math::
        L_{out} = \\lceil n / \\text{stride} \\rceil

    Example:
        >>> same_length(4096, 2)
        2048
    """
    return -(-n // stride)


def valid_length(n: int, kernel: int, stride: int) -> int:
    """Output length of a 'valid' (unpadded, undilated) convolution or pooling on ``n`` samples; 0 when n < kernel.

    .. math::
        L_{out} = \\lfloor (n - \\text{kernel}) / \\text{stride} \\rfloor + 1

    Example:
        >>> valid_length(4096, 512, 16)
        225
    """
    return (n - kernel) // stride + 1 if n >= kernel else 0


class KerasSamePad1d(nn.Module):
    """Zero padding of the last dimension for a 'same' convolution, the way Keras/TensorFlow pads.

    A strided 'same' convolution of Keras gives ceil(n / stride) outputs; the total padding it needs,
    max((ceil(n / stride) - 1) * stride + kernel_size - n, 0), is split with the odd sample on the right (torch's
    ``padding='same'`` supports stride 1 only and pads a symmetric amount). Put it before a convolution with
    ``padding=0`` and the same kernel and stride. Works on real and complex input.

    Args:
        kernel_size (int): the kernel size of the convolution that follows.
        stride (int): its stride. Default: 1.

    Shape:
        - Input: :math:`(*, L)`, real or complex.
        - Output: :math:`(*, L + P)`, P the total padding above.

    Example::

        >>> pad = KerasSamePad1d(kernel_size=6, stride=2)
        >>> pad(torch.ones(1, 1, 4096, dtype=torch.complex64)).shape
        torch.Size([1, 1, 4100])
    """

    def __init__(self, kernel_size: int, stride: int = 1) -> None:
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[-1]
        total = max((same_length(n, self.stride) - 1) * self.stride + self.kernel_size - n, 0)
        return F.pad(x, (total // 2, total - total // 2))

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"
