"""Complex pooling modules: average (Re and Im), max by modulus, and spectral pooling (Rippel et al., 2015)."""
from __future__ import annotations

import torch
from torch import nn

from .. import functional as CF
from .._validation import check_complex, check_rank, check_window


class _Pool(nn.Module):
    _nd = 2

    def _check(self, input: torch.Tensor) -> None:
        name = type(self).__name__
        check_complex(name, input)
        check_rank(name, input, (self._nd + 1, self._nd + 2), "(unbatched or batched)")


class _AvgPoolNd(_Pool):
    _fn = None

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride if stride is not None else kernel_size, padding
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        self._check(input)
        check_window(type(self).__name__, input, self._nd, self.kernel_size, self.stride, self.padding,
                     ceil_mode=self.ceil_mode)
        args = (input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)
        if self._nd == 1:
            return CF.avg_pool1d(*args)
        return type(self)._fn(*args, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class ComplexAvgPool1d(_AvgPoolNd):
    r"""Applies average pooling over a complex input signal: the mean of Re and of Im over each window.

    .. math::
        \text{out}(N_i, C_j, l) = \frac{1}{k} \sum_{m=0}^{k-1}
        z(N_i, C_j, \text{stride} \cdot l + m)

    i.e. the complex mean over each window, Re and Im pooled as two real channels (with zero padding, as torch).
    The module form of :func:`deepcomplex.functional.avg_pool1d`, with the arguments of ``torch.nn.AvgPool1d``.

    Args:
        kernel_size (int or tuple): the size of the window.
        stride (int or tuple, optional): the stride of the window. Default: ``kernel_size``
        padding (int or tuple): implicit zero padding on both sides. Default: 0
        ceil_mode (bool): if ``True``, uses ceil instead of floor to compute the output size. Default: ``False``
        count_include_pad (bool): if ``True``, the zero padding is counted in the averaging divisor.
            Default: ``True``

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`, complex.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`, complex, where
          :math:`L_{out} = \lfloor (L_{in} + 2 \, \text{padding} - k) / \text{stride} \rfloor + 1`
          (ceil with ``ceil_mode=True``).

    Example::

        >>> m = nn.ComplexAvgPool1d(3, stride=2)
        >>> m(torch.randn(20, 16, 50, dtype=torch.cfloat)).shape
        torch.Size([20, 16, 24])
    """
    _nd = 1

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)


class ComplexAvgPool2d(_AvgPoolNd):
    r"""Applies average pooling over a complex input image: the mean of Re and of Im over each window.

    .. math::
        \text{out}(N_i, C_j, h, w) = \frac{1}{k_H k_W} \sum_{m=0}^{k_H-1} \sum_{n=0}^{k_W-1}
        z(N_i, C_j, \text{stride}[0] \, h + m, \text{stride}[1] \, w + n)

    i.e. the complex mean over each window, Re and Im pooled as two real channels (with zero padding, as torch).
    The module form of :func:`deepcomplex.functional.avg_pool2d`, with the arguments of ``torch.nn.AvgPool2d``.

    Args:
        kernel_size (int or tuple): the size of the window.
        stride (int or tuple, optional): the stride of the window. Default: ``kernel_size``
        padding (int or tuple): implicit zero padding on both sides. Default: 0
        ceil_mode (bool): if ``True``, uses ceil instead of floor to compute the output size. Default: ``False``
        count_include_pad (bool): if ``True``, the zero padding is counted in the averaging divisor.
            Default: ``True``
        divisor_override (int, optional): if given, the divisor of the sum, instead of the window size.
            Default: ``None``

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`, complex.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`, complex, where
          :math:`H_{out} = \lfloor (H_{in} + 2 \, \text{padding}[0] - k_H) / \text{stride}[0] \rfloor + 1`
          and likewise :math:`W_{out}` (ceil with ``ceil_mode=True``).

    Example::

        >>> m = nn.ComplexAvgPool2d(2)
        >>> m(torch.randn(20, 16, 50, 32, dtype=torch.cfloat)).shape
        torch.Size([20, 16, 25, 16])
        >>> nn.ComplexAvgPool2d((3, 2), stride=(2, 1))(torch.randn(20, 16, 50, 32, dtype=torch.cfloat)).shape
        torch.Size([20, 16, 24, 31])
    """
    _nd, _fn = 2, staticmethod(CF.avg_pool2d)


