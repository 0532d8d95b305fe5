"""CoShREM's edge and ridge measures (phase congruency over scales; Reisenhofer & King, "Edge, ridge and blob detection
with symmetric molecules", SIAM J. Imaging Sci. 12(4), 2019), as pyCoShREM 0.0.2's ``EdgeSystem.detect`` and
``RidgeSystem.detect`` compute them, in plain torch, batched over leading dimensions.

Both return (measure, orientation): the measure in [0, 1] per pixel, and the orientation in degrees in [0, 180] of the
direction across the edge or ridge (its normal), counter-clockwise from the column axis with rows pointing up, so a
vertical step edge or line gives 0 (pyCoShREM writes it as 180) and a horizontal one 90; -1 where the measure is 0.

``shear="exact"`` (default) uses correctly sheared filters (see ``coshrem_filters``). ``shear="coshrem"`` reproduces
pyCoShREM 0.0.2 (even image sizes), including five slips that the exact mode corrects, all in how it compares
directions, none in the measures' formulas:
- edge orientation: the edge measure's full circle of directions (each filter and its negative) takes the xi_y cone's
  filters to point like their neighbours in the xi_x cone, but they point the opposite way, so at the cone borders
  (normals near 45 and 135 degrees) the orientation is interpolated towards a nearly opposite direction or is missing;
- edge position: the one-pixel alignment shift of the xi_y cone goes the wrong way, so a horizontal edge of one
  polarity is reported 1.5 pixels from the step instead of on a pixel next to it;
- angles: 0-based orientations are compared with 1-based cone bounds, so an orientation between the xi_y cone's first
  filter and its second is mapped with the xi_x cone's formula (a normal of 120 degrees comes out near 150);
- at a cone border the orientation parabola is centred on the pivot's twin (the same direction in the other cone)
  even when the twin's response is not positive, which divides 0 by 0: no orientation (-1) for a pixel with a positive
  measure (about one edge pixel in seven on noise); the exact mode keeps the pivot as the centre then, and compares a
  dark ridge's twin by its magnitude like the other neighbours;
- ``pivoting_scales="lowest"`` pivots on scale index 1 instead of 0.
Both modes keep the ridge system as pyCoShREM builds it: both filters of each pair sampled on the origin, the first
orientation's pair normalised per member and every other orientation by the second member's factor, and the table of
expected responses filled while the widths are still being computed (for small filters, as CoShNet's 32 x 32 ones, it
stays 0: heights are then infinite and the contrast threshold has no effect, so faint ridges count like strong ones).
pyCoShREM's angles come back truncated to integers when its first pixel has none (a ``np.vectorize`` artefact); here
they are never truncated. Where the pivot coefficient is at rounding level (100 eps times the largest response the
image could give) the measure is 0; pyCoShREM returns rounding noise or NaN there (e.g. on a constant image).
"""
from __future__ import annotations

import functools
import math
from typing import Optional

import numpy as np
import torch

from .filters import SHEAR_MODES, coshrem_filters, orientation_table

MIN_SIZE = 8
PIVOTING_SCALES = ("all", "highest", "lowest")


def _check_image(name: str, image, shear: str) -> tuple[int, int]:
    if not isinstance(image, torch.Tensor):
        raise TypeError(f"{name} expects a real floating-point torch.Tensor (..., H, W), got {type(image).__name__}")
    if image.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"{name} expects a real float32 or float64 image tensor, got {image.dtype}")
    if image.dim() < 2:
        raise ValueError(f"{name} expects an image tensor (..., H, W) with at least 2 dimensions, got shape "
                         f"{tuple(image.shape)}")
    rows, cols = image.shape[-2:]
    if rows < MIN_SIZE or cols < MIN_SIZE:
        raise ValueError(f"{name} needs images of at least {MIN_SIZE} x {MIN_SIZE} pixels, got {rows} x {cols}")
    if shear not in SHEAR_MODES:
        raise ValueError(f"{name}: shear must be one of {SHEAR_MODES}, got {shear!r}")
    if shear == "coshrem" and (rows % 2 or cols % 2):
        raise ValueError(f"{name}: shear='coshrem' reproduces pyCoShREM for even sizes only, got {rows} x {cols}")
    return rows, cols


