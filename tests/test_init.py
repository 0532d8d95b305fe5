"""deepcomplex.init: fans, Rayleigh/uniform-phase init, the semi-unitary ("independent") init, complex bias init.

Expected values are computed here from channel counts (not from the tensor shape the way the implementation does):
    Linear (out, in)                     fan_in = in,                 fan_out = out
    ConvNd (out, in / g, *k)             fan_in = (in / g) * prod(k), fan_out = (out / g) * prod(k)
    ConvTransposeNd (in, out / g, *k)    fan_in = (in / g) * prod(k), fan_out = (out / g) * prod(k)
    He: sigma^2 = 1 / fan_in;  Glorot: sigma^2 = 1 / (fan_in + fan_out);  Var(Re W) = Var(Im W) = sigma^2.

The statistical checks use a fixed torch.Generator seed, so they are deterministic; their tolerances are 5 or more
standard errors wide, and the "power" tests show that the same checks reject a slightly wrong distribution.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

import deepcomplex.nn as cnn
from deepcomplex import init as cinit

DTYPES = (torch.complex64, torch.complex128)
VAR_RTOL = 0.05  # relative standard error of a sample variance of n >= 32768 Gaussians is <= 0.8 %


# Each case: (id, kind, in_channels, out_channels, kernel, groups). The weight shape is built from these.
CASES = [
    ("linear", "linear", 128, 256, (), 1),
    ("conv2d", "conv", 64, 64, (3, 3), 1),
    ("conv2d_groups4", "conv", 64, 256, (3, 3), 4),
    ("convT2d", "convT", 128, 32, (3, 3), 1),
    ("convT2d_groups2", "convT", 128, 64, (3, 3), 2),
]
CASE_IDS = [c[0] for c in CASES]


def weight_shape(kind: str, cin: int, cout: int, kernel: tuple, groups: int) -> tuple:
    if kind == "linear":
        return (cout, cin)
    if kind == "conv":
        return (cout, cin // groups, *kernel)
    if kind == "convT":
        return (cin, cout // groups, *kernel)
    raise AssertionError(kind)


def expected_fans(kind: str, cin: int, cout: int, kernel: tuple, groups: int) -> tuple[int, int]:
    k = math.prod(kernel) if kernel else 1
    return (cin // groups) * k, (cout // groups) * k


def expected_sigma2(criterion: str, fans: tuple[int, int]) -> float:
    fan_in, fan_out = fans
    return 1.0 / fan_in if criterion == "he" else 1.0 / (fan_in + fan_out)


def make_weight(case, dtype=torch.complex128) -> tuple[torch.Tensor, dict, tuple[int, int]]:
    _, kind, cin, cout, kernel, groups = case
    w = torch.zeros(weight_shape(kind, cin, cout, kernel, groups), dtype=dtype)
    kwargs = {"transposed": kind == "convT", "groups": groups}
    return w, kwargs, expected_fans(kind, cin, cout, kernel, groups)


def gen(seed: int = 1234) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def parts(w: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    w = w.detach().to(torch.complex128)
    return w.real.numpy().ravel(), w.imag.numpy().ravel()


def assert_var_close(x: np.ndarray, target: float, what: str, rtol: float = VAR_RTOL) -> None:
    v = float(np.var(x, ddof=1))
    assert abs(v / target - 1) < rtol, f"{what}: sample variance {v:.4e}, expected {target:.4e} (ratio {v / target:.4f})"


def assert_uncorrelated(a: np.ndarray, b: np.ndarray, what: str) -> None:
    r = float(np.corrcoef(a, b)[0, 1])
    bound = 5.0 / math.sqrt(a.size)  # 5 standard errors of a correlation coefficient under independence
    assert abs(r) < bound, f"{what}: correlation {r:.4f} exceeds {bound:.4f}"


def semi_unitary_error(w: torch.Tensor) -> float:
    """max |G / mean(diag G) - I| for the Gram matrix G of the smaller side of the (rows, cols) matrix of ``w``."""
    m = w.detach().to(torch.complex128)
    m = m.reshape(m.shape[0] * m.shape[1], -1) if m.dim() > 2 else m
    gram = m @ m.mH if m.shape[0] <= m.shape[1] else m.mH @ m
    gram = gram / gram.diagonal().real.mean()
    return float((gram - torch.eye(gram.shape[0], dtype=gram.dtype)).abs().max())


# --------------------------------------------------------------------------------------------------------------------
# calculate_fans
# --------------------------------------------------------------------------------------------------------------------

FAN_CASES = CASES + [
    ("conv1d", "conv", 32, 48, (5,), 1),
    ("conv1d_groups8", "conv", 32, 48, (5,), 8),
    ("conv3d", "conv", 8, 16, (3, 2, 4), 1),
    ("convT1d_groups4", "convT", 16, 24, (7,), 4),
    ("convT3d", "convT", 8, 12, (2, 3, 3), 1),
    ("conv2d_1x1", "conv", 64, 32, (1, 1), 1),
]


@pytest.mark.parametrize("case", FAN_CASES, ids=[c[0] for c in FAN_CASES])
def test_calculate_fans(case):
    w, kwargs, fans = make_weight(case)
    assert cinit.calculate_fans(w, **kwargs) == fans


def test_calculate_fans_matches_torch_for_plain_layers():
    # torch's own fan rule agrees with ours for groups=1 non-transposed weights (fan_out there ignores groups).
    for shape in [(256, 128), (64, 32, 3, 3), (16, 8, 5), (8, 4, 3, 3, 3)]:
        w = torch.empty(shape)
        assert cinit.calculate_fans(w) == torch.nn.init._calculate_fan_in_and_fan_out(w)


def test_calculate_fans_of_real_modules():
    conv_t = torch.nn.ConvTranspose2d(12, 20, (3, 5), groups=4)  # weight (12, 5, 3, 5)
    assert cinit.calculate_fans(conv_t.weight, transposed=True, groups=4) == (3 * 15, 5 * 15)
    conv = torch.nn.Conv2d(12, 20, (3, 5), groups=4)  # weight (20, 3, 3, 5)
    assert cinit.calculate_fans(conv.weight, groups=4) == (3 * 15, 5 * 15)


def test_calculate_fans_rejects_1d():
    with pytest.raises(ValueError):
        cinit.calculate_fans(torch.zeros(5, dtype=torch.complex64))


# --------------------------------------------------------------------------------------------------------------------
# complex_rayleigh_
# --------------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=["c64", "c128"])
@pytest.mark.parametrize("criterion", ["he", "glorot"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_rayleigh_statistics(case, criterion, dtype):
    w, kwargs, fans = make_weight(case, dtype)
    out = cinit.complex_rayleigh_(w, criterion, generator=gen(), **kwargs)
    assert out is w and w.dtype == dtype
    sigma2 = expected_sigma2(criterion, fans)
    sigma = math.sqrt(sigma2)
    re, im = parts(w)
    n = re.size
    assert n >= 32768

    # Var(Re) = Var(Im) = sigma^2, zero mean.
    assert_var_close(re, sigma2, "Var(Re W)")
    assert_var_close(im, sigma2, "Var(Im W)")
    assert abs(re.mean()) < 5 * sigma / math.sqrt(n)
    assert abs(im.mean()) < 5 * sigma / math.sqrt(n)

    # |W| ~ Rayleigh(sigma): KS test and the mean sigma * sqrt(pi / 2).
    modulus = np.hypot(re, im)
    p = stats.kstest(modulus, stats.rayleigh(scale=sigma).cdf).pvalue
    assert p > 1e-3, f"modulus is not Rayleigh({sigma:.4g}): KS p = {p:.2e}"
    mean_expected = sigma * math.sqrt(math.pi / 2)
    se = sigma * math.sqrt((4 - math.pi) / 2) / math.sqrt(n)
    assert abs(modulus.mean() - mean_expected) < 5 * se, f"E|W| = {modulus.mean():.5g}, expected {mean_expected:.5g}"

    # arg W ~ U(-pi, pi).
    phase = np.arctan2(im, re)
    p = stats.kstest(phase, stats.uniform(loc=-math.pi, scale=2 * math.pi).cdf).pvalue
    assert p > 1e-3, f"phase is not uniform on (-pi, pi): KS p = {p:.2e}"

    # Re and Im uncorrelated.
    assert_uncorrelated(re, im, "Re/Im")


def test_rayleigh_checks_have_power():
    """The KS tests and variance checks used above reject a sigma that is 5 % off and a phase range that is 5 % short."""
    w, kwargs, fans = make_weight(CASES[1])
    cinit.complex_rayleigh_(w, "he", generator=gen(), **kwargs)
    sigma = math.sqrt(expected_sigma2("he", fans))
    re, im = parts(w)
    modulus, phase = np.hypot(re, im), np.arctan2(im, re)
    assert stats.kstest(modulus, stats.rayleigh(scale=1.05 * sigma).cdf).pvalue < 1e-6
    assert stats.kstest(phase, stats.uniform(loc=-0.95 * math.pi, scale=1.9 * math.pi).cdf).pvalue < 1e-6
    with pytest.raises(AssertionError):
        assert_var_close(re, 1.1 * sigma**2, "Var(Re W) against a wrong target")


def test_rayleigh_he_and_glorot_differ_by_fan_ratio():
    case = CASES[3]  # convT2d: fan_in = 1152, fan_out = 288
    w_he, kwargs, fans = make_weight(case)
    w_gl = w_he.clone()
    cinit.complex_rayleigh_(w_he, "he", generator=gen(7), **kwargs)
    cinit.complex_rayleigh_(w_gl, "glorot", generator=gen(7), **kwargs)
    # Same generator seed: the same uniform draws, so the Glorot weight is exactly the He weight scaled.
    ratio = math.sqrt(fans[0] / (fans[0] + fans[1]))
    torch.testing.assert_close(w_gl, w_he * ratio, rtol=1e-12, atol=0)


def test_rayleigh_transposed_flag_changes_scale():
    # A ConvTranspose2d(128 -> 32) weight (128, 32, 3, 3): fan_in is 128 * 9, not 32 * 9 as for a Conv2d of that shape.
    w_t = torch.zeros(128, 32, 3, 3, dtype=torch.complex128)
    w_c = w_t.clone()
    cinit.complex_rayleigh_(w_t, "he", transposed=True, generator=gen(3))
    cinit.complex_rayleigh_(w_c, "he", transposed=False, generator=gen(3))
    torch.testing.assert_close(w_c, w_t * 2.0, rtol=1e-12, atol=0)


# --------------------------------------------------------------------------------------------------------------------
# complex_independent_
# --------------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=["c64", "c128"])
@pytest.mark.parametrize("criterion", ["he", "glorot"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_independent_variance_and_structure(case, criterion, dtype):
    w, kwargs, fans = make_weight(case, dtype)
    out = cinit.complex_independent_(w, criterion, generator=gen(), **kwargs)
    assert out is w and w.dtype == dtype
    sigma2 = expected_sigma2(criterion, fans)
    re, im = parts(w)
    assert_var_close(re, sigma2, "Var(Re W)")
    assert_var_close(im, sigma2, "Var(Im W)")
    assert_uncorrelated(re, im, "Re/Im")
    # Re and Im are scaled separately, which keeps the semi-unitary structure up to O(1/sqrt(n)) distortion.
    tol = 1e-3 if dtype == torch.complex128 else 2e-3
    err = semi_unitary_error(w)
    assert err < tol, f"not semi-unitary up to scale: max |G/mean(diag) - I| = {err:.2e}"


@pytest.mark.parametrize("shape", [(128, 256), (256, 128), (96, 96)])
def test_independent_linear_is_semi_unitary(shape):
    """For a Linear (out, in) weight: W W^H ∝ I when out <= in, W^H W ∝ I when out >= in."""
    w = torch.zeros(shape, dtype=torch.complex128)
    cinit.complex_independent_(w, "glorot", generator=gen(11))
    gram = w @ w.mH if shape[0] <= shape[1] else w.mH @ w
    scale = gram.diagonal().real.mean()
    torch.testing.assert_close(gram / scale, torch.eye(gram.shape[0], dtype=gram.dtype), rtol=0, atol=2e-3)
    # The proportionality constant is the one the target variance implies: trace(gram) = 2 sigma^2 * numel.
    sigma2 = 1.0 / (shape[0] + shape[1])
    assert float(scale) * gram.shape[0] == pytest.approx(2 * sigma2 * w.numel(), rel=1e-2)


def test_independent_conv_rows_are_flattened_kernels():
    """A Conv weight (out, in, kh, kw) is the (out * in, kh * kw) semi-unitary matrix: its columns are orthogonal."""
    w = torch.zeros(64, 64, 3, 3, dtype=torch.complex128)
    cinit.complex_independent_(w, "he", generator=gen(5))
    m = w.reshape(64 * 64, 9)
    gram = m.mH @ m
    torch.testing.assert_close(gram / gram.diagonal().real.mean(), torch.eye(9, dtype=gram.dtype), rtol=0, atol=2e-3)


def test_semi_unitary_check_has_power():
    """The semi-unitarity check rejects a Rayleigh (i.i.d.) weight of the same shapes."""
    for shape in [(128, 256), (64, 64, 3, 3)]:
        w = torch.zeros(shape, dtype=torch.complex128)
        cinit.complex_rayleigh_(w, "he", generator=gen(5))
        assert semi_unitary_error(w) > 0.01  # >= 5x the tolerance the semi-unitary tests allow


# --------------------------------------------------------------------------------------------------------------------
# Reproducibility, dtypes, errors
# --------------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [cinit.complex_rayleigh_, cinit.complex_independent_], ids=["rayleigh", "independent"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["c64", "c128"])
def test_generator_reproducibility(fn, dtype):
    def draw(seed, global_seed):
        torch.manual_seed(global_seed)  # the global RNG must not matter when a generator is given
        return fn(torch.zeros(32, 16, 3, 3, dtype=dtype), "he", generator=gen(seed))

    a, b, c = draw(42, 0), draw(42, 99), draw(43, 0)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert torch.isfinite(a).all() and a.abs().min() >= 0 and a.abs().max() > 0


@pytest.mark.parametrize("fn", [cinit.complex_rayleigh_, cinit.complex_independent_], ids=["rayleigh", "independent"])
def test_generator_leaves_global_rng_untouched(fn):
    state = torch.get_rng_state()
    fn(torch.zeros(16, 8, 3, dtype=torch.complex64), "glorot", generator=gen(1))
    assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.parametrize("fn", [cinit.complex_rayleigh_, cinit.complex_independent_], ids=["rayleigh", "independent"])
def test_global_rng_reproducibility_without_generator(fn):
    torch.manual_seed(5)
    a = fn(torch.zeros(16, 8, dtype=torch.complex128))
    torch.manual_seed(5)
    b = fn(torch.zeros(16, 8, dtype=torch.complex128))
    c = fn(torch.zeros(16, 8, dtype=torch.complex128))
    assert torch.equal(a, b) and not torch.equal(b, c)


def test_complex64_and_complex128_statistics_agree():
    w64 = cinit.complex_rayleigh_(torch.zeros(256, 128, dtype=torch.complex64), "he", generator=gen(8))
    w128 = cinit.complex_rayleigh_(torch.zeros(256, 128, dtype=torch.complex128), "he", generator=gen(8))
    assert w64.dtype == torch.complex64 and w128.dtype == torch.complex128
    assert w64.real.var().item() == pytest.approx(w128.real.var().item(), rel=0.05)


@pytest.mark.parametrize("fn", [cinit.complex_rayleigh_, cinit.complex_independent_], ids=["rayleigh", "independent"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_real_tensor_raises_type_error(fn, dtype):
    w = torch.zeros(8, 4, dtype=dtype)
    with pytest.raises(TypeError):
        fn(w)
    assert (w == 0).all()  # untouched


@pytest.mark.parametrize("fn", [cinit.complex_rayleigh_, cinit.complex_independent_], ids=["rayleigh", "independent"])
@pytest.mark.parametrize("criterion", ["xavier", "kaiming", "HE", ""])
def test_bad_criterion_raises_value_error(fn, criterion):
    w = torch.zeros(8, 4, dtype=torch.complex64)
    with pytest.raises(ValueError):
        fn(w, criterion)
    assert (w == 0).all()


# --------------------------------------------------------------------------------------------------------------------
# Module defaults
# --------------------------------------------------------------------------------------------------------------------

MODULES = [
    # (id, factory, fan_in from channel counts, real torch counterpart, fan_in torch's own init uses for it)
    # torch's fan_in for a ConvTranspose weight (in, out / g, *k) is shape[1] * prod(k), the output side.
    ("ComplexConv2d", lambda **kw: cnn.ComplexConv2d(64, 64, 3, **kw), 64 * 9,
     lambda **kw: torch.nn.Conv2d(64, 64, 3, **kw), 64 * 9),
    ("ComplexLinear", lambda **kw: cnn.ComplexLinear(512, 256, **kw), 512,
     lambda **kw: torch.nn.Linear(512, 256, **kw), 512),
    ("ComplexConvTranspose2d", lambda **kw: cnn.ComplexConvTranspose2d(128, 32, 3, **kw), 128 * 9,
     lambda **kw: torch.nn.ConvTranspose2d(128, 32, 3, **kw), 32 * 9),
    ("ComplexConv2d_groups4", lambda **kw: cnn.ComplexConv2d(64, 256, 3, groups=4, **kw), 16 * 9,
     lambda **kw: torch.nn.Conv2d(64, 256, 3, groups=4, **kw), 16 * 9),
]


@pytest.mark.parametrize("name,factory,fan_in,native,torch_fan_in", MODULES, ids=[m[0] for m in MODULES])
def test_module_default_init_is_rayleigh_he(name, factory, fan_in, native, torch_fan_in):
    torch.manual_seed(0)
    m = factory()
    assert m.weight.dtype == torch.complex64
    re, im = parts(m.weight)
    assert_var_close(re, 1.0 / fan_in, f"{name} Var(Re W)")
    assert_var_close(im, 1.0 / fan_in, f"{name} Var(Im W)")
    p = stats.kstest(np.hypot(re, im), stats.rayleigh(scale=1 / math.sqrt(fan_in)).cdf).pvalue
    assert p > 1e-3, f"{name}: modulus not Rayleigh(1/sqrt(fan_in)), KS p = {p:.2e}"
    assert m.bias is not None and torch.count_nonzero(m.bias) == 0


@pytest.mark.parametrize("name,factory,fan_in,native,torch_fan_in", MODULES, ids=[m[0] for m in MODULES])
def test_module_init_differs_from_native_complex_init(name, factory, fan_in, native, torch_fan_in):
    """torch's default init on a complex weight draws Re and Im each with the real layer's variance
    (1 / (3 torch_fan_in)), so E|W|^2 is twice the real layer's; ours gives Var(Re) = Var(Im) = 1 / fan_in instead."""
    torch.manual_seed(0)
    ours = factory()
    torch.manual_seed(0)
    nat = native(dtype=torch.complex64)
    real = native()
    var_ours = float(ours.weight.detach().real.var())
    var_nat_re, var_nat_im = float(nat.weight.detach().real.var()), float(nat.weight.detach().imag.var())
    var_real = float(real.weight.detach().var())
    # Native complex: each part has the real variance, so E|W|^2 is doubled relative to the real layer.
    assert var_nat_re == pytest.approx(var_real, rel=0.1) and var_nat_im == pytest.approx(var_real, rel=0.1)
    assert float(nat.weight.detach().abs().pow(2).mean()) == pytest.approx(2 * var_real, rel=0.1)
    assert var_real == pytest.approx(1.0 / (3 * torch_fan_in), rel=0.1)
    # Ours differs from native: 1 / fan_in against 1 / (3 torch_fan_in) per part (a factor 3, or 0.75 for ConvT).
    expected_ratio = 3 * torch_fan_in / fan_in
    assert var_ours / var_nat_re == pytest.approx(expected_ratio, rel=0.1)
    assert abs(var_ours / var_nat_re - 1) > 0.2


