"""Complex shearlet filters of CoShRem (Reisenhofer, Kiefer & King, 2016), as used by CoShNet (Ko et al., 2022).

Each filter is built in the frequency domain: a Mexican-hat wavelet M(w) = 2 pi w^2 exp(-w^2 / 2) along one frequency
axis times a Gaussian window G(w) = exp(-w^2 / 2) along the other, dilated per scale (the wavelet by 2^((s-1)/spo),
the window by 2^(alpha (s-1)/spo)), sheared, and made analytic (one half-plane doubled, the other zeroed), so that its
real part in space is even (a ridge detector) and its imaginary part odd (an edge detector). Two cones of
orientations: the wavelet along xi_x (a horizontal frequency band) or along xi_y.

Shearing. A shear of slope k/f maps the window argument xi_g to xi_g - (k/f) xi_w, a linear map of the frequency plane.
``shear="exact"`` (default) evaluates the window at exactly that point. ``shear="coshrem"`` reproduces pyCoShREM 0.0.2
and the CoShNet code bit for bit: they apply the shear by rolling each line of a discretised window circularly, which
wraps the sheared window around the band and folds it back towards the cone axis; with CoShNet's wide window this
leaves the filters of a cone nearly identical (the behaviour reported in CoShNet's issue #6).
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch

SHEAR_MODES = ("exact", "coshrem")
SYSTEMS = ("edge", "ridge")


def orientation_table(shear_level: int) -> list[tuple[bool, int]]:
    """(wavelet along xi_y?, shear k) for each orientation, in CoShRem's order; 2^shear_level + 2 orientations.

    With h = 2^(shear_level - 2): the xi_x cone with k = 0..h, then the xi_y cone with k = h..-h, then the xi_x cone
    with k = -h..-1; shear slopes are k / h. For shear_level 3 this is CoShRem's [0, 1, 2 | 2, 1, 0, -1, -2 | -2, -1].
    """
    if shear_level < 2:
        raise ValueError(f"shear_level must be >= 2, got {shear_level}")
    h = 2 ** (shear_level - 2)
    return ([(False, k) for k in range(0, h + 1)] + [(True, k) for k in range(h, -h - 1, -1)]
            + [(False, k) for k in range(-h, 0)])


def _freqs(n: int) -> np.ndarray:
    """Integer DFT frequencies in centred order: -n//2 .. (n-1)//2."""
    return np.arange(n) - n // 2


def _wavelet_off_origin(n: int, scale: float, c_w: float) -> np.ndarray:
    """Mexican hat sampled half a sample off the origin: W(xi) = M(c_w xi / scale) exp(i pi xi / n) / 2, 0 at
    Nyquist."""
    xi = _freqs(n)
    w = c_w * xi / scale
    out = 0.5 * 2 * np.pi * w ** 2 * np.exp(-w ** 2 / 2) * np.exp(1j * np.pi * xi / n)
    if n % 2 == 0:
        out[0] = 0.0  # the Nyquist bin cancels in the half-sample shift
    return out


def _wavelet_on_origin(n: int, scale: float, c_w: float) -> np.ndarray:
    """Mexican hat sampled on the origin: W(xi) = M(c_w xi / scale), real, Nyquist bin kept."""
    w = c_w * _freqs(n) / scale
    return (2 * np.pi * w ** 2 * np.exp(-w ** 2 / 2)).astype(complex)


