"""MRI reconstruction metrics: fastMRI's NMSE, PSNR and SSIM on magnitude volumes, and a phase error on complex ones.

NMSE, PSNR and SSIM follow fastMRI's ``evaluate.py`` (Zbontar et al. 2018, "fastMRI: An Open Dataset and Benchmarks
for Accelerated MRI", Sec. 5): computed per volume (slices, H, W) on magnitude images with the data range taken as the
ground truth's maximum over the whole volume. SSIM is scikit-image's ``structural_similarity`` (Wang et al. 2004,
"Image quality assessment: from error visibility to structural similarity") re-implemented in torch with box filters
in float64, so that a volume of a hundred 320x320 slices is scored in a fraction of a second on a CPU. The phase error
is this project's: the mean absolute wrapped phase difference inside the object.

Every function takes torch tensors or NumPy arrays (on any device torch computes float64 on), computes in float64 and
returns a Python float. The ground truth must be finite; a prediction holding NaN gives NaN, so that a diverged model
is reported rather than stopping an evaluation.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import torch
import torch.nn.functional as tnf

from .._validation import check_complex

__all__ = ["nmse", "phase_error", "psnr", "ssim", "volume_metrics"]

# pixels per box-filter call on a CPU: about one 320x320 slice, whose float64 maps (4 x 0.8 MB) stay in cache (measured
# faster than whole volumes at once); other devices take the volume in one call
_SSIM_CHUNK_PIXELS = 320 * 320


def _as_tensor(fn: str, name: str, x: Any) -> torch.Tensor:
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "biufc":
            raise TypeError(f"{fn}: {name} has dtype {x.dtype}; expected a numeric array or tensor")
        x = torch.from_numpy(np.ascontiguousarray(x))
    elif not isinstance(x, torch.Tensor):
        raise TypeError(f"{fn}: {name} must be a torch.Tensor or numpy.ndarray, got {type(x).__name__}")
    x = x.detach()
    if x.device.type == "mps":  # no float64 on MPS
        x = x.cpu()
    return x


def _pair(fn: str, gt: Any, pred: Any, complex_input: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Both inputs as float64 (or complex128) tensors on gt's device, after the shape and dtype checks."""
    g, p = _as_tensor(fn, "gt", gt), _as_tensor(fn, "pred", pred)
    for name, t in (("gt", g), ("pred", p)):
        if complex_input:
            check_complex(f"{fn} ({name})", t)
        elif t.is_complex():
            raise TypeError(f"{fn}: {name} is complex ({t.dtype}); expected a real (magnitude) image, e.g. "
                            f"{name}.abs()")
        elif t.dtype == torch.bool:
            raise TypeError(f"{fn}: {name} is boolean; expected real intensities")
    if g.shape != p.shape:
        raise ValueError(f"{fn}: gt has shape {tuple(g.shape)} but pred {tuple(p.shape)}; expected the same shape")
    if g.numel() == 0:
        raise ValueError(f"{fn}: empty input of shape {tuple(g.shape)}")
    dtype = torch.complex128 if complex_input else torch.float64
    g, p = g.to(dtype), p.to(device=g.device, dtype=dtype)
    if not bool(torch.isfinite(g.sum())):  # one reduction instead of a mask: NaN and inf survive a sum
        raise ValueError(f"{fn}: gt holds NaN or infinite values (or values whose sum overflows float64)")
    return g, p


def _data_range(fn: str, g: torch.Tensor, data_range: float | None) -> float:
    if data_range is None:
        value = float(g.max())
        if value <= 0:
            raise ValueError(f"{fn}: the default data_range is gt.max() = {value:g}, which must be positive (is gt "
                             f"all zeros or negative?); pass data_range explicitly")
        return value
    try:
        # a number, a 0-dim tensor or array; not a bool or a string
        value = -1.0 if isinstance(data_range, (bool, str, bytes)) else float(data_range)
    except (TypeError, ValueError, RuntimeError):
        value = -1.0
    if not 0 < value < math.inf:
        raise ValueError(f"{fn}: data_range must be a positive finite number, got {data_range!r}")
    return value


def nmse(gt: Any, pred: Any) -> float:
    """Normalized mean squared error of a reconstruction, as fastMRI.

    .. math::
        \\mathrm{NMSE}(\\hat v, v) = \\frac{\\lVert v - \\hat v \\rVert_2^2}{\\lVert v \\rVert_2^2}

    over every voxel of the input (Zbontar et al. 2018, "fastMRI: An Open Dataset and Benchmarks for Accelerated MRI",
    Sec. 5.1). fastMRI computes it per volume on magnitude images.

    Args:
        gt: the ground truth ``v``, real (e.g. magnitudes), any non-empty shape, not all zeros.
        pred: the reconstruction ``v_hat``, the same shape.

    Shape:
        - gt, pred: any shape, typically ``(S, H, W)``; the result is a Python float.

    Example::

        >>> gt = torch.ones(2, 8, 8)
        >>> round(nmse(gt, 0.9 * gt), 6)
        0.01
    """
    return _nmse(*_pair("nmse", gt, pred))