def _scales(name: str, scales_per_octave: int, octaves: float, offset: float, minimum_offset: int) -> tuple[int, int]:
    """(number of scales S, scale offset int(offset * scales_per_octave)), checked to leave J = S - offset >= 1."""
    n_scales = int(np.arange(1, scales_per_octave * octaves + 1).size)
    off = int(offset * scales_per_octave)
    if off < minimum_offset or n_scales - off < 1:
        raise ValueError(f"{name}: offset * scales_per_octave must give a scale offset in [{minimum_offset}, "
                         f"{n_scales - 1}] for {n_scales} scales, got int({offset} * {scales_per_octave}) = {off}")
    return n_scales, off


def _spatial(psi: np.ndarray) -> np.ndarray:
    """Centred spectra (..., H, W) -> centred spatial filters."""
    return np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(psi, axes=(-2, -1))), axes=(-2, -1))


def _bank(psi: np.ndarray) -> tuple[torch.Tensor, float]:
    """Centred spectra (K, H, W) -> (conj(Psi) in FFT order as a tensor, the largest spatial L1 norm)."""
    l1 = float(np.abs(_spatial(psi)).sum((-2, -1)).max())
    return torch.from_numpy(np.ascontiguousarray(np.conj(np.fft.ifftshift(psi, axes=(-2, -1))))), l1


@functools.lru_cache(maxsize=16)
def _edge_system(rows, cols, spo, octaves, shear_level, alpha, wes, ges, shear, normalize):
    psi = coshrem_filters(rows, cols, spo, octaves, shear_level, alpha, wes, ges, shear=shear,
                          normalize=normalize).numpy()
    return _bank(psi)


