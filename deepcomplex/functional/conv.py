"""Complex convolution and linear maps: W * h = (A*x - B*y) + i(B*x + A*y) for W = A + iB, h = x + iy.

(Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 1.)
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F

from .._layout import block_kernel, complex_to_interleaved, interleaved_to_complex, unblock_kernel_grad
from .._validation import check_channels, check_complex, check_rank
from .gauss import GaussConvolution, affine, gauss_wanted

_IntOrTuple = Union[int, Sequence[int]]


def _ntuple(value, n: int, what: str) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise ValueError(f"{what} must be an int or a tuple of {n} ints, got {value}")
    return value


class _InterleavedConvolution(torch.autograd.Function):
    """One real convolution over the interleaved [re, im] channel layout with the block kernel [[A, -B], [B, A]].

    Forward and backward both run on zero-copy real views of channels-last complex tensors, so autograd never
    materialises layout conversions; the backward is itself differentiable (double backward works).
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
        ctx.conf = (stride, padding, dilation, transposed, output_padding, groups)
        ctx.has_bias = bias is not None
        ctx.save_for_backward(x, weight)
        xr = complex_to_interleaved(x)
        wr = block_kernel(weight, transposed)
        br = torch.view_as_real(bias).reshape(-1) if bias is not None else None
        yr = torch.convolution(xr, wr, br, stride, padding, dilation, transposed, output_padding, groups)
        return interleaved_to_complex(yr)

    @staticmethod
    def backward(ctx, grad_out):
        x, weight = ctx.saved_tensors
        stride, padding, dilation, transposed, output_padding, groups = ctx.conf
        xr = complex_to_interleaved(x)
        wr = block_kernel(weight, transposed)
        out_channels = wr.shape[1] * groups if transposed else wr.shape[0]
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx, gw, gb = torch.ops.aten.convolution_backward(
            complex_to_interleaved(grad_out), xr, wr, [out_channels], stride, padding, dilation,
            transposed, output_padding, groups, [need_x, need_w, need_b and ctx.has_bias],
        )
        gx = interleaved_to_complex(gx) if need_x else None
        gw = unblock_kernel_grad(gw, transposed) if need_w else None
        gb = torch.view_as_complex(gb.reshape(-1, 2)) if (need_b and ctx.has_bias) else None
        return gx, gw, gb, None, None, None, None, None, None


