"""Complex convolution modules (Trabelsi et al., Eq. 1), thin wrappers over deepcomplex.functional."""
from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F
from torch import nn

from .. import init as cinit
from .._validation import check_window, check_channels, check_complex, check_rank
from ..functional.conv import convolution
from .module import KindPreservingModule, complex_dtype

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
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must be divisible "
                             f"by groups ({groups})")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"{name}: padding_mode must be 'zeros', 'reflect', 'replicate' or 'circular', got "
                             f"{padding_mode!r}")
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
        # the one check of the input per forward (functional.conv.convolution checks nothing); parameters are
        # checked when built
        name = type(self).__name__
        check_complex(name, input, self.weight.dtype)
        check_rank(name, input, (self._nd + 1, self._nd + 2), "(unbatched or batched)")
        check_channels(name, input.shape[-self._nd - 1], self.in_channels)
        check_window(name, input, self._nd, self.kernel_size, self.stride, self.padding, self.dilation,
                     self._transposed)
        sizes = [n for n in reversed(input.shape[-self._nd:]) for _ in range(2)]  # F.pad order: last dim first
        if self.padding_mode == "reflect" and any(p >= n for p, n in zip(self._pad_amounts(), sizes)):
            raise ValueError(f"{name}: padding_mode='reflect' needs every padding smaller than its input dimension, "
                             f"got padding {self.padding} for input of shape {tuple(input.shape)}")

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
        return convolution(input, self.weight, self.bias, self.stride, padding, self.dilation, False,
                           self.output_padding, self.groups)

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
    r"""Applies a complex 1-D convolution over a complex input signal of several channels.

    For a weight :math:`W = A + iB` and an input :math:`h = x + iy` (Trabelsi et al., 2018, "Deep Complex Networks",
    ICLR, Eq. 1), with :math:`*` torch's cross-correlation:

    .. math::
        \text{out}(N_i, C_{out_j}) = \text{bias}(C_{out_j}) + \sum_{k=0}^{C_{in}-1} W(C_{out_j}, k) * h(N_i, k),
        \qquad W * h = (A * x - B * y) + i \, (B * x + A * y)

    The module form of :func:`deepcomplex.functional.conv1d`, with the arguments of ``torch.nn.Conv1d``; no
    conjugation of the weight.

    Args:
        in_channels (int): number of complex channels :math:`C_{in}` of the input.
        out_channels (int): number of complex channels :math:`C_{out}` of the output.
        kernel_size (int or tuple): size :math:`k` of the convolving kernel.
        stride (int or tuple): stride of the convolution. Default: 1
        padding (int, tuple or str): padding added to both sides of the input, or ``"valid"`` (none) or ``"same"``
            (output as long as the input; stride 1 only, an odd total split as torch does). Default: 0
        dilation (int or tuple): spacing between kernel elements. Default: 1
        groups (int): number of blocked connections from input to output channels; :math:`C_{in}` and
            :math:`C_{out}` must be divisible by it. Default: 1
        bias (bool): if ``True``, adds a learnable complex bias to the output. Default: ``True``
        padding_mode (str): ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"`` (reflect needs every
            padding smaller than its input dimension). Default: ``"zeros"``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``; the input must have this dtype.
            Default: the complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(N, C_{in}, L_{in})` or :math:`(C_{in}, L_{in})`, complex.
        - Output: :math:`(N, C_{out}, L_{out})` or :math:`(C_{out}, L_{out})`, complex, where
          :math:`L_{out} = \lfloor (L_{in} + 2 \, \text{padding} - \text{dilation} \, (k - 1) - 1) / \text{stride}
          \rfloor + 1`.

    Attributes:
        weight (Tensor): complex learnable weight of shape :math:`(C_{out}, C_{in} / \text{groups}, k)`, drawn with
            Rayleigh modulus and uniform phase under the He criterion, :math:`E|W|^2 = 2 / \text{fan\_in}` with
            :math:`\text{fan\_in} = C_{in} / \text{groups} \cdot k` (Trabelsi et al., 2018, Sec. 3.6).
        bias (Tensor): complex learnable bias of shape :math:`(C_{out})`, initialised to 0; ``None`` if
            ``bias=False``.

    Example::

        >>> m = nn.ComplexConv1d(16, 33, 3, stride=2)
        >>> m(torch.randn(20, 16, 50, dtype=torch.cfloat)).shape
        torch.Size([20, 33, 24])
        >>> m.weight.dtype
        torch.complex64
    """
    _nd = 1


