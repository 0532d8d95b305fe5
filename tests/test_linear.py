"""Complex affine map (deepcomplex.functional.linear, deepcomplex.nn.ComplexLinear) against a float64 NumPy reference."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck, gradgradcheck
from torch.func import functional_call

import deepcomplex.functional as CF
from deepcomplex.nn import ComplexLinear
from conftest import CUDA, DTYPES, assert_matches, crandn, to_numpy


def ref_linear(x, w, b=None):
    """y[..., o] = sum_i x[..., i] * w[o, i] + b[o] in complex128, no conjugation."""
    x, w = np.asarray(x, np.complex128), np.asarray(w, np.complex128)
    y = np.einsum("...i,oi->...o", x, w)
    return y if b is None else y + np.asarray(b, np.complex128)


def test_reference_by_hand():
    x = np.array([1 + 2j, -1j])
    w = np.array([[1j, 2], [3, 1 - 1j]])
    b = np.array([1, 1j])
    expected = np.array([(1 + 2j) * 1j + (-1j) * 2 + 1, (1 + 2j) * 3 + (-1j) * (1 - 1j) + 1j])
    np.testing.assert_allclose(ref_linear(x, w, b), expected)


SHAPES = [(5,), (3, 5), (2, 3, 5), (2, 1, 2, 5)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_functional_linear_matches_reference(shape, bias, dtype):
    x = crandn(*shape, dtype=dtype)
    w = crandn(4, 5, dtype=dtype)
    b = crandn(4, dtype=dtype) if bias else None
    y = CF.linear(x, w, b)
    assert y.dtype == dtype and y.shape == (*shape[:-1], 4)
    assert_matches(y, ref_linear(to_numpy(x), to_numpy(w), None if b is None else to_numpy(b)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_module_matches_reference(shape, bias, dtype):
    m = ComplexLinear(5, 3, bias=bias, dtype=dtype)
    assert m.weight.shape == (3, 5) and m.weight.dtype == dtype
    if bias:
        assert m.bias.shape == (3,) and m.bias.dtype == dtype
        with torch.no_grad():
            m.bias.copy_(crandn(3, dtype=dtype))  # default is zeros, which would not test the bias path
    else:
        assert m.bias is None
    x = crandn(*shape, dtype=dtype)
    y = m(x)
    assert y.dtype == dtype
    assert_matches(y, ref_linear(to_numpy(x), to_numpy(m.weight), to_numpy(m.bias) if bias else None))
    assert y.shape == torch.nn.Linear(5, 3)(torch.randn(*shape)).shape


def test_noncontiguous_input():
    m = ComplexLinear(5, 3, dtype=torch.complex128)
    with torch.no_grad():
        m.bias.copy_(crandn(3))
    base = crandn(5, 4, 2)
    x = base.permute(2, 1, 0)  # (2, 4, 5), last dim strided
    assert not x.is_contiguous()
    assert_matches(m(x), ref_linear(to_numpy(x), to_numpy(m.weight), to_numpy(m.bias)))
    xs = crandn(2, 10)[:, ::2]
    assert_matches(m(xs), ref_linear(to_numpy(xs), to_numpy(m.weight), to_numpy(m.bias)))


# ------------------------------------------------------------------------------------------------------ gradients
@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 1, 3)], ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_functional_gradcheck(shape, bias):
    x = crandn(*shape, requires_grad=True)
    w = crandn(2, 3, requires_grad=True)
    inputs = (x, w, crandn(2, requires_grad=True)) if bias else (x, w)
    assert gradcheck(CF.linear, inputs)


def test_functional_gradgradcheck():
    inputs = (crandn(2, 3, requires_grad=True), crandn(2, 3, requires_grad=True), crandn(2, requires_grad=True))
    assert gradgradcheck(CF.linear, inputs)


@pytest.mark.parametrize("shape", [(3,), (2, 2, 3)], ids=str)
def test_module_gradcheck(shape):
    m = ComplexLinear(3, 2).to(torch.complex128)
    assert m.weight.dtype == torch.complex128
    x = crandn(*shape, requires_grad=True)
    w = m.weight.detach().clone().requires_grad_(True)
    b = crandn(2, requires_grad=True)
    assert gradcheck(lambda x, w, b: functional_call(m, {"weight": w, "bias": b}, (x,)), (x, w, b))


def test_gradient_values():
    """For L = Re sum(y * g), PyTorch's convention gives dL/dx = conj(g W), dL/dW = conj(g^T x), dL/db = conj(sum g)."""
    m = ComplexLinear(3, 2, dtype=torch.complex128)
    x = crandn(4, 3, requires_grad=True)
    g = crandn(4, 2)
    (m(x) * g).real.sum().backward()
    xn, wn, gn = to_numpy(x), to_numpy(m.weight), to_numpy(g)
    assert_matches(x.grad, np.conj(gn @ wn))
    assert_matches(m.weight.grad, np.conj(gn.T @ xn))
    assert_matches(m.bias.grad, np.conj(gn.sum(0)))


