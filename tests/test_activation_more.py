"""Split activations (tanh, sigmoid, ELU, GELU, PReLU) and phase-keeping ones (leaky zReLU, modulus tanh, the bounded
complex ratio mask) vs float64 NumPy formulas; gradcheck in complex128, modules, errors, compile and ONNX export."""
from __future__ import annotations

import logging
import math

import numpy as np
import pytest
import torch
from torch import nn

import deepcomplex.functional as CF
import deepcomplex.nn as cnn
from conftest import DTYPES, assert_matches, crandn, to_numpy

C128 = torch.complex128
_erf = np.vectorize(math.erf)


# ------------------------------------------------------------------------------------------------ NumPy references
def split(f):
    return lambda z: f(z.real) + 1j * f(z.imag)


def np_gelu(t, approximate="none"):
    if approximate == "tanh":
        return 0.5 * t * (1 + np.tanh(np.sqrt(2 / np.pi) * (t + 0.044715 * t ** 3)))
    return 0.5 * t * (1 + _erf(t / np.sqrt(2)))


def np_mod_tanh(z):
    r = np.abs(z)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(r > 0, np.tanh(r) * z / np.where(r > 0, r, 1), 0)


REFERENCES = {
    "split_tanh": (CF.split_tanh, split(np.tanh)),
    "split_sigmoid": (CF.split_sigmoid, split(lambda t: 1 / (1 + np.exp(-t)))),
    "split_elu": (lambda z: CF.split_elu(z, 0.7), split(lambda t: np.where(t > 0, t, 0.7 * np.expm1(t)))),
    "split_gelu": (CF.split_gelu, split(np_gelu)),
    "split_gelu_tanh": (lambda z: CF.split_gelu(z, "tanh"), split(lambda t: np_gelu(t, "tanh"))),
    "zleaky_relu": (lambda z: CF.zleaky_relu(z, 0.2),
                    lambda z: np.where((z.real >= 0) & (z.imag >= 0), z, 0.2 * z)),
    "mod_tanh": (CF.mod_tanh, np_mod_tanh),
    "complex_ratio_mask": (CF.complex_ratio_mask, np_mod_tanh),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_functions_match_numpy(name, dtype):
    fn, ref = REFERENCES[name]
    z = 2 * crandn(3, 4, 5, dtype=dtype)
    z[0, 0, :4] = torch.tensor([0j, 1.5 + 0j, -0j + 2j, -1 - 0j], dtype=dtype)  # zeros and the axes
    y = fn(z)
    assert y.dtype == dtype and y.shape == z.shape
    assert_matches(y, ref(to_numpy(z)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,channels", [((2, 3, 4, 5), 3), ((4, 3), 3), ((3,), 3), ((2, 3, 4), 1), ((), 1)])
def test_cprelu_matches_numpy(shape, channels, dtype):
    real = torch.float64 if dtype == C128 else torch.float32
    z = crandn(*shape, dtype=dtype) if shape else crandn(1, dtype=dtype)[0]
    w = torch.linspace(-0.3, 0.6, channels, dtype=real)
    a = to_numpy(w).reshape((-1,) + (1,) * max(len(shape) - 2, 0)) if channels > 1 else to_numpy(w)[0]
    prelu = lambda t: np.where(t >= 0, t, a * t)
    assert_matches(CF.cprelu(z, w), split(prelu)(to_numpy(z)))
    m = cnn.CPReLU(channels, dtype=real)
    with torch.no_grad():
        m.weight.copy_(w)
    assert_matches(m(z), split(prelu)(to_numpy(z)))


def test_cprelu_is_torch_prelu_on_each_part():
    z, w = crandn(2, 3, 4), torch.rand(3, dtype=torch.float64)
    y = CF.cprelu(z, w)
    torch.testing.assert_close(y.real, nn.functional.prelu(z.real, w), rtol=0, atol=0)
    torch.testing.assert_close(y.imag, nn.functional.prelu(z.imag, w), rtol=0, atol=0)


def test_ratio_mask_bounds_and_applies_to_the_mixture():
    o, x = 3 * crandn(2, 1, 6, 5), crandn(2, 1, 6, 5)
    m = CF.complex_ratio_mask(o)
    assert m.abs().max() < 1 and torch.allclose(torch.angle(m), torch.angle(o))
    y = cnn.ComplexRatioMask()(o, x)
    assert_matches(y, np_mod_tanh(to_numpy(o)) * to_numpy(x))
    assert (y.abs() <= x.abs()).all()
    assert_matches(CF.complex_ratio_mask(o, x[:1, :, :1]), np_mod_tanh(to_numpy(o)) * to_numpy(x[:1, :, :1]))  # bcast
    assert_matches(CF.mod_tanh(o), to_numpy(m))


def test_modules_match_functions():
    z = crandn(2, 3, 4, 4)
    pairs = [(cnn.ComplexTanh(), CF.split_tanh(z)), (cnn.ComplexSigmoid(), CF.split_sigmoid(z)),
             (cnn.ComplexELU(0.5), CF.split_elu(z, 0.5)), (cnn.ComplexGELU("tanh"), CF.split_gelu(z, "tanh")),
             (cnn.ZLeakyReLU(0.3), CF.zleaky_relu(z, 0.3)), (cnn.ModTanh(), CF.mod_tanh(z)),
             (cnn.ComplexRatioMask(), CF.complex_ratio_mask(z))]
    for m, want in pairs:
        m.train()
        torch.testing.assert_close(m(z), want, rtol=0, atol=0)
        m.eval()  # no mode-dependent behaviour
        torch.testing.assert_close(m(z), want, rtol=0, atol=0)
    assert repr(cnn.ComplexELU(0.5)) == "ComplexELU(alpha=0.5)"
    assert repr(cnn.ZLeakyReLU()) == "ZLeakyReLU(negative_slope=0.01)"
    assert repr(cnn.CPReLU(3, init=0.1)) == "CPReLU(num_parameters=3, init=0.1)"


# ------------------------------------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_gradcheck(name):
    fn, _ = REFERENCES[name]
    z = crandn(3, 4)
    z[0, :2] = torch.tensor([1e-3 + 2e-3j, -0.5 + 1.5j])  # near zero, away from the kinks of zleaky/elu/prelu
    assert torch.autograd.gradcheck(fn, (z.requires_grad_(),))


def test_gradcheck_cprelu_and_ratio_mask_with_mixture():
    z, w = crandn(2, 3, 4, requires_grad=True), torch.tensor([0.1, -0.2, 0.4], dtype=torch.float64,
                                                                  requires_grad=True)
    assert torch.autograd.gradcheck(CF.cprelu, (z, w))
    o, x = crandn(2, 3, requires_grad=True), crandn(2, 3, requires_grad=True)
    assert torch.autograd.gradcheck(CF.complex_ratio_mask, (o, x))


@pytest.mark.parametrize("fn", [CF.mod_tanh, CF.complex_ratio_mask])
def test_mod_tanh_gradient_at_zero_is_the_identity(fn):
    z = torch.zeros(3, dtype=C128, requires_grad=True)
    y = fn(z)
    (torch.view_as_real(y) * torch.tensor([2.0, -3.0], dtype=torch.float64)).sum().backward()
    assert torch.isfinite(torch.view_as_real(z.grad)).all()
    torch.testing.assert_close(z.grad, torch.full((3,), 2 - 3j, dtype=C128))  # d tanh(r)/r -> 1 at 0


# ------------------------------------------------------------------------------------------------- module basics
def test_cprelu_module_state_dict_dtype_and_reset():
    a, b = cnn.CPReLU(4, init=0.1), cnn.CPReLU(4)
    assert torch.equal(a.weight.detach(), torch.full((4,), 0.1))
    b.load_state_dict(a.state_dict())
    assert torch.equal(b.weight, a.weight)
    b.reset_parameters()
    assert torch.equal(b.weight.detach(), torch.full((4,), 0.25))
    d = cnn.CPReLU(4).to(C128)  # kind preserved: the weight stays real, in double precision
    assert d.weight.dtype == torch.float64 and d(crandn(2, 4)).dtype == C128
    m = cnn.CPReLU(2)
    m(crandn(5, 2, dtype=torch.complex64)).abs().sum().backward()
    assert m.weight.grad.shape == (2,) and m.weight.grad.abs().min() > 0


# ------------------------------------------------------------------------------------------------------ bad inputs
MODULES = [cnn.ComplexTanh, cnn.ComplexSigmoid, cnn.ComplexELU, cnn.ComplexGELU, cnn.CPReLU, cnn.ZLeakyReLU,
           cnn.ModTanh, cnn.ComplexRatioMask]


@pytest.mark.filterwarnings("ignore:ComplexHalf support is experimental")
@pytest.mark.parametrize("module", MODULES)
def test_real_input_raises_type_error_naming_the_layer(module):
    with pytest.raises(TypeError, match=rf"{module.__name__} expects a complex tensor, got torch.float32"):
        module()(torch.randn(2, 3))
    with pytest.raises(TypeError, match=rf"{module.__name__} supports torch.complex64 and torch.complex128"):
        module()(torch.zeros(2, dtype=torch.complex32))


@pytest.mark.parametrize("name", ["split_tanh", "split_sigmoid", "split_elu", "split_gelu", "zleaky_relu", "mod_tanh",
                                  "complex_ratio_mask"])
def test_functional_real_input_raises_type_error(name):
    with pytest.raises(TypeError, match=rf"{name} expects a complex tensor"):
        getattr(CF, name)(torch.randn(3))


def test_parameter_errors():
    z = crandn(2, 3, 4, dtype=torch.complex64)
    with pytest.raises(ValueError, match=r"CPReLU expects 4 channels \(dimension 1\), got 3"):
        cnn.CPReLU(4)(z)
    with pytest.raises(TypeError, match=r"CPReLU expects input of dtype matching its weight torch.float32"):
        cnn.CPReLU()(z.to(C128))
    with pytest.raises(TypeError, match=r"CPReLU weight must be a real floating dtype"):
        cnn.CPReLU(dtype=torch.complex64)
    with pytest.raises(ValueError, match=r"CPReLU: num_parameters must be a positive int"):
        cnn.CPReLU(0)
    with pytest.raises(TypeError, match=r"cprelu expects a real floating weight, got torch.complex64"):
        CF.cprelu(z, torch.ones(3, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"cprelu expects 2 channels \(dimension 1\), got 3"):
        CF.cprelu(z, torch.ones(2))
    with pytest.raises(TypeError, match=r"cprelu expects a weight of the input's real dtype torch.float32"):
        CF.cprelu(z, torch.ones(3, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"ComplexGELU: approximate must be 'none' or 'tanh', got 'erf'"):
        cnn.ComplexGELU("erf")
    with pytest.raises(ValueError, match=r"split_gelu: approximate must be 'none' or 'tanh'"):
        CF.split_gelu(z, "erf")
    with pytest.raises(ValueError, match=r"ComplexRatioMask expects a mixture broadcastable with its input "
                                         r"\(2, 3, 4\), got \(2, 5, 4\)"):
        cnn.ComplexRatioMask()(z, crandn(2, 5, 4, dtype=torch.complex64))
    with pytest.raises(TypeError, match=r"ComplexRatioMask mixture expects input of dtype torch.complex64"):
        cnn.ComplexRatioMask()(z, crandn(2, 3, 4))
    with pytest.raises(ValueError, match=r"complex_ratio_mask expects a mixture broadcastable"):
        CF.complex_ratio_mask(z, crandn(5, dtype=torch.complex64))


def test_empty_and_non_contiguous_inputs():
    z = crandn(4, 6, 5)
    for m in (cnn.ComplexTanh(), cnn.ComplexGELU(), cnn.CPReLU(6, dtype=torch.float64), cnn.ZLeakyReLU(),
              cnn.ModTanh()):
        assert m(z[:0]).shape == (0, 6, 5)
        view = z.transpose(0, 2)[:, ::2]
        torch.testing.assert_close(m(view.contiguous()) if not isinstance(m, cnn.CPReLU) else m(z[:, :, ::2]),
                                   m(view).contiguous() if not isinstance(m, cnn.CPReLU) else
                                   m(z[:, :, ::2].contiguous()))


# ---------------------------------------------------------------------------------------------- compile and export
def _stack() -> nn.Sequential:
    return nn.Sequential(cnn.ComplexTanh(), cnn.CPReLU(3, init=0.2), cnn.ComplexELU(), cnn.ComplexGELU("tanh"),
                         cnn.ZLeakyReLU(0.1), cnn.ComplexSigmoid(), cnn.ModTanh(), cnn.ComplexRatioMask())


def test_torch_compile_matches_eager():
    torch._dynamo.reset()
    m = _stack()
    z = 2 * crandn(2, 3, 5, dtype=torch.complex64)
    got = torch.compile(m, backend="aot_eager", fullgraph=True)(z)
    torch.testing.assert_close(got, m(z), rtol=1e-5, atol=1e-6)
    got.abs().sum().backward()
    assert m[1].weight.grad is not None


def test_onnx_export_matches_eager(tmp_path):
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    from deepcomplex.export import real_inputs, to_onnx

    m = _stack().eval()
    logging.disable(logging.WARNING)
    try:
        path = to_onnx(m, 2 * crandn(2, 3, 5, dtype=torch.complex64), tmp_path / "act.onnx")
    finally:
        logging.disable(logging.NOTSET)
    z = 2 * crandn(4, 3, 5, dtype=torch.complex64)
    z[0, 0, :3] = torch.tensor([0j, 1 + 0j, 1j])
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"input_0": real_inputs((z,))[0].numpy()})
    with torch.no_grad():
        np.testing.assert_allclose(got, torch.view_as_real(m(z)).numpy(), rtol=1e-4, atol=1e-5)
