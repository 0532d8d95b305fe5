"""CoShRem shearlet filters and the ComplexShearlet2d front end: pyCoShREM reference, symmetry, energy, orientation."""
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import CUDA
from deepcomplex.shearlet import ComplexShearlet2d, coshrem_filters, orientation_table

REF = np.load(Path(__file__).with_name("reference") / "coshrem_32.npz")
H_CONE = [0, 1, 2, 8, 9]   # wavelet along xi_x (orientations 1, 2, 3, 9, 10)
V_CONE = [3, 4, 5, 6, 7]   # wavelet along xi_y (orientations 4..8)


def _spatial(psi: np.ndarray) -> np.ndarray:
    """Centred filter spectrum -> centred spatial filter."""
    return np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(psi, axes=(-2, -1))), axes=(-2, -1))


def _abs_cos(filters: np.ndarray) -> np.ndarray:
    v = filters.reshape(len(filters), -1)
    v = v / np.linalg.norm(v, axis=1, keepdims=True)
    return np.abs(v.conj() @ v.T)


def _centroid_angles(filters: np.ndarray) -> np.ndarray:
    """Direction (degrees) of the energy centroid of each centred spectrum, xi_y up, xi_x right."""
    n = filters.shape[-1]
    xi = np.arange(n) - n // 2
    yy, xx = np.meshgrid(xi, xi, indexing="ij")
    e = np.abs(filters) ** 2
    return np.degrees(np.arctan2((e * yy).sum((1, 2)), (e * xx).sum((1, 2))))


def test_orientation_table_matches_coshrem():
    table = orientation_table(3)
    assert [k for _, k in table] == [0, 1, 2, 2, 1, 0, -1, -2, -2, -1]
    assert [i for i, (along_y, _) in enumerate(table) if along_y] == V_CONE
    assert len(orientation_table(4)) == 2 ** 4 + 2
    with pytest.raises(ValueError):
        orientation_table(1)


def test_compatibility_filters_equal_pycoshrem():
    ref = REF["filters"].transpose(2, 0, 1)
    ours = coshrem_filters(32, 32, shear="coshrem").numpy()
    assert ours.shape == (20, 32, 32) and ours.dtype == np.complex128
    assert np.abs(ours - ref).max() < 1e-13
    normalized = coshrem_filters(32, 32, shear="coshrem", normalize=True).numpy()
    assert np.abs(normalized - REF["filters_normalized"].transpose(2, 0, 1)).max() < 1e-13


def test_compatibility_coefficients_equal_pycoshrem_and_coshnet_is_the_conjugate():
    image = torch.from_numpy(REF["image"])[None, None]
    ref = REF["coefficients"].transpose(2, 0, 1)
    py = ComplexShearlet2d(shear="coshrem", convention="pycoshrem", dtype=torch.complex128)(image)[0].numpy()
    assert np.abs(py - ref).max() < 1e-11 * np.abs(ref).max()
    cn = ComplexShearlet2d(shear="coshrem", dtype=torch.complex128)(image)[0].numpy()
    assert np.abs(cn - np.conj(ref)).max() < 1e-11 * np.abs(ref).max()


@pytest.mark.parametrize("shear", ["exact", "coshrem"])
def test_coefficients_are_a_circular_correlation(shear):
    """C_k[n] = sum_m x[n + m] conj(h_k[m]) with h_k the spatial filter (FFT order), checked by explicit sums."""
    rng = np.random.default_rng(1)
    x = rng.random((8, 8))
    m = ComplexShearlet2d(8, shear=shear, dtype=torch.complex128)
    psi = coshrem_filters(8, 8, shear=shear).numpy()
    h = np.fft.ifft2(np.fft.ifftshift(psi, axes=(-2, -1)))
    ref = np.zeros_like(h)
    for a in range(8):
        for b in range(8):
            ref[:, a, b] = (np.roll(x, (-a, -b), (0, 1))[None] * np.conj(h)).sum((1, 2))
    out = m(torch.from_numpy(x)[None, None])[0].numpy()
    assert np.abs(out - ref).max() < 1e-12


