r"""Gauss's three-product form of complex linear maps and convolutions, and the per-shape rule that picks it.

For a bilinear map :math:`f` (a matrix product, a convolution), :math:`W = A + iB` and :math:`z = a + ib`, three real
products suffice where the block form :math:`[[A, -B], [B, A]]` does four (Gauss's trick for complex multiplication,
Knuth, TAOCP vol. 2, Sec. 4.6.4; for matrix products the "3M method", whose rounding Higham, 1992, "Stability of a
Method for Multiplying Complex Matrices with Three Real Matrix Multiplications", SIAM J. Matrix Anal. Appl. 13(3),
shows is normwise stable, with a somewhat larger bound on the imaginary part):

.. math::
    T_0 = f(A, a + b), \quad T_1 = f(B - A, a), \quad T_2 = f(A + B, b), \qquad
    f(W, z) = (T_0 - T_2) + i \, (T_0 + T_1).

The backward is Gauss's form again (three products per gradient): with :math:`g = g_r + i g_i` the output gradient,
:math:`G = [g_r + g_i, g_i, g_r]`, :math:`U_k = f^{*}(W_k, G_k)` (the products' input gradients) and :math:`V_k` their
weight gradients, :math:`\nabla z = (U_0 + U_1) + i (U_0 - U_2)` and :math:`\nabla W = (V_0 - V_1 - V_2) + i (V_1 - V_2)`
(torch's convention for complex gradients, :math:`\partial L / \partial \Re + i \, \partial L / \partial \Im`).

The price is one pass to split each operand into its three real parts and one to merge the products back into an
interleaved complex tensor. The compiled kernels (``gauss_split`` / ``gauss_merge`` in deepcomplex/csrc/gauss.cpp) do
each in one contiguous pass; the pure-PyTorch fallback computes the same numbers. ``deepcomplex.backends.gauss``
picks the form: ``"auto"`` (the rule in :func:`gauss_wanted`), ``True`` (always, in eager mode) or ``False`` (never).
"""
from __future__ import annotations

import math
from typing import Callable, Optional

import torch

from .. import backends
from .._extension import serves
from .._layout import as_complex

# Row k of a split: part_k = c[k][0] Re + c[k][1] Im; row p of a merge: (Re, Im)[p] = sum_k q[p][k] t_k.
_INPUT = (1.0, 1.0, 1.0, 0.0, 0.0, 1.0)            # [a + b, a, b]
_WEIGHT = (1.0, 0.0, -1.0, 1.0, 1.0, 1.0)          # [A, B - A, A + B]
_OUTPUT = (1.0, 0.0, -1.0, 1.0, 1.0, 0.0)          # Re = T0 - T2, Im = T0 + T1
_GRAD = (1.0, 1.0, 0.0, 1.0, 1.0, 0.0)             # [g_r + g_i, g_i, g_r]
_GRAD_INPUT = (1.0, 1.0, 0.0, 1.0, 0.0, -1.0)      # Re = U0 + U1, Im = U0 - U2
_GRAD_WEIGHT = (1.0, -1.0, -1.0, 0.0, 1.0, -1.0)   # Re = V0 - V1 - V2, Im = V1 - V2