def test_module_dtype_complex128_and_reset_parameters():
    m = cnn.ComplexConv2d(64, 64, 3, dtype=torch.complex128)
    assert m.weight.dtype == torch.complex128
    before = m.weight.detach().clone()
    m.reset_parameters()
    assert not torch.equal(before, m.weight)
    assert_var_close(parts(m.weight)[0], 1.0 / 576, "ComplexConv2d complex128 Var(Re W)")


# --------------------------------------------------------------------------------------------------------------------
# complex_bias_uniform_
# --------------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=["c64", "c128"])
@pytest.mark.parametrize("fan_in", [1, 64, 1000])
def test_bias_uniform_bounds_and_distribution(fan_in, dtype):
    b = torch.zeros(40000, dtype=dtype)
    out = cinit.complex_bias_uniform_(b, fan_in, generator=gen(9))
    assert out is b and b.dtype == dtype
    bound = 1.0 / math.sqrt(fan_in)
    re, im = parts(b)
    for x, what in [(re, "Re"), (im, "Im")]:
        assert x.min() >= -bound and x.max() <= bound, f"{what} leaves [-{bound}, {bound}]"
        assert x.min() < -0.999 * bound and x.max() > 0.999 * bound, f"{what} does not fill [-{bound}, {bound}]"
        p = stats.kstest(x, stats.uniform(loc=-bound, scale=2 * bound).cdf).pvalue
        assert p > 1e-3, f"{what} not U(-{bound}, {bound}): KS p = {p:.2e}"
        assert_var_close(x, bound**2 / 3, f"Var({what} b)")