# -------------------------------------------------------------------------------------------- module mechanics
@pytest.mark.parametrize("bias", [True, False])
def test_state_dict_round_trip_and_to_complex128(bias):
    m = ComplexLinear(5, 3, bias=bias)
    assert m.weight.dtype == torch.complex64
    if bias:
        with torch.no_grad():
            m.bias.copy_(crandn(3, dtype=torch.complex64))
    sd = m.state_dict()
    assert set(sd) == ({"weight", "bias"} if bias else {"weight"})
    m2 = ComplexLinear(5, 3, bias=bias)
    assert not torch.equal(m2.weight, m.weight)
    m2.load_state_dict(sd)
    x = crandn(2, 5, dtype=torch.complex64)
    assert torch.equal(m2(x), m(x))
    w64 = to_numpy(m.weight)
    m.to(torch.complex128)
    assert m.weight.dtype == torch.complex128
    np.testing.assert_array_equal(to_numpy(m.weight), w64)
    y = m(x.to(torch.complex128))
    assert y.dtype == torch.complex128
    assert_matches(y, ref_linear(to_numpy(x), w64, to_numpy(m.bias) if bias else None))
    with pytest.raises(TypeError):
        m(x)  # complex64 into a complex128 module
    with pytest.raises(RuntimeError):
        ComplexLinear(5, 4).load_state_dict(sd)  # shape mismatch is caught by torch


def test_default_dtype_follows_torch_default_and_repr():
    old = torch.get_default_dtype()
    try:
        torch.set_default_dtype(torch.float64)
        assert ComplexLinear(2, 2).weight.dtype == torch.complex128
    finally:
        torch.set_default_dtype(old)
    m = ComplexLinear(2, 3, dtype=torch.complex128)
    assert m.weight.dtype == torch.complex128 and m.bias.dtype == torch.complex128
    r = repr(ComplexLinear(7, 3, bias=False))
    assert "in_features=7" in r and "out_features=3" in r and "bias=False" in r