def _nmse(g: torch.Tensor, p: torch.Tensor) -> float:
    g, d = g.reshape(-1), (g - p).reshape(-1)
    denominator = float(torch.dot(g, g))
    if denominator == 0:
        raise ValueError("nmse: gt is all zeros, so its squared norm (the denominator) is 0")
    return float(torch.dot(d, d)) / denominator


def psnr(gt: Any, pred: Any, data_range: float | None = None) -> float:
    """Peak signal-to-noise ratio in dB over a whole volume, as fastMRI (scikit-image's ``peak_signal_noise_ratio``).

    .. math::
        \\mathrm{PSNR} = 10 \\log_{10} \\frac{R^2}{\\mathrm{MSE}(v, \\hat v)}, \\qquad R = \\max v \\text{ by default}

    with the MSE the mean over every voxel (Zbontar et al. 2018, "fastMRI: An Open Dataset and Benchmarks for
    Accelerated MRI", Sec. 5.1). A perfect reconstruction (MSE 0) gives ``inf``.

    Args:
        gt: the ground truth ``v``, real (e.g. magnitudes), any non-empty shape.
        pred: the reconstruction ``v_hat``, the same shape.
        data_range: ``R``; ``None`` (default) takes ``gt.max()`` over the whole input, as fastMRI.

    Shape:
        - gt, pred: any shape, typically ``(S, H, W)``; the result is a Python float.

    Example::

        >>> gt = torch.ones(2, 8, 8)
        >>> round(psnr(gt, 0.5 * gt), 4)  # 10 log10(1 / 0.25)
        6.0206
    """
    g, p = _pair("psnr", gt, pred)
    return _psnr(g, p, _data_range("psnr", g, data_range))


def _psnr(g: torch.Tensor, p: torch.Tensor, r: float) -> float:
    d = (g - p).reshape(-1)
    mse = float(torch.dot(d, d)) / d.numel()
    if mse == 0:
        return math.inf
    return 10.0 * math.log10(r * r / mse)


def _box_sum(x: torch.Tensor, size: int, dim: int) -> torch.Tensor:
    """Sums of ``size`` consecutive entries along ``dim``, no padding (length ``n - size + 1``): a running sum, then
    differences of it ``size`` apart. Two passes whatever the size; the rounding error, ``n * eps`` of a row's total,
    stays some ten orders of magnitude below the SSIM constants C1, C2 that every mean and variance meets."""
    c = torch.cumsum(x, dim)
    length = x.shape[dim] - size + 1
    shape = list(x.shape)
    shape[dim] = length
    out = torch.empty(shape, dtype=x.dtype, device=x.device)
    out.narrow(dim, 0, 1).copy_(c.narrow(dim, size - 1, 1))
    torch.sub(c.narrow(dim, size, length - 1), c.narrow(dim, 0, length - 1), out=out.narrow(dim, 1, length - 1))
    return out


