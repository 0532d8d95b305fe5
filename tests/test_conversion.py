"""Between real and complex: RealToComplex (zero / DCN's learned imaginary part), the concatenated and interleaved real
layouts and their inverses (ComplexToReal "cat"/"interleaved"), the modulus and phase heads; NumPy references,
gradcheck, bad input, torch.compile and ONNX export."""
from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck

import deepcomplex.functional as CF
from deepcomplex.models.dcn import DCNResNet
from deepcomplex.nn import (ComplexAngle, ComplexModulus, ComplexToReal, ConcatenatedToComplex, InterleavedToComplex,
                            RealToComplex)
from conftest import assert_matches, crandn, to_numpy

REAL = (torch.float32, torch.float64)


def np_interleave(z, dim):
    """[Re z_0, Im z_0, Re z_1, ...] along ``dim`` by an explicit loop over the index."""
    dim = dim % z.ndim
    shape = list(z.shape)
    shape[dim] *= 2
    out = np.zeros(shape)
    for k in range(z.shape[dim]):
        src = np.take(z, k, axis=dim)
        idx = [slice(None)] * z.ndim
        idx[dim] = 2 * k
        out[tuple(idx)] = src.real
        idx[dim] = 2 * k + 1
        out[tuple(idx)] = src.imag
    return out


@pytest.mark.parametrize("dtype", REAL)
def test_real_to_complex_zero(dtype):
    x = torch.randn(3, 4, 5, dtype=dtype)
    z = RealToComplex()(x)
    assert z.dtype == (torch.complex64 if dtype == torch.float32 else torch.complex128)
    assert_matches(z, to_numpy(x) + 0j)
    assert torch.equal(CF.real_to_complex(x), z)
    xg = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    assert gradcheck(CF.real_to_complex, (xg,))


@pytest.mark.parametrize("dim", [1, -1, 0, 2])
def test_interleaved_round_trip_and_reference(dim):
    z = crandn(2, 3, 4)
    x = ComplexToReal("interleaved", dim)(z)
    np.testing.assert_array_equal(x.numpy(), np_interleave(to_numpy(z), dim))
    assert torch.equal(InterleavedToComplex(dim)(x), z)
    assert torch.equal(CF.interleaved_to_complex(x, dim), z)
    if dim == -1:  # the interleaved last dimension is view_as_real flattened
        assert torch.equal(x, torch.view_as_real(z).flatten(-2))


@pytest.mark.parametrize("dim", [1, -1, 0])
def test_concatenated_round_trip_and_reference(dim):
    z = crandn(2, 3, 4)
    x = ComplexToReal("cat", dim)(z)
    np.testing.assert_array_equal(x.numpy(), np.concatenate([to_numpy(z).real, to_numpy(z).imag], axis=dim))
    assert torch.equal(ConcatenatedToComplex(dim)(x), z)
    assert torch.equal(CF.concatenated_to_complex(x, dim), z)


def test_complex_to_real_existing_modes_unchanged():
    z = crandn(2, 3, 4)
    assert torch.equal(ComplexToReal()(z), torch.cat([z.real, z.imag], 1))
    assert torch.equal(ComplexToReal("abs")(z), z.abs())
    with pytest.raises(ValueError, match="ComplexToReal: mode must be 'cat', 'interleaved' or 'abs', got 'x'"):
        ComplexToReal("x")
    with pytest.raises(ValueError, match="complex_to_real: mode must be"):
        CF.complex_to_real(z, "x")


def test_layout_gradcheck():
    x = torch.randn(2, 6, 3, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda t: CF.interleaved_to_complex(t, 1), (x,))
    assert gradcheck(lambda t: CF.concatenated_to_complex(t, -2), (x,))
    z = crandn(2, 3, 4, requires_grad=True)
    assert gradcheck(lambda t: CF.complex_to_real(t, "interleaved", 2), (z,))