@pytest.mark.parametrize("shear", ["exact", "coshrem"])
def test_real_part_even_imaginary_part_odd(shear):
    """In space each filter is even (real part) / odd (imaginary part) about a point half a sample off the centre."""
    h = _spatial(coshrem_filters(32, 32, shear=shear).numpy())
    for k in range(20):
        along_y = (k % 10) in V_CONE
        # reflection i -> 31 - i on the wavelet axis (centre 15.5), j -> (32 - j) mod 32 on the window axis (centre 16)
        refl = np.flip(h[k], 0 if along_y else 1)
        refl = np.roll(np.flip(refl, 1 if along_y else 0), 1, axis=1 if along_y else 0)
        assert np.abs(h[k].real - refl.real).max() < 1e-12
        assert np.abs(h[k].imag + refl.imag).max() < 1e-12
        assert np.linalg.norm(h[k].imag) == pytest.approx(np.linalg.norm(h[k].real), rel=1e-6)


@pytest.mark.parametrize("shear", ["exact", "coshrem"])
def test_energy_zero_at_dc_and_analytic_half_planes(shear):
    psi = coshrem_filters(32, 32, shear=shear).numpy()
    energy = (np.abs(psi) ** 2).sum(0)
    assert energy[16, 16] < 1e-20  # no low-pass filter: the system does not see the mean
    assert energy.max() > 1
    xi = np.arange(32) - 16
    yy, xx = np.meshgrid(xi, xi, indexing="ij")
    for k in range(20):
        zero = (yy < 0) if (k % 10) in V_CONE else (xx >= 0)
        assert np.abs(psi[k][zero]).max() == 0
    assert np.abs(psi).max() == pytest.approx(4.6208, abs=1e-3)  # the peak of 2 * M / 2 on the grid


def test_exact_shears_separate_orientations_that_coshrem_folds_together():
    """The circular roll of the compatibility mode keeps a cone's filters near-duplicates; exact shears do not."""
    for cone in (H_CONE, V_CONE):
        compat = _abs_cos(coshrem_filters(32, 32, shear="coshrem").numpy()[cone])
        exact = _abs_cos(coshrem_filters(32, 32, shear="exact").numpy()[cone])
        assert compat.min() > 0.95
        assert exact.min() < 0.8
    angles = _centroid_angles(coshrem_filters(32, 32, shear="exact").numpy()[:10])
    # xi_y cone: k = 2, 1, 0, -1, -2 tilt monotonically across the vertical axis, by more than 20 degrees at |k| = 2
    v = angles[V_CONE]
    assert np.all(np.diff(v) > 5) and v[0] < 70 and v[-1] > 110 and abs(v[2] - 90) < 1.5
    compat_v = _centroid_angles(coshrem_filters(32, 32, shear="coshrem").numpy()[:10])[V_CONE]
    assert np.ptp(v) > 2 * np.ptp(compat_v)


def test_other_sizes_and_parameters():
    psi = coshrem_filters(28, 40, scales_per_octave=2, octaves=1.5, shear_level=3)
    assert psi.shape == (30, 28, 40)
    odd = coshrem_filters(33, 33)
    assert odd.shape == (20, 33, 33) and torch.isfinite(odd).all()
    with pytest.raises(ValueError, match="even sizes"):
        coshrem_filters(33, 33, shear="coshrem")
    with pytest.raises(ValueError, match="shear must be"):
        coshrem_filters(32, 32, shear="rolled")


def test_module_buffers_state_dict_and_dtypes():
    m = ComplexShearlet2d()
    assert m.kernel.dtype == torch.complex64 and m.num_filters == 20
    assert list(m.state_dict()) == ["kernel"] and not list(m.parameters())
    x = torch.rand(3, 1, 32, 32)
    y = m(x)
    assert y.shape == (3, 20, 32, 32) and y.dtype == torch.complex64
    m2 = ComplexShearlet2d(shear="coshrem")
    m2.load_state_dict(m.state_dict())
    assert torch.equal(m2(x), y)
    assert m(torch.zeros(0, 1, 32, 32)).shape == (0, 20, 32, 32)
    m.to(torch.float64)  # in place, as torch.nn.Module.to
    assert m.kernel.dtype == torch.complex128
    assert torch.allclose(m(x.double()), y.to(torch.complex128), atol=1e-4)