def _ssim_slices(g: torch.Tensor, p: torch.Tensor, r: float, win_size: int, k1: float, k2: float) -> torch.Tensor:
    """Mean SSIM of each slice of (S, H, W) float64 images: the map on the valid region only, which is the region
    left after scikit-image crops its border of ``(win_size - 1) // 2`` (there its reflect padding never enters)."""
    n = win_size * win_size
    cov_norm = n / (n - 1)  # sample covariance, scikit-image's default
    c1, c2 = (k1 * r) ** 2, (k2 * r) ** 2
    chunk = g.shape[0] if g.device.type != "cpu" else max(1, _SSIM_CHUNK_PIXELS // (g.shape[-2] * g.shape[-1]))
    means = []
    for start in range(0, g.shape[0], chunk):
        x, y = g[start:start + chunk], p[start:start + chunk]
        # the variances enter only as sigma_x^2 + sigma_y^2: filter x^2 + y^2 as one map
        maps = torch.empty((x.shape[0], 4) + x.shape[1:], dtype=x.dtype, device=x.device)
        maps[:, 0], maps[:, 1] = x, y
        torch.mul(x, x, out=maps[:, 2]).addcmul_(y, y)
        torch.mul(x, y, out=maps[:, 3])
        ux, uy, uq, uxy = _box_sum(_box_sum(maps, win_size, -1), win_size, -2).div_(n).unbind(1)
        uxuy = ux * uy
        num = torch.sub(uxy, uxuy).mul_(2 * cov_norm).add_(c2).mul_(uxuy.mul_(2).add_(c1))
        usq = torch.mul(ux, ux).addcmul_(uy, uy)
        den = torch.sub(uq, usq).mul_(cov_norm).add_(c2).mul_(usq.add_(c1))
        means.append(num.div_(den).mean(dim=(-2, -1)))
    return torch.cat(means)


def ssim(gt: Any, pred: Any, data_range: float | None = None, win_size: int = 7, k1: float = 0.01,
         k2: float = 0.03) -> float:
    """Structural similarity of an image, or of a volume as the mean over its slices, as fastMRI.

    For each slice, with local means ``mu``, sample variances ``sigma^2`` and covariance ``sigma_xy`` over a
    ``win_size x win_size`` box window (sample covariance: normalised by ``N - 1``, ``N = win_size^2``):

    .. math::
        \\mathrm{SSIM}(x, y) = \\frac{(2 \\mu_x \\mu_y + C_1)(2 \\sigma_{xy} + C_2)}
        {(\\mu_x^2 + \\mu_y^2 + C_1)(\\sigma_x^2 + \\sigma_y^2 + C_2)}, \\quad C_1 = (k_1 R)^2, \\; C_2 = (k_2 R)^2

    averaged over the pixels whose window lies inside the image (scikit-image crops a border of
    ``(win_size - 1) // 2``), then over the slices (Wang et al. 2004, "Image quality assessment: from error visibility
    to structural similarity"; fastMRI's use: Zbontar et al. 2018, "fastMRI: An Open Dataset and Benchmarks for
    Accelerated MRI", Sec. 5.1). Matches ``skimage.metrics.structural_similarity`` with its defaults applied slice by
    slice (to float64 rounding; on float32 inputs scikit-image computes in float32, this function in float64).

    Args:
        gt: the ground truth, real (e.g. magnitudes).
        pred: the reconstruction, the same shape.
        data_range: ``R``; ``None`` (default) takes ``gt.max()`` over the whole input (the volume, as fastMRI).
        win_size: side of the box window, odd, at most the image's smaller side. Default: 7.
        k1: the constant ``k_1`` (non-negative). Default: 0.01.
        k2: the constant ``k_2`` (non-negative). Default: 0.03.

    Shape:
        - gt, pred: ``(H, W)`` (one image) or ``(S, H, W)`` (a volume); the result is a Python float.

    Example::

        >>> gt = torch.rand(3, 16, 16, generator=torch.Generator().manual_seed(0))
        >>> ssim(gt, gt)
        1.0
        >>> ssim(gt, 0.5 * gt) < 1
        True
    """
    g, p = _pair("ssim", gt, pred)
    if g.dim() not in (2, 3):
        raise ValueError(f"ssim: expected an image (H, W) or a volume (S, H, W), got shape {tuple(g.shape)}")
    if isinstance(win_size, bool) or not isinstance(win_size, int) or win_size < 3 or win_size % 2 == 0:
        raise ValueError(f"ssim: win_size must be an odd int >= 3, got {win_size!r}")
    if min(g.shape[-2:]) < win_size:
        raise ValueError(f"ssim: win_size {win_size} exceeds the image size {tuple(g.shape[-2:])}; use images of at "
                         f"least {win_size}x{win_size} or a smaller odd win_size")
    for name, k in (("k1", k1), ("k2", k2)):
        if isinstance(k, bool) or not isinstance(k, numbers.Real) or not (0 <= k < math.inf):
            raise ValueError(f"ssim: {name} must be a non-negative number, got {k!r}")
    r = _data_range("ssim", g, data_range)
    if g.dim() == 2:
        g, p = g.unsqueeze(0), p.unsqueeze(0)
    return float(_ssim_slices(g, p, r, win_size, float(k1), float(k2)).mean())


def _magnitude(z: torch.Tensor) -> torch.Tensor:
    """|z| of a complex128 tensor as sqrt(re^2 + im^2): within an ulp of ``z.abs()`` (no overflow below |z| ~ 1e154,
    exact squares for complex64 data) and several times faster on CPUs."""
    return torch.mul(z.real, z.real).addcmul_(z.imag, z.imag).sqrt_()


def phase_error(gt: Any, pred: Any, threshold: float = 0.1) -> float:
    """Mean absolute wrapped phase difference, in radians, inside the object.

    .. math::
        \\mathrm{PE} = \\frac{1}{|\\Omega|} \\sum_{j \\in \\Omega} \\left| \\angle(\\hat v_j \\, \\overline{v_j})
        \\right|, \\qquad \\Omega = \\{ j : |v_j| > t \\max_k |v_k| \\}

    with ``angle`` in ``(-pi, pi]``, so the difference is wrapped and the error lies in ``[0, pi]``; the maximum is
    over the whole input (the volume). This project's metric, not fastMRI's: fastMRI scores magnitudes only (Zbontar
    et al. 2018, "fastMRI: An Open Dataset and Benchmarks for Accelerated MRI"). A predicted voxel of exactly 0 has
    no phase; it counts as angle 0, so its error is ``|angle(v_j)|``.

    Args:
        gt: the complex ground truth ``v``.
        pred: the complex reconstruction ``v_hat``, the same shape.
        threshold: ``t`` in ``[0, 1)``: the object is where ``|gt|`` exceeds this fraction of its maximum.
            Default: 0.1.

    Shape:
        - gt, pred: any shape, typically ``(S, H, W)``, complex; the result is a Python float.

    Example::

        >>> gt = torch.ones(4, 4, dtype=torch.complex64)
        >>> round(phase_error(gt, gt * torch.exp(torch.tensor(0.25j))), 6)
        0.25
    """
    g, p = _pair("phase_error", gt, pred, complex_input=True)
    _check_threshold(threshold)
    return _phase_error(g, p, _magnitude(g), float(threshold))


def _check_threshold(threshold: float) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) or not 0 <= threshold < 1:
        raise ValueError(f"phase_error: threshold must be a number in [0, 1), got {threshold!r}")