class ComplexAvgPool3d(_AvgPoolNd):
    r"""Applies average pooling over a complex input volume: the mean of Re and of Im over each window.

    .. math::
        \text{out}(N_i, C_j, d, h, w) = \frac{1}{k_D k_H k_W} \sum_{k, m, n}
        z(N_i, C_j, \text{stride}[0] \, d + k, \text{stride}[1] \, h + m, \text{stride}[2] \, w + n)

    i.e. the complex mean over each window, Re and Im pooled as two real channels (with zero padding, as torch).
    The module form of :func:`deepcomplex.functional.avg_pool3d`, with the arguments of ``torch.nn.AvgPool3d``.

    Args:
        kernel_size (int or tuple): the size of the window.
        stride (int or tuple, optional): the stride of the window. Default: ``kernel_size``
        padding (int or tuple): implicit zero padding on both sides. Default: 0
        ceil_mode (bool): if ``True``, uses ceil instead of floor to compute the output size. Default: ``False``
        count_include_pad (bool): if ``True``, the zero padding is counted in the averaging divisor.
            Default: ``True``
        divisor_override (int, optional): if given, the divisor of the sum, instead of the window size.
            Default: ``None``

    Shape:
        - Input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or :math:`(C, D_{in}, H_{in}, W_{in})`, complex.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or :math:`(C, D_{out}, H_{out}, W_{out})`, complex, where
          :math:`D_{out} = \lfloor (D_{in} + 2 \, \text{padding}[0] - k_D) / \text{stride}[0] \rfloor + 1`
          and likewise :math:`H_{out}`, :math:`W_{out}` (ceil with ``ceil_mode=True``).

    Example::

        >>> m = nn.ComplexAvgPool3d(2)
        >>> m(torch.randn(2, 4, 6, 8, 8, dtype=torch.cfloat)).shape
        torch.Size([2, 4, 3, 4, 4])
    """
    _nd, _fn = 3, staticmethod(CF.avg_pool3d)


