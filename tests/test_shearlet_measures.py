"""CoShREM edge and ridge measures: pyCoShREM 0.0.2's detect() reference, synthetic edges and lines, errors, example."""
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import CUDA
from deepcomplex.shearlet import coshrem_filters, edge_measure, ridge_measure

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))

import coshrem_edges  # noqa: E402

REFERENCE = Path(__file__).with_name("reference")
IMAGE = torch.from_numpy(np.load(REFERENCE / "coshrem_32.npz")["image"])
REF = np.load(REFERENCE / "coshrem_measures_32.npz")
S40 = dict(wavelet_eff_support=14, gaussian_eff_support=7, octaves=2)  # S40_PARAMS of make_coshrem_reference.py
WIDE = dict(wavelet_eff_support=20, gaussian_eff_support=20, octaves=2)  # 64 x 64: filters that resolve directions
MEASURE_TOL = 1e-12  # measures lie in [0, 1]; float64 reaches about 1e-14
ANGLE_TOL = 1e-9  # degrees; float64 reaches about 5e-13


def _grid(n):
    y, x = torch.meshgrid(torch.arange(n, dtype=torch.float64), torch.arange(n, dtype=torch.float64), indexing="ij")
    return y, x


def _angle_error(found, expected):
    """Distance between orientations modulo 180 degrees."""
    return (found - expected + 90) % 180 - 90


def _assert_matches_reference(result, key, suffix=""):
    measure, orientation = (t.numpy() for t in result)
    ref_measure, ref_orientation = REF[f"{key}_measure{suffix}"], REF[f"{key}_orientation{suffix}"]
    assert np.abs(measure - ref_measure).max() <= MEASURE_TOL
    found = ref_measure > 0
    assert found.sum() > 100 and np.array_equal(measure > 0, found)
    assert np.all(orientation[~found] == -1)
    diff = orientation[found] - ref_orientation[found]
    if ref_orientation.dtype.kind == "i":  # np.vectorize truncated pyCoShREM's angles to integers (they are >= 0)
        assert diff.min() > -ANGLE_TOL and diff.max() < 1
    else:
        assert np.abs(diff).max() <= ANGLE_TOL


@pytest.mark.parametrize("key, suffix, image, kwargs", [
    ("edge", "", IMAGE, dict(normalize=False)),  # CoShNet's filters
    ("edge", "_normalized", IMAGE, {}),
    ("ridge", "", IMAGE, {}),
    ("ridge", "_negative", IMAGE, dict(positive_only=False, negative_only=True)),
    ("ridge", "_both", IMAGE, dict(positive_only=False)),
    ("s40_edge", "_all", "s40", S40),
    ("s40_edge", "_highest", "s40", dict(S40, pivoting_scales="highest")),
    ("s40_edge", "_lowest", "s40", dict(S40, pivoting_scales="lowest")),
    ("s40_ridge", "", "s40", S40),
])
def test_compatibility_mode_equals_pycoshrem_detect(key, suffix, image, kwargs):
    if isinstance(image, str):
        image = torch.from_numpy(REF["s40_image"])
    measure = edge_measure if "edge" in key else ridge_measure
    _assert_matches_reference(measure(image, offset=0.5, shear="coshrem", **kwargs), key, suffix)


def test_compatibility_mode_float32_is_close_to_pycoshrem():
    measure, _ = edge_measure(IMAGE.float(), shear="coshrem")
    assert measure.dtype == torch.float32
    assert np.abs(measure.numpy() - REF["edge_measure_normalized"]).max() < 1e-4
    measure, _ = ridge_measure(IMAGE.float(), shear="coshrem")
    assert np.abs(measure.numpy() - REF["ridge_measure"]).max() < 1e-4