def test_bias_uniform_parts_are_independent_draws():
    b = cinit.complex_bias_uniform_(torch.zeros(40000, dtype=torch.complex128), 16, generator=gen(10))
    re, im = parts(b)
    assert not np.allclose(re, im) and not np.allclose(re, -im)
    assert_uncorrelated(re, im, "Re/Im of the bias")
    # Joint check: each quadrant holds a quarter of the points (chi-square test of independence of the signs).
    table = np.array([[np.sum((re > 0) & (im > 0)), np.sum((re > 0) & (im <= 0))],
                      [np.sum((re <= 0) & (im > 0)), np.sum((re <= 0) & (im <= 0))]])
    assert stats.chi2_contingency(table).pvalue > 1e-3
    # And the pairs (Re, Im) are not a shifted copy of each other (e.g. Im taken from the next element's Re).
    assert abs(np.corrcoef(re[1:], im[:-1])[0, 1]) < 5 / math.sqrt(re.size)
    assert abs(np.corrcoef(re[:-1], im[1:])[0, 1]) < 5 / math.sqrt(re.size)


def test_bias_uniform_reproducible_and_errors():
    a = cinit.complex_bias_uniform_(torch.zeros(100, dtype=torch.complex64), 8, generator=gen(1))
    b = cinit.complex_bias_uniform_(torch.zeros(100, dtype=torch.complex64), 8, generator=gen(1))
    c = cinit.complex_bias_uniform_(torch.zeros(100, dtype=torch.complex64), 8, generator=gen(2))
    assert torch.equal(a, b) and not torch.equal(a, c)
    with pytest.raises(TypeError):
        cinit.complex_bias_uniform_(torch.zeros(10), 8)
    z = cinit.complex_bias_uniform_(torch.ones(10, dtype=torch.complex64), 0)
    assert torch.count_nonzero(z) == 0  # fan_in = 0: bound 0