@functools.lru_cache(maxsize=16)
def _ridge_system(rows, cols, spo, octaves, shear_level, alpha, wes, ges, shear):
    """pyCoShREM's RidgeSystem: pairs of filters, their positive widths and the table of expected responses.

    For each scale j, pair member p (pyCoShREM's "off-origin" member p = 0 and "on-origin" p = 1, both sampled on the
    origin) gets from the first orientation's real spatial filter h: a = first column right of the centre where the
    centre row of Re h turns negative; width 2a - 2 (p = 0) or 2a - 1 (p = 1); normalization 2 * sum of Re h over the
    central band of columns [c - q, c + 1 + (1 - p) + q), q = (width + 1 - p) // 2; and expected responses
    E[2k + p - 1, j] = sum of Re h over columns [c - k, c + p + k) for k in [1 - p, (max width so far - p) // 2).
    """
    name = "ridge_measure"
    psi = coshrem_filters(rows, cols, spo, octaves, shear_level, alpha, wes, ges, shear=shear, system="ridge").numpy()
    n_oris = len(orientation_table(shear_level))
    n_scales = len(psi) // n_oris
    psi = psi.reshape(n_scales, n_oris, rows, cols)
    widths = np.zeros(2 * n_scales * n_oris, dtype=np.int64)  # pyCoShREM sizes this by the number of filters
    table = np.zeros((rows, n_scales))
    bank = np.empty((n_scales, n_oris, 2, rows, cols), dtype=complex)
    r0, c0 = rows // 2, cols // 2
    for j in range(n_scales):
        h = _spatial(psi[j, 0]).real
        norms = []
        for p in (0, 1):
            negative = h[r0, c0:] < 0
            a = int(np.argmax(negative))
            width = 2 * a - 2 + p
            half = (width + 1 - p) // 2
            if not negative.any() or width < 0 or c0 - half < 0:
                raise ValueError(f"{name}: the ridge filters of scale {j + 1} have no positive central lobe that fits "
                                 f"a {rows} x {cols} image; use a larger image or a smaller wavelet_eff_support")
            widths[2 * j + p] = width
            norms.append(2 * h[:, c0 - half:c0 + 2 - p + half].sum())
            known = int(widths[1 - p:len(widths) - p].max())  # the widths computed so far, as pyCoShREM reads them
            for k in range(1 - p, (known - p) // 2):
                table[2 * k + p - 1, j] = h[:, c0 - k:c0 + p + k].sum()
        bank[j, 0, 0], bank[j, 0, 1] = psi[j, 0] / norms[0], psi[j, 0] / norms[1]
        bank[j, 1:] = psi[j, 1:, None] / norms[1]  # pyCoShREM reuses the last factor it computed
    kernel, l1 = _bank(bank.reshape(-1, rows, cols))
    return kernel, l1, torch.from_numpy(widths), torch.from_numpy(table)


def _coefficients(image: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """pyCoShREM's transform: the complex conjugate of CoShNet's ifft2(fft2(x) conj(Psi_k)); (..., K, H, W)."""
    cdtype = torch.complex128 if image.dtype == torch.float64 else torch.complex64
    kernel = kernel.to(device=image.device, dtype=cdtype)
    return torch.fft.ifft2(torch.fft.fft2(image).unsqueeze(-3) * kernel).conj().resolve_conj()


def _floor(image: torch.Tensor, l1: float) -> torch.Tensor:
    """Coefficients at or below this are rounding noise: 100 eps times the largest response the image could give."""
    return (100 * torch.finfo(image.dtype).eps * l1) * image.abs().amax(dim=(-2, -1), keepdim=True)


def _take(a: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """a (..., M, H, W) indexed per pixel along M by index (..., H, W) or (..., n, H, W)."""
    squeeze = index.dim() == a.dim() - 1
    index = index.unsqueeze(-3) if squeeze else index
    index = index.expand(*a.shape[:-3], *index.shape[-3:])
    out = a.gather(-3, index)
    return out.squeeze(-3) if squeeze else out


def _pymax(a: torch.Tensor, b) -> torch.Tensor:
    """Python's max(a, b): b only where b > a (so a NaN in b is ignored)."""
    return torch.where(b > a, b, a)


def _pymin(a: torch.Tensor, b) -> torch.Tensor:
    """Python's min(a, b): b only where b < a."""
    return torch.where(b < a, b, a)


def _neighbours(n_oris: int, shear_level: int, circle: int, device) -> tuple[torch.Tensor, ...]:
    """Left and right neighbours of each orientation on a circle of ``circle`` orientations (n_oris or 2 n_oris),
    skipping the duplicate direction at each cone border, and the masks of those border orientations."""
    h = 2 ** (shear_level - 2)
    right_hit = torch.zeros(circle, dtype=torch.bool)
    for base in range(0, circle, n_oris):
        right_hit[[base + h, base + n_oris - h - 1]] = True  # the last of a group; its twin in the next cone follows
    left_hit = right_hit.roll(1)
    o = torch.arange(circle)
    left = (o - 1 - left_hit.long()) % circle
    right = (o + 1 + right_hit.long()) % circle
    return tuple(t.to(device) for t in (left, right, left_hit, right_hit))


def _parabola_pick(p, l, r, lp, rp, lh, rh, po, compat):
    """The three points of the orientation parabola (shared by both measures): returns (centre value, left, right,
    centre orientation). At a cone border (lh / rh: the pivot po's twin of the same direction in the other cone is
    po - 1 / po + 1, with response lp / rp) the centre moves to the twin when that side is the stronger. pyCoShREM does
    so even when the twin's response is not positive, which gives 0 / 0 (no orientation); the exact mode then keeps po.
    """
    lp, rp = _pymax(lp, 0.0), _pymax(rp, 0.0)
    if not compat:
        lh, rh = lh & (lp > 0), rh & (rp > 0)
    rpangle = torch.where(rh, po + 1, po)
    lpangle = torch.where(lh, po - 1, po)
    rp = torch.where(rh, rp, p)
    r = torch.where(rh, _pymin(r, rp), r)
    lp = torch.where(lh, lp, p)
    l = torch.where(lh, _pymin(l, lp), l)
    right = r / rp > l / lp
    return (torch.where(right, rp, lp), torch.where(right, rp * l / lp, l), torch.where(right, r, lp * r / rp),
            torch.where(right, rpangle, lpangle))


def _to_degrees(ori: torch.Tensor, shear_level: int, compat: bool) -> torch.Tensor:
    """pyCoShREM's map from fractional orientation index to degrees (interpolated shear k, then 90 + atan(k / h) in
    the xi_y cone, 180 - atan(k / h) before it, -atan(k / h) after it); -1 where ori < 0 or NaN."""
    table = orientation_table(shear_level)
    n, h = len(table), 2 ** (shear_level - 2)
    ks = torch.tensor([k for _, k in table] + [0], dtype=ori.dtype, device=ori.device)
    valid = (ori >= 0) & ~torch.isnan(ori)
    safe = torch.where(valid, ori, torch.zeros_like(ori))
    base = torch.floor(safe)
    delta = safe - base
    i = base.long().clamp(0, n - 1)
    k = (1 - delta) * ks[i] + delta * ks[i + 1]
    lo, hi = (h + 2, n - h) if compat else (h + 1, n - h - 1)  # pyCoShREM tests 0-based indices with 1-based bounds
    slope = torch.atan(k / h)
    ret = torch.where((safe >= lo) & (safe <= hi), math.pi / 2 + slope, torch.where(safe < lo, math.pi - slope, -slope))
    return torch.where(valid, 180 * ret / math.pi, torch.full_like(ori, -1.0))


def edge_measure(image: torch.Tensor, min_contrast: float = 4.0, offset: float = 0.5, pivoting_scales: str = "all", *,
                 scales_per_octave: int = 2, octaves: float = 1, shear_level: int = 3, alpha: float = 0.5,
                 wavelet_eff_support: Optional[float] = None, gaussian_eff_support: Optional[float] = None,
                 shear: str = "exact", normalize: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """CoShREM edge measure E = max(0, sum_j [min(Im c_j, Im c_p) - |Re c_{j-off}| - min_contrast]) / (J Im c_p)
    (Reisenhofer & King, SIAM J. Imaging Sci. 2019; pyCoShREM's ``EdgeSystem.detect``), with its orientation.

    ``image`` (..., H, W) float32/float64; returns (measure, orientation in degrees, -1 where no edge), both shaped
    like ``image``. c runs over the 2 x n_orientations directions of the full circle (each filter and its negative,
    shifted a pixel to align the half-sample filters), Im on scales off.., |Re| on scales ..S-off, off =
    int(offset * scales_per_octave), J = S - off; the pivot p maximises Im c over ``pivoting_scales`` ("all",
    "highest", "lowest") and directions. ``min_contrast`` is in image units (the default 4 assumes 0..255 images and
    ``normalize=True``, pyCoShREM's per-scale normalization). offset 0.5 suits the default 2 scales (pyCoShREM's
    default 1 fails there). The filter parameters are those of ``coshrem_filters``.
    """
    name = "edge_measure"
    rows, cols = _check_image(name, image, shear)
    if pivoting_scales not in PIVOTING_SCALES:
        raise ValueError(f"{name}: pivoting_scales must be one of {PIVOTING_SCALES}, got {pivoting_scales!r}")
    n_scales, off = _scales(name, scales_per_octave, octaves, offset, 0)
    n_oris, h = len(orientation_table(shear_level)), 2 ** (shear_level - 2)
    J, M = n_scales - off, 2 * n_oris
    compat = shear == "coshrem"
    pivots = {"all": list(range(J)), "highest": [J - 1], "lowest": [1 if compat else 0]}[pivoting_scales]
    if pivots[0] >= J:
        raise ValueError(f"{name}: pyCoShREM's pivoting_scales='lowest' uses scale index 1, which needs at least 2 "
                         f"scales after the offset, got {J}")
    if image.numel() == 0:
        return torch.zeros_like(image), torch.full_like(image, -1.0)
    kernel, l1 = _edge_system(rows, cols, scales_per_octave, octaves, shear_level, alpha, wavelet_eff_support,
                              gaussian_eff_support, shear, normalize)
    c = _coefficients(image, kernel).unflatten(-3, (n_scales, n_oris))  # (..., S, O, H, W)

    # the full circle: each direction and its opposite (the negated filter), aligned by one-pixel shifts
    first, second = c.clone(), -c
    cone, after = slice(h + 1, n_oris - h), slice(n_oris - h, n_oris)  # the xi_y cone; the xi_x cone's last group
    first[..., cone, :, :] = c[..., cone, :, :].roll(1 if compat else -1, -2)  # pyCoShREM's is a pixel off
    first[..., after, :, :] = c[..., after, :, :].roll(-1, -1)
    second[..., :h + 1, :, :] = (-c[..., :h + 1, :, :]).roll(-1, -1)
    t = torch.cat([first, second], dim=-3)  # (..., S, 2 O, H, W)
    if not compat:  # order the directions by angle: the xi_y cone's filters point the other way (see the docstring)
        order = torch.arange(M)
        order[cone], order[n_oris + h + 1:M - h] = order[cone] + n_oris, order[cone].clone()
        t = t[..., order.to(image.device), :, :]
    ci = t.imag[..., off:, :, :, :].flatten(-4, -3)  # (..., J * 2 O, H, W), index j * 2 O + direction
    cr = t.real[..., :J, :, :, :].abs().flatten(-4, -3)

    candidates = torch.cat([ci[..., j * M:(j + 1) * M, :, :] for j in pivots], dim=-3)
    best = candidates.argmax(dim=-3)  # first maximum in (scale, direction) order, as numpy's Fortran-order argmax
    po = best % M
    ps = torch.tensor(pivots, device=image.device)[best // M]
    pci = _take(ci, ps * M + po)
    along = torch.arange(J, device=image.device).view(J, 1, 1) * M + po.unsqueeze(-3)
    num = (torch.minimum(_take(ci, along), pci.unsqueeze(-3)) - _take(cr, along) - min_contrast).sum(-3)
    keep = (num > 0) & (pci > _floor(image, l1))
    measure = torch.where(keep, num / (J * pci), torch.zeros_like(num))

    # orientation: a parabola through the pivot's and its neighbours' Im c at the pivot scale
    left, right, left_hit, right_hit = _neighbours(n_oris, shear_level, M, image.device)
    at = lambda d: _take(ci, ps * M + d)  # noqa: E731
    lh, rh = left_hit[po], right_hit[po]
    pc, lc, rc, pangle = _parabola_pick(pci, _pymax(at(left[po]), 0.0), _pymax(at(right[po]), 0.0),
                                        at((po - 1) % M), at((po + 1) % M), lh, rh, po, compat)
    ori = pangle + (rc - lc) / (4 * pc - 2 * (rc + lc))
    ori = torch.where(ori < 0, ori + M, ori)
    ori = torch.where(ori >= M, ori - M, ori)
    ori = torch.where(ori >= n_oris, ori - n_oris, ori)
    ori = torch.where(measure > 0, ori, torch.full_like(ori, -1.0))
    return measure, _to_degrees(ori, shear_level, compat)


def ridge_measure(image: torch.Tensor, min_contrast: Optional[float] = None, offset: float = 0.5,
                  positive_only: bool = True, negative_only: bool = False, *, scales_per_octave: int = 2,
                  octaves: float = 1, shear_level: int = 3, alpha: float = 0.5,
                  wavelet_eff_support: Optional[float] = None, gaussian_eff_support: Optional[float] = None,
                  shear: str = "exact") -> tuple[torch.Tensor, torch.Tensor]:
    """CoShREM ridge measure R = max(0, |sum_j Re c_j| - sum_j |Im c_{j-off}| - T sum_j |E_wj|) / sum_j max(|Re c_j|,
    |h E_wj|), h = Re c_p / E_wp (Reisenhofer & King, SIAM J. Imaging Sci. 2019; pyCoShREM's ``RidgeSystem.detect``).

    ``image`` (..., H, W) float32/float64; returns (measure, orientation in degrees, -1 where no ridge), both shaped
    like ``image``. Re c on scales off.., |Im c| on scales ..S-off (off = int(offset * scales_per_octave) >= 1), over
    the one direction p (a filter of the ridge system's pairs) maximising |Re c| over scales and directions; E_wj is the
    expected response of scale j to a ridge of the width w of p's pair member at p's scale, h the ridge's height.
    T = ``min_contrast``, by default (max - min) / 30 of each image. ``positive_only`` keeps bright ridges (h > 0),
    else ``negative_only`` dark ones (h < 0), else both. The filter parameters are those of ``coshrem_filters``; the
    system is normalised as pyCoShREM's RidgeSystem is (it has no unnormalised variant).
    """
    name = "ridge_measure"
    rows, cols = _check_image(name, image, shear)
    if positive_only and negative_only:
        raise ValueError(f"{name}: positive_only and negative_only are exclusive; set at most one")
    n_scales, off = _scales(name, scales_per_octave, octaves, offset, 1)
    n_oris = len(orientation_table(shear_level))
    J, M = n_scales - off, 2 * n_oris
    if image.numel() == 0:
        return torch.zeros_like(image), torch.full_like(image, -1.0)
    kernel, l1, widths, table = _ridge_system(rows, cols, scales_per_octave, octaves, shear_level, alpha,
                                              wavelet_eff_support, gaussian_eff_support, shear)
    dev, dtype = image.device, image.dtype
    widths, table = widths.to(dev), table.to(device=dev, dtype=dtype)
    if min_contrast is None:
        min_contrast = (image.amax(dim=(-2, -1), keepdim=True) - image.amin(dim=(-2, -1), keepdim=True)) / 30
    t = _coefficients(image, kernel).unflatten(-3, (n_scales, M))  # (..., S, 2 O, H, W), index 2 o + member
    ci = t.imag[..., :J, :, :, :].abs().flatten(-4, -3)  # (..., J * 2 O, H, W)
    cr = t.real[..., off:, :, :, :].flatten(-4, -3)

    best = cr.abs().argmax(dim=-3)
    po2, ps = best % M, best // M
    po, member = po2 // 2, po2 % 2
    expected = table[:, off:][widths[2 * (ps + off) + member]].movedim(-1, -3)  # (..., J, H, W): E_wj
    along = torch.arange(J, device=dev).view(J, 1, 1) * M + po2.unsqueeze(-3)
    cr_j, ci_j = _take(cr, along), _take(ci, along)
    pcr = _take(cr, ps * M + po2)
    height = pcr / _take(expected, ps)
    norm = _pymax(cr_j.abs(), (height.unsqueeze(-3) * expected).abs()).sum(-3)
    num = cr_j.sum(-3).abs() - ci_j.sum(-3) - min_contrast * expected.abs().sum(-3)
    measure = _pymax(num, 0.0) / norm
    measure = torch.where(pcr.abs() > _floor(image, l1), measure, torch.zeros_like(measure))

    # orientation: a parabola through the pivot's and its neighbours' |Re c| at the pivot scale
    left, right, left_hit, right_hit = _neighbours(n_oris, shear_level, n_oris, dev)
    at = lambda o: _take(cr, ps * M + 2 * o + member)  # noqa: E731
    lh, rh = left_hit[po], right_hit[po]
    compat = shear == "coshrem"
    twin = 1.0 if compat else torch.sign(pcr)  # pyCoShREM counts a twin only if positive, even on a dark ridge
    pc, lc, rc, pangle = _parabola_pick(pcr.abs(), at(left[po]).abs(), at(right[po]).abs(),
                                        twin * at((po - 1) % n_oris), twin * at((po + 1) % n_oris), lh, rh, po,
                                        compat)
    ori = pangle + (rc - lc) / (2 * (pc - _pymin(rc, lc)))
    ori = torch.where(ori < 0, ori + n_oris, ori)
    ori = torch.where(ori >= n_oris, ori - n_oris, ori)
    ori = torch.where(measure > 0, ori, torch.full_like(ori, -1.0))
    if positive_only or negative_only:
        wrong = height < 0 if positive_only else height > 0
        measure = torch.where(wrong, torch.zeros_like(measure), measure)
        ori = torch.where(wrong, torch.full_like(ori, -1.0), ori)
    return measure, _to_degrees(ori, shear_level, compat)
