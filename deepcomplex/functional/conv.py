"""Complex convolution and linear maps: W * h = (A*x - B*y) + i(B*x + A*y) for W = A + iB, h = x + iy (Trabelsi et al., Eq. 1)."""
from __future__ import annotations

from typing import Sequence, Union

import torch
import torch.nn.functional as F

from .._layout import block_kernel, complex_to_interleaved, interleaved_to_complex, unblock_kernel_grad
from .._validation import check_channels, check_complex, check_rank

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
    check_complex(name, input)
    check_complex(f"{name} weight", weight)
    if weight.dtype != input.dtype:
        raise TypeError(f"{name} expects input and weight of the same dtype, got input {input.dtype} and weight {weight.dtype}")
    if bias is not None:
        check_complex(f"{name} bias", bias, weight.dtype)
    if weight.dim() != nd + 2:
        raise ValueError(f"{name} expects a {nd + 2}D weight, got shape {tuple(weight.shape)}")
    check_rank(name, input, (nd + 1, nd + 2), "(unbatched or batched)")
    unbatched = input.dim() == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
    in_channels = weight.shape[0] if transposed else weight.shape[1] * groups
    check_channels(name, input.shape[1], in_channels)
    stride = _ntuple(stride, nd, "stride")
    dilation = _ntuple(dilation, nd, "dilation")
    output_padding = _ntuple(output_padding, nd, "output_padding")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same" and not transposed:
            if any(s != 1 for s in stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
            padding, extra = _same_padding(weight.shape[2:], dilation)
            if any(extra):
                input = F.pad(input, extra)
        else:
            raise ValueError(f"{name}: padding must be 'valid', 'same' or ints, got {padding!r}")
    else:
        padding = _ntuple(padding, nd, "padding")
    if nd == 1:  # as a 2-D convolution of height 1: oneDNN's channels-last 2-D path is ~1.7x its 1-D one here
        out = _InterleavedConvolution.apply(input.unsqueeze(2), weight.unsqueeze(2), bias, (1,) + stride,
                                            (0,) + tuple(padding), (1,) + dilation, transposed, (0,) + output_padding,
                                            groups).squeeze(2)
    else:
        out = _InterleavedConvolution.apply(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                                            groups)
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride: _IntOrTuple = 1, padding=0, dilation: _IntOrTuple = 1, groups: int = 1):
    """Complex 1-D convolution (cross-correlation as in torch), same signature as torch.nn.functional.conv1d."""
    return _convnd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride: _IntOrTuple = 1, padding=0, dilation: _IntOrTuple = 1, groups: int = 1):
    """Complex 2-D convolution, same signature as torch.nn.functional.conv2d."""
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride: _IntOrTuple = 1, padding=0, dilation: _IntOrTuple = 1, groups: int = 1):
    """Complex 3-D convolution, same signature as torch.nn.functional.conv3d."""
    return _convnd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Complex 1-D transposed convolution (no conjugation, as torch), same signature as torch.nn.functional.conv_transpose1d."""
    return _convnd("conv_transpose1d", 1, input, weight, bias, stride, padding, dilation, groups, True, output_padding)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Complex 2-D transposed convolution, same signature as torch.nn.functional.conv_transpose2d."""
    return _convnd("conv_transpose2d", 2, input, weight, bias, stride, padding, dilation, groups, True, output_padding)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Complex 3-D transposed convolution, same signature as torch.nn.functional.conv_transpose3d."""
    return _convnd("conv_transpose3d", 3, input, weight, bias, stride, padding, dilation, groups, True, output_padding)


def linear(input, weight, bias=None):
    """Complex affine map y = x W^T + b (no conjugation), same signature as torch.nn.functional.linear."""
    check_complex("linear", input)
    check_complex("linear weight", weight)
    if weight.dtype != input.dtype:
        raise TypeError(f"linear expects input and weight of the same dtype, got input {input.dtype} and weight {weight.dtype}")
    if bias is not None:
        check_complex("linear bias", bias, weight.dtype)
    if input.dim() == 0:
        raise ValueError("linear expects an input of at least 1 dimension (*, in_features), got a 0D tensor")
    check_channels("linear", input.shape[-1], weight.shape[-1], "input features (last dimension)")
    return F.linear(input, weight, bias)