# --------------------------------------------------------------------------------------------------------------------
# complex_kaiming_uniform_ / complex_xavier_uniform_: uniform modulus on [0, sqrt(6) sigma], uniform phase
# --------------------------------------------------------------------------------------------------------------------

UNIFORM_INITS = {"he": cinit.complex_kaiming_uniform_, "glorot": cinit.complex_xavier_uniform_}


def uniform_part_var_se(n: int) -> float:
    """Relative standard error of the sample variance of Re W for |W| ~ U(0, a), arg W ~ U(-pi, pi), n samples.

    Re W = r cos(theta): E[Re^2] = E[r^2] / 2 = a^2 / 6, E[Re^4] = E[r^4] E[cos^4] = (a^4 / 5)(3 / 8), so
    Var(s^2) ~ (mu4 - sigma^4) / n = a^4 (3 / 40 - 1 / 36) / n and the relative error is 6 sqrt(17 / 360) / sqrt(n).
    """
    return 6.0 * math.sqrt(17.0 / 360.0) / math.sqrt(n)


@pytest.mark.parametrize("dtype", DTYPES, ids=["c64", "c128"])
@pytest.mark.parametrize("criterion", ["he", "glorot"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_uniform_modulus_variance_bound_and_phase(case, criterion, dtype):
    w, kwargs, fans = make_weight(case, dtype)
    UNIFORM_INITS[criterion](w, generator=gen(21), **kwargs)
    sigma2 = expected_sigma2(criterion, fans)
    re, im = parts(w)
    tol = 5 * uniform_part_var_se(re.size)  # 5 standard errors, from the sample size
    for what, x in (("Re", re), ("Im", im)):
        v = float(np.var(x, ddof=1))
        assert abs(v / sigma2 - 1) < tol, f"Var({what} W) = {v:.4e}, expected {sigma2:.4e} (tolerance {tol:.4f})"
    assert_uncorrelated(re, im, "Re/Im")
    modulus = np.abs(re + 1j * im)
    bound = math.sqrt(6 * sigma2)
    assert modulus.max() <= bound * (1 + 1e-6) and modulus.max() > 0.99 * bound
    assert stats.kstest(modulus, stats.uniform(loc=0, scale=bound).cdf).pvalue > 1e-3  # |W| ~ U(0, bound)
    phase = np.angle(re + 1j * im)
    assert stats.kstest(phase, stats.uniform(loc=-math.pi, scale=2 * math.pi).cdf).pvalue > 1e-3


def test_uniform_modulus_same_variance_as_rayleigh_and_rejects_wrong_scale():
    """Both criteria give the Rayleigh init's E|W|^2 = 2 sigma^2; the check above rejects a 5 % wider draw."""
    shape, fans = (256, 128), (128, 256)
    for criterion, fn in UNIFORM_INITS.items():
        u = fn(torch.empty(shape, dtype=torch.complex128), generator=gen(5))
        r = cinit.complex_rayleigh_(torch.empty(shape, dtype=torch.complex128), criterion, generator=gen(5))
        want = 2 * expected_sigma2(criterion, fans)
        n = u.numel()
        assert abs(u.abs().square().mean().item() / want - 1) < 5 * 0.894 / math.sqrt(n)  # sd(r^2)/E r^2 = 2/sqrt(5)
        assert abs(r.abs().square().mean().item() / want - 1) < 5 * 1.0 / math.sqrt(n)  # exponential: sd/mean = 1
    wide = cinit.complex_kaiming_uniform_(torch.empty(shape, dtype=torch.complex128), generator=gen(5)) * 1.05 ** 0.5
    v = float(np.var(parts(wide)[0], ddof=1))
    assert abs(v * 128 - 1) > 5 * uniform_part_var_se(wide.numel())


def test_uniform_modulus_reproducible_and_errors():
    a = cinit.complex_xavier_uniform_(torch.empty(8, 4, 3, dtype=torch.complex64), generator=gen(1))
    b = cinit.complex_xavier_uniform_(torch.empty(8, 4, 3, dtype=torch.complex64), generator=gen(1))
    assert torch.equal(a, b)
    with pytest.raises(TypeError, match="complex_kaiming_uniform_ expects a complex tensor, got torch.float32"):
        cinit.complex_kaiming_uniform_(torch.empty(4, 4))
    with pytest.raises(ValueError):
        cinit.complex_xavier_uniform_(torch.empty(4, dtype=torch.complex64))