def _same_padding(kernel: Sequence[int], dilation: Sequence[int]) -> tuple[tuple[int, ...], list[int]]:
    """Symmetric padding and the extra right-side pad (F.pad order) that torch uses for padding='same'."""
    sym, extra = [], []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        sym.append(total // 2)
        extra.append(total - 2 * (total // 2))
    pad = []
    for e in reversed(extra):
        pad += [0, e]
    return tuple(sym), pad


def _convnd(name, nd, input, weight, bias, stride, padding, dilation, groups, transposed=False, output_padding=0):
    """Check the operands and arguments of conv{nd}d / conv_transpose{nd}d (errors name ``name``), then convolve."""
    check_complex(name, input)
    check_complex(f"{name} weight", weight)
    if weight.dtype != input.dtype:
        raise TypeError(f"{name} expects input and weight of the same dtype, got input {input.dtype} and weight "
                        f"{weight.dtype}")
    if bias is not None:
        check_complex(f"{name} bias", bias, weight.dtype)
    if weight.dim() != nd + 2:
        raise ValueError(f"{name} expects a {nd + 2}D weight, got shape {tuple(weight.shape)}")
    check_rank(name, input, (nd + 1, nd + 2), "(unbatched or batched)")
    in_channels = weight.shape[0] if transposed else weight.shape[1] * groups
    check_channels(name, input.shape[-nd - 1], in_channels)
    stride = _ntuple(stride, nd, "stride")
    dilation = _ntuple(dilation, nd, "dilation")
    output_padding = _ntuple(output_padding, nd, "output_padding")
    if isinstance(padding, str):
        if padding == "same" and not transposed:
            if any(s != 1 for s in stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
        elif padding != "valid":
            raise ValueError(f"{name}: padding must be 'valid', 'same' or ints, got {padding!r}")
    else:
        padding = _ntuple(padding, nd, "padding")
    return convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups)


def convolution(input: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor], stride: _IntOrTuple,
                padding: Union[str, _IntOrTuple], dilation: _IntOrTuple, transposed: bool, output_padding: _IntOrTuple,
                groups: int) -> torch.Tensor:
    r"""Apply a complex convolution or transposed convolution of 1 to 3 spatial dims, without checking the operands.

    .. math::
        W * h = (A * x - B * y) + i \, (B * x + A * y), \qquad W = A + iB, \; h = x + iy

    (Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 1), computed as one real convolution with the block
    kernel [[A, -B], [B, A]] on the interleaved real view of the input, or, for the shapes where it was measured
    faster, as one grouped real convolution in Gauss's three-product form (:mod:`deepcomplex.functional.gauss`,
    switched by ``deepcomplex.backends.gauss``). This is the core that :func:`conv1d` ...
    :func:`conv_transpose3d` run once they have checked their operands, as ``torch.convolution`` is for torch: it
    assumes complex ``input``, ``weight`` and ``bias`` of one dtype, a weight of ``nd + 2`` dims (``nd`` is read from
    it), matching channel counts and a valid padding, and gives no clear error otherwise. The complex modules
    (``deepcomplex.nn.ComplexConv2d`` ...) call it after checking their input once.

    Args:
        input (Tensor): complex input, batched (N, C_in, *S) or unbatched (C_in, *S).
        weight (Tensor): complex kernel, (C_out, C_in / groups, *k), or (C_in, C_out / groups, *k) when transposed.
        bias (Tensor, optional): complex bias (C_out,), or None.
        stride (int or tuple): stride of the window.
        padding (int, tuple or str): zero padding on both sides, or ``'valid'`` / ``'same'`` (``'same'`` for
            non-transposed, unstrided convolutions only; an odd total puts the extra sample on the right, as torch).
        dilation (int or tuple): spacing of the kernel elements.
        transposed (bool): a transposed convolution (no conjugation), as ``torch.nn.functional.conv_transpose2d``.
        output_padding (int or tuple): extra size on one side of a transposed convolution's output.
        groups (int): number of blocked connections from input to output channels.

    Shape:
        - Input: :math:`(N, C_{in}, *S)` or :math:`(C_{in}, *S)`, complex.
        - Output: :math:`(N, C_{out}, *S')` or :math:`(C_{out}, *S')`, as the real torch convolution gives, complex
          and channels-last in memory.

    Example::

        >>> from deepcomplex.functional.conv import convolution
        >>> x = torch.randn(2, 3, 8, 8, dtype=torch.cfloat)
        >>> w = torch.randn(4, 3, 3, 3, dtype=torch.cfloat)
        >>> convolution(x, w, None, 1, "same", 1, False, 0, 1).shape
        torch.Size([2, 4, 8, 8])
    """
    nd = weight.dim() - 2
    unbatched = input.dim() == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
    stride = _ntuple(stride, nd, "stride")
    dilation = _ntuple(dilation, nd, "dilation")
    output_padding = _ntuple(output_padding, nd, "output_padding")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same" and not transposed:
            padding, extra = _same_padding(weight.shape[2:], dilation)
            if any(extra):
                input = F.pad(input, extra)
        else:
            raise ValueError(f"convolution: padding must be 'valid', 'same' or ints, got {padding!r}")
    else:
        padding = _ntuple(padding, nd, "padding")
    if nd == 1:  # as a 2-D convolution of height 1: oneDNN's channels-last 2-D path is faster than its 1-D one
        input, weight = input.unsqueeze(2), weight.unsqueeze(2)
        stride, padding, dilation = (1,) + stride, (0,) + tuple(padding), (1,) + dilation
        output_padding = (0,) + output_padding
    conf = (stride, padding, dilation, transposed, output_padding, groups)
    if gauss_wanted("conv", input, weight, groups, transposed):  # three real products instead of four, per shape
        out = GaussConvolution.apply(input, weight, bias, *conf, _InterleavedConvolution.apply)
    else:
        out = _InterleavedConvolution.apply(input, weight, bias, *conf)
    if nd == 1:
        out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride: _IntOrTuple = 1, padding=0, dilation: _IntOrTuple = 1, groups: int = 1):
    r"""Apply a complex 1-D convolution (cross-correlation, as torch) over an input signal of several channels.

    For a weight :math:`W = A + iB` and an input :math:`h = x + iy` (Trabelsi et al., 2018, "Deep Complex Networks",
    ICLR, Eq. 1):

    .. math::
        W * h = (A * x - B * y) + i \, (B * x + A * y)

    computed as one real convolution over the interleaved [Re, Im] channels with the block kernel
    :math:`[[A, -B], [B, A]]`. Same signature as ``torch.nn.functional.conv1d``; no conjugation of the weight.

    Args:
        input (Tensor): complex input, batched :math:`(N, C_{in}, L)` or unbatched :math:`(C_{in}, L)`.
        weight (Tensor): complex filters of the input's dtype, :math:`(C_{out}, C_{in} / \text{groups}, k)`.
        bias (Tensor, optional): complex bias of the weight's dtype, :math:`(C_{out})`. Default: ``None``.
        stride (int or tuple): stride of the convolution. Default: 1.
        padding (int, tuple or str): implicit zero padding on both sides, or ``"valid"`` (none) or ``"same"``
            (output as long as the input; stride 1 only, with torch's extra right pad for even kernels). Default: 0.
        dilation (int or tuple): spacing between kernel elements. Default: 1.
        groups (int): number of blocked connections from input to output channels; :math:`C_{in}` and
            :math:`C_{out}` must be divisible by it. Default: 1.

    Shape:
        - Input: :math:`(N, C_{in}, L_{in})` or :math:`(C_{in}, L_{in})`, complex.
        - Weight: :math:`(C_{out}, C_{in} / \text{groups}, k)`, complex.
        - Output: :math:`(N, C_{out}, L_{out})` or :math:`(C_{out}, L_{out})`, where
          :math:`L_{out} = \lfloor (L_{in} + 2 \, \text{padding} - \text{dilation} \, (k - 1) - 1) / \text{stride}
          \rfloor + 1`.

    Example::

        >>> x = torch.randn(4, 3, 16, dtype=torch.cfloat)
        >>> w = torch.randn(8, 3, 5, dtype=torch.cfloat)
        >>> F.conv1d(x, w).shape
        torch.Size([4, 8, 12])
        >>> F.conv1d(x, w, padding="same").shape
        torch.Size([4, 8, 16])
    """
    return _convnd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride: _IntOrTuple = 1, padding=0, dilation: _IntOrTuple = 1, groups: int = 1):
    r"""Apply a complex 2-D convolution (cross-correlation, as torch) over an input image of several channels.

    For a weight :math:`W = A + iB` and an input :math:`h = x + iy` (Trabelsi et al., 2018, "Deep Complex Networks",
    ICLR, Eq. 1):

    .. math::
        W * h = (A * x - B * y) + i \, (B * x + A * y)

    computed as one real convolution over the interleaved [Re, Im] channels with the block kernel
    :math:`[[A, -B], [B, A]]` (no copy for channels-last input). Same signature as ``torch.nn.functional.conv2d``;
    no conjugation of the weight.

    Args:
        input (Tensor): complex input, batched :math:`(N, C_{in}, H, W)` or unbatched :math:`(C_{in}, H, W)`.
        weight (Tensor): complex filters of the input's dtype, :math:`(C_{out}, C_{in} / \text{groups}, k_H, k_W)`.
        bias (Tensor, optional): complex bias of the weight's dtype, :math:`(C_{out})`. Default: ``None``.
        stride (int or tuple): stride of the convolution. Default: 1.
        padding (int, tuple or str): implicit zero padding on both sides, or ``"valid"`` (none) or ``"same"``
            (output as large as the input; stride 1 only). Default: 0.
        dilation (int or tuple): spacing between kernel elements. Default: 1.
        groups (int): number of blocked connections from input to output channels; :math:`C_{in}` and
            :math:`C_{out}` must be divisible by it. Default: 1.

    Shape:
        - Input: :math:`(N, C_{in}, H_{in}, W_{in})` or :math:`(C_{in}, H_{in}, W_{in})`, complex.
        - Weight: :math:`(C_{out}, C_{in} / \text{groups}, k_H, k_W)`, complex.
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` or :math:`(C_{out}, H_{out}, W_{out})`, where
          :math:`H_{out} = \lfloor (H_{in} + 2 \, \text{padding}[0] - \text{dilation}[0] \, (k_H - 1) - 1)
          / \text{stride}[0] \rfloor + 1` and likewise :math:`W_{out}`.

    Example::

        >>> x = torch.randn(4, 3, 16, 16, dtype=torch.cfloat)
        >>> w = torch.randn(8, 3, 3, 3, dtype=torch.cfloat)
        >>> b = torch.zeros(8, dtype=torch.cfloat)
        >>> F.conv2d(x, w, b, stride=2, padding=1).shape
        torch.Size([4, 8, 8, 8])
    """
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride: _IntOrTuple = 1, padding=0, dilation: _IntOrTuple = 1, groups: int = 1):
    r"""Apply a complex 3-D convolution (cross-correlation, as torch) over an input volume of several channels.

    For a weight :math:`W = A + iB` and an input :math:`h = x + iy` (Trabelsi et al., 2018, "Deep Complex Networks",
    ICLR, Eq. 1):

    .. math::
        W * h = (A * x - B * y) + i \, (B * x + A * y)

    computed as one real convolution over the interleaved [Re, Im] channels with the block kernel
    :math:`[[A, -B], [B, A]]`. Same signature as ``torch.nn.functional.conv3d``; no conjugation of the weight.

    Args:
        input (Tensor): complex input, batched :math:`(N, C_{in}, D, H, W)` or unbatched :math:`(C_{in}, D, H, W)`.
        weight (Tensor): complex filters of the input's dtype,
            :math:`(C_{out}, C_{in} / \text{groups}, k_D, k_H, k_W)`.
        bias (Tensor, optional): complex bias of the weight's dtype, :math:`(C_{out})`. Default: ``None``.
        stride (int or tuple): stride of the convolution. Default: 1.
        padding (int, tuple or str): implicit zero padding on both sides, or ``"valid"`` (none) or ``"same"``
            (output as large as the input; stride 1 only). Default: 0.
        dilation (int or tuple): spacing between kernel elements. Default: 1.
        groups (int): number of blocked connections from input to output channels; :math:`C_{in}` and
            :math:`C_{out}` must be divisible by it. Default: 1.

    Shape:
        - Input: :math:`(N, C_{in}, D_{in}, H_{in}, W_{in})` or :math:`(C_{in}, D_{in}, H_{in}, W_{in})`, complex.
        - Weight: :math:`(C_{out}, C_{in} / \text{groups}, k_D, k_H, k_W)`, complex.
        - Output: :math:`(N, C_{out}, D_{out}, H_{out}, W_{out})` or without :math:`N`, where
          :math:`D_{out} = \lfloor (D_{in} + 2 \, \text{padding}[0] - \text{dilation}[0] \, (k_D - 1) - 1)
          / \text{stride}[0] \rfloor + 1` and likewise :math:`H_{out}`, :math:`W_{out}`.

    Example::

        >>> x = torch.randn(2, 3, 8, 8, 8, dtype=torch.cfloat)
        >>> w = torch.randn(4, 3, 3, 3, 3, dtype=torch.cfloat)
        >>> F.conv3d(x, w).shape
        torch.Size([2, 4, 6, 6, 6])
    """
    return _convnd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    r"""Apply a complex 1-D transposed convolution ("deconvolution") over an input signal of several channels.

    The transpose (not the conjugate transpose) of the linear map of :func:`conv1d`, with the complex product of
    Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 1, for a weight :math:`W = A + iB` and an input
    :math:`h = x + iy`:

    .. math::
        W \star^{T} h = (A \star^{T} x - B \star^{T} y) + i \, (B \star^{T} x + A \star^{T} y)

    with no conjugation of the weight, as torch. Same signature as ``torch.nn.functional.conv_transpose1d``.

    Args:
        input (Tensor): complex input, batched :math:`(N, C_{in}, L)` or unbatched :math:`(C_{in}, L)`.
        weight (Tensor): complex filters of the input's dtype, :math:`(C_{in}, C_{out} / \text{groups}, k)`.
        bias (Tensor, optional): complex bias of the weight's dtype, :math:`(C_{out})`. Default: ``None``.
        stride (int or tuple): stride of the convolution. Default: 1.
        padding (int, tuple or str): ``dilation * (k - 1) - padding`` zero padding is added to both sides of the
            input; ``"valid"`` is 0 (``"same"`` is not supported). Default: 0.
        output_padding (int or tuple): extra size added to one side of the output. Default: 0.
        groups (int): number of blocked connections from input to output channels. Default: 1.
        dilation (int or tuple): spacing between kernel elements. Default: 1.

    Shape:
        - Input: :math:`(N, C_{in}, L_{in})` or :math:`(C_{in}, L_{in})`, complex.
        - Weight: :math:`(C_{in}, C_{out} / \text{groups}, k)`, complex.
        - Output: :math:`(N, C_{out}, L_{out})` or :math:`(C_{out}, L_{out})`, where
          :math:`L_{out} = (L_{in} - 1) \, \text{stride} - 2 \, \text{padding} + \text{dilation} \, (k - 1)
          + \text{output\_padding} + 1`.

    Example::

        >>> x = torch.randn(4, 8, 16, dtype=torch.cfloat)
        >>> w = torch.randn(8, 3, 4, dtype=torch.cfloat)
        >>> F.conv_transpose1d(x, w, stride=2, padding=1).shape
        torch.Size([4, 3, 32])
    """
    return _convnd("conv_transpose1d", 1, input, weight, bias, stride, padding, dilation, groups, True, output_padding)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    r"""Apply a complex 2-D transposed convolution ("deconvolution") over an input image of several channels.

    The transpose (not the conjugate transpose) of the linear map of :func:`conv2d`, with the complex product of
    Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 1, for a weight :math:`W = A + iB` and an input
    :math:`h = x + iy`:

    .. math::
        W \star^{T} h = (A \star^{T} x - B \star^{T} y) + i \, (B \star^{T} x + A \star^{T} y)

    with no conjugation of the weight, as torch. Same signature as ``torch.nn.functional.conv_transpose2d``.

    Args:
        input (Tensor): complex input, batched :math:`(N, C_{in}, H, W)` or unbatched :math:`(C_{in}, H, W)`.
        weight (Tensor): complex filters of the input's dtype, :math:`(C_{in}, C_{out} / \text{groups}, k_H, k_W)`.
        bias (Tensor, optional): complex bias of the weight's dtype, :math:`(C_{out})`. Default: ``None``.
        stride (int or tuple): stride of the convolution. Default: 1.
        padding (int, tuple or str): ``dilation * (k - 1) - padding`` zero padding is added to both sides of each
            spatial dimension of the input; ``"valid"`` is 0 (``"same"`` is not supported). Default: 0.
        output_padding (int or tuple): extra size added to one side of each spatial output dimension. Default: 0.
        groups (int): number of blocked connections from input to output channels. Default: 1.
        dilation (int or tuple): spacing between kernel elements. Default: 1.

    Shape:
        - Input: :math:`(N, C_{in}, H_{in}, W_{in})` or :math:`(C_{in}, H_{in}, W_{in})`, complex.
        - Weight: :math:`(C_{in}, C_{out} / \text{groups}, k_H, k_W)`, complex.
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` or :math:`(C_{out}, H_{out}, W_{out})`, where
          :math:`H_{out} = (H_{in} - 1) \, \text{stride}[0] - 2 \, \text{padding}[0] + \text{dilation}[0] \,
          (k_H - 1) + \text{output\_padding}[0] + 1` and likewise :math:`W_{out}`.

    Example::

        >>> x = torch.randn(4, 8, 7, 7, dtype=torch.cfloat)
        >>> w = torch.randn(8, 3, 4, 4, dtype=torch.cfloat)
        >>> F.conv_transpose2d(x, w, stride=2, padding=1).shape
        torch.Size([4, 3, 14, 14])
    """
    return _convnd("conv_transpose2d", 2, input, weight, bias, stride, padding, dilation, groups, True, output_padding)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    r"""Apply a complex 3-D transposed convolution ("deconvolution") over an input volume of several channels.

    The transpose (not the conjugate transpose) of the linear map of :func:`conv3d`, with the complex product of
    Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 1, for a weight :math:`W = A + iB` and an input
    :math:`h = x + iy`:

    .. math::
        W \star^{T} h = (A \star^{T} x - B \star^{T} y) + i \, (B \star^{T} x + A \star^{T} y)

    with no conjugation of the weight, as torch. Same signature as ``torch.nn.functional.conv_transpose3d``.

    Args:
        input (Tensor): complex input, batched :math:`(N, C_{in}, D, H, W)` or unbatched :math:`(C_{in}, D, H, W)`.
        weight (Tensor): complex filters of the input's dtype,
            :math:`(C_{in}, C_{out} / \text{groups}, k_D, k_H, k_W)`.
        bias (Tensor, optional): complex bias of the weight's dtype, :math:`(C_{out})`. Default: ``None``.
        stride (int or tuple): stride of the convolution. Default: 1.
        padding (int, tuple or str): ``dilation * (k - 1) - padding`` zero padding is added to both sides of each
            spatial dimension of the input; ``"valid"`` is 0 (``"same"`` is not supported). Default: 0.
        output_padding (int or tuple): extra size added to one side of each spatial output dimension. Default: 0.
        groups (int): number of blocked connections from input to output channels. Default: 1.
        dilation (int or tuple): spacing between kernel elements. Default: 1.

    Shape:
        - Input: :math:`(N, C_{in}, D_{in}, H_{in}, W_{in})` or :math:`(C_{in}, D_{in}, H_{in}, W_{in})`, complex.
        - Weight: :math:`(C_{in}, C_{out} / \text{groups}, k_D, k_H, k_W)`, complex.
        - Output: :math:`(N, C_{out}, D_{out}, H_{out}, W_{out})` or without :math:`N`, where
          :math:`D_{out} = (D_{in} - 1) \, \text{stride}[0] - 2 \, \text{padding}[0] + \text{dilation}[0] \,
          (k_D - 1) + \text{output\_padding}[0] + 1` and likewise :math:`H_{out}`, :math:`W_{out}`.

    Example::

        >>> x = torch.randn(2, 8, 4, 4, 4, dtype=torch.cfloat)
        >>> w = torch.randn(8, 3, 2, 2, 2, dtype=torch.cfloat)
        >>> F.conv_transpose3d(x, w, stride=2).shape
        torch.Size([2, 3, 8, 8, 8])
    """
    return _convnd("conv_transpose3d", 3, input, weight, bias, stride, padding, dilation, groups, True, output_padding)