def _phase_error(g: torch.Tensor, p: torch.Tensor, magnitude: torch.Tensor, threshold: float) -> float:
    peak = float(magnitude.max())
    inside = magnitude > threshold * peak
    count = int(inside.sum())
    if count == 0:
        raise ValueError(f"phase_error: the object is empty: no voxel of gt has |gt| > {threshold:g} * max|gt| = "
                         f"{threshold * peak:g} (is gt all zeros?)")
    # p * conj(g) on real parts (faster than complex ops and a masked gather), then its angle by atan2
    gr, gi, pr, pi = g.real, g.imag, p.real, p.imag
    re, im = torch.mul(pr, gr).addcmul_(pi, gi), torch.mul(pi, gr).addcmul_(pr, gi, value=-1)
    return float(torch.atan2(im, re).abs_().where(inside, 0.0).sum()) / count  # where: NaN outside stays out


def volume_metrics(gt: Any, pred: Any, threshold: float = 0.1) -> dict[str, float]:
    """fastMRI's metrics of one reconstructed volume on magnitudes, and the phase error on the complex images.

    NMSE, PSNR and SSIM (:func:`nmse`, :func:`psnr`, :func:`ssim`, data range ``max |gt|`` of the volume) on
    ``|gt|`` and ``|pred|``, as fastMRI's ``evaluate.py`` (Zbontar et al. 2018, "fastMRI: An Open Dataset and
    Benchmarks for Accelerated MRI", Sec. 5.1), and :func:`phase_error` on the complex volumes.

    Args:
        gt: the complex ground-truth volume.
        pred: the complex reconstruction, the same shape.
        threshold: the object threshold of :func:`phase_error`. Default: 0.1.

    Shape:
        - gt, pred: ``(S, H, W)`` complex (or ``(S, 1, H, W)``, one channel, as the slice views hold them).
        - Returns: ``{"nmse": float, "psnr": float, "ssim": float, "phase_error": float}``.

    Example::

        >>> gt = torch.polar(torch.rand(2, 16, 16) + 0.5, torch.zeros(2, 16, 16))
        >>> m = volume_metrics(gt, gt)
        >>> (m["nmse"], m["psnr"], m["ssim"], m["phase_error"])
        (0.0, inf, 1.0, 0.0)
    """
    g, p = _pair("volume_metrics", gt, pred, complex_input=True)
    if g.dim() == 4 and g.shape[1] == 1:
        g, p = g[:, 0], p[:, 0]
    if g.dim() != 3:
        raise ValueError(f"volume_metrics: expected a volume (S, H, W) or (S, 1, H, W), got shape {tuple(g.shape)}")
    _check_threshold(threshold)
    if min(g.shape[-2:]) < 7:
        raise ValueError(f"volume_metrics: SSIM's 7x7 window exceeds the image size {tuple(g.shape[-2:])}")
    mg, mp = _magnitude(g), _magnitude(p)
    r = float(mg.max())
    if r == 0:
        raise ValueError("volume_metrics: gt is all zeros, so NMSE, PSNR, SSIM and the phase error are undefined")
    return {"nmse": _nmse(mg, mp), "psnr": _psnr(mg, mp, r),
            "ssim": float(_ssim_slices(mg, mp, r, 7, 0.01, 0.03).mean()),
            "phase_error": _phase_error(g, p, mg, float(threshold))}
