"""Internal zero-copy layout: a complex (N, C, *S) tensor stored channels-last seen as a real (N, 2C, *S) tensor.

A complex tensor whose channel dimension is innermost has memory order (N, *S, C, re/im), so viewing it as real
gives channels ordered [re_0, im_0, re_1, im_1, ...] with unit stride: a real channels-last tensor, no copy.
Real kernels arranged for that channel order produce the same layout, which turns back into complex without a copy.
This layout never leaves the package: the public API takes and returns native complex tensors.
"""
from __future__ import annotations

import torch


def channels_last(x: torch.Tensor) -> torch.Tensor:
    """``x`` with dimension 1 innermost in memory (torch.channels_last for 4-D); no copy when it already is."""
    return x.movedim(1, -1).contiguous().movedim(-1, 1)


def complex_to_interleaved(x: torch.Tensor) -> torch.Tensor:
    """Complex (N, C, *S) -> real (N, 2C, *S) with channels [re_0, im_0, ...]; a view when ``x`` is channels-last."""
    if x.dim() < 2:
        raise ValueError("internal layout needs at least (N, C)")
    x = channels_last(x) if x.dim() >= 3 else x.contiguous()
    n, c = x.shape[:2]
    return torch.view_as_real(x).movedim(-1, 2).reshape(n, 2 * c, *x.shape[2:])