def linear(input, weight, bias=None):
    r"""Apply a complex affine map to the last dimension of the input (no conjugation of the weight).

    .. math::
        y = x W^{T} + b

    with complex products, i.e. for :math:`W = A + iB` and :math:`x = u + iv`:
    :math:`y = (u A^T - v B^T) + i (u B^T + v A^T) + b` (the dense case of Trabelsi et al., 2018, "Deep Complex
    Networks", ICLR, Eq. 1). Same signature as ``torch.nn.functional.linear``.

    Args:
        input (Tensor): complex input whose last dimension holds the :math:`H_{in}` features.
        weight (Tensor): complex weight of the input's dtype, :math:`(H_{out}, H_{in})`.
        bias (Tensor, optional): complex bias of the weight's dtype, :math:`(H_{out})`. Default: ``None``.

    Shape:
        - Input: :math:`(*, H_{in})`, complex, at least 1 dimension.
        - Weight: :math:`(H_{out}, H_{in})`, complex.
        - Output: :math:`(*, H_{out})`.

    Example::

        >>> x = torch.randn(5, 20, dtype=torch.cfloat)
        >>> w = torch.randn(30, 20, dtype=torch.cfloat)
        >>> F.linear(x, w, torch.zeros(30, dtype=torch.cfloat)).shape
        torch.Size([5, 30])
    """
    check_complex("linear", input)
    check_complex("linear weight", weight)
    if weight.dtype != input.dtype:
        raise TypeError(f"linear expects input and weight of the same dtype, got input {input.dtype} and weight "
                        f"{weight.dtype}")
    if bias is not None:
        check_complex("linear bias", bias, weight.dtype)
    if input.dim() == 0:
        raise ValueError("linear expects an input of at least 1 dimension (*, in_features), got a 0D tensor")
    check_channels("linear", input.shape[-1], weight.shape[-1], "input features (last dimension)")
    return affine(input, weight, bias)