class ComplexConv2d(_ComplexConvForward):
    r"""Applies a complex 2-D convolution over a complex input image of several channels.

    For a weight :math:`W = A + iB` and an input :math:`h = x + iy` (Trabelsi et al., 2018, "Deep Complex Networks",
    ICLR, Eq. 1), with :math:`*` torch's 2-D cross-correlation:

    .. math::
        \text{out}(N_i, C_{out_j}) = \text{bias}(C_{out_j}) + \sum_{k=0}^{C_{in}-1} W(C_{out_j}, k) * h(N_i, k),
        \qquad W * h = (A * x - B * y) + i \, (B * x + A * y)

    The module form of :func:`deepcomplex.functional.conv2d`, with the arguments of ``torch.nn.Conv2d``; no
    conjugation of the weight. Internally one real convolution with the block kernel :math:`[[A, -B], [B, A]]` runs
    on the interleaved real view of a channels-last tensor; the output is a complex tensor in channels-last memory
    format (a layout the next complex layer consumes without a copy).

    Args:
        in_channels (int): number of complex channels :math:`C_{in}` of the input.
        out_channels (int): number of complex channels :math:`C_{out}` of the output.
        kernel_size (int or tuple): size :math:`(k_H, k_W)` of the convolving kernel.
        stride (int or tuple): stride of the convolution. Default: 1
        padding (int, tuple or str): padding added to all four sides of the input, or ``"valid"`` (none) or
            ``"same"`` (output as large as the input; stride 1 only, an odd total split as torch does). Default: 0
        dilation (int or tuple): spacing between kernel elements. Default: 1
        groups (int): number of blocked connections from input to output channels; :math:`C_{in}` and
            :math:`C_{out}` must be divisible by it. Default: 1
        bias (bool): if ``True``, adds a learnable complex bias to the output. Default: ``True``
        padding_mode (str): ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"`` (reflect needs every
            padding smaller than its input dimension). Default: ``"zeros"``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``; the input must have this dtype.
            Default: the complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(N, C_{in}, H_{in}, W_{in})` or :math:`(C_{in}, H_{in}, W_{in})`, complex.
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` or :math:`(C_{out}, H_{out}, W_{out})`, complex, where
          :math:`H_{out} = \lfloor (H_{in} + 2 \, \text{padding}[0] - \text{dilation}[0] \, (k_H - 1) - 1)
          / \text{stride}[0] \rfloor + 1` and likewise :math:`W_{out}`.

    Attributes:
        weight (Tensor): complex learnable weight of shape :math:`(C_{out}, C_{in} / \text{groups}, k_H, k_W)`,
            drawn with Rayleigh modulus and uniform phase under the He criterion, :math:`E|W|^2 = 2 / \text{fan\_in}`
            with :math:`\text{fan\_in} = C_{in} / \text{groups} \cdot k_H k_W` (Trabelsi et al., 2018, Sec. 3.6).
        bias (Tensor): complex learnable bias of shape :math:`(C_{out})`, initialised to 0; ``None`` if
            ``bias=False``.

    Example::

        >>> m = nn.ComplexConv2d(16, 33, 3, stride=2)
        >>> m(torch.randn(20, 16, 50, 100, dtype=torch.cfloat)).shape
        torch.Size([20, 33, 24, 49])
        >>> m = nn.ComplexConv2d(16, 33, (3, 5), padding="same", padding_mode="circular", dtype=torch.complex128)
        >>> m(torch.randn(20, 16, 50, 100, dtype=torch.cdouble)).shape
        torch.Size([20, 33, 50, 100])
    """
    _nd = 2


