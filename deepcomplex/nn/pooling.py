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
    """Average pooling of Re and Im of a (N, C, L) complex signal; arguments as torch.nn.AvgPool1d."""
    _nd = 1

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)


class ComplexAvgPool2d(_AvgPoolNd):
    """Average pooling of Re and Im of a (N, C, H, W) complex image; arguments as torch.nn.AvgPool2d."""
    _nd, _fn = 2, staticmethod(CF.avg_pool2d)


class ComplexAvgPool3d(_AvgPoolNd):
    """Average pooling of Re and Im of a (N, C, D, H, W) complex volume; arguments as torch.nn.AvgPool3d."""
    _nd, _fn = 3, staticmethod(CF.avg_pool3d)


class ComplexAdaptiveAvgPool2d(_Pool):
    """Adaptive average pooling of Re and Im to ``output_size``; arguments as torch.nn.AdaptiveAvgPool2d."""

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
    """Max pooling by modulus: each window keeps its complex element of largest |z|; arguments as torch.nn.MaxPool2d.

    With ``return_indices=True`` the indices equal those torch.nn.MaxPool2d returns on |z| (flat within each plane).
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
    """Spectral pooling (Rippel et al., 2015): crop the 2-D DFT of each plane to ``output_size`` and transform back."""

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        self._check(input)
        check_window(type(self).__name__, input, 2, 1)
        return CF.spectral_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