@pytest.mark.parametrize("shear", ["exact", "coshrem"])
@pytest.mark.parametrize("bright_after", [True, False])
def test_vertical_step_edge(shear, bright_after):
    _, x = _grid(32)
    image = 255.0 * ((x >= 16) == bright_after).double()  # a step between columns 15 and 16 (and at the border)
    measure, orientation = edge_measure(image, shear=shear)
    inner = measure[:, 4:28]
    column = inner.argmax(dim=1) + 4
    assert torch.all(column == (15 if bright_after else 16))  # the pixel next to the step, on every row
    assert torch.all(inner.max(dim=1).values > 0.95)
    assert torch.all(_angle_error(orientation[:, column[0]], 0).abs() < 1e-6)  # normal along the columns
    assert torch.all(measure[:, 6:12] == 0) and torch.all(orientation[:, 6:12] == -1)


@pytest.mark.parametrize("bright_after", [True, False])
def test_horizontal_step_edge(bright_after):
    y, _ = _grid(32)
    image = 255.0 * ((y >= 16) == bright_after).double()
    for shear, expected in (("exact", 15 if bright_after else 16), ("coshrem", 17 if bright_after else 16)):
        measure, orientation = edge_measure(image, shear=shear)
        inner = measure[4:28]
        row = inner.argmax(dim=0) + 4
        assert torch.all(row == expected), shear  # pyCoShREM's xi_y-cone shift puts one polarity 1.5 pixels off
        assert torch.all(inner.max(dim=0).values > 0.95)
        assert torch.all((orientation[row[0]] - 90).abs() < 1e-6)


def _rotated_steps(n, angles):
    """Smooth unit steps through the centre, normal at each angle (degrees, counter-clockwise, rows pointing up)."""
    y, x = _grid(n)
    c = (n - 1) / 2
    t = torch.tensor(np.radians(angles), dtype=torch.float64).view(-1, 1, 1)
    d = (x - c) * torch.cos(t) - (y - c) * torch.sin(t)  # signed distance along the normal
    near = (d.abs() < 1) & ((x - c).abs() < n / 4) & ((y - c).abs() < n / 4)
    return d, near


def test_edge_orientation_follows_the_normal_with_exact_shears():
    angles = np.arange(0, 360, 15)  # both polarities
    d, near = _rotated_steps(64, angles)
    measure, orientation = edge_measure(255 * torch.sigmoid(2 * d), **WIDE)
    for i, angle in enumerate(angles):
        on_edge = near[i] & (measure[i] > 0)
        assert on_edge.sum() >= 10, angle
        err = _angle_error(orientation[i][on_edge], float(angle))
        assert err.abs().max() < 1.5, angle
    # pyCoShREM's slips: no orientation at the cone borders (45, 135 degrees), 120 degrees mapped with the wrong cone
    measure, orientation = edge_measure(255 * torch.sigmoid(2 * d), shear="coshrem", **WIDE)
    for i, angle in enumerate(angles):
        on_edge = near[i] & (measure[i] > 0)
        if angle in (45, 135):
            assert torch.all(orientation[i][on_edge] == -1)
        if angle == 120:
            assert _angle_error(orientation[i][on_edge], 120.0).abs().min() > 20


def test_thin_line_gives_a_ridge():
    y, x = _grid(32)
    line = 255.0 * (x == 16).double()
    near = slice(8, 25)  # columns within 8 pixels (on a 32-pixel torus the far side mirrors the line)
    for shear in ("exact", "coshrem"):
        measure, orientation = ridge_measure(line, shear=shear)
        assert torch.all(measure[:, near].argmax(dim=1) == 8) and torch.all(measure[:, 16] > 0.99)
        assert torch.all(_angle_error(orientation[:, 16], 0).abs() < 1e-6)
        measure, orientation = ridge_measure(line.T.contiguous(), shear=shear)
        assert torch.all(measure[near].argmax(dim=0) == 8) and torch.all((orientation[16] - 90).abs() < 1e-6)
    dark = 255.0 - line
    assert torch.all(ridge_measure(dark)[0][:, 16] == 0)  # positive_only: a dark line is no (bright) ridge
    measure, orientation = ridge_measure(dark, positive_only=False, negative_only=True)
    assert torch.all(measure[:, near].argmax(dim=1) == 8) and torch.all(measure[:, 16] > 0.99)
    assert torch.all(_angle_error(orientation[:, 16], 0).abs() < 1e-6)
    assert torch.all(ridge_measure(line, positive_only=False, negative_only=True)[0][:, 16] == 0)
    edges, _ = edge_measure(line)
    assert torch.all(edges[:, 16] == 0)  # the line's centre is no edge