class ComplexConv3d(_ComplexConvForward):
    r"""Applies a complex 3-D convolution over a complex input volume of several channels.

    For a weight :math:`W = A + iB` and an input :math:`h = x + iy` (Trabelsi et al., 2018, "Deep Complex Networks",
    ICLR, Eq. 1), with :math:`*` torch's 3-D cross-correlation:

    .. math::
        \text{out}(N_i, C_{out_j}) = \text{bias}(C_{out_j}) + \sum_{k=0}^{C_{in}-1} W(C_{out_j}, k) * h(N_i, k),
        \qquad W * h = (A * x - B * y) + i \, (B * x + A * y)

    The module form of :func:`deepcomplex.functional.conv3d`, with the arguments of ``torch.nn.Conv3d``; no
    conjugation of the weight.

    Args:
        in_channels (int): number of complex channels :math:`C_{in}` of the input.
        out_channels (int): number of complex channels :math:`C_{out}` of the output.
        kernel_size (int or tuple): size :math:`(k_D, k_H, k_W)` of the convolving kernel.
        stride (int or tuple): stride of the convolution. Default: 1
        padding (int, tuple or str): padding added to all six sides of the input, or ``"valid"`` (none) or
            ``"same"`` (output as large as the input; stride 1 only, an odd total split as torch does). Default: 0
        dilation (int or tuple): spacing between kernel elements. Default: 1
        groups (int): number of blocked connections from input to output channels; :math:`C_{in}` and
            :math:`C_{out}` must be divisible by it. Default: 1
        bias (bool): if ``True``, adds a learnable complex bias to the output. Default: ``True``
        padding_mode (str): ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"`` (reflect needs every
            padding smaller than its input dimension). Default: ``"zeros"``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``; the input must have this dtype.
            Default: the complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(N, C_{in}, D_{in}, H_{in}, W_{in})` or :math:`(C_{in}, D_{in}, H_{in}, W_{in})`, complex.
        - Output: :math:`(N, C_{out}, D_{out}, H_{out}, W_{out})` or :math:`(C_{out}, D_{out}, H_{out}, W_{out})`,
          complex, where :math:`D_{out} = \lfloor (D_{in} + 2 \, \text{padding}[0] - \text{dilation}[0] \,
          (k_D - 1) - 1) / \text{stride}[0] \rfloor + 1` and likewise :math:`H_{out}`, :math:`W_{out}`.

    Attributes:
        weight (Tensor): complex learnable weight of shape :math:`(C_{out}, C_{in} / \text{groups}, k_D, k_H, k_W)`,
            drawn with Rayleigh modulus and uniform phase under the He criterion, :math:`E|W|^2 = 2 / \text{fan\_in}`
            with :math:`\text{fan\_in} = C_{in} / \text{groups} \cdot k_D k_H k_W` (Trabelsi et al., 2018,
            Sec. 3.6).
        bias (Tensor): complex learnable bias of shape :math:`(C_{out})`, initialised to 0; ``None`` if
            ``bias=False``.

    Example::

        >>> m = nn.ComplexConv3d(4, 8, 3, stride=(1, 2, 2))
        >>> m(torch.randn(2, 4, 6, 10, 10, dtype=torch.cfloat)).shape
        torch.Size([2, 8, 4, 4, 4])
    """
    _nd = 3


