"""Cartesian undersampling masks of fastMRI (Zbontar et al., 2018, "fastMRI: An Open Dataset and Benchmarks for
Accelerated MRI", Sec. 4.2, and ``fastmri.data.subsample``), over k-space columns (the last dimension, W).

Both masks always keep a fully sampled centre block of ``n_low = round(W * center_fraction)`` columns starting at
``(W - n_low + 1) // 2``. ``random_mask`` (fastMRI's ``RandomMaskFunc``) keeps each other column independently with
probability ``(W / acceleration - n_low) / (W - n_low)``; ``equispaced_mask`` (``EquispacedMaskFractionFunc``) keeps
columns ``round(offset + k * a)`` with the spacing ``a = acceleration * (n_low - W) / (n_low * acceleration - W)``
chosen so that the overall sampling rate is 1 / acceleration, and a random offset in ``[0, round(a))``. Each mask is
drawn from ``numpy.random.default_rng(seed)``; the loaders seed it per slice with :func:`slice_seed`.
"""
from __future__ import annotations

import hashlib
from typing import Optional, Union

import numpy as np
import torch

__all__ = ["random_mask", "equispaced_mask", "MASK_TYPES", "default_center_fraction", "slice_seed", "center_columns"]


def default_center_fraction(acceleration: float) -> float:
    """fastMRI's fully sampled centre fraction for an acceleration: 0.08 at 4x, 0.04 at 8x, else 0.32 / acceleration.

    Zbontar et al., 2018, Sec. 4.2 (8 % and 4 % of the low frequencies at 4- and 8-fold acceleration).

    Args:
        acceleration: the undersampling factor, >= 1.

    Returns:
        the fraction of columns in the centre block.

    Example::

        >>> default_center_fraction(4), default_center_fraction(8), default_center_fraction(2)
        (0.08, 0.04, 0.16)
    """
    _check_acceleration("default_center_fraction", acceleration)
    return {4: 0.08, 8: 0.04}.get(acceleration, 0.32 / acceleration)