def test_ridge_orientation_follows_a_rotated_line():
    angles = np.arange(0, 180, 15)
    d, near = _rotated_steps(64, angles)
    measure, orientation = ridge_measure(255.0 * (d.abs() < 0.8).double(), **WIDE)
    for i, angle in enumerate(angles):
        on_line = near[i] & (measure[i] > 0)
        assert on_line.sum() >= 10, angle
        assert _angle_error(orientation[i][on_line], float(angle)).abs().median() < 6, angle


@pytest.mark.parametrize("size", [32, 28, 30])  # FFTs of 28 and 30 points leave rounding noise on a constant
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shear", ["exact", "coshrem"])
def test_constant_image_has_no_edges_or_ridges(size, dtype, shear):
    image = torch.tensor([0.0, 0.1, 255.0, 1e6], dtype=dtype).view(4, 1, 1).expand(4, size, size).contiguous()
    for measure, orientation in (edge_measure(image, shear=shear), edge_measure(image, min_contrast=0, shear=shear),
                                 ridge_measure(image, shear=shear), ridge_measure(image, positive_only=False,
                                                                                   shear=shear)):
        assert torch.all(measure == 0) and torch.all(orientation == -1)


@pytest.mark.parametrize("measure_fn", [edge_measure, ridge_measure])
def test_shapes_dtypes_and_batching(measure_fn):
    g = torch.Generator().manual_seed(0)
    batch = torch.rand(2, 3, 28, 36, generator=g, dtype=torch.float64) * 255
    measure, orientation = measure_fn(batch)
    assert measure.shape == orientation.shape == batch.shape
    assert measure.dtype == orientation.dtype == torch.float64
    single = measure_fn(batch[1, 2])
    assert torch.equal(single[0], measure[1, 2]) and torch.equal(single[1], orientation[1, 2])
    assert measure.min() >= 0 and measure.max() <= 1
    assert torch.all((orientation == -1) == (measure == 0))
    assert orientation[measure > 0].min() >= 0 and orientation.max() <= 180
    measure32, orientation32 = measure_fn(batch.float())
    assert measure32.dtype == orientation32.dtype == torch.float32
    assert (measure32.double() - measure).abs().max() < 1e-4
    odd = measure_fn(torch.rand(9, 33, generator=g, dtype=torch.float64))  # exact shears take any size >= 8
    assert odd[0].shape == (9, 33)
    empty = measure_fn(torch.empty(0, 32, 32))
    assert empty[0].shape == empty[1].shape == (0, 32, 32)


@pytest.mark.parametrize("measure_fn", [edge_measure, ridge_measure])
def test_bad_input_is_rejected(measure_fn):
    name = measure_fn.__name__
    image = torch.rand(32, 32, dtype=torch.float64)
    with pytest.raises(TypeError, match=f"{name}.*torch.Tensor.*got ndarray"):
        measure_fn(image.numpy())
    with pytest.raises(TypeError, match=f"{name}.*float32 or float64.*got torch.complex128"):
        measure_fn(image.to(torch.complex128))
    with pytest.raises(TypeError, match=f"{name}.*got torch.int64"):
        measure_fn(image.long())
    with pytest.raises(ValueError, match=rf"{name}.*at least 2 dimensions, got shape \(32,\)"):
        measure_fn(image[0])
    with pytest.raises(ValueError, match=f"{name}.*at least 8 x 8 pixels, got 4 x 32"):
        measure_fn(image[:4])
    with pytest.raises(ValueError, match=f"{name}.*shear must be one of"):
        measure_fn(image, shear="rolled")
    with pytest.raises(ValueError, match=f"{name}.*even sizes only, got 31 x 32"):
        measure_fn(image[:31], shear="coshrem")
    with pytest.raises(ValueError, match=rf"{name}.*offset.*for 2 scales, got int\(1 \* 2\) = 2"):
        measure_fn(image, offset=1)  # pyCoShREM's default offset leaves no scale with CoShNet's 2 scales