class _ComplexConvTransposeNd(_ComplexConvNd):
    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: _Size, stride: _Size = 1,
                 padding: _Size = 0, output_padding: _Size = 0, groups: int = 1, bias: bool = True,
                 dilation: _Size = 1, padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, device, dtype)

    def forward(self, input: torch.Tensor, output_size: Optional[Sequence[int]] = None) -> torch.Tensor:
        self._check(input)
        output_padding = self._output_padding(input, output_size)
        return convolution(input, self.weight, self.bias, self.stride, self.padding, self.dilation, True,
                           output_padding, self.groups)

    def _output_padding(self, input: torch.Tensor, output_size: Optional[Sequence[int]]) -> tuple[int, ...]:
        """The output_padding that yields ``output_size`` (as torch.nn.ConvTransposeNd.forward(input, output_size))."""
        if output_size is None:
            return self.output_padding
        nd = self._nd
        output_size = list(output_size)
        if len(output_size) not in (nd, nd + 2):
            raise ValueError(f"{type(self).__name__}: output_size must have {nd} or {nd + 2} elements, got "
                             f"{len(output_size)}")
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
    r"""Applies a complex 1-D transposed convolution ("deconvolution") over a complex input signal.

    The transpose (not the conjugate transpose) of the map of :class:`ComplexConv1d`, with the complex product of
    Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 1, for :math:`W = A + iB` and :math:`h = x + iy`:

    .. math::
        W \star^{T} h = (A \star^{T} x - B \star^{T} y) + i \, (B \star^{T} x + A \star^{T} y)

    The module form of :func:`deepcomplex.functional.conv_transpose1d`, with the arguments of
    ``torch.nn.ConvTranspose1d``; ``forward(input, output_size=None)`` picks the output padding that gives
    ``output_size`` (``(L_out,)`` or ``(N, C_out, L_out)``), as torch does.

    Args:
        in_channels (int): number of complex channels :math:`C_{in}` of the input.
        out_channels (int): number of complex channels :math:`C_{out}` of the output.
        kernel_size (int or tuple): size :math:`k` of the convolving kernel.
        stride (int or tuple): stride of the convolution. Default: 1
        padding (int or tuple): ``dilation * (k - 1) - padding`` zero padding is added to both sides of the input.
            Default: 0
        output_padding (int or tuple): extra size added to one side of the output (smaller than stride or
            dilation). Default: 0
        groups (int): number of blocked connections from input to output channels. Default: 1
        bias (bool): if ``True``, adds a learnable complex bias to the output. Default: ``True``
        dilation (int or tuple): spacing between kernel elements. Default: 1
        padding_mode (str): only ``"zeros"`` is supported. Default: ``"zeros"``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``; the input must have this dtype.
            Default: the complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(N, C_{in}, L_{in})` or :math:`(C_{in}, L_{in})`, complex.
        - Output: :math:`(N, C_{out}, L_{out})` or :math:`(C_{out}, L_{out})`, complex, where
          :math:`L_{out} = (L_{in} - 1) \, \text{stride} - 2 \, \text{padding} + \text{dilation} \, (k - 1)
          + \text{output\_padding} + 1`.

    Attributes:
        weight (Tensor): complex learnable weight of shape :math:`(C_{in}, C_{out} / \text{groups}, k)`, Rayleigh/He
            init with :math:`\text{fan\_in} = C_{in} / \text{groups} \cdot k` (Trabelsi et al., 2018, Sec. 3.6).
        bias (Tensor): complex learnable bias :math:`(C_{out})`, initialised to 0; ``None`` if ``bias=False``.

    Example::

        >>> m = nn.ComplexConvTranspose1d(16, 8, 3, stride=2, padding=1)
        >>> x = torch.randn(4, 16, 10, dtype=torch.cfloat)
        >>> m(x).shape
        torch.Size([4, 8, 19])
        >>> m(x, output_size=[20]).shape
        torch.Size([4, 8, 20])
    """
    _nd = 1


class ComplexConvTranspose2d(_ComplexConvTransposeNd):
    r"""Applies a complex 2-D transposed convolution ("deconvolution") over a complex input image.

    The transpose (not the conjugate transpose) of the map of :class:`ComplexConv2d`, with the complex product of
    Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 1, for :math:`W = A + iB` and :math:`h = x + iy`:

    .. math::
        W \star^{T} h = (A \star^{T} x - B \star^{T} y) + i \, (B \star^{T} x + A \star^{T} y)

    The module form of :func:`deepcomplex.functional.conv_transpose2d`, with the arguments of
    ``torch.nn.ConvTranspose2d``; ``forward(input, output_size=None)`` picks the output padding that gives
    ``output_size`` (``(H_out, W_out)`` or ``(N, C_out, H_out, W_out)``), as torch does.

    Args:
        in_channels (int): number of complex channels :math:`C_{in}` of the input.
        out_channels (int): number of complex channels :math:`C_{out}` of the output.
        kernel_size (int or tuple): size :math:`(k_H, k_W)` of the convolving kernel.
        stride (int or tuple): stride of the convolution. Default: 1
        padding (int or tuple): ``dilation * (k - 1) - padding`` zero padding is added to both sides of each
            spatial dimension of the input. Default: 0
        output_padding (int or tuple): extra size added to one side of each spatial dimension of the output
            (smaller than stride or dilation). Default: 0
        groups (int): number of blocked connections from input to output channels. Default: 1
        bias (bool): if ``True``, adds a learnable complex bias to the output. Default: ``True``
        dilation (int or tuple): spacing between kernel elements. Default: 1
        padding_mode (str): only ``"zeros"`` is supported. Default: ``"zeros"``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``; the input must have this dtype.
            Default: the complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(N, C_{in}, H_{in}, W_{in})` or :math:`(C_{in}, H_{in}, W_{in})`, complex.
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` or :math:`(C_{out}, H_{out}, W_{out})`, complex, where
          :math:`H_{out} = (H_{in} - 1) \, \text{stride}[0] - 2 \, \text{padding}[0] + \text{dilation}[0] \,
          (k_H - 1) + \text{output\_padding}[0] + 1` and likewise :math:`W_{out}`.

    Attributes:
        weight (Tensor): complex learnable weight of shape :math:`(C_{in}, C_{out} / \text{groups}, k_H, k_W)`,
            Rayleigh/He init with :math:`\text{fan\_in} = C_{in} / \text{groups} \cdot k_H k_W` (Trabelsi et al.,
            2018, Sec. 3.6).
        bias (Tensor): complex learnable bias :math:`(C_{out})`, initialised to 0; ``None`` if ``bias=False``.

    Example::

        >>> m = nn.ComplexConvTranspose2d(16, 8, 3, stride=2, padding=1)
        >>> x = torch.randn(4, 16, 12, 12, dtype=torch.cfloat)
        >>> m(x).shape
        torch.Size([4, 8, 23, 23])
        >>> m(x, output_size=[24, 24]).shape
        torch.Size([4, 8, 24, 24])
    """
    _nd = 2