def slice_seed(base: int, volume: Union[int, str], index: int) -> int:
    """A seed for one slice, derived deterministically from a base seed, its volume and its index in the volume.

    BLAKE2b of ``"<base>/<volume>/<index>"`` (the same in every process and on every platform, unlike ``hash``),
    read as an integer below 2**63. fastMRI seeds its validation masks per file name; this seeds them per slice.

    Args:
        base: the data seed.
        volume: the volume's name (a fastMRI file name) or number.
        index: the slice's index in its volume.

    Returns:
        an int in [0, 2**63).

    Example::

        >>> a, b = slice_seed(0, "file1000001.h5", 3), slice_seed(0, "file1000001.h5", 4)
        >>> a == slice_seed(0, "file1000001.h5", 3) and a != b
        True
    """
    digest = hashlib.blake2b(f"{int(base)}/{volume}/{int(index)}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def _check_acceleration(name: str, acceleration) -> None:
    if (isinstance(acceleration, bool) or not isinstance(acceleration, (int, float, np.integer, np.floating))
            or not np.isfinite(acceleration) or acceleration < 1):
        raise ValueError(f"{name}: acceleration must be a finite number >= 1, got {acceleration!r}")


def _n_low(name: str, width: int, acceleration: float, center_fraction: Optional[float]) -> int:
    """Checks the arguments; the number of centre columns."""
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 2:
        raise ValueError(f"{name}: width must be an int >= 2 (k-space columns), got {width!r}")
    _check_acceleration(name, acceleration)
    if center_fraction is None:
        center_fraction = default_center_fraction(acceleration)
    if (isinstance(center_fraction, bool) or not isinstance(center_fraction, (int, float, np.floating))
            or not 0 < center_fraction <= 1):
        raise ValueError(f"{name}: center_fraction must be a number in (0, 1], got {center_fraction!r}")
    n_low = round(width * center_fraction)
    if acceleration > 1 and n_low * acceleration >= width:
        raise ValueError(f"{name}: the centre block alone ({n_low} of {width} columns, center_fraction "
                         f"{center_fraction}) keeps at least 1/{acceleration} of the columns; lower center_fraction "
                         f"below 1/acceleration")
    return n_low


def center_columns(width: int, n_low: int) -> slice:
    """The centre block of ``n_low`` columns out of ``width``: ``slice(p, p + n_low)``.

    ``p = (width - n_low + 1) // 2``, as fastMRI's ``MaskFunc.calculate_center_mask`` (Zbontar et al., 2018); the
    block contains column ``width // 2``, the zero frequency of :func:`~deepcomplex.data.mri.fft2c`.

    Args:
        width: number of columns.
        n_low: number of centre columns.

    Returns:
        the slice of the centre block.

    Example::

        >>> center_columns(368, 29)
        slice(170, 199, None)
    """
    start = (width - n_low + 1) // 2
    return slice(start, start + n_low)


def random_mask(width: int, acceleration: float, center_fraction: Optional[float] = None,
                seed: int = 0) -> torch.Tensor:
    """fastMRI's random column mask (``RandomMaskFunc``): the centre block plus columns kept at random.

    Keeps the :func:`center_columns` block of ``n_low = round(width * center_fraction)`` columns and each other column
    with probability ``p = (width / acceleration - n_low) / (width - n_low)``, so that ``width / acceleration`` columns
    are kept on average (Zbontar et al., 2018, Sec. 4.2).

    Args:
        width: number of k-space columns W.
        acceleration: undersampling factor (4 and 8 in fastMRI), >= 1.
        center_fraction: fraction of fully sampled centre columns; None: :func:`default_center_fraction`.
        seed: seed of ``numpy.random.default_rng`` that draws the columns.

    Returns:
        bool tensor (W,), True where a column is sampled.

    Example::

        >>> m = random_mask(368, 4, seed=1)
        >>> m.shape, bool(m[170:199].all())
        (torch.Size([368]), True)
    """
    n_low = _n_low("random_mask", width, acceleration, center_fraction)
    rng = np.random.default_rng(seed)
    p = (width / acceleration - n_low) / (width - n_low) if width > n_low else 0.0
    mask = rng.uniform(size=width) < p
    mask[center_columns(width, n_low)] = True
    return torch.from_numpy(mask)


def equispaced_mask(width: int, acceleration: float, center_fraction: Optional[float] = None,
                    seed: int = 0) -> torch.Tensor:
    """fastMRI's equispaced column mask with the rate matched exactly (``EquispacedMaskFractionFunc``).

    Keeps the :func:`center_columns` block of ``n_low`` columns and the columns ``round(offset + k * a)`` for
    ``offset + k * a < width - 1``, with the adjusted spacing

    .. math:: a = \\frac{R\\,(n_{low} - W)}{n_{low} R - W}

    so that about ``W / R`` columns are kept in all, and a random ``offset`` in ``[0, round(a))`` (Zbontar et al.,
    2018, and fastMRI's ``subsample.py``).

    Args:
        width: number of k-space columns W.
        acceleration: undersampling factor R, >= 1.
        center_fraction: fraction of fully sampled centre columns; None: :func:`default_center_fraction`.
        seed: seed of ``numpy.random.default_rng`` that draws the offset.

    Returns:
        bool tensor (W,), True where a column is sampled.

    Example::

        >>> int(equispaced_mask(368, 4, seed=0).sum())  # 368 / 4 = 92 less a column that meets the centre block
        91
    """
    n_low = _n_low("equispaced_mask", width, acceleration, center_fraction)
    rng = np.random.default_rng(seed)
    mask = np.zeros(width, dtype=bool)
    if acceleration == 1 or n_low == width:
        mask[:] = True
        return torch.from_numpy(mask)
    spacing = acceleration * (n_low - width) / (n_low * acceleration - width)
    offset = int(rng.integers(0, max(round(spacing), 1)))
    mask[np.around(np.arange(offset, width - 1, spacing)).astype(np.int64)] = True
    mask[center_columns(width, n_low)] = True
    return torch.from_numpy(mask)


MASK_TYPES = {"random": random_mask, "equispaced": equispaced_mask}