def test_module_bad_input():
    m = ComplexShearlet2d()
    with pytest.raises(TypeError, match="ComplexShearlet2d expects a real floating-point image tensor, got torch.complex64"):
        m(torch.zeros(1, 1, 32, 32, dtype=torch.complex64))
    with pytest.raises(TypeError, match="expects input of dtype torch.float32"):
        m(torch.zeros(1, 1, 32, 32, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"expects a \(N, 1, H, W\) input, got shape \(1, 2, 32, 32\)"):
        m(torch.zeros(1, 2, 32, 32))
    with pytest.raises(ValueError, match="built for 32 x 32 images, got 28 x 28"):
        m(torch.zeros(1, 1, 28, 28))
    with pytest.raises(ValueError, match="convention"):
        ComplexShearlet2d(convention="matlab")


@CUDA
def test_cuda_matches_cpu():
    m = ComplexShearlet2d()
    x = torch.rand(2, 1, 32, 32)
    assert torch.allclose(m.cuda()(x.cuda()).cpu(), ComplexShearlet2d()(x), atol=1e-4)


@pytest.mark.parametrize("shear,size", [("exact", 12), ("coshrem", 12), ("exact", 11)])
def test_conv2d_equals_transform_then_valid_convolution(shear, size):
    """ComplexShearlet2d.conv2d(x, W) = valid correlation of [Re C | Im C] with W, by explicit NumPy sums (an odd size
    checks the half-spectrum bookkeeping of the real FFTs, which differs between even and odd widths)."""
    rng = np.random.default_rng(2)
    k, out = 3, 4
    m = ComplexShearlet2d(size, shear=shear, dtype=torch.complex128)
    x = rng.random((2, 1, size, size))
    w = rng.standard_normal((out, 2 * m.num_filters, k, k)) + 1j * rng.standard_normal((out, 2 * m.num_filters, k, k))
    b = rng.standard_normal(out) + 1j * rng.standard_normal(out)
    psi = coshrem_filters(size, size, shear=shear).numpy()
    h = np.fft.ifft2(np.fft.ifftshift(psi, axes=(-2, -1)))
    coeff = np.fft.ifft2(np.fft.fft2(x) * np.conj(np.fft.fft2(h)))  # (2, K, H, W) circular correlation
    chans = np.concatenate((coeff.real, coeff.imag), 1)  # (2, 2K, H, W)
    side = size - k + 1
    ref = np.zeros((2, out, side, side), complex)
    for i in range(side):
        for j in range(side):
            ref[:, :, i, j] = np.einsum("njuv,ojuv->no", chans[:, :, i:i + k, j:j + k], w) + b
    got = m.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)).numpy()
    assert np.abs(got - ref).max() < 1e-10 * np.abs(ref).max()
    assert np.abs(m.conv2d(torch.from_numpy(x), torch.from_numpy(w)).numpy() - (ref - b[:, None, None])).max() < 1e-9
    parts = m.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), real_parts=True).numpy()
    assert parts.shape == (2, 2 * out, side, side)
    assert np.abs(parts[:, :out] - ref.real).max() < 1e-10 * np.abs(ref).max()
    assert np.abs(parts[:, out:] - ref.imag).max() < 1e-10 * np.abs(ref).max()


@pytest.mark.parametrize("size", [8, 7])
def test_conv2d_gradcheck_and_bad_input(size):
    m = ComplexShearlet2d(size, dtype=torch.complex128)
    x = torch.rand(2, 1, size, size, dtype=torch.float64, requires_grad=True)
    w = torch.randn(3, 40, 3, 3, dtype=torch.complex128, requires_grad=True)
    b = torch.randn(3, dtype=torch.complex128, requires_grad=True)
    assert torch.autograd.gradcheck(m.conv2d, (x, w, b))
    assert torch.autograd.gradcheck(lambda *a: m.conv2d(*a, real_parts=True), (x, w, b))
    assert torch.autograd.gradgradcheck(lambda w: m.conv2d(x.detach(), w, b.detach(), real_parts=True), (w,))
    with pytest.raises(ValueError, match=r"complex weight \(O, 40, k, k\)"):
        m.conv2d(x, torch.randn(3, 20, 3, 3, dtype=torch.complex128))
    with pytest.raises(TypeError, match="ComplexShearlet2d expects a real floating-point image"):
        m.conv2d(x.to(torch.complex128), w)
    with pytest.raises(ValueError, match="convention='coshnet' only"):
        ComplexShearlet2d(size, convention="pycoshrem", dtype=torch.complex128).conv2d(x, w)