class ComplexConvTranspose3d(_ComplexConvTransposeNd):
    r"""Applies a complex 3-D transposed convolution ("deconvolution") over a complex input volume.

    The transpose (not the conjugate transpose) of the map of :class:`ComplexConv3d`, with the complex product of
    Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 1, for :math:`W = A + iB` and :math:`h = x + iy`:

    .. math::
        W \star^{T} h = (A \star^{T} x - B \star^{T} y) + i \, (B \star^{T} x + A \star^{T} y)

    The module form of :func:`deepcomplex.functional.conv_transpose3d`, with the arguments of
    ``torch.nn.ConvTranspose3d``; ``forward(input, output_size=None)`` picks the output padding that gives
    ``output_size`` (``(D_out, H_out, W_out)`` or with ``N, C_out`` in front), as torch does.

    Args:
        in_channels (int): number of complex channels :math:`C_{in}` of the input.
        out_channels (int): number of complex channels :math:`C_{out}` of the output.
        kernel_size (int or tuple): size :math:`(k_D, k_H, k_W)` of the convolving kernel.
        stride (int or tuple): stride of the convolution. Default: 1
        padding (int or tuple): ``dilation * (k - 1) - padding`` zero padding is added to both sides of each
            spatial dimension of the input. Default: 0
        output_padding (int or tuple): extra size added to one side of each spatial dimension of the output
            (smaller than stride or dilation). Default: 0
        groups (int): number of blocked connections from input to output channels. Default: 1
        bias (bool): if ``True``, adds a learnable complex bias to the output. Default: ``True``
        dilation (int or tuple): spacing between kernel elements. Default: 1
        padding_mode (str): only ``"zeros"`` is supported. Default: ``"zeros"``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``; the input must have this dtype.
            Default: the complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(N, C_{in}, D_{in}, H_{in}, W_{in})` or :math:`(C_{in}, D_{in}, H_{in}, W_{in})`, complex.
        - Output: :math:`(N, C_{out}, D_{out}, H_{out}, W_{out})` or :math:`(C_{out}, D_{out}, H_{out}, W_{out})`,
          complex, where :math:`D_{out} = (D_{in} - 1) \, \text{stride}[0] - 2 \, \text{padding}[0]
          + \text{dilation}[0] \, (k_D - 1) + \text{output\_padding}[0] + 1` and likewise :math:`H_{out}, W_{out}`.

    Attributes:
        weight (Tensor): complex learnable weight of shape :math:`(C_{in}, C_{out} / \text{groups}, k_D, k_H, k_W)`,
            Rayleigh/He init with :math:`\text{fan\_in} = C_{in} / \text{groups} \cdot k_D k_H k_W` (Trabelsi et
            al., 2018, Sec. 3.6).
        bias (Tensor): complex learnable bias :math:`(C_{out})`, initialised to 0; ``None`` if ``bias=False``.

    Example::

        >>> m = nn.ComplexConvTranspose3d(4, 2, 3, stride=2)
        >>> m(torch.randn(2, 4, 3, 5, 5, dtype=torch.cfloat)).shape
        torch.Size([2, 2, 7, 11, 11])
    """
    _nd = 3