# ----------------------------------------------------------------------------------------------------------------------
# The rule, from `python benchmarks/bench_gauss.py` on the project machine (2-core Xeon with AVX-512, torch 2.13 CPU:
# MKL 2024.2, oneDNN 3.12), complex64, channels-last, forward + backward, 1 thread, with the compiled split/merge
# kernels; the clock is the CPU time of the thread, because two training jobs shared the machine and wall times swung
# 2-3x. Median of 8 interleaved rounds; time of Gauss's form / time of the four-product (block kernel) form:
#
#   min(C_in, C_out) / groups * prod(k) < 768: four products   |  >= 768: Gauss
#   conv2d N=64 16->32 32x32 k3        1.20  (earlier run 1.56)  |  conv_transpose2d N=16 128->64 k4 s2   0.95
#   conv1d N=64 16->32 L=1024 k3       2.42                      |  conv2d N=16 96->96 16x16 k3           0.89
#   conv2d N=32 32->32 32x32 k3        1.14                      |  conv2d N=16 96->96 16x16 k5           0.77
#   conv2d N=16 32->128 16x16 k3       0.94                      |  conv2d N=16 128->128 16x16 k3         0.83
#   conv2d N=16 128->32 16x16 k3       0.96                      |  conv2d N=8 128->128 32x32 k3          0.85
#   conv2d N=32 64->64 16x16 k3        0.98                      |  conv2d N=2 128->128 8x8 k3            0.64
#   conv2d N=16 64->64 32x32 k3        0.92  (earlier run 1.10)  |  conv2d N=8 256->256 8x8 k3            0.67
#   conv1d N=16 64->64 L=512 k3        1.09                      |  conv2d N=16 256->256 16x16 k3 g2      0.81
#   conv2d N=16 64->128 16x16 k3       0.85                      |  conv1d N=16 256->256 L=128 k3         0.82
#   conv2d N=16 128->128 16x16 k1      1.35                      |  conv3d N=4 128->128 8^3 k3            0.75
#   conv1d N=16 128->128 L=256 k3      0.94                      |  conv3d N=8 32->64 8^3 k3              0.83
#
# Gauss saves a quarter of the multiply-adds, (C_in / groups) * prod(k) per output number and product, and pays a
# memory pass to split each operand and one to merge each result; oneDNN is also less efficient on the three
# C-channel groups than on one 2C-channel convolution when C is small. Below 768 the ratio swings around 1 from run to
# run (0.92-1.10 at 576); from 768 up Gauss won on every shape and run. Forward alone (inference, --forward-only):
# 0.69-0.92 on the shapes the rule picks. At 2 threads (wall clock, same load) the direction held: 1.52 at 16->32,
# 0.62-0.78 from 64 channels up.
#
# Linear layers: never. MKL's complex GEMM costs only 2.9-3.2 real GEMMs of the same size here (not 4) and three real
# GEMMs batched 2.6-2.9, so the passes eat the saving. Gauss / torch's complex F.linear, N x in -> out: 256x512->512
# 1.00 (earlier runs 1.11, 1.16), 1024x256->256 1.05, 1024x512->512 0.92 (earlier 1.00, 1.02), 64x1024->1024 1.27,
# 32x512->512 1.52, 256x128->128 1.16. (The block form, one real GEMM of twice the size on the interleaved view,
# measured 1.1-3x slower than torch's complex GEMM.)
# ----------------------------------------------------------------------------------------------------------------------
_CONV_MIN_WORK = 768  # min(C_in, C_out) / groups * prod(kernel size)


def _mode():
    mode = backends.gauss
    if mode not in ("auto", True, False):
        raise ValueError(f"deepcomplex.backends.gauss must be 'auto', True or False, got {mode!r}")
    return mode


def gauss_wanted(kind: str, x: torch.Tensor, weight: torch.Tensor, groups: int = 1, transposed: bool = False) -> bool:
    """Whether ``kind`` ("linear" or "conv") runs in Gauss's form for these operands (``deepcomplex.backends.gauss``).

    Never under torch.compile / torch.export (the traced graph keeps the four-product form). ``True`` forces it
    elsewhere (any device and dtype, with the pure-PyTorch split and merge where the kernels do not serve); ``"auto"``
    uses it only where it was measured faster: complex64 convolutions on the CPU with the compiled kernels, with
    ``min(C_in, C_out) / groups * prod(kernel size) >= 768`` (the table above); linear layers keep torch's complex GEMM.
    """
    mode = _mode()
    if mode is False or torch.compiler.is_compiling():
        return False
    if mode is True:
        return True
    if kind != "conv" or x.dtype != torch.complex64 or not serves(x):
        return False
    d0, d1 = weight.shape[:2]
    c_in, c_out = (d0, d1 * groups) if transposed else (d1 * groups, d0)
    return min(c_in, c_out) // groups * math.prod(weight.shape[2:]) >= _CONV_MIN_WORK


def affine(input: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor] = None) -> torch.Tensor:
    r"""Complex :math:`y = x W^T + b` without checking the operands, in the form ``deepcomplex.backends.gauss`` picks.

    The core of :func:`deepcomplex.functional.linear` and ``deepcomplex.nn.ComplexLinear`` once they have checked
    their operands (as :func:`deepcomplex.functional.conv.convolution` is of the convolutions): torch's complex
    ``linear``, or :class:`GaussLinear` (three real matrix products each way) where :func:`gauss_wanted` says so.

    Args:
        input (Tensor): complex input :math:`(*, H_{in})`.
        weight (Tensor): complex weight of the input's dtype, :math:`(H_{out}, H_{in})`.
        bias (Tensor, optional): complex bias :math:`(H_{out})`. Default: ``None``.

    Shape:
        - Input: :math:`(*, H_{in})`; Output: :math:`(*, H_{out})`.

    Example::

        >>> from deepcomplex.functional.gauss import affine
        >>> affine(torch.randn(5, 20, dtype=torch.cfloat), torch.randn(30, 20, dtype=torch.cfloat)).shape
        torch.Size([5, 30])
    """
    if gauss_wanted("linear", input, weight):
        return GaussLinear.apply(input, weight, bias)
    return torch.nn.functional.linear(input, weight, bias)


