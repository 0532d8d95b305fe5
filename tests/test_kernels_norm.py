"""The fused layer/group-norm kernels (deepcomplex/csrc/row_norm.cpp) against the pure-PyTorch path.

tests/test_normalization.py checks both paths against NumPy references (forward) and gradcheck; these tests pin that
the kernel path is the one taken, and that its gradients for the input, gamma and beta equal the PyTorch path's on
every geometry the kernel dispatches (layer norm's planar sweep; group norm's per-channel segments).
"""
from __future__ import annotations


import pytest
import torch
from torch.autograd import gradcheck

import deepcomplex.functional as CF
from deepcomplex import _extension

from conftest import crandn as _crandn


def crandn(*shape, dtype=torch.complex128, seed: int = 0):
    torch.manual_seed(seed)
    return _crandn(*shape, dtype=dtype)


pytestmark = pytest.mark.usefixtures("require_kernels")


def _params(k: int, dtype: torch.dtype, affine: str, seed: int):
    torch.manual_seed(seed)
    real = torch.float64 if dtype == torch.complex128 else torch.float32
    weight = torch.randn(k, 3, dtype=real) if affine in ("both", "weight") else None
    bias = crandn(k, dtype=dtype, seed=seed + 1) if affine in ("both", "bias") else None
    return weight, bias


def _run(fn, x, weight, bias, grad):
    leaves = [t.detach().clone().requires_grad_() if t is not None else None for t in (x, weight, bias)]
    y = fn(*leaves)
    y.backward(grad)
    return y, [y.detach()] + [t.grad for t in leaves if t is not None]


def _compare(fn, x, weight, bias, tol):
    grad = crandn(*x.shape, dtype=x.dtype, seed=7)
    y, fused = _run(fn, x, weight, bias, grad)
    assert y.grad_fn is not None and "RowWhitening" in type(y.grad_fn).__name__, "the fused kernel was not taken"
    with _extension.disabled():
        y_ref, ref = _run(fn, x, weight, bias, grad)
    assert "RowWhitening" not in type(y_ref.grad_fn).__name__
    for a, b in zip(fused, ref):
        assert a.dtype == b.dtype and a.shape == b.shape
        scale = max(1.0, b.abs().max().item())
        assert (a - b).abs().max().item() <= tol * scale


@pytest.mark.parametrize("dtype,tol", [(torch.complex128, 1e-10), (torch.complex64, 5e-5)])
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
@pytest.mark.parametrize("shape,normalized", [((4, 7, 16), (16,)), ((3, 5, 6), (5, 6)), ((6, 8), (8,)), ((9,), (9,))])
def test_layer_norm_kernel_matches_torch_path(dtype, tol, affine, shape, normalized):
    x = 3 * crandn(*shape, dtype=dtype, seed=1) + (1 - 2j)  # an offset mean: the centring must be right
    weight, bias = _params(int(torch.tensor(normalized).prod()), dtype, affine, seed=2)
    weight = weight.reshape(*normalized, 3) if weight is not None else None
    bias = bias.reshape(normalized) if bias is not None else None
    _compare(lambda x, w, b: CF.complex_layer_norm(x, normalized, w, b, 1e-4), x, weight, bias, tol)


@pytest.mark.parametrize("dtype,tol", [(torch.complex128, 1e-10), (torch.complex64, 5e-5)])
@pytest.mark.parametrize("affine", ["both", "none"])
@pytest.mark.parametrize("shape,groups", [((3, 6, 5, 4), 3), ((2, 8, 7, 9), 8), ((2, 4, 10), 1), ((1, 6, 3, 3, 2), 2)])
def test_group_norm_kernel_matches_torch_path(dtype, tol, affine, shape, groups):
    x = 2 * crandn(*shape, dtype=dtype, seed=3) + 0.5j
    weight, bias = _params(shape[1], dtype, affine, seed=4)
    _compare(lambda x, w, b: CF.complex_group_norm(x, groups, w, b, 1e-4), x, weight, bias, tol)


def test_kernels_take_strided_and_channels_last_inputs():
    x = crandn(2, 6, 8, 8, dtype=torch.complex128, seed=5).contiguous(memory_format=torch.channels_last)
    weight, bias = _params(6, torch.complex128, "both", seed=6)
    _compare(lambda x, w, b: CF.complex_group_norm(x, 6, w, b), x, weight, bias, 1e-12)
    wide = crandn(4, 5, 24, dtype=torch.complex128, seed=7)[..., ::2]  # every other element: not contiguous
    weight, bias = _params(12, torch.complex128, "both", seed=8)
    _compare(lambda x, w, b: CF.complex_layer_norm(x, 12, w, b), wide, weight, bias, 1e-12)


def test_parameters_of_another_precision_take_the_torch_path():
    x = crandn(4, 8, dtype=torch.complex64, seed=9)
    weight = torch.randn(8, 3, dtype=torch.float64)
    y = CF.complex_layer_norm(x, 8, weight)
    with _extension.disabled():
        ref = CF.complex_layer_norm(x, 8, weight)
    assert y.dtype == ref.dtype == torch.complex128  # promoted as torch would, not truncated by the kernel
    torch.testing.assert_close(y, ref)


def test_gradcheck_on_the_kernels():
    x = crandn(2, 3, 6, dtype=torch.complex128, seed=10).requires_grad_()
    weight, bias = _params(6, torch.complex128, "both", seed=11)
    weight.requires_grad_(), bias.requires_grad_()
    assert "RowWhitening" in type(CF.complex_layer_norm(x, 6, weight, bias).grad_fn).__name__
    assert gradcheck(lambda x, w, b: CF.complex_layer_norm(x, 6, w, b), (x, weight, bias))
    y = crandn(2, 4, 3, 3, dtype=torch.complex128, seed=12).requires_grad_()
    weight, bias = _params(4, torch.complex128, "both", seed=13)
    weight.requires_grad_(), bias.requires_grad_()
    assert gradcheck(lambda y, w, b: CF.complex_group_norm(y, 2, w, b), (y, weight, bias))