@pytest.mark.parametrize("in_features,out_features", [(512, 256), (64, 1000)])
def test_default_init_statistics(in_features, out_features):
    m = ComplexLinear(in_features, out_features)
    w = m.weight.detach().to(torch.complex128)
    n = w.numel()
    target = 1.0 / in_features
    var_re, var_im = float(w.real.var()), float(w.imag.var())
    assert abs(var_re / target - 1) < 0.1, (var_re, target)
    assert abs(var_im / target - 1) < 0.1, (var_im, target)
    assert var_re < 1.5 * target and var_im < 1.5 * target  # not doubled
    assert abs(float((w.abs() ** 2).mean()) * in_features / 2 - 1) < 0.1  # E|W|^2 = 2 / fan_in
    bound = 5 * math.sqrt(target / n)
    assert abs(float(w.real.mean())) < bound and abs(float(w.imag.mean())) < bound
    assert abs(float((w.real * w.imag).mean()) / math.sqrt(var_re * var_im)) < 5 / math.sqrt(n)
    quad = torch.histc(w.angle(), bins=4, min=-math.pi, max=math.pi) / n
    assert torch.all((quad - 0.25).abs() < 0.03), quad
    assert torch.all(m.bias == 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_empty_batch(dtype):
    m = ComplexLinear(5, 3, dtype=dtype)
    x = crandn(0, 5, dtype=dtype, requires_grad=True)
    y = m(x)
    assert y.shape == torch.nn.Linear(5, 3)(torch.randn(0, 5)).shape == (0, 3)
    (y.abs() ** 2).sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape
    assert torch.all(m.weight.grad == 0) and torch.all(m.bias.grad == 0)
    assert m(crandn(2, 0, 5, dtype=dtype)).shape == (2, 0, 3)


@CUDA
@pytest.mark.parametrize("dtype", DTYPES)
def test_cuda_matches_cpu(dtype):
    m = ComplexLinear(5, 3, dtype=dtype)
    with torch.no_grad():
        m.bias.copy_(crandn(3, dtype=dtype))
    x = crandn(2, 4, 5, dtype=dtype, requires_grad=True)
    y = m(x)
    (y.abs() ** 2).sum().backward()
    mc = ComplexLinear(5, 3, dtype=dtype, device="cuda")
    mc.load_state_dict(m.state_dict())
    xc = x.detach().cuda().requires_grad_(True)
    yc = mc(xc)
    assert yc.is_cuda and yc.dtype == dtype
    (yc.abs() ** 2).sum().backward()
    tol = 1e-3 if dtype == torch.complex64 else 1e-10
    assert (yc.cpu() - y).abs().max() <= tol * max(1.0, float(y.abs().max()))
    assert (xc.grad.cpu() - x.grad).abs().max() <= tol * max(1.0, float(x.grad.abs().max()))
    assert (mc.weight.grad.cpu() - m.weight.grad).abs().max() <= tol * max(1.0, float(m.weight.grad.abs().max()))


def test_torch_compile_matches_eager():
    torch._dynamo.reset()
    m = ComplexLinear(5, 3)
    with torch.no_grad():
        m.bias.copy_(crandn(3, dtype=torch.complex64))
    x = crandn(2, 4, 5, dtype=torch.complex64)
    eager = m(x)
    compiled = torch.compile(m)(x)
    assert compiled.dtype == torch.complex64 and compiled.shape == eager.shape
    assert_matches(compiled, to_numpy(eager))
    assert_matches(compiled, ref_linear(to_numpy(x), to_numpy(m.weight), to_numpy(m.bias)))


# ----------------------------------------------------------------------------------------------------- bad input
def test_bad_input_dtype():
    m = ComplexLinear(5, 3)
    with pytest.raises(TypeError) as e:
        m(torch.randn(2, 5))
    assert "ComplexLinear" in str(e.value) and "expects a complex tensor, got torch.float32" in str(e.value)
    with pytest.raises(TypeError) as e:
        m(torch.zeros(2, 5, dtype=torch.complex32))
    assert "ComplexLinear" in str(e.value)
    with pytest.raises(TypeError) as e:
        m(crandn(2, 5, dtype=torch.complex128))
    assert "ComplexLinear" in str(e.value) and "torch.complex128" in str(e.value)
    with pytest.raises(TypeError):
        m(np.zeros((2, 5), np.complex64))


def test_bad_input_shape():
    m = ComplexLinear(5, 3)
    with pytest.raises(ValueError) as e:
        m(crandn(2, 4, dtype=torch.complex64))
    msg = str(e.value)
    assert "ComplexLinear" in msg and "expects 5" in msg and "got 4" in msg
    with pytest.raises(ValueError):
        m(crandn(5, 2, dtype=torch.complex64))  # features must be last
    with pytest.raises(ValueError):
        m(torch.tensor(1 + 1j, dtype=torch.complex64))  # 0-D


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.complex32, torch.int64])
def test_bad_constructor_dtype(dtype):
    with pytest.raises(TypeError):
        ComplexLinear(5, 3, dtype=dtype)


def test_functional_bad_arguments():
    x, w, b = crandn(2, 5), crandn(3, 5), crandn(3)
    with pytest.raises(TypeError) as e:
        CF.linear(x.real, w)
    assert "linear" in str(e.value) and "expects a complex tensor, got torch.float64" in str(e.value)
    with pytest.raises(TypeError):
        CF.linear(x, w.real)
    with pytest.raises(TypeError):
        CF.linear(x, w.to(torch.complex64))  # dtype mismatch, no silent cast
    with pytest.raises(TypeError):
        CF.linear(x, w, b.to(torch.complex64))
    with pytest.raises(TypeError):
        CF.linear(x, w, b.real)
    with pytest.raises(ValueError) as e:
        CF.linear(crandn(2, 4), w)
    assert "expects 5" in str(e.value) and "got 4" in str(e.value)
    with pytest.raises(ValueError):
        CF.linear(torch.tensor(1j, dtype=torch.complex128), w)
    with pytest.raises(TypeError):
        CF.linear(torch.zeros(2, 5, dtype=torch.complex32), torch.zeros(3, 5, dtype=torch.complex32))