# ----------------------------------------------------------------------------------------------------------------------
# Split and merge
# ----------------------------------------------------------------------------------------------------------------------

def _rows(z: torch.Tensor, n: int) -> torch.Tensor:
    """Complex ``z`` as (M, n) with unit stride along n (a view when it allows one)."""
    z = z.resolve_conj().reshape(-1, n)
    return z if z.stride(-1) == 1 or n <= 1 else z.contiguous()


def _split(z: torch.Tensor, c, grouped: bool) -> torch.Tensor:
    """Complex (M, n) -> real (3, M, n), or (M, 3, n) when ``grouped``: part_k = c_k0 Re z + c_k1 Im z."""
    zr = torch.view_as_real(z)
    if serves(zr):
        return torch.ops.deepcomplex.gauss_split(zr, list(c), grouped)
    m = torch.tensor(c, dtype=zr.dtype, device=zr.device).view(3, 2)
    return torch.einsum("kp,mnp->mkn" if grouped else "kp,mnp->kmn", m, zr).contiguous()


def _merge(t0: torch.Tensor, t1: torch.Tensor, t2: torch.Tensor, q, bias: Optional[torch.Tensor]) -> torch.Tensor:
    """Real (M, n) parts -> complex (M, n): Re = sum_k q_0k t_k (+ Re bias), Im = sum_k q_1k t_k (+ Im bias)."""
    br = torch.view_as_real(bias.resolve_conj()).contiguous() if bias is not None else None
    if serves(t0):
        return as_complex(torch.ops.deepcomplex.gauss_merge(t0, t1, t2, list(q), br))
    m = torch.tensor(q, dtype=t0.dtype, device=t0.device).view(2, 3)
    out = torch.einsum("pk,kmn->mnp", m, torch.stack([t0, t1, t2]))
    if br is not None:
        out = out + br
    return torch.view_as_complex(out.contiguous())


def _double_backward(fn: Callable, inputs, grad: torch.Tensor, needs) -> list:
    """Gradients that can themselves be differentiated (create_graph=True): autograd through the plain form ``fn``."""
    wanted = [t for t, need in zip(inputs, needs) if need and t is not None]
    with torch.enable_grad():
        grads = iter(torch.autograd.grad(fn(*inputs), wanted, grad, create_graph=True, allow_unused=True))
    return [next(grads) if need and t is not None else None for t, need in zip(inputs, needs)]


# ----------------------------------------------------------------------------------------------------------------------
# Linear
# ----------------------------------------------------------------------------------------------------------------------

class GaussLinear(torch.autograd.Function):
    """y = x W^T + b in Gauss's form: three real batched matrix products forward, three per gradient."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        fin, fout = weight.shape[1], weight.shape[0]
        x3 = _split(_rows(x, fin), _INPUT, False)                       # (3, M, in)
        w3 = _split(_rows(weight, fin), _WEIGHT, False)                 # (3, out, in)
        t = torch.bmm(x3, w3.transpose(1, 2))                           # (3, M, out)
        y = _merge(t[0], t[1], t[2], _OUTPUT, bias)
        ctx.save_for_backward(x, weight, bias, x3, w3)
        return y.view(*x.shape[:-1], fout)

    @staticmethod
    def backward(ctx, grad):
        x, weight, bias, x3, w3 = ctx.saved_tensors
        needs = ctx.needs_input_grad[:3]
        if torch.is_grad_enabled():
            return tuple(_double_backward(torch.nn.functional.linear, (x, weight, bias), grad, needs))
        fout = weight.shape[0]
        g3 = _split(_rows(grad, fout), _GRAD, False)                    # (3, M, out)
        gx = gw = gb = None
        if needs[0]:
            u = torch.bmm(g3, w3)                                       # (3, M, in)
            gx = _merge(u[0], u[1], u[2], _GRAD_INPUT, None).view(x.shape)
        if needs[1]:
            v = torch.bmm(g3.transpose(1, 2), x3)                       # (3, out, in)
            gw = _merge(v[0], v[1], v[2], _GRAD_WEIGHT, None)
        if bias is not None and needs[2]:
            sums = g3[1:].sum(1)                                        # [sum g_i, sum g_r]
            gb = torch.complex(sums[1], sums[0])
        return gx, gw, gb


# ----------------------------------------------------------------------------------------------------------------------
# Convolution (channels-last; the parts of the three products are the three groups of one grouped convolution)
# ----------------------------------------------------------------------------------------------------------------------

def _channel_rows(x: torch.Tensor) -> torch.Tensor:
    """Complex (N, C, *S) -> (N * prod(S), C) rows, a view when ``x`` is channels-last."""
    return _rows(x.movedim(1, -1), x.shape[1])


def _grouped_to_conv(parts: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Real (M, 3, C) parts of the rows of complex ``like`` (N, C, *S) -> real channels-last (N, 3C, *S), a view."""
    n, c = like.shape[:2]
    return parts.view(n, *like.shape[2:], 3 * c).movedim(-1, 1)