def coshrem_filters(rows: int, cols: int, scales_per_octave: int = 2, octaves: float = 1, shear_level: int = 3,
                    alpha: float = 0.5, wavelet_eff_support: Optional[float] = None,
                    gaussian_eff_support: Optional[float] = None, shear: str = "exact",
                    normalize: bool = False, system: str = "edge") -> torch.Tensor:
    """Frequency responses Psi_k of the CoShRem edge system, complex128 (n_filters, rows, cols), centred (DC at
    [rows // 2, cols // 2], as numpy.fft.fftshift lays out a spectrum).

    Filter k = n_orientations * (scale - 1) + (orientation - 1). Defaults are CoShNet's: 2 scales x 10 orientations,
    alpha 0.5, wavelet and window effective supports min(rows, cols) / 7 and / 14, no per-scale normalization.
    ``normalize`` divides each scale by |sum of Im h| over the left half of its first filter h in space, as pyCoShREM
    does by default. ``shear="coshrem"`` reproduces pyCoShREM / CoShNet exactly (even sizes only).
    ``system="ridge"`` builds pyCoShREM's RidgeSystem variant instead (its unnormalized base filters): the wavelet
    sampled on the origin (real, no half-sample shift) and no negation of the last orientations; ``normalize`` is then
    not available (the ridge system's normalization is part of ``ridge_measure``).
    """
    if shear not in SHEAR_MODES:
        raise ValueError(f"shear must be one of {SHEAR_MODES}, got {shear!r}")
    if system not in SYSTEMS:
        raise ValueError(f"system must be one of {SYSTEMS}, got {system!r}")
    if system == "ridge" and normalize:
        raise ValueError("coshrem_filters: normalize=True is the edge system's normalization; the ridge system's is "
                         "applied by deepcomplex.shearlet.ridge_measure")
    if rows < 2 or cols < 2:
        raise ValueError(f"coshrem_filters needs at least 2 x 2 pixels, got {rows} x {cols}")
    if shear == "coshrem" and (rows % 2 or cols % 2):
        raise ValueError(f"shear='coshrem' reproduces pyCoShREM for even sizes only, got {rows} x {cols}")
    wes = wavelet_eff_support if wavelet_eff_support is not None else min(rows, cols) / 7
    ges = gaussian_eff_support if gaussian_eff_support is not None else min(rows, cols) / 14
    f = 2 ** (shear_level - 2)  # the window is discretised on an f-times finer grid; slopes are k / f
    n_scales = int(np.arange(1, scales_per_octave * octaves + 1).size)
    if n_scales < 1:
        raise ValueError(f"scales_per_octave * octaves must be >= 1, got {scales_per_octave * octaves}")
    xi_y, xi_x = np.meshgrid(_freqs(rows), _freqs(cols), indexing="ij")
    table = orientation_table(shear_level)
    filters = []
    for s in range(1, n_scales + 1):
        b = 2 ** ((s - 1) / scales_per_octave)
        for o, (along_y, k) in enumerate(table, start=1):
            n_w, n_g = (rows, cols) if along_y else (cols, rows)
            xw, xg = (xi_y, xi_x) if along_y else (xi_x, xi_y)
            c_w = (63 * wes / 512) * (2 * np.pi / n_w)
            c_g = (74 * ges / 512) * (2 * np.pi / (f * n_g))
            sample = _wavelet_off_origin if system == "edge" else _wavelet_on_origin
            wav = sample(n_w, b, c_w)[xw + n_w // 2]
            m = f * xg - k * xw  # the sheared window argument on the fine grid
            if shear == "coshrem":
                m = (m + f * n_g // 2) % (f * n_g) - f * n_g // 2  # circular roll of each line
            g = c_g * m / b ** alpha
            psi = wav * np.exp(-g ** 2 / 2)
            keep = (xi_y >= 0) if along_y else (xi_x < 0)  # analytic: one half-plane doubled, the other zeroed
            psi = np.where(keep, 2 * psi, 0)
            if system == "edge" and o > len(table) - 2 ** (shear_level - 2):  # the last ones (9, 10) are negated
                psi = -psi
            filters.append(psi)
    psi = np.stack(filters)
    if normalize:
        per_scale = len(table)
        for s in range(n_scales):
            h = np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(psi[s * per_scale])))
            psi[s * per_scale:(s + 1) * per_scale] /= abs(h[:, : cols // 2].imag.sum())
    return torch.from_numpy(np.ascontiguousarray(psi))