class ComplexAdaptiveAvgPool2d(_Pool):
    r"""Applies adaptive average pooling over a complex input image: the mean of Re and of Im over each window.

    .. math::
        \text{out}(N_i, C_j, h, w) = \operatorname{mean} \{ z(N_i, C_j, p, q) :
        \lfloor h H_{in} / H_{out} \rfloor \le p < \lceil (h + 1) H_{in} / H_{out} \rceil, \text{ likewise } q \}

    the windows that ``torch.nn.AdaptiveAvgPool2d`` picks for the requested output size, Re and Im pooled as two real
    channels. The module form of :func:`deepcomplex.functional.adaptive_avg_pool2d`.

    Args:
        output_size (int or tuple): the target size :math:`(H_{out}, W_{out})`, or one int for a square output; as
            torch, ``None`` in a tuple keeps that input dimension.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`, complex.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`, complex.

    Example::

        >>> m = nn.ComplexAdaptiveAvgPool2d((5, 7))
        >>> m(torch.randn(1, 64, 8, 9, dtype=torch.cfloat)).shape
        torch.Size([1, 64, 5, 7])
        >>> nn.ComplexAdaptiveAvgPool2d(1)(torch.randn(1, 64, 10, 9, dtype=torch.cfloat)).shape
        torch.Size([1, 64, 1, 1])
    """

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        self._check(input)
        check_window(type(self).__name__, input, 2, 1)
        return CF.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class ComplexMaxPool2d(_Pool):
    r"""Applies max pooling by modulus over a complex input image: each window keeps its element of largest :math:`|z|`.

    .. math::
        \text{out}(N_i, C_j, h, w) = z(N_i, C_j, p^*, q^*), \qquad
        (p^*, q^*) = \operatorname{arg\,max}_{(p, q) \in \text{window}(h, w)} |z(N_i, C_j, p, q)|

    so the output keeps the phase of the chosen element. The module form of
    :func:`deepcomplex.functional.max_pool2d`, with the arguments of ``torch.nn.MaxPool2d``; the windows, and with
    ``return_indices=True`` the indices, are those ``torch.nn.MaxPool2d`` gives on :math:`|z|` (flat positions within
    each :math:`(H, W)` plane).

    Args:
        kernel_size (int or tuple): the size of the window.
        stride (int or tuple, optional): the stride of the window. Default: ``kernel_size``
        padding (int or tuple): implicit padding on both sides, never chosen (as torch's :math:`-\infty`
            padding). Default: 0
        dilation (int or tuple): spacing between elements of the window. Default: 1
        return_indices (bool): if ``True``, returns ``(output, indices)``. Default: ``False``
        ceil_mode (bool): if ``True``, uses ceil instead of floor to compute the output size. Default: ``False``

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`, complex.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`, complex, where
          :math:`H_{out} = \lfloor (H_{in} + 2 \, \text{padding}[0] - \text{dilation}[0] \, (k_H - 1) - 1)
          / \text{stride}[0] \rfloor + 1` and likewise :math:`W_{out}`; indices: the same shape, ``torch.int64``.

    Example::

        >>> m = nn.ComplexMaxPool2d(3, stride=2)
        >>> m(torch.randn(20, 16, 50, 32, dtype=torch.cfloat)).shape
        torch.Size([20, 16, 24, 15])
        >>> out, idx = nn.ComplexMaxPool2d(2, return_indices=True)(torch.randn(1, 2, 4, 4, dtype=torch.cfloat))
        >>> out.shape, idx.dtype
        (torch.Size([1, 2, 2, 2]), torch.int64)
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False) -> None:
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation, self.return_indices, self.ceil_mode = padding, dilation, return_indices, ceil_mode

    def forward(self, input: torch.Tensor):
        self._check(input)
        check_window(type(self).__name__, input, 2, self.kernel_size, self.stride, self.padding, self.dilation,
                     ceil_mode=self.ceil_mode)
        return CF.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                             self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class SpectralPool2d(_Pool):
    r"""Applies spectral pooling: keeps the lowest frequencies of the 2-D DFT of each complex plane.

    .. math::
        y = \operatorname{IDFT}_{h w}\!\left(\operatorname{crop}_{h w}\!\left(\frac{1}{H W}
        \operatorname{DFT}_{H W}(x)\right)\right)

    (Rippel, Snoek and Adams, 2015, "Spectral Representations for Convolutional Neural Networks", NeurIPS.)
    The crop keeps the :math:`\lceil h / 2 \rceil` lowest non-negative and the :math:`\lfloor h / 2 \rfloor` negative
    frequencies of each axis, and both transforms use ``norm="forward"``, so the mean of every plane is preserved and
    a signal band-limited to the kept frequencies is resampled exactly. The module form of
    :func:`deepcomplex.functional.spectral_pool2d`.

    Args:
        output_size (int or tuple): the output size :math:`(h, w)`, or one int for a square output; each between 1
            and the input size (else ``ValueError``).

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`, complex.
        - Output: :math:`(N, C, h, w)` or :math:`(C, h, w)`, complex.

    Example::

        >>> m = nn.SpectralPool2d((7, 5))
        >>> m(torch.randn(8, 3, 14, 10, dtype=torch.cfloat)).shape
        torch.Size([8, 3, 7, 5])
        >>> x = torch.full((1, 1, 4, 4), 2 + 1j)
        >>> torch.allclose(nn.SpectralPool2d(2)(x), x[..., :2, :2])
        True
    """

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        self._check(input)
        check_window(type(self).__name__, input, 2, 1)
        return CF.spectral_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