def _conv_parts(t: torch.Tensor):
    """Real (N, 3C, *S) -> its three (N * prod(S), C) channel groups as row matrices (views when channels-last)."""
    c = t.shape[1] // 3
    rows = t.movedim(1, -1)
    if not rows.is_contiguous():
        rows = rows.contiguous()
    rows = rows.reshape(-1, 3, c)
    return rows[:, 0], rows[:, 1], rows[:, 2]


def _rows_to_complex(rows: torch.Tensor, shape) -> torch.Tensor:
    """Complex (N * prod(S), C) rows -> (N, C, *S) channels-last view."""
    return rows.view(shape[0], *shape[2:], shape[1]).movedim(-1, 1)


class GaussConvolution(torch.autograd.Function):
    """``torch.convolution`` of complex operands in Gauss's form: one grouped real convolution (3 x groups groups)
    forward, one convolution backward for both gradients; channels-last in and out. ``plain`` is the block form (for
    gradients that must themselves be differentiable)."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, transposed, output_padding, groups, plain):
        x3 = _grouped_to_conv(_split(_channel_rows(x), _INPUT, True), x)
        w3 = _split(_rows(weight, weight[0].numel()), _WEIGHT, False).view(3 * weight.shape[0], *weight.shape[1:])
        t = torch.convolution(x3, w3, None, stride, padding, dilation, transposed, output_padding, 3 * groups)
        y = _merge(*_conv_parts(t), _OUTPUT, bias)
        ctx.conf = (stride, padding, dilation, transposed, output_padding, groups)
        ctx.plain = plain
        ctx.save_for_backward(x, weight, bias, x3, w3)
        return _rows_to_complex(y, (t.shape[0], t.shape[1] // 3, *t.shape[2:]))

    @staticmethod
    def backward(ctx, grad):
        x, weight, bias, x3, w3 = ctx.saved_tensors
        stride, padding, dilation, transposed, output_padding, groups = ctx.conf
        needs = ctx.needs_input_grad[:3]
        if torch.is_grad_enabled():
            def plain(x_, w_, b_):
                return ctx.plain(x_, w_, b_, stride, padding, dilation, transposed, output_padding, groups)
            return (*_double_backward(plain, (x, weight, bias), grad, needs), *(None,) * 7)
        g3 = _grouped_to_conv(_split(_channel_rows(grad), _GRAD, True), grad)
        out_channels = w3.shape[1] * 3 * groups if transposed else w3.shape[0]
        gx3, gw3, gb3 = torch.ops.aten.convolution_backward(
            g3, x3, w3, [out_channels], stride, padding, dilation, transposed, output_padding, 3 * groups,
            [needs[0], needs[1], needs[2] and bias is not None])
        gx = gw = gb = None
        if needs[0]:
            gx = _rows_to_complex(_merge(*_conv_parts(gx3), _GRAD_INPUT, None), x.shape)
        if needs[1]:
            v = gw3.reshape(3, weight.shape[0], -1)
            gw = _merge(v[0], v[1], v[2], _GRAD_WEIGHT, None).view(weight.shape)
        if needs[2] and bias is not None:
            o = gb3.shape[0] // 3
            gb = torch.complex(gb3[2 * o:], gb3[o:2 * o])
        return gx, gw, gb, None, None, None, None, None, None, None
