"""Complex activations (CReLU, modReLU, zReLU, cardioid) and ComplexToReal against float64 NumPy references."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck

import deepcomplex.functional as CF
from deepcomplex.nn import CardioidReLU, ComplexToReal, CReLU, ModReLU, ZReLU
from conftest import CUDA, DTYPES, assert_matches, crandn, to_numpy

REAL_OF = {torch.complex64: torch.float32, torch.complex128: torch.float64}


# ----------------------------------------------------------------------------------------------------------------
# NumPy references, written from the formulas
# ----------------------------------------------------------------------------------------------------------------

def np_crelu(z):
    return np.maximum(z.real, 0) + 1j * np.maximum(z.imag, 0)


def np_modrelu(z, b):
    r = np.abs(z)
    out = np.zeros_like(z)
    nz = r > 0
    scale = np.maximum(r + b, 0)
    scale = np.broadcast_to(scale, z.shape)
    out[nz] = scale[nz] * z[nz] / r[nz]
    return out


def np_zrelu(z):
    return np.where((z.real >= 0) & (z.imag >= 0), z, 0)


def np_cardioid(z):
    r = np.abs(z)
    out = np.zeros_like(z)
    nz = r > 0
    out[nz] = 0.5 * (1 + z.real[nz] / r[nz]) * z[nz]
    return out


def np_bias_view(b, ndim):
    """Per-channel bias broadcast along dim 1 (dim 0 for 1-D input)."""
    b = np.asarray(b, dtype=np.float64)
    if b.size == 1:
        return b.reshape(())
    if ndim < 2:
        return b
    return b.reshape(-1, *([1] * (ndim - 2)))


def away_from_axes(*shape, margin=0.1, dtype=torch.complex128, requires_grad=False):
    """Random complex tensor whose Re and Im are at least ``margin`` away from 0 (no ReLU kinks)."""
    z = crandn(*shape, dtype=dtype)
    re = torch.where(z.real >= 0, z.real + margin, z.real - margin)
    im = torch.where(z.imag >= 0, z.imag + margin, z.imag - margin)
    return torch.complex(re, im).requires_grad_(requires_grad)


def modulus_away_from(*shape, bias, margin=0.1, dtype=torch.complex128):
    """Random complex tensor with | |z| + b | >= margin everywhere (no modReLU kink) and |z| > 0."""
    z = crandn(*shape, dtype=dtype)
    r = z.abs()
    b = torch.as_tensor(bias, dtype=r.dtype)
    b = b.reshape(-1, *([1] * (z.dim() - 2))) if b.numel() > 1 and z.dim() >= 2 else b
    s = r + b
    target = torch.where(s >= 0, s + margin, s - margin) - b
    target = torch.where(target <= 0, torch.full_like(target, 0.05), target)  # keep |z| > 0
    return z / r * target


# ----------------------------------------------------------------------------------------------------------------
# Values against the references
# ----------------------------------------------------------------------------------------------------------------

SHAPES = [(7,), (3, 5), (2, 3, 4, 5), (2, 3, 2, 3, 2)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_crelu_matches_reference(dtype, shape):
    z = crandn(*shape, dtype=dtype)
    expected = np_crelu(to_numpy(z))
    out = CF.crelu(z)
    assert out.dtype == dtype
    assert_matches(out, expected)
    assert_matches(CReLU()(z), expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_zrelu_matches_reference(dtype, shape):
    z = crandn(*shape, dtype=dtype)
    expected = np_zrelu(to_numpy(z))
    out = CF.zrelu(z)
    assert out.dtype == dtype
    assert_matches(out, expected)
    assert_matches(ZReLU()(z), expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_cardioid_matches_reference(dtype, shape):
    z = crandn(*shape, dtype=dtype)
    expected = np_cardioid(to_numpy(z))
    out = CF.cardioid(z)
    assert out.dtype == dtype
    assert_matches(out, expected)
    assert_matches(CardioidReLU()(z), expected)


def test_zrelu_boundaries_are_inclusive():
    # arg z in [0, pi/2] is kept, boundaries included; the other three quadrants are zeroed
    z = torch.tensor([1 + 1j, 0 + 2j, 3 + 0j, 0j, -1 + 1j, 1 - 1j, -1 - 1j, -1e-300 + 1j, 1 - 1e-300j],
                     dtype=torch.complex128)
    expected = np.array([1 + 1j, 2j, 3, 0, 0, 0, 0, 0, 0], dtype=np.complex128)
    assert_matches(CF.zrelu(z), expected)


def test_cardioid_special_values():
    z = torch.tensor([2 + 0j, -2 + 0j, 3j, -3j, 0j, 1 + 1j], dtype=torch.complex128)
    # positive real axis: identity; negative real axis: 0; imaginary axis: halved
    expected = np.array([2, 0, 1.5j, -1.5j, 0, 0.5 * (1 + 1 / np.sqrt(2)) * (1 + 1j)], dtype=np.complex128)
    assert_matches(CF.cardioid(z), expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_modrelu_per_channel_bias_matches_reference(dtype):
    z = crandn(2, 4, 3, 5, dtype=dtype)
    b = torch.tensor([-0.5, 0.0, 0.3, -2.0], dtype=REAL_OF[dtype])
    expected = np_modrelu(to_numpy(z), np_bias_view(to_numpy(b), 4))
    assert_matches(CF.modrelu(z, b), expected)
    m = ModReLU(num_features=4, dtype=REAL_OF[dtype])
    with torch.no_grad():
        m.bias.copy_(b)
    out = m(z)
    assert out.dtype == dtype
    assert_matches(out, expected)


@pytest.mark.parametrize("shape", [(6,), (3, 6), (2, 6, 5), (2, 6, 3, 2, 2)])
def test_modrelu_bias_broadcasts_along_channel_dim(shape):
    c = shape[0] if len(shape) == 1 else shape[1]
    z = crandn(*shape)
    b = torch.linspace(-1.0, 0.5, c, dtype=torch.float64)
    expected = np_modrelu(to_numpy(z), np_bias_view(to_numpy(b), len(shape)))
    assert_matches(CF.modrelu(z, b), expected)
    m = ModReLU(num_features=c, dtype=torch.float64)
    with torch.no_grad():
        m.bias.copy_(b)
    assert_matches(m(z), expected)


@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 3, 4, 4)])
def test_modrelu_shared_bias(shape):
    z = crandn(*shape) if shape else crandn(1).reshape(())
    b = torch.tensor([-0.7], dtype=torch.float64)
    expected = np_modrelu(np.asarray(to_numpy(z)), -0.7)
    assert_matches(CF.modrelu(z, b), expected)
    m = ModReLU(init=-0.7, dtype=torch.float64)
    assert_matches(m(z), expected)


def test_modrelu_default_init_is_identity_and_negative_init_is_dead_zone():
    z = crandn(3, 4, dtype=torch.complex64)
    assert_matches(ModReLU(num_features=4)(z), to_numpy(z))
    m = ModReLU(num_features=4, init=-1.0)
    assert torch.equal(m.bias.detach(), torch.full((4,), -1.0))
    out = m(z)
    dead = z.abs() < 1.0
    assert dead.any() and (~dead).any()
    assert torch.all(out[dead] == 0)
    assert torch.all(out[~dead] != 0)
    assert_matches(out, np_modrelu(to_numpy(z), -1.0), dtype=torch.complex64)


def test_modrelu_is_zero_at_zero():
    z = torch.zeros(2, 3, dtype=torch.complex128)
    for b in (torch.tensor([0.5, 0.0, -0.5], dtype=torch.float64), torch.tensor([2.0], dtype=torch.float64)):
        out = CF.modrelu(z, b)
        assert torch.isfinite(torch.view_as_real(out)).all()
        assert torch.equal(out, torch.zeros_like(z))


def test_modrelu_reset_parameters():
    m = ModReLU(num_features=3, init=0.25)
    with torch.no_grad():
        m.bias.fill_(7.0)
    m.reset_parameters()
    assert torch.equal(m.bias.detach(), torch.full((3,), 0.25))
    assert m.bias.dtype == torch.get_default_dtype()
    assert not m.bias.is_complex()
    assert isinstance(m.bias, torch.nn.Parameter) and m.bias.requires_grad


@pytest.mark.parametrize("dtype", DTYPES)
def test_complex_to_real_cat_and_abs(dtype):
    z = crandn(2, 3, 4, dtype=dtype)
    zn = to_numpy(z)
    out = CF.complex_to_real(z)
    assert out.dtype == REAL_OF[dtype]
    assert_matches(out, np.concatenate([zn.real, zn.imag], axis=1), dtype=dtype)
    assert_matches(ComplexToReal()(z), np.concatenate([zn.real, zn.imag], axis=1), dtype=dtype)
    for dim in (0, 2, -1, -3):
        expected = np.concatenate([zn.real, zn.imag], axis=dim)
        assert_matches(CF.complex_to_real(z, "cat", dim=dim), expected, dtype=dtype)
        assert_matches(ComplexToReal("cat", dim=dim)(z), expected, dtype=dtype)
    out = CF.complex_to_real(z, mode="abs")
    assert out.dtype == REAL_OF[dtype]
    assert_matches(out, np.abs(zn), dtype=dtype)
    assert_matches(ComplexToReal(mode="abs")(z), np.abs(zn), dtype=dtype)


# ----------------------------------------------------------------------------------------------------------------
# Gradients
# ----------------------------------------------------------------------------------------------------------------

def test_gradcheck_crelu():
    z = away_from_axes(2, 3, 4, requires_grad=True)
    assert gradcheck(CF.crelu, (z,))
    assert gradcheck(CReLU(), (z,))


def test_gradcheck_zrelu():
    z = away_from_axes(2, 3, 4, requires_grad=True)
    assert gradcheck(CF.zrelu, (z,))
    assert gradcheck(ZReLU(), (z,))


def test_gradcheck_cardioid():
    z = away_from_axes(2, 3, 4, requires_grad=True)
    assert gradcheck(CF.cardioid, (z,))
    assert gradcheck(CardioidReLU(), (z,))


def test_gradcheck_modrelu_input_and_bias():
    b = torch.tensor([-0.8, 0.3, -0.2], dtype=torch.float64)
    z = modulus_away_from(2, 3, 4, bias=b).requires_grad_(True)
    # both dead (|z| < -b) and live entries must be present for this test to exercise both branches
    assert ((z.abs() + b.reshape(-1, 1)) < 0).any() and ((z.abs() + b.reshape(-1, 1)) > 0).any()
    assert gradcheck(CF.modrelu, (z, b.clone().requires_grad_(True)))
    m = ModReLU(num_features=3, dtype=torch.float64)
    with torch.no_grad():
        m.bias.copy_(b)
    assert gradcheck(m, (z,))


def test_modrelu_module_bias_gradient_matches_finite_difference():
    b = torch.tensor([-0.5, 0.4], dtype=torch.float64)
    z = modulus_away_from(3, 2, 5, bias=b)
    m = ModReLU(num_features=2, dtype=torch.float64)
    with torch.no_grad():
        m.bias.copy_(b)
    w = crandn(3, 2, 5)
    loss = lambda out: (out * w.conj()).real.sum()
    loss(m(z)).backward()
    eps = 1e-6
    for c in range(2):
        bp, bm = b.clone(), b.clone()
        bp[c] += eps
        bm[c] -= eps
        fd = (loss(CF.modrelu(z, bp)) - loss(CF.modrelu(z, bm))) / (2 * eps)
        assert abs(m.bias.grad[c].item() - fd.item()) < 1e-6


@pytest.mark.parametrize("bias", [0.5, -5e-4])
def test_gradcheck_modrelu_near_zero(bias):
    # |z| ~ 1e-3: the phase z/|z| varies fast; the gradient must still be exact there
    phase = torch.exp(1j * torch.rand(2, 6, dtype=torch.float64) * 2 * np.pi)
    r = 1e-3 * (0.8 + 0.4 * torch.rand(2, 6, dtype=torch.float64))
    z = (r * phase).requires_grad_(True)
    b = torch.tensor([bias], dtype=torch.float64, requires_grad=True)
    assert ((z.abs() + bias) > 0).all()  # live, away from the kink |z| = -b
    assert gradcheck(CF.modrelu, (z, b), eps=1e-8, atol=1e-5, rtol=1e-4)


def test_gradcheck_modrelu_at_exact_zero_with_negative_bias():
    z = torch.zeros(2, 3, dtype=torch.complex128)
    z[0, 0] = 0.9 + 0.1j  # one live entry, the rest exactly 0 inside the dead zone
    z.requires_grad_(True)
    b = torch.tensor([-0.25], dtype=torch.float64, requires_grad=True)
    assert gradcheck(CF.modrelu, (z, b))
    out = CF.modrelu(z, b)
    out.real.sum().backward()
    assert torch.all(z.grad[z.detach() == 0] == 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_modrelu_at_zero_with_positive_bias_is_finite(dtype):
    z = torch.zeros(2, 3, 2, dtype=dtype)
    z[1, 2, 1] = 0.3 - 0.4j
    z.requires_grad_(True)
    m = ModReLU(num_features=3, init=0.5, dtype=REAL_OF[dtype])
    out = m(z)
    assert torch.isfinite(torch.view_as_real(out)).all()
    assert torch.all(out[z.detach() == 0] == 0)
    w = crandn(2, 3, 2, dtype=dtype)
    (out * w.conj()).real.sum().backward()
    assert torch.isfinite(torch.view_as_real(z.grad)).all()
    assert torch.isfinite(m.bias.grad).all()
    # the one nonzero entry still receives d out / d b = z/|z| for its channel
    expected_b2 = ((0.3 - 0.4j) / 0.5 * np.conj(to_numpy(w)[1, 2, 1])).real
    assert abs(m.bias.grad[2].item() - expected_b2) < 1e-5
    assert m.bias.grad[0].item() == 0 and m.bias.grad[1].item() == 0


@pytest.mark.parametrize("dtype", DTYPES)
def test_cardioid_at_zero_is_finite(dtype):
    z = torch.zeros(4, dtype=dtype)
    z[1] = 1 + 1j
    z.requires_grad_(True)
    out = CF.cardioid(z)
    assert out[0] == 0
    w = crandn(4, dtype=dtype)
    (out * w.conj()).real.sum().backward()
    assert torch.isfinite(torch.view_as_real(z.grad)).all()
    out = CardioidReLU()(torch.zeros(3, dtype=dtype, requires_grad=True))
    assert torch.equal(out.detach(), torch.zeros(3, dtype=dtype))


@pytest.mark.parametrize("mode", ["cat", "abs"])
def test_gradcheck_complex_to_real(mode):
    z = away_from_axes(2, 3, 4, requires_grad=True)
    assert gradcheck(lambda t: CF.complex_to_real(t, mode, dim=1), (z,))
    assert gradcheck(ComplexToReal(mode, dim=-1), (z,))


# ----------------------------------------------------------------------------------------------------------------
# Memory layout
# ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_crelu_zrelu_on_channels_last_input(dtype):
    z = crandn(2, 3, 4, 5, dtype=dtype).contiguous(memory_format=torch.channels_last)
    assert not z.is_contiguous() and z.is_contiguous(memory_format=torch.channels_last)
    zn = to_numpy(z)
    out = CReLU()(z)
    assert_matches(out, np_crelu(zn))
    assert out.is_contiguous(memory_format=torch.channels_last)  # documented: crelu keeps the layout
    assert_matches(ZReLU()(z), np_zrelu(zn))
    assert_matches(CardioidReLU()(z), np_cardioid(zn))
    b = torch.tensor([0.1, -0.6, 0.0], dtype=REAL_OF[dtype])
    assert_matches(CF.modrelu(z, b), np_modrelu(zn, np_bias_view(to_numpy(b), 4)))


def test_activations_on_non_contiguous_views():
    base = crandn(2, 3, 6, 8)
    for z in (base[:, :, 1:, ::2], base.transpose(-1, -2), base[..., 3]):
        zn = to_numpy(z)
        assert_matches(CF.crelu(z), np_crelu(zn))
        assert_matches(CF.zrelu(z), np_zrelu(zn))
        assert_matches(CF.cardioid(z), np_cardioid(zn))


def test_crelu_backward_on_channels_last_input():
    z = away_from_axes(2, 3, 4, 5).contiguous(memory_format=torch.channels_last).requires_grad_(True)
    g = crandn(2, 3, 4, 5).contiguous(memory_format=torch.channels_last)
    CF.crelu(z).backward(g)
    zn, gn = to_numpy(z), to_numpy(g)
    expected = gn.real * (zn.real > 0) + 1j * gn.imag * (zn.imag > 0)
    assert_matches(z.grad, expected)
    z2 = z.detach().clone().requires_grad_(True)
    CF.zrelu(z2).backward(g)
    keep = (zn.real >= 0) & (zn.imag >= 0)
    assert_matches(z2.grad, np.where(keep, gn, 0))


# ----------------------------------------------------------------------------------------------------------------
# Modules: state, dtype, device, compile
# ----------------------------------------------------------------------------------------------------------------

def test_modrelu_state_dict_round_trip():
    m = ModReLU(num_features=3, init=0.0)
    with torch.no_grad():
        m.bias.copy_(torch.tensor([0.2, -0.4, 0.9]))
    sd = m.state_dict()
    assert list(sd.keys()) == ["bias"]
    m2 = ModReLU(num_features=3, init=5.0)
    m2.load_state_dict(sd)
    assert torch.equal(m2.bias.detach(), torch.tensor([0.2, -0.4, 0.9]))
    z = crandn(2, 3, 4, dtype=torch.complex64)
    assert torch.equal(m(z), m2(z))
    with pytest.raises(RuntimeError):
        ModReLU(num_features=4).load_state_dict(sd)


@pytest.mark.parametrize("module", [CReLU(), ZReLU(), CardioidReLU(), ComplexToReal(), ComplexToReal("abs")])
def test_parameterless_modules_have_empty_state_dict(module):
    assert len(module.state_dict()) == 0
    assert len(list(module.parameters())) == 0


def test_modrelu_to_float64_accepts_complex128():
    m = ModReLU(num_features=3, init=-0.3)
    z = crandn(2, 3, 4, dtype=torch.complex128)
    with pytest.raises(TypeError, match="ModReLU"):
        m(z)  # float32 bias, complex128 input: no silent cast
    m = m.to(torch.float64)
    assert m.bias.dtype == torch.float64
    out = m(z)
    assert out.dtype == torch.complex128
    assert_matches(out, np_modrelu(to_numpy(z), np.float64(np.float32(-0.3))))


@pytest.mark.filterwarnings("ignore:Complex modules are a new feature")
@pytest.mark.parametrize("target", [torch.complex128, torch.float64])
def test_modrelu_to_double_keeps_bias_real(target):
    # README: .to(complex128) and .to(float64) both mean double precision; the bias stays real
    model = torch.nn.Sequential(CReLU(), ModReLU(num_features=3, init=-0.25)).to(target)
    bias = model[1].bias
    assert bias.dtype == torch.float64 and not bias.is_complex()
    assert isinstance(bias, torch.nn.Parameter)
    z = crandn(2, 3, 4, dtype=torch.complex128)
    out = model(z)
    assert out.dtype == torch.complex128
    assert_matches(out, np_modrelu(np_crelu(to_numpy(z)), -0.25))
    model = model.to(torch.complex64)
    assert model[1].bias.dtype == torch.float32
    assert model(z.to(torch.complex64)).dtype == torch.complex64


def test_modrelu_dtype_argument():
    m = ModReLU(num_features=2, init=0.1, dtype=torch.float64)
    assert m.bias.dtype == torch.float64
    with pytest.raises(TypeError):
        ModReLU(num_features=2, dtype=torch.complex64)


@CUDA
@pytest.mark.parametrize("dtype", DTYPES)
def test_activations_on_cuda(dtype):
    z = crandn(2, 3, 4, 5, dtype=dtype)
    zn = to_numpy(z)
    zc = z.cuda()
    m = ModReLU(num_features=3, init=-0.4, device="cuda", dtype=REAL_OF[dtype])
    assert m.bias.device.type == "cuda"
    for fn, ref in ((CReLU(), np_crelu(zn)), (ZReLU(), np_zrelu(zn)), (CardioidReLU(), np_cardioid(zn)),
                    (m, np_modrelu(zn, -0.4))):
        out = fn(zc)
        assert out.device.type == "cuda"
        assert_matches(out, ref)
    out = ComplexToReal()(zc)
    assert out.device.type == "cuda"
    assert_matches(out, np.concatenate([zn.real, zn.imag], axis=1), dtype=dtype)
    zg = zc.clone().requires_grad_(True)
    m(CF.crelu(zg)).abs().sum().backward()
    assert torch.isfinite(torch.view_as_real(zg.grad)).all() and m.bias.grad.device.type == "cuda"


def test_torch_compile_matches_eager():
    model = torch.nn.Sequential(CReLU(), ModReLU(num_features=3, init=-0.2), ZReLU(), CardioidReLU(),
                                ModReLU(init=0.1))
    z = crandn(2, 3, 5, 5, dtype=torch.complex64)
    eager = model(z)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compiled = torch.compile(model)(z)
    assert compiled.dtype == torch.complex64 and compiled.shape == eager.shape
    assert not torch.equal(eager, torch.zeros_like(eager))
    torch.testing.assert_close(compiled, eager, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------------------------------------------
# Bad input and edge shapes
# ----------------------------------------------------------------------------------------------------------------

MODULES = [CReLU(), ZReLU(), CardioidReLU(), ModReLU(), ComplexToReal()]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: type(m).__name__)
def test_real_input_raises_type_error_naming_the_layer(module):
    name = type(module).__name__
    with pytest.raises(TypeError, match=f"^{name} expects a complex tensor, got torch.float32"):
        module(torch.randn(2, 3))
    with pytest.raises(TypeError, match=f"^{name} expects a complex tensor, got torch.float64"):
        module(torch.randn(2, 3, dtype=torch.float64))


@pytest.mark.parametrize("module", MODULES, ids=lambda m: type(m).__name__)
def test_complex32_raises_type_error(module):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z = torch.zeros(2, 3, dtype=torch.complex32)
    with pytest.raises(TypeError, match=type(module).__name__):
        module(z)


@pytest.mark.parametrize("name", ["crelu", "zrelu", "cardioid", "complex_to_real"])
def test_functional_real_input_raises_type_error(name):
    fn = getattr(CF, name)
    with pytest.raises(TypeError, match=f"^{name} expects a complex tensor, got torch.float32"):
        fn(torch.randn(3))
    with pytest.raises(TypeError, match="^modrelu expects a complex tensor"):
        CF.modrelu(torch.randn(3), torch.zeros(1))


def test_modrelu_channel_mismatch_raises_value_error():
    with pytest.raises(ValueError, match=r"ModReLU expects 4 channels.*got 3"):
        ModReLU(num_features=4)(crandn(2, 3, 5, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"expects 4 .*got 3"):
        CF.modrelu(crandn(2, 3, 5), torch.zeros(4, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"expects 4 .*got 5"):
        CF.modrelu(crandn(5), torch.zeros(4, dtype=torch.float64))
    with pytest.raises(ValueError, match="ModReLU"):
        ModReLU(num_features=4)(torch.tensor(1 + 1j, dtype=torch.complex64))


def test_modrelu_complex_bias_raises():
    with pytest.raises(TypeError, match="real bias"):
        CF.modrelu(crandn(2, 3), torch.zeros(3, dtype=torch.complex128))


def test_complex_to_real_bad_mode_raises():
    with pytest.raises(ValueError, match="'angle'"):
        ComplexToReal(mode="angle")
    with pytest.raises(ValueError, match="'angle'"):
        CF.complex_to_real(crandn(2, 3), mode="angle")


@pytest.mark.parametrize("dtype", DTYPES)
def test_empty_batch(dtype):
    z = torch.zeros(0, 3, 4, dtype=dtype)
    ref_shape = torch.nn.ReLU()(torch.zeros(0, 3, 4)).shape
    for module in (CReLU(), ZReLU(), CardioidReLU(), ModReLU(num_features=3, dtype=REAL_OF[dtype])):
        out = module(z)
        assert out.shape == ref_shape and out.dtype == dtype
    assert ComplexToReal()(z).shape == torch.cat([z.real, z.imag], dim=1).shape == (0, 6, 4)
    assert ComplexToReal("abs")(z).shape == (0, 3, 4)