def test_layout_bad_input():
    with pytest.raises(ValueError, match=r"InterleavedToComplex: expects an even size along dim 1"):
        InterleavedToComplex()(torch.randn(2, 5))
    with pytest.raises(ValueError, match=r"ConcatenatedToComplex: dim 3 is out of range"):
        ConcatenatedToComplex(3)(torch.randn(2, 4))
    with pytest.raises(TypeError, match=r"InterleavedToComplex expects a float32 or float64 tensor, got "
                                        r"torch.complex64 \(it is complex already\)"):
        InterleavedToComplex()(crandn(2, 4, dtype=torch.complex64))
    with pytest.raises(TypeError, match="RealToComplex expects a float32 or float64 tensor, got torch.int64"):
        RealToComplex()(torch.ones(3, dtype=torch.long))
    with pytest.raises(ValueError, match="RealToComplex: mode must be 'zero' or 'learned'"):
        RealToComplex("ones")
    with pytest.raises(ValueError, match="RealToComplex: mode='learned' needs in_channels"):
        RealToComplex("learned")


def test_learned_imaginary_part_is_dcns_block():
    """DCNResNet's learn_imag state dict loads into RealToComplex("learned").imag and gives the same complex input."""
    torch.manual_seed(0)
    net = DCNResNet(4, 1, in_channels=3)
    m = RealToComplex("learned", in_channels=3)
    m.imag.load_state_dict(net.learn_imag.state_dict())
    assert [type(a) for a in m.imag] == [type(b) for b in net.learn_imag]
    assert [(b.eps, b.momentum) for b in m.imag[0::3]] == [(b.eps, b.momentum) for b in net.learn_imag[0::3]]
    x = torch.rand(5, 3, 8, 8)
    z = m(x)
    assert torch.equal(z.real, x) and torch.allclose(z.imag, net.learn_imag(x))
    m.eval(), net.eval()
    assert torch.allclose(m(x).imag, net.learn_imag(x))
    with pytest.raises(ValueError, match=r"RealToComplex expects a 4D input \(N, C, 2 spatial dims\), got 3D"):
        m(torch.rand(3, 8, 8))
    with pytest.raises(ValueError, match=r"RealToComplex expects 3 channels \(dimension 1\), got 2"):
        m(torch.rand(1, 2, 8, 8))


def test_learned_gradcheck_state_dict_and_dtype():
    m = RealToComplex("learned", in_channels=2, spatial_dims=1, dtype=torch.float64)
    x = torch.rand(4, 2, 5, dtype=torch.float64, requires_grad=True)
    assert gradcheck(m.eval(), (x,))
    m.train()(torch.rand(4, 2, 5, dtype=torch.float64))
    m2 = RealToComplex("learned", in_channels=2, spatial_dims=1, dtype=torch.float64)
    m2.load_state_dict(m.state_dict())
    x = torch.rand(3, 2, 5, dtype=torch.float64)
    assert torch.equal(m2.eval()(x), m.eval()(x))
    assert m.to(torch.float32)(x.float()).dtype == torch.complex64
    with pytest.raises(TypeError, match="RealToComplex expects input of dtype torch.float32"):
        m(x)


def test_modulus_and_angle_heads():
    z = crandn(3, 4)
    assert_matches(ComplexModulus()(z), np.abs(to_numpy(z)))
    assert_matches(ComplexModulus(squared=True)(z), np.abs(to_numpy(z)) ** 2)
    assert_matches(ComplexAngle()(z), np.angle(to_numpy(z)))
    zg = crandn(3, 4, requires_grad=True)
    assert gradcheck(ComplexModulus(), (zg,)) and gradcheck(ComplexAngle(), (zg,))
    assert gradcheck(ComplexModulus(squared=True), (zg,))
    with pytest.raises(TypeError, match="ComplexAngle expects a complex tensor, got torch.float32"):
        ComplexAngle()(torch.randn(3))


def test_compile_and_onnx(tmp_path):
    """concatenated -> complex -> interleaved -> complex -> |z| and arg z, compiled and through ONNX."""
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    from deepcomplex.export import to_onnx

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = ConcatenatedToComplex(1), ComplexToReal("interleaved", -1)
            self.c, self.mod, self.ang = InterleavedToComplex(-1), ComplexModulus(), ComplexAngle()

        def forward(self, x):
            z = self.c(self.b(self.a(x)))
            return torch.cat([self.mod(z), self.ang(z)], 1)

    net = Net().eval()
    x = torch.randn(2, 6, 5)
    torch._dynamo.reset()
    torch.testing.assert_close(torch.compile(net)(x), net(x))
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        path = to_onnx(net, x, tmp_path / "conv.onnx")
    finally:
        logging.disable(previous)
    x4 = torch.randn(4, 6, 5)
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input_0": x4.numpy()})
    np.testing.assert_allclose(got, net(x4).numpy(), rtol=1e-5, atol=1e-6)