def interleaved_to_complex(y: torch.Tensor) -> torch.Tensor:
    """Real (N, 2C, *S) with channels [re_0, im_0, ...] -> complex (N, C, *S); a view when ``y`` is channels-last."""
    y = channels_last(y) if y.dim() >= 3 else y.contiguous()
    n, c2 = y.shape[:2]
    return as_complex(y.reshape(n, c2 // 2, 2, *y.shape[2:]).movedim(2, -1))


def block_kernel(weight: torch.Tensor, transposed: bool = False) -> torch.Tensor:
    """Complex kernel W = A + iB of shape (O, I, *k) -> real kernel (2O, 2I, *k) for interleaved channels.

    For a convolution, output (2o + p) from input (2i + q) uses [[A, -B], [B, A]][p][q].
    For a transposed convolution the weight is (I, O, *k) and the roles of the first two axes swap, so the
    block is the transpose: [[A, B], [-B, A]][q][p] indexed (2i + q, 2o + p).
    """
    a, b = weight.real, weight.imag
    d0, d1 = weight.shape[:2]
    if transposed:
        rows = (torch.stack([a, b], 2), torch.stack([-b, a], 2))
    else:
        rows = (torch.stack([a, -b], 2), torch.stack([b, a], 2))
    return torch.stack(rows, 1).reshape(2 * d0, 2 * d1, *weight.shape[2:])


def unblock_kernel_grad(grad: torch.Tensor, transposed: bool = False) -> torch.Tensor:
    """Gradient w.r.t. the real block kernel -> gradient w.r.t. the complex kernel (PyTorch's convention: dL/dA + i dL/dB)."""
    d0, d1 = grad.shape[0] // 2, grad.shape[1] // 2
    g = grad.reshape(d0, 2, d1, 2, *grad.shape[2:])
    ga = g[:, 0, :, 0] + g[:, 1, :, 1]
    gb = g[:, 0, :, 1] - g[:, 1, :, 0]  # B sits at [0][1] of the transposed block and at [1][0] of the other
    return torch.complex(ga, gb if transposed else -gb)


def dense(x: torch.Tensor) -> torch.Tensor:
    """``x`` itself when its elements fill their storage in some dimension order torch allocates alike, else a copy."""
    if x.is_contiguous():
        return x
    if x.dim() in (4, 5):
        fmt = torch.channels_last if x.dim() == 4 else torch.channels_last_3d
        if x.is_contiguous(memory_format=fmt):
            return x
    return x.contiguous()


def channel_pairs(x: torch.Tensor) -> torch.Tensor:
    """Real (N, C, P, 2) view of a dense complex (N, C, *S) tensor, P = prod(S): the compiled kernels' operand."""
    return torch.view_as_real(x.reshape(*x.shape[:2], -1))


def as_complex(t: torch.Tensor) -> torch.Tensor:
    """view_as_complex of a real (..., 2) tensor, copying only when its strides do not allow a view."""
    if torch.compiler.is_compiling():  # stride checks would break the graph; the compiler picks its own layouts
        return torch.view_as_complex(t.contiguous())
    if t.numel() == 0:  # empty tensors may carry strides view_as_complex rejects
        return torch.empty(t.shape[:-1], dtype=torch.complex128 if t.dtype == torch.float64 else torch.complex64,
                           device=t.device)
    if t.stride(-1) != 1 or any(s % 2 for s, n in zip(t.stride()[:-1], t.shape[:-1]) if n > 1) or t.storage_offset() % 2:
        t = t.contiguous()
    return torch.view_as_complex(t)


class _InterleavedOp(torch.autograd.Function):
    """A real per-channel op applied to the interleaved view, with a backward that keeps the gradient's layout.

    torch's own backward of view_as_real/view_as_complex calls .contiguous(), which copies channels-last
    gradients (and then the next layer copies them back); here the real op's backward runs on the interleaved
    view of the incoming gradient directly.
    """

    @staticmethod
    def forward(ctx, x, fn):
        xr = complex_to_interleaved(x).detach().requires_grad_()
        with torch.enable_grad():
            yr = fn(xr)
        ctx.graph = (xr, yr)
        return interleaved_to_complex(yr.detach())

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        xr, yr = ctx.graph  # kept, with the inner graph, while the outer one lives (backward may run again)
        (gx,) = torch.autograd.grad(yr, xr, complex_to_interleaved(grad), retain_graph=True)
        return interleaved_to_complex(gx), None


def apply_interleaved(x: torch.Tensor, fn) -> torch.Tensor:
    """fn, a real op acting on each channel alike, applied to Re and Im of a complex (N, C, *S) tensor at once."""
    if torch.compiler.is_compiling() or not (x.requires_grad and torch.is_grad_enabled()):
        return interleaved_to_complex(fn(complex_to_interleaved(x)))
    return _InterleavedOp.apply(x, fn)


class _RealMask(torch.autograd.Function):
    """z -> z * mask for a real mask on the real view (..., 2); forward and backward keep the memory layout."""

    @staticmethod
    def forward(ctx, x, mask):
        ctx.save_for_backward(mask)
        return as_complex(torch.view_as_real(x) * mask)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return as_complex(torch.view_as_real(grad) * mask), None


def apply_real_mask(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """x with its real view multiplied by ``mask`` (broadcast against (..., 2)), e.g. zReLU."""
    # a float mask: multiplying by a bool tensor takes a slower type-promoting path on CPU
    return _RealMask.apply(x, mask.to(x.real.dtype))


class _SplitReLU(torch.autograd.Function):
    """z -> ReLU(Re z) + i ReLU(Im z) on the real view; forward and backward keep the memory layout."""

    @staticmethod
    def forward(ctx, x):
        out = torch.relu(torch.view_as_real(x))
        ctx.save_for_backward(out)
        return as_complex(out)

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return as_complex(torch.ops.aten.threshold_backward(torch.view_as_real(grad), out, 0))


def split_relu(x: torch.Tensor) -> torch.Tensor:
    """ReLU of the real and imaginary parts (CReLU), keeping the memory layout of ``x``."""
    return _SplitReLU.apply(x)


_REAL_OF = {torch.complex32: torch.float16, torch.complex64: torch.float32, torch.complex128: torch.float64}
_COMPLEX_OF = {r: c for c, r in _REAL_OF.items()}


def real_dtype_of(dtype: torch.dtype) -> torch.dtype:
    """The dtype of the parts of a complex dtype (the real view's): complex64 -> float32; KeyError for any other."""
    return _REAL_OF[dtype]


def complex_dtype_of(dtype: torch.dtype) -> torch.dtype:
    """The complex dtype whose parts have the real ``dtype``: float32 -> complex64; KeyError for any other."""
    return _COMPLEX_OF[dtype]
