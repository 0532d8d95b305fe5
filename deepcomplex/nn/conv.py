"""Complex convolution modules (Trabelsi et al., Eq. 1), thin wrappers over deepcomplex.functional."""
from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F
from torch import nn

from .. import functional as CF
from .. import init as cinit
from .._validation import check_window, check_channels, check_complex, check_rank
from ._utils import KindPreservingModule, complex_dtype

_Size = Union[int, Sequence[int]]


def _tuple(v, n: int) -> tuple[int, ...]:
    return (v,) * n if isinstance(v, int) else tuple(v)


class _ComplexConvNd(KindPreservingModule):
    _nd = 0
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: _Size, stride: _Size = 1,
                 padding: Union[str, _Size] = 0, dilation: _Size = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", output_padding: _Size = 0, device=None, dtype=None) -> None:
        super().__init__()
        name, nd = type(self).__name__, self._nd
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must be divisible by groups ({groups})")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"{name}: padding_mode must be 'zeros', 'reflect', 'replicate' or 'circular', got {padding_mode!r}")
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.dilation = _tuple(kernel_size, nd), _tuple(stride, nd), _tuple(dilation, nd)
        self.output_padding = _tuple(output_padding, nd)
        if isinstance(padding, str):
            if padding not in ("same", "valid") or (padding == "same" and self._transposed):
                raise ValueError(f"{name}: invalid padding string {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _tuple(padding, nd)
        self.padding_mode = padding_mode
        dtype = complex_dtype(name, dtype)
        shape = ((in_channels, out_channels // groups) if self._transposed else (out_channels, in_channels // groups))
        self.weight = nn.Parameter(torch.empty(*shape, *self.kernel_size, device=device, dtype=dtype))
        self.bias = nn.Parameter(torch.empty(out_channels, device=device, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Paper default (Trabelsi et al., Sec. 3.6): Rayleigh modulus, uniform phase, He criterion; zero bias."""
        cinit.complex_rayleigh_(self.weight, "he", transposed=self._transposed, groups=self.groups)
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def _check(self, input: torch.Tensor) -> None:
        name = type(self).__name__
        check_complex(name, input, self.weight.dtype)
        check_rank(name, input, (self._nd + 1, self._nd + 2), "(unbatched or batched)")
        check_channels(name, input.shape[-self._nd - 1], self.in_channels)
        check_window(name, input, self._nd, self.kernel_size, self.stride, self.padding, self.dilation, self._transposed)
        sizes = [n for n in reversed(input.shape[-self._nd:]) for _ in range(2)]  # F.pad order: last dim first
        if self.padding_mode == "reflect" and any(p >= n for p, n in zip(self._pad_amounts(), sizes)):
            raise ValueError(f"{name}: padding_mode='reflect' needs every padding smaller than its input dimension, got "
                             f"padding {self.padding} for input of shape {tuple(input.shape)}")

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode!r}"
        return s + f", dtype={self.weight.dtype}"


class _ComplexConvForward(_ComplexConvNd):
    _fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size: _Size, stride: _Size = 1,
                 padding: Union[str, _Size] = 0, dilation: _Size = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, 0, device, dtype)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        self._check(input)
        padding = self.padding
        if self.padding_mode != "zeros":
            input = F.pad(input, self._pad_amounts(), mode=self.padding_mode)
            padding = 0
        return type(self)._fn(input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def _pad_amounts(self) -> list[int]:
        """Left/right pad per spatial dim in F.pad order (last dim first), 'same' split as torch does."""
        pad = []
        for i in reversed(range(self._nd)):
            if self.padding == "same":
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                pad += [total // 2, total - total // 2]
            elif self.padding == "valid":
                pad += [0, 0]
            else:
                pad += [self.padding[i], self.padding[i]]
        return pad


class ComplexConv1d(_ComplexConvForward):
    """Complex 1-D convolution over (N, C, L) complex input (Trabelsi et al., Eq. 1); arguments as torch.nn.Conv1d."""
    _nd, _fn = 1, staticmethod(CF.conv1d)


class ComplexConv2d(_ComplexConvForward):
    """Complex 2-D convolution over (N, C, H, W) complex input (Trabelsi et al., Eq. 1); arguments as torch.nn.Conv2d.

    Internally one real convolution with the block kernel [[A, -B], [B, A]] runs on the interleaved real view of a
    channels-last tensor; the output is a complex tensor in channels-last memory format (a layout the next complex
    layer consumes without a copy). Weights default to the paper's Rayleigh/He init, biases to zero.
    """
    _nd, _fn = 2, staticmethod(CF.conv2d)


class ComplexConv3d(_ComplexConvForward):
    """Complex 3-D convolution over (N, C, D, H, W) complex input (Trabelsi et al., Eq. 1); arguments as torch.nn.Conv3d."""
    _nd, _fn = 3, staticmethod(CF.conv3d)


class _ComplexConvTransposeNd(_ComplexConvNd):
    _transposed = True
    _fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size: _Size, stride: _Size = 1,
                 padding: _Size = 0, output_padding: _Size = 0, groups: int = 1, bias: bool = True,
                 dilation: _Size = 1, padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, device, dtype)

    def forward(self, input: torch.Tensor, output_size: Optional[Sequence[int]] = None) -> torch.Tensor:
        self._check(input)
        output_padding = self._output_padding(input, output_size)
        return type(self)._fn(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                              self.groups, self.dilation)

    def _output_padding(self, input: torch.Tensor, output_size: Optional[Sequence[int]]) -> tuple[int, ...]:
        """The output_padding that yields ``output_size`` (as torch.nn.ConvTransposeNd.forward(input, output_size))."""
        if output_size is None:
            return self.output_padding
        nd = self._nd
        output_size = list(output_size)
        if len(output_size) not in (nd, nd + 2):
            raise ValueError(f"{type(self).__name__}: output_size must have {nd} or {nd + 2} elements, got {len(output_size)}")
        output_size = output_size[-nd:]
        pads = []
        for d in range(nd):
            size_in = input.shape[input.dim() - nd + d]
            smallest = ((size_in - 1) * self.stride[d] - 2 * self.padding[d]
                        + self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            extra = output_size[d] - smallest
            if not 0 <= extra < self.stride[d]:  # the range torch.nn.ConvTransposeNd accepts
                raise ValueError(f"{type(self).__name__}: requested an output size of {output_size}, but valid sizes "
                                 f"range from {smallest} to {smallest + self.stride[d] - 1} in dim {d}")
            pads.append(extra)
        return tuple(pads)


class ComplexConvTranspose1d(_ComplexConvTransposeNd):
    """Complex 1-D transposed convolution (the transpose of ComplexConv1d, no conjugation); arguments as torch.nn.ConvTranspose1d."""
    _nd, _fn = 1, staticmethod(CF.conv_transpose1d)


class ComplexConvTranspose2d(_ComplexConvTransposeNd):
    """Complex 2-D transposed convolution (the transpose of ComplexConv2d, no conjugation); arguments as torch.nn.ConvTranspose2d."""
    _nd, _fn = 2, staticmethod(CF.conv_transpose2d)


class ComplexConvTranspose3d(_ComplexConvTransposeNd):
    """Complex 3-D transposed convolution (the transpose of ComplexConv3d, no conjugation); arguments as torch.nn.ConvTranspose3d."""
    _nd, _fn = 3, staticmethod(CF.conv_transpose3d)
