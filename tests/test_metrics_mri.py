"""deepcomplex.train.mri_metrics: fastMRI's NMSE, PSNR and SSIM against scikit-image and NumPy (as fastMRI's
evaluate.py computes them), the phase error against a hand computation, and clear errors on bad input."""
from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

import deepcomplex.train.metrics as metrics
import deepcomplex.train.mri_metrics as mri_metrics
from deepcomplex.train.metrics import nmse, phase_error, psnr, ssim, volume_metrics


# fastMRI's evaluate.py, verbatim in substance: magnitude volumes (slices, H, W), data range = gt.max() of the volume
def fastmri_nmse(gt, pred):
    return float(np.linalg.norm(gt - pred) ** 2 / np.linalg.norm(gt) ** 2)


def fastmri_psnr(gt, pred, maxval=None):
    return float(peak_signal_noise_ratio(gt, pred, data_range=gt.max() if maxval is None else maxval))


def fastmri_ssim(gt, pred, maxval=None, **kwargs):
    maxval = gt.max() if maxval is None else maxval
    return float(np.mean([structural_similarity(gt[s], pred[s], data_range=maxval, **kwargs)
                          for s in range(gt.shape[0])]))


def images(kind: str, shape, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(gt, pred) float64 pairs: white noise, smooth fields, or an object on a zero background (as MRI)."""
    rng = np.random.default_rng(seed)
    if kind == "random":
        gt = rng.random(shape)
        return gt, gt + rng.uniform(0.02, 0.5) * rng.standard_normal(shape)
    sigma = (0,) * (len(shape) - 2) + (3.0, 3.0)
    gt = gaussian_filter(rng.random(shape), sigma)
    gt = (gt - gt.min()) / (gt.max() - gt.min())
    if kind == "object":
        h, w = shape[-2:]
        yy, xx = np.mgrid[:h, :w]
        gt = gt * (((yy - h / 2) / (0.4 * h)) ** 2 + ((xx - w / 2) / (0.35 * w)) ** 2 < 1) * 1e-4  # fastMRI-like scale
    pred = gt + gaussian_filter(rng.standard_normal(shape), sigma) * 0.2 * gt.max()
    return gt, np.abs(pred) if kind == "object" else pred


SHAPES = [(7, 7), (8, 9), (1, 32, 48), (3, 40, 33), (2, 64, 64), (5, 17, 23)]


@pytest.mark.parametrize("kind", ["random", "smooth", "object"])
@pytest.mark.parametrize("shape", SHAPES)
def test_ssim_psnr_nmse_match_scikit_image_and_numpy(kind, shape):
    gt, pred = images(kind, shape, seed=len(shape) * 100 + shape[-1])
    volume = (gt, pred) if gt.ndim == 3 else (gt[None], pred[None])
    expected_ssim = fastmri_ssim(*volume)
    if gt.ndim == 2:
        assert expected_ssim == structural_similarity(gt, pred, data_range=gt.max())
    for g, p in ((gt, pred), (torch.from_numpy(gt), torch.from_numpy(pred))):
        assert abs(ssim(g, p) - expected_ssim) <= 1e-10
        assert abs(psnr(g, p) - fastmri_psnr(gt, pred)) <= 1e-10
        assert abs(nmse(g, p) - fastmri_nmse(gt, pred)) <= 1e-12 * max(1.0, fastmri_nmse(gt, pred))
    assert 0 < expected_ssim < 1  # not a degenerate comparison


@pytest.mark.parametrize("win_size,k1,k2", [(3, 0.01, 0.03), (5, 0.05, 0.1), (9, 0.01, 0.03), (11, 0.0, 0.03)])
def test_ssim_options_match_scikit_image(win_size, k1, k2):
    gt, pred = images("smooth", (2, 30, 41), seed=win_size)
    for data_range in (None, 2.5):
        expected = fastmri_ssim(gt, pred, data_range, win_size=win_size, K1=k1, K2=k2)
        got = ssim(gt, pred, data_range=data_range, win_size=win_size, k1=k1, k2=k2)
        assert abs(got - expected) <= 1e-10
    # the window and constants change the result: the options reach the computation
    assert abs(ssim(gt, pred, win_size=win_size, k1=k1, k2=k2) - ssim(gt, pred)) > 1e-6 or win_size == 7


def test_data_range_defaults_to_the_volume_max_not_each_slice():
    gt, pred = images("smooth", (3, 24, 24), seed=1)
    gt[1] *= 0.2  # a dim slice: its own max differs from the volume's
    assert abs(ssim(gt, pred) - fastmri_ssim(gt, pred)) <= 1e-10
    per_slice = np.mean([structural_similarity(gt[s], pred[s], data_range=gt[s].max()) for s in range(3)])
    assert abs(ssim(gt, pred) - per_slice) > 1e-4
    assert ssim(gt, pred, data_range=torch.tensor(gt.max())) == ssim(gt, pred)  # a 0-dim tensor is a number
    assert psnr(gt, pred, data_range=np.float32(3.0)) == pytest.approx(fastmri_psnr(gt, pred, 3.0), abs=1e-7)


def test_float32_inputs_match_scikit_image_to_1e6():
    # scikit-image computes float32 inputs in float32, these functions in float64: agreement to 1e-6, not exactness
    gt, pred = images("object", (3, 80, 64), seed=2)
    gt, pred = gt.astype(np.float32), pred.astype(np.float32)
    assert abs(ssim(gt, pred) - fastmri_ssim(gt, pred)) <= 1e-6
    assert abs(psnr(torch.from_numpy(gt), torch.from_numpy(pred)) - fastmri_psnr(gt, pred)) <= 1e-6


def test_many_slices_in_several_chunks_equal_one_pass(monkeypatch):
    gt, pred = images("random", (7, 20, 30), seed=3)
    whole = ssim(gt, pred)
    monkeypatch.setattr(mri_metrics, "_SSIM_CHUNK_PIXELS", 2 * 20 * 30)  # chunks of 2 slices, the last of 1
    assert abs(ssim(gt, pred) - whole) <= 1e-14
    assert abs(whole - fastmri_ssim(gt, pred)) <= 1e-10


def test_known_values():
    gt = torch.full((2, 8, 8), 2.0, dtype=torch.float64)
    assert nmse(gt, 1.5 * gt) == pytest.approx(0.25, abs=1e-15)
    assert psnr(gt, gt + 0.02) == pytest.approx(10 * math.log10(4 / 4e-4), abs=1e-9)
    assert psnr(gt, gt) == math.inf and nmse(gt, gt) == 0.0
    assert ssim(gt, gt) == 1.0
    rng = np.random.default_rng(4)
    x = rng.random((16, 16))
    assert ssim(x, x) == pytest.approx(1.0, abs=1e-14)
    assert ssim(x, 1 - x) < 0  # anti-correlated: negative structure term
    assert ssim(x, 1 - x) == pytest.approx(structural_similarity(x, 1 - x, data_range=x.max()), abs=1e-12)


def test_a_nan_prediction_gives_nan_not_an_error():
    gt = torch.rand(2, 10, 10) + 0.1
    pred = gt.clone()
    pred[0, 3, 3] = float("nan")
    assert math.isnan(nmse(gt, pred)) and math.isnan(psnr(gt, pred)) and math.isnan(ssim(gt, pred))


def test_phase_error_by_hand_with_wrapping():
    # gt: magnitudes 1 (inside) except one voxel of 0.05 (< 0.1 * max: outside, its huge error must not count)
    gt_phase = torch.tensor([[3.0, -3.0, 0.5], [0.0, 1.0, 2.0]], dtype=torch.float64)
    pred_phase = torch.tensor([[-3.0, 3.0, 0.25], [0.0, -1.0, 2.0 - math.pi + 0.01]], dtype=torch.float64)
    gt_mag = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.05]], dtype=torch.float64)
    gt = torch.polar(gt_mag, gt_phase)
    pred = torch.polar(torch.full_like(gt_mag, 0.3), pred_phase)  # the magnitude of pred does not matter
    # by hand: 3 - (-3) = 6 wraps to 2 pi - 6; -6 likewise; 0.25; 0; 2; the last voxel is outside the object
    expected = (2 * (2 * math.pi - 6.0) + 0.25 + 0.0 + 2.0) / 5
    assert phase_error(gt, pred) == pytest.approx(expected, abs=1e-12)
    assert phase_error(gt.to(torch.complex64), pred.to(torch.complex64)) == pytest.approx(expected, abs=1e-6)
    assert phase_error(gt, pred, threshold=0.0) == pytest.approx((5 * expected + math.pi - 0.01) / 6, abs=1e-12)
    # the threshold is strict: a voxel at exactly threshold * max is outside
    assert phase_error(gt, pred, threshold=0.05) == pytest.approx(expected, abs=1e-12)
    assert phase_error(gt, gt * 1j) == pytest.approx(math.pi / 2, abs=1e-12)
    assert phase_error(gt, -gt) == pytest.approx(math.pi, abs=1e-12)
    outside_nan = pred.clone()
    outside_nan[1, 2] = complex("nan+nanj")  # outside the object: does not count
    assert phase_error(gt, outside_nan) == pytest.approx(expected, abs=1e-12)
    outside_nan[0, 0] = complex("nan+nanj")
    assert math.isnan(phase_error(gt, outside_nan))


def test_phase_error_matches_numpy_on_random_volumes():
    rng = np.random.default_rng(5)
    gt = rng.random((3, 20, 20)) * np.exp(1j * rng.uniform(-np.pi, np.pi, (3, 20, 20)))
    pred = gt + 0.3 * (rng.standard_normal(gt.shape) + 1j * rng.standard_normal(gt.shape))
    inside = np.abs(gt) > 0.1 * np.abs(gt).max()
    expected = np.mean(np.abs(np.angle(pred * np.conj(gt)))[inside])
    assert 0.05 < expected < 1 and inside.sum() < inside.size
    assert phase_error(gt, pred) == pytest.approx(expected, abs=1e-12)
    assert phase_error(torch.from_numpy(gt), torch.from_numpy(pred)) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
def test_volume_metrics_is_fastmri_on_magnitudes_plus_phase_error(dtype):
    rng = np.random.default_rng(6)
    mag, _ = images("object", (4, 48, 40), seed=6)
    phase = gaussian_filter(rng.standard_normal(mag.shape), (0, 4, 4)) * 5
    gt = torch.from_numpy(mag * np.exp(1j * phase)).to(dtype)
    pred = gt + 1e-5 * torch.complex(torch.randn(gt.shape, dtype=torch.float64),
                                     torch.randn(gt.shape, dtype=torch.float64)).to(dtype)
    got = volume_metrics(gt, pred)
    assert list(got) == ["nmse", "psnr", "ssim", "phase_error"] and all(type(v) is float for v in got.values())
    g, p = np.abs(gt.to(torch.complex128).numpy()), np.abs(pred.to(torch.complex128).numpy())
    assert got["nmse"] == pytest.approx(fastmri_nmse(g, p), rel=1e-12)
    assert got["psnr"] == pytest.approx(fastmri_psnr(g, p), abs=1e-10)
    assert got["ssim"] == pytest.approx(fastmri_ssim(g, p), abs=1e-10)
    assert got["phase_error"] == pytest.approx(phase_error(gt, pred), abs=1e-12)
    assert got == volume_metrics(gt.unsqueeze(1), pred.unsqueeze(1))  # (S, 1, H, W) as the slice views hold them
    assert volume_metrics(gt, pred, threshold=0.5)["phase_error"] != got["phase_error"]


def test_exported_from_metrics_and_examples_run():
    assert metrics.ssim is mri_metrics.ssim and metrics.volume_metrics is mri_metrics.volume_metrics
    assert set(mri_metrics.__all__) <= set(metrics.__all__)
    result = doctest.testmod(mri_metrics, optionflags=doctest.ELLIPSIS, extraglobs={"torch": torch})
    assert result.attempted >= 6 and result.failed == 0


def test_errors():
    a, b = torch.rand(2, 8, 8), torch.rand(2, 8, 9)
    for fn in (nmse, psnr, ssim):
        with pytest.raises(ValueError, match=rf"{fn.__name__}: gt has shape \(2, 8, 8\) but pred \(2, 8, 9\)"):
            fn(a, b)
        with pytest.raises(TypeError, match=rf"{fn.__name__}: gt is complex .*expected a real \(magnitude\)"):
            fn(a.to(torch.complex64), a)
        with pytest.raises(ValueError, match=f"{fn.__name__}: empty input"):
            fn(torch.zeros(0, 8, 8), torch.zeros(0, 8, 8))
        with pytest.raises(TypeError, match=f"{fn.__name__}: pred must be a torch.Tensor or numpy.ndarray, got list"):
            fn(a, a.tolist())
        with pytest.raises(ValueError, match=f"{fn.__name__}: gt holds NaN"):
            fn(torch.full((8, 8), float("inf")), torch.zeros(8, 8))
    with pytest.raises(ValueError, match="nmse: gt is all zeros"):
        nmse(torch.zeros(8, 8), a[0])
    for fn in (psnr, ssim):
        with pytest.raises(ValueError, match=rf"{fn.__name__}: the default data_range is gt.max\(\) = 0"):
            fn(torch.zeros(8, 8), a[0])
        for bad in (0, -1.0, float("nan"), "1", True):
            with pytest.raises(ValueError, match=f"{fn.__name__}: data_range must be a positive finite number"):
                fn(a, a, data_range=bad)
    with pytest.raises(ValueError, match=r"ssim: win_size 7 exceeds the image size \(8, 6\)"):
        ssim(torch.rand(8, 6), torch.rand(8, 6))
    with pytest.raises(ValueError, match="ssim: win_size must be an odd int >= 3, got 4"):
        ssim(a, a, win_size=4)
    with pytest.raises(ValueError, match=r"ssim: expected an image \(H, W\) or a volume \(S, H, W\), got shape"):
        ssim(torch.rand(1, 2, 8, 8), torch.rand(1, 2, 8, 8))
    with pytest.raises(ValueError, match="ssim: k2 must be a non-negative number, got -0.1"):
        ssim(a, a, k2=-0.1)
    z = torch.polar(torch.rand(2, 8, 8) + 0.5, torch.rand(2, 8, 8))
    with pytest.raises(TypeError, match=r"phase_error \(pred\) expects a complex tensor, got torch.float32"):
        phase_error(z, z.abs())
    with pytest.raises(TypeError, match=r"volume_metrics \(gt\) expects a complex tensor, got torch.float32"):
        volume_metrics(z.abs(), z)
    with pytest.raises(ValueError, match=r"phase_error: gt has shape \(2, 8, 8\) but pred \(8, 8\)"):
        phase_error(z, z[0])
    with pytest.raises(ValueError, match="phase_error: the object is empty: no voxel of gt"):
        phase_error(torch.zeros(2, 8, 8, dtype=torch.complex64), z)
    for bad in (1.0, -0.1, True, "0.1"):
        with pytest.raises(ValueError, match="phase_error: threshold must be a number in"):
            phase_error(z, z, threshold=bad)
    with pytest.raises(ValueError, match=r"volume_metrics: expected a volume \(S, H, W\) or \(S, 1, H, W\)"):
        volume_metrics(z[0], z[0])
    with pytest.raises(ValueError, match="volume_metrics: SSIM's 7x7 window exceeds the image size"):
        volume_metrics(z[:, :5], z[:, :5])
    with pytest.raises(ValueError, match="volume_metrics: gt is all zeros"):
        volume_metrics(torch.zeros_like(z), z)
