"""The compiled zReLU and 2-D average pooling kernels (deepcomplex/csrc) against the pure-PyTorch path and NumPy.

Each case runs the layer twice, with the kernels and inside ``_extension.disabled()``, checks that the kernel really ran
(or, for the inputs it does not take, that it did not), and compares both paths with a float64 NumPy reference, forward
and gradient. Skips where the kernels are not built, except under CI (as tests/test_kernels.py).
"""
from __future__ import annotations

import contextlib
import itertools

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck, gradgradcheck
from torch.profiler import ProfilerActivity, profile

from deepcomplex import _extension
import deepcomplex.functional as CF

from conftest import DTYPES, assert_matches, crandn, memory_layout, to_numpy


pytestmark = pytest.mark.usefixtures("require_kernels")


@contextlib.contextmanager
def _threads(n: int):
    """Run with ``n`` threads (conftest sets one), so that large inputs split over them."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _run(fn, x: torch.Tensor, grad: torch.Tensor, kernels: bool):
    """fn(x) and dL/dx for the gradient ``grad``, with the kernels or without; plus the deepcomplex ops that ran."""
    xi = x.detach().clone() if x.is_contiguous() else x.detach()  # keep a non-dense input as it is
    xi.requires_grad_()
    grad_before = grad.clone()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        with contextlib.nullcontext() if kernels else _extension.disabled():
            y = fn(xi)
            y.backward(grad)
    torch.testing.assert_close(grad, grad_before, rtol=0, atol=0, equal_nan=True,
                               msg="backward wrote into the gradient")
    ran = {e.key for e in prof.key_averages() if e.key.startswith("deepcomplex::")}
    return y.detach(), xi.grad, ran


def _same_bits(a: torch.Tensor, b: np.ndarray) -> None:
    """Equal as numbers, NaN included, and with the same signs of zero."""
    a = torch.view_as_real(a.resolve_conj()).to(torch.float64).numpy()
    b = np.stack([b.real, b.imag], -1).astype(np.float64)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


# ---------------------------------------------------------------------------------------------------------------------
# zReLU

def np_zrelu(v: np.ndarray, z: np.ndarray) -> np.ndarray:
    """v where z is in the closed first quadrant (NaN fails, -0 passes), else +0."""
    return np.where((z.real >= 0) & (z.imag >= 0), v, 0)


ZRELU_CASES = [((3, 11, 5, 7), "contiguous", True), ((3, 11, 5, 7), "channels_last", True),
               ((3, 11, 5, 7), "permuted", True), ((2, 5, 2, 3, 5), "channels_last", True),
               ((1001,), "contiguous", True),
               ((), "contiguous", True), ((2, 3, 40, 300), "contiguous", True),  # several parallel blocks
               ((3, 11, 5, 7), "sliced", False), ((0, 3), "contiguous", False)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,layout,served", ZRELU_CASES,
                         ids=[f"{'x'.join(map(str, s)) or 'scalar'}-{lay}" for s, lay, _ in ZRELU_CASES])
def test_zrelu_kernel_matches_torch_path_and_numpy(shape, layout, served, dtype):
    x = crandn(*shape, dtype=dtype) if shape else crandn(1, dtype=dtype)[0]
    parts = torch.view_as_real(x).view(-1, 2)
    if parts.shape[0] >= 9:  # signed zeros on the boundary rays (pass) and just outside them (fail)
        parts[:9] = torch.tensor([[0.0, 0.0], [-0.0, 0.0], [0.0, -0.0], [-0.0, -0.0], [-0.0, 2.0], [2.0, -0.0],
                                  [-1e-30, 2.0], [2.0, -1e-30], [0.0, 3.0]])
    x = memory_layout(x, layout) if len(shape) >= 4 else x
    grad = torch.randn_like(x)
    with _threads(2):  # the 2x3x40x300 case spans several blocks of at::parallel_for
        fast = _run(CF.zrelu, x, grad, kernels=True)
    slow = _run(CF.zrelu, x, grad, kernels=False)
    assert ({"deepcomplex::zrelu_forward", "deepcomplex::zrelu_backward"} <= fast[2]) == served
    assert not slow[2]
    xn, gn = to_numpy(x), to_numpy(grad)
    for out in (fast, slow):
        _same_bits(out[0], np_zrelu(xn, xn))  # a select: exact, signs of zero included
        _same_bits(out[1], np_zrelu(gn, xn))
    if layout in ("contiguous", "channels_last", "permuted") and x.numel():
        assert fast[0].stride() == x.stride() and fast[1].stride() == x.stride(), "the layout is kept"


@pytest.mark.parametrize("use_kernels", [True, False], ids=["kernel", "torch"])
def test_zrelu_nan_inf_and_signed_zero(use_kernels):
    """NaN in a part, or an infinite part outside the first quadrant, gives +0; -0 passes; the gradient alike."""
    nan, inf = float("nan"), float("inf")
    re = [nan, 1.0, -1.0, -0.0, 0.0, -inf, 1.0, -0.0, inf, 2.0, nan]
    im = [1.0, nan, 2.0, -0.0, -1.0, 1.0, -inf, 1.0, inf, -inf, nan]
    keep = np.array([False, False, False, True, False, False, False, True, True, False, False])
    exact = np.empty(len(re), dtype=np.complex128)  # re + 1j * im would turn 1j * inf into NaN and lose -0
    exact.real, exact.imag = re, im
    want = np.where(keep, exact, 0)
    for dtype in DTYPES:
        z = torch.complex(torch.tensor(re), torch.tensor(im)).to(dtype)
        grad = torch.full_like(z, complex(nan, -2.0))
        y, gz, ran = _run(CF.zrelu, z, grad, use_kernels)
        assert bool(ran) == use_kernels
        _same_bits(y, want)
        _same_bits(gz, np.where(keep, complex(nan, -2.0), 0))


def test_zrelu_gradient_in_another_layout_and_double_backward():
    x = crandn(2, 5, 3, 4).contiguous(memory_format=torch.channels_last)
    grad = crandn(2, 5, 3, 4)  # NCHW gradient for a channels-last input: copied into the input's layout
    y, gx, ran = _run(CF.zrelu, x, grad, kernels=True)
    assert "deepcomplex::zrelu_backward" in ran
    xn = to_numpy(x)
    _same_bits(gx, np_zrelu(to_numpy(grad), xn))
    # away from the axes, where zReLU is differentiable; double backward (the mask of a mask) on the kernel path
    away = (x + 0.05 * torch.sgn(x.real).to(x.dtype) + 0.05j * torch.sgn(x.imag).to(x.dtype)).requires_grad_()
    assert gradcheck(CF.zrelu, (away,))
    assert gradgradcheck(CF.zrelu, (away,))
    assert gradcheck(CF.zrelu, (away.detach().contiguous().requires_grad_(),))


def test_zrelu_ops_reject_bad_operands():
    ops = torch.ops.deepcomplex
    with pytest.raises(RuntimeError, match="zrelu kernel: input must be a dense real"):
        ops.zrelu_forward(torch.randn(4, 3))
    with pytest.raises(RuntimeError, match="zrelu kernel: input must be a dense real"):
        ops.zrelu_forward(torch.randn(4, 4, 2)[:, ::2])
    with pytest.raises(RuntimeError, match="grad must have the sizes, strides and dtype"):
        ops.zrelu_backward(torch.randn(4, 2, dtype=torch.float64), torch.randn(4, 2))


# ---------------------------------------------------------------------------------------------------------------------
# 2-D average pooling

def np_avg_pool2d(x: np.ndarray, k, s, divisor=None) -> np.ndarray:
    """Windows without padding over the last two axes, by explicit loops."""
    (kh, kw), (sh, sw) = k, s
    H, W = x.shape[-2:]
    ho, wo = (H - kh) // sh + 1, (W - kw) // sw + 1
    y = np.zeros(x.shape[:-2] + (ho, wo), dtype=np.complex128)
    for i, j in itertools.product(range(ho), range(wo)):
        y[..., i, j] = x[..., i * sh:i * sh + kh, j * sw:j * sw + kw].sum((-2, -1)) / (divisor or kh * kw)
    return y


def np_avg_pool2d_grad(g: np.ndarray, size, k, s, divisor=None) -> np.ndarray:
    """The adjoint: each output gradient, divided, added to every element of its window."""
    (kh, kw), (sh, sw) = k, s
    gx = np.zeros(g.shape[:-2] + tuple(size), dtype=np.complex128)
    for i, j in itertools.product(*map(range, g.shape[-2:])):
        gx[..., i * sh:i * sh + kh, j * sw:j * sw + kw] += g[..., i, j, None, None] / (divisor or kh * kw)
    return gx


POOLS = [  # (kwargs, (kH, kW), (sH, sW), divisor)
    (dict(kernel_size=2), (2, 2), (2, 2), None),
    (dict(kernel_size=3, stride=2), (3, 3), (2, 2), None),  # overlapping windows
    (dict(kernel_size=(2, 3), stride=(3, 1)), (2, 3), (3, 1), None),  # a gap between rows, overlap along columns
    (dict(kernel_size=(3, 2), stride=(1, 2), divisor_override=5), (3, 2), (1, 2), 5),
    (dict(kernel_size=[4], stride=[], padding=(0, 0)), (4, 4), (4, 4), None),
    (dict(kernel_size=1), (1, 1), (1, 1), None),
]
POOL_IDS = ["k2", "k3s2", "k2x3s3x1", "k3x2s1x2-div5", "k4-lists", "k1"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
@pytest.mark.parametrize("shape", [(3, 5, 7, 9), (2, 4, 8, 6), (5, 7, 6)], ids=["odd", "even", "unbatched"])
@pytest.mark.parametrize("kw,k,s,divisor", POOLS, ids=POOL_IDS)
def test_avg_pool2d_kernel_matches_torch_path_and_numpy(kw, k, s, divisor, shape, layout, dtype):
    x = crandn(*shape, dtype=dtype)
    if layout == "channels_last":
        batched = x.dim() == 4
        x = x.contiguous(memory_format=torch.channels_last) if batched else x.permute(1, 2, 0).contiguous().permute(2, 0, 1)
    ref = np_avg_pool2d(to_numpy(x), k, s, divisor)
    grad = crandn(*ref.shape, dtype=dtype)
    fast = _run(lambda t: CF.avg_pool2d(t, **kw), x, grad, kernels=True)
    slow = _run(lambda t: CF.avg_pool2d(t, **kw), x, grad, kernels=False)
    assert {"deepcomplex::avg_pool2d_forward", "deepcomplex::avg_pool2d_backward"} <= fast[2]
    assert not slow[2]
    ref_grad = np_avg_pool2d_grad(to_numpy(grad), shape[-2:], k, s, divisor)
    for out in (fast, slow):
        assert_matches(out[0], ref)
        assert_matches(out[1], ref_grad)
    torch.testing.assert_close(fast[0], slow[0], rtol=0, atol=1e-12 if dtype == torch.complex128 else 1e-6)
    # the kernel keeps the memory layout: NCHW in, NCHW out; channels-last in, channels-last out (and the gradient)
    four = (lambda t: t) if x.dim() == 4 else (lambda t: t.unsqueeze(0))
    fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
    assert four(fast[0]).is_contiguous(memory_format=fmt) and four(fast[1]).is_contiguous(memory_format=fmt)


def test_avg_pool2d_kernel_on_large_planes_and_gradient_layouts():
    """Planes large enough to split over threads; an output gradient in the other layout than the output."""
    for layout, grad_layout in (("contiguous", "channels_last"), ("channels_last", "contiguous")):
        x = memory_layout(crandn(2, 3, 131, 130, dtype=torch.complex64), layout)
        ref = np_avg_pool2d(to_numpy(x), (2, 2), (2, 2))
        grad = memory_layout(crandn(*ref.shape, dtype=torch.complex64), grad_layout)
        with _threads(2):
            y, gx, ran = _run(lambda t: CF.avg_pool2d(t, 2), x, grad, kernels=True)
        assert "deepcomplex::avg_pool2d_backward" in ran
        assert_matches(y, ref)
        assert_matches(gx, np_avg_pool2d_grad(to_numpy(grad), (131, 130), (2, 2), (2, 2)))


@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=(3, 2), stride=(2, 1), divisor_override=4)],
                         ids=["k2", "k3x2s2x1-div4"])
def test_avg_pool2d_kernel_gradcheck(layout, kw):
    x = memory_layout(crandn(2, 3, 6, 5), layout).requires_grad_()

    def f(t):
        out = CF.avg_pool2d(t, **kw)
        assert type(out.grad_fn).__name__ == "_AvgPool2dKernelBackward"
        return out

    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


@pytest.mark.parametrize("case", [
    dict(layout="contiguous", kw=dict(kernel_size=2, padding=1)),
    dict(layout="channels_last", kw=dict(kernel_size=3, stride=2, ceil_mode=True)),
    dict(layout="sliced", kw=dict(kernel_size=2)),
    dict(layout="permuted", kw=dict(kernel_size=2)),
    dict(layout="contiguous", kw=dict(kernel_size=2), dtype=torch.complex32),
], ids=["padding", "ceil-mode", "sliced", "permuted", "complex32"])
@pytest.mark.filterwarnings("ignore:ComplexHalf support is experimental")
def test_avg_pool2d_other_cases_take_the_torch_path(case):
    dtype = case.get("dtype", torch.complex128)
    x = memory_layout(crandn(2, 3, 6, 7), case["layout"])
    x = x.to(dtype)
    kw = case["kw"]
    assert CF.pooling._kernel_geometry(x, kw["kernel_size"], kw.get("stride"), kw.get("padding", 0),
                                       kw.get("ceil_mode", False), None) is None
    if dtype == torch.complex32:
        return  # torch's own CPU pooling has no complex32 kernel; only the routing is checked
    grad = crandn(*CF.avg_pool2d(x, **kw).shape)
    fast = _run(lambda t: CF.avg_pool2d(t, **kw), x, grad, kernels=True)
    slow = _run(lambda t: CF.avg_pool2d(t, **kw), x, grad, kernels=False)
    assert not fast[2]
    for a, b in zip(fast[:2], slow[:2]):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_avg_pool2d_ops_reject_bad_operands():
    ops = torch.ops.deepcomplex
    with pytest.raises(RuntimeError, match="avg_pool2d kernel: input must be a real \\(N, C, H, W, 2\\) view"):
        ops.avg_pool2d_forward(torch.randn(2, 3, 4, 2), 2, 2, 2, 2, 4)
    with pytest.raises(RuntimeError, match="must be complex NCHW or channels-last"):
        ops.avg_pool2d_forward(torch.randn(2, 3, 4, 4, 2).transpose(2, 3), 2, 2, 2, 2, 4)
    with pytest.raises(RuntimeError, match="window \\(5, 5\\) larger than the image \\(4, 4\\)"):
        ops.avg_pool2d_forward(torch.randn(2, 3, 4, 4, 2), 5, 5, 1, 1, 25)
    with pytest.raises(RuntimeError, match="grad must be \\(2, 2\\) for a \\(4, 4\\) input"):
        ops.avg_pool2d_backward(torch.randn(2, 3, 3, 3, 2), 4, 4, 2, 2, 2, 2, 4)
