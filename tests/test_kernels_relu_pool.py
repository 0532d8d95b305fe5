"""The compiled bias + ReLU + 2x2 average pooling kernel of CoShNet's fused stem (deepcomplex/csrc/relu_pool.cpp), as
``shearlet_conv2d_real(..., relu_pool=True)`` runs it: against NumPy applied to the unfused real parts, against the
pure-PyTorch path, its gradients, and its limits. Skips where the kernels are not built, except under CI."""
from __future__ import annotations

import contextlib

import numpy as np
import pytest
import torch
from torch.profiler import ProfilerActivity, profile

from deepcomplex import _extension
from deepcomplex.models import create_model
from deepcomplex.shearlet import ComplexShearlet2d

pytestmark = pytest.mark.usefixtures("require_kernels")

OPS = {"deepcomplex::relu_pool2x2_forward", "deepcomplex::relu_pool2x2_backward"}


def _case(size: int, dtype=torch.complex128, out: int = 3, k: int = 3, batch: int = 2, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    real = torch.float64 if dtype == torch.complex128 else torch.float32
    m = ComplexShearlet2d(size, dtype=dtype)
    x = torch.rand(batch, 1, size, size, generator=g, dtype=real)
    w = torch.randn(out, 2 * m.num_filters, k, k, generator=g, dtype=dtype)
    b = torch.randn(out, generator=g, dtype=dtype)
    return m, x, w, b


def _run(m, x, w, b, kernels: bool, grad=None):
    """Output, gradients of (x, w, b) and the deepcomplex ops that ran, with or without the kernels."""
    leaves = [t.detach().clone().requires_grad_() for t in (x, w, b)]
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        with contextlib.nullcontext() if kernels else _extension.disabled():
            y = m.conv2d(*leaves, real_parts=True, relu_pool=True)
            y.backward(grad if grad is not None else torch.ones_like(y))
    ran = {e.key for e in prof.key_averages() if e.key.startswith("deepcomplex::")}
    return y.detach(), [t.grad for t in leaves], ran


@pytest.mark.parametrize("size,k", [(12, 3), (13, 4), (16, 5)])
def test_matches_numpy_relu_and_pooling_of_the_parts(size, k):
    """relu_pool=True is ReLU then 2x2 means of the real parts (checked against NumPy on real_parts=True, itself
    tested against explicit sums in test_shearlet), with the kernel running."""
    m, x, w, b = _case(size, k=k)
    parts = m.conv2d(x, w, b, real_parts=True).numpy()
    side = (size - k + 1) // 2
    relu = np.maximum(parts[..., :2 * side, :2 * side], 0)
    ref = relu.reshape(*relu.shape[:2], side, 2, side, 2).mean((3, 5))
    got, _, ran = _run(m, x, w, b, kernels=True)
    assert ran == OPS
    np.testing.assert_allclose(got.numpy(), ref, rtol=0, atol=1e-12 * np.abs(ref).max())


@pytest.mark.parametrize("dtype", [torch.complex128, torch.complex64])
def test_kernel_path_equals_the_pytorch_path(dtype):
    """Output and the gradients of image, weight and bias agree with the unfused PyTorch path (which the kernels'
    absence selects); the incoming gradient is left untouched."""
    m, x, w, b = _case(12, dtype=dtype, batch=3, seed=1)
    grad = torch.randn(3, 6, 5, 5, dtype=x.dtype, generator=torch.Generator().manual_seed(4))
    before = grad.clone()
    yk, gk, ran_k = _run(m, x, w, b, True, grad)
    yt, gt, ran_t = _run(m, x, w, b, False, grad)
    assert ran_k == OPS and not ran_t & OPS
    assert torch.equal(grad, before)
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == torch.complex128 else dict(rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(yk, yt, **tol)
    for a, c in zip(gk, gt):
        torch.testing.assert_close(a, c, **tol)


def test_odd_maps_take_the_pytorch_path():
    """An odd convolution output cannot be tiled by 2x2 windows in the kernel: pooling drops the last row and column
    there, as torch's avg_pool2d does."""
    m, x, w, b = _case(12, k=4)  # 9 x 9 maps
    y, _, ran = _run(m, x, w, b, True)
    assert not ran & OPS and y.shape == (2, 6, 4, 4)


def test_gradcheck_and_double_backward():
    m, x, w, b = _case(8, batch=2, seed=3)
    x, w, b = (t.requires_grad_() for t in (x, w, b))
    fn = lambda *a: m.conv2d(*a, real_parts=True, relu_pool=True)  # noqa: E731
    assert torch.autograd.gradcheck(fn, (x, w, b))
    assert torch.autograd.gradgradcheck(lambda w: fn(x.detach(), w, b.detach()), (w,))


def test_relu_pool_needs_real_parts():
    m, x, w, b = _case(8)
    with pytest.raises(ValueError, match="relu_pool=True needs real_parts=True"):
        m.conv2d(x, w, b, relu_pool=True)


def test_kernel_rejects_bad_input():
    y = torch.randn(2, 3, 8, 8)
    with pytest.raises(RuntimeError, match="the crop must be even"):
        torch.ops.deepcomplex.relu_pool2x2_forward(y, None, 7, 6)
    with pytest.raises(RuntimeError, match="must be a contiguous real"):
        torch.ops.deepcomplex.relu_pool2x2_forward(y.transpose(2, 3), None, 6, 6)
    with pytest.raises(RuntimeError, match="bias must be a contiguous"):
        torch.ops.deepcomplex.relu_pool2x2_forward(y, torch.zeros(4), 6, 6)
    with pytest.raises(RuntimeError, match="does not fit the input"):
        torch.ops.deepcomplex.relu_pool2x2_backward(torch.randn(2, 3, 5, 5), y, None)


def test_coshnet_stem_takes_the_kernel_and_trains_the_same():
    """coshnet_tiny's fused stem runs the kernel; its output and parameter gradients equal those without it."""
    torch.manual_seed(0)
    model = create_model("coshnet_tiny").to(torch.float64)
    x = torch.rand(4, 1, 28, 28, dtype=torch.float64)
    results = []
    for kernels in (True, False):
        model.zero_grad(set_to_none=True)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            with contextlib.nullcontext() if kernels else _extension.disabled():
                out = model(x)
                out.square().sum().backward()
        ran = {e.key for e in prof.key_averages() if e.key.startswith("deepcomplex::relu_pool")}
        assert (ran == OPS) == kernels
        results.append((out.detach(), [p.grad for p in model.parameters()]))
    (a, ga), (c, gc) = results
    torch.testing.assert_close(a, c, rtol=1e-12, atol=1e-12)
    for p, q in zip(ga, gc):
        torch.testing.assert_close(p, q, rtol=1e-10, atol=1e-12)