def test_bad_options_are_rejected():
    image = torch.rand(32, 32, dtype=torch.float64)
    with pytest.raises(ValueError, match="edge_measure: pivoting_scales must be one of"):
        edge_measure(image, pivoting_scales="middle")
    with pytest.raises(ValueError, match="edge_measure: pyCoShREM's pivoting_scales='lowest' uses scale index 1"):
        edge_measure(image, pivoting_scales="lowest", shear="coshrem")
    assert torch.equal(edge_measure(image, pivoting_scales="lowest")[0], edge_measure(image)[0])  # one scale: same
    with pytest.raises(ValueError, match=r"ridge_measure: offset.*in \[1, 1\].*got int\(0 \* 2\) = 0"):
        ridge_measure(image, offset=0)
    with pytest.raises(ValueError, match="ridge_measure: positive_only and negative_only are exclusive"):
        ridge_measure(image, positive_only=True, negative_only=True)


def test_ridge_filters_sample_the_wavelet_on_the_origin():
    """pyCoShREM's RidgeSystem filters: real spectra (no half-sample phase, no factor 1/2) and none negated."""
    assert torch.equal(coshrem_filters(32, 32, system="edge"), coshrem_filters(32, 32))  # the default is unchanged
    for shear in ("exact", "coshrem"):
        edge = coshrem_filters(32, 32, shear=shear).numpy()
        ridge = coshrem_filters(32, 32, shear=shear, system="ridge").numpy()
        assert np.all(ridge.imag == 0) and ridge.real.min() >= 0
        kept = edge != 0
        assert np.allclose(ridge[kept], 2 * np.abs(edge[kept]), rtol=1e-12, atol=0)
        h = np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(ridge, axes=(-2, -1))), axes=(-2, -1))
        mirrored = np.roll(h[:, ::-1, ::-1], (1, 1), axis=(1, 2))  # reflection about the integer centre (16, 16)
        assert np.abs(h.real - mirrored.real).max() < 1e-12 and np.abs(h.imag + mirrored.imag).max() < 1e-12
    with pytest.raises(ValueError, match="system must be one of"):
        coshrem_filters(32, 32, system="blob")
    with pytest.raises(ValueError, match="normalize=True is the edge system's normalization"):
        coshrem_filters(32, 32, system="ridge", normalize=True)


@CUDA
@pytest.mark.parametrize("measure_fn", [edge_measure, ridge_measure])
def test_cuda_matches_cpu(measure_fn):
    batch = torch.rand(2, 32, 32, dtype=torch.float64) * 255
    cpu = measure_fn(batch)
    gpu = measure_fn(batch.cuda())
    assert gpu[0].device.type == gpu[1].device.type == "cuda"
    assert (gpu[0].cpu() - cpu[0]).abs().max() < 1e-10
    assert ((gpu[1].cpu() - cpu[1]).abs() < 1e-6).float().mean() > 0.99  # orientations may differ at exact ties


def test_example_writes_a_png(tmp_path):
    out = tmp_path / "figures" / "edges.png"
    assert coshrem_edges.main(["--synthetic", "--out", str(out)]) == out
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in out.parent.iterdir()] == ["edges.png"]  # the temporary file was renamed, not left
