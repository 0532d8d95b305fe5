"""k-space and image space as fastMRI defines them (Zbontar et al., 2018, "fastMRI: An Open Dataset and Benchmarks for
Accelerated MRI", and its reference code ``fastmri.fft2c`` / ``ifft2c`` / ``center_crop``): centered orthonormal 2-D
Fourier transforms over the last two dimensions, the centre crop to the 320 x 320 reconstruction grid, undersampling
by a column mask and the zero-filled image it gives, and the k-space noise of the robustness runs.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import torch

from ..._validation import check_complex

__all__ = ["fft2c", "ifft2c", "center_crop", "apply_mask", "zero_filled", "add_kspace_noise"]

_DIMS = (-2, -1)


def _check_image(name: str, x) -> None:
    check_complex(name, x)
    if x.dim() < 2:
        raise ValueError(f"{name} expects a complex tensor of at least 2 dimensions (..., H, W), got shape "
                         f"{tuple(x.shape)}")


def fft2c(x: torch.Tensor) -> torch.Tensor:
    """Centered orthonormal 2-D FFT over the last two dimensions: image -> k-space (fastMRI's ``fft2c``).

    .. math:: \\mathrm{fft2c}(x) = \\mathrm{fftshift}(\\mathrm{FFT}_{ortho}(\\mathrm{ifftshift}(x)))

    over dims (-2, -1), so the zero frequency sits at index (H // 2, W // 2) and the transform is unitary
    (Parseval: ``||fft2c(x)|| == ||x||``). Zbontar et al., 2018 (fastMRI).

    Args:
        x: complex image, (..., H, W).

    Returns:
        complex k-space of the same shape and dtype.

    Example::

        >>> x = torch.randn(2, 8, 6, dtype=torch.complex64)
        >>> torch.allclose(ifft2c(fft2c(x)), x, atol=1e-5)
        True
    """
    _check_image("fft2c", x)
    return torch.fft.fftshift(torch.fft.fft2(torch.fft.ifftshift(x, dim=_DIMS), norm="ortho"), dim=_DIMS)


def ifft2c(k: torch.Tensor) -> torch.Tensor:
    """Centered orthonormal 2-D inverse FFT over the last two dimensions: k-space -> image (fastMRI's ``ifft2c``).

    .. math:: \\mathrm{ifft2c}(k) = \\mathrm{fftshift}(\\mathrm{IFFT}_{ortho}(\\mathrm{ifftshift}(k)))

    over dims (-2, -1); the inverse of :func:`fft2c`. Zbontar et al., 2018 (fastMRI).

    Args:
        k: complex k-space, (..., H, W).

    Returns:
        complex image of the same shape and dtype.

    Example::

        >>> k = torch.zeros(4, 4, dtype=torch.complex64); k[2, 2] = 4
        >>> ifft2c(k).abs().unique()
        tensor([1.])
    """
    _check_image("ifft2c", k)
    return torch.fft.fftshift(torch.fft.ifft2(torch.fft.ifftshift(k, dim=_DIMS), norm="ortho"), dim=_DIMS)


def center_crop(x: torch.Tensor, shape: Sequence[int]) -> torch.Tensor:
    """The centre ``shape`` = (h, w) of the last two dimensions, as fastMRI's ``center_crop``.

    The crop starts at ((H - h) // 2, (W - w) // 2); fastMRI's reconstructions are the 320 x 320 centre crop of the
    fully sampled image (Zbontar et al., 2018).

    Args:
        x: tensor (..., H, W), any dtype.
        shape: (h, w) with 1 <= h <= H and 1 <= w <= W.

    Returns:
        a view (..., h, w).

    Example::

        >>> center_crop(torch.arange(16).reshape(4, 4), (2, 2))
        tensor([[ 5,  6],
                [ 9, 10]])
    """
    if not isinstance(x, torch.Tensor) or x.dim() < 2:
        raise ValueError(f"center_crop expects a tensor of at least 2 dimensions (..., H, W), got "
                         f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
    shape = tuple(shape)
    if len(shape) != 2 or any(not isinstance(s, (int, np.integer)) or s < 1 for s in shape):
        raise ValueError(f"center_crop expects shape (h, w) of two positive ints, got {shape!r}")
    h, w = (int(s) for s in shape)
    H, W = x.shape[-2:]
    if h > H or w > W:
        raise ValueError(f"center_crop: crop {(h, w)} is larger than the input's last two dims {(H, W)}")
    top, left = (H - h) // 2, (W - w) // 2
    return x[..., top:top + h, left:left + w]


def apply_mask(kspace: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """k-space with the columns a mask leaves out set to zero: ``kspace * mask`` (the mask broadcasts over rows).

    fastMRI's masks pick phase-encoding columns, the last dimension W (Zbontar et al., 2018).

    Args:
        kspace: complex k-space (..., H, W).
        mask: bool (or 0/1) tensor (W,) or any shape that broadcasts to ``kspace``.

    Returns:
        the masked k-space, same shape and dtype as ``kspace``.

    Example::

        >>> apply_mask(torch.ones(2, 3, dtype=torch.complex64), torch.tensor([True, False, True]))
        tensor([[1.+0.j, 0.+0.j, 1.+0.j],
                [1.+0.j, 0.+0.j, 1.+0.j]])
    """
    _check_image("apply_mask", kspace)
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"apply_mask expects the mask as a tensor, got {type(mask).__name__}")
    if mask.dim() == 1 and mask.shape[0] != kspace.shape[-1]:
        raise ValueError(f"apply_mask: a 1-D mask must have one entry per column (W = {kspace.shape[-1]}), got "
                         f"{mask.shape[0]}")
    try:
        torch.broadcast_shapes(mask.shape, kspace.shape)
    except RuntimeError:
        raise ValueError(f"apply_mask: mask of shape {tuple(mask.shape)} does not broadcast to k-space of shape "
                         f"{tuple(kspace.shape)}") from None
    return torch.where(mask.to(torch.bool), kspace, torch.zeros((), dtype=kspace.dtype))


def zero_filled(kspace: torch.Tensor, mask: torch.Tensor, crop: Optional[Sequence[int]] = None) -> torch.Tensor:
    """The zero-filled reconstruction: ``center_crop(ifft2c(apply_mask(kspace, mask)), crop)``.

    The baseline of fastMRI (Zbontar et al., 2018, Sec. 5) and the input of the reconstruction networks here.

    Args:
        kspace: complex k-space (..., H, W).
        mask: column mask (W,) or broadcastable, as :func:`apply_mask`.
        crop: (h, w) of the centre crop; None keeps (H, W).

    Returns:
        complex image (..., h, w).

    Example::

        >>> k = fft2c(torch.ones(1, 8, 8, dtype=torch.complex64))
        >>> zero_filled(k, torch.ones(8, dtype=torch.bool), (4, 4)).shape
        torch.Size([1, 4, 4])
    """
    image = ifft2c(apply_mask(kspace, mask))
    return image if crop is None else center_crop(image, crop)


def add_kspace_noise(kspace: torch.Tensor, noise: float, rng: np.random.Generator) -> torch.Tensor:
    """k-space plus complex Gaussian noise of standard deviation ``noise`` x its RMS (over the last two dims).

    The noise has independent real and imaginary parts of standard deviation ``sigma / sqrt(2)`` each, so that
    ``E|n|^2 = sigma^2`` with ``sigma = noise * sqrt(mean |k|^2)`` (thermal noise is white in k-space). Drawn from
    ``rng`` in float64 and added in the k-space's dtype; ``noise == 0`` returns ``kspace`` itself.

    Args:
        kspace: complex k-space (..., H, W).
        noise: relative noise level, >= 0.
        rng: numpy generator the noise is drawn from (seeded per slice by the loaders).

    Returns:
        noisy k-space, same shape and dtype.

    Example::

        >>> k = torch.ones(4, 4, dtype=torch.complex64)
        >>> add_kspace_noise(k, 0.0, np.random.default_rng(0)) is k
        True
    """
    _check_image("add_kspace_noise", kspace)
    if not (isinstance(noise, (int, float, np.floating, np.integer)) and not isinstance(noise, bool)
            and np.isfinite(noise) and noise >= 0):
        raise ValueError(f"add_kspace_noise: noise must be a finite number >= 0, got {noise!r}")
    if noise == 0:
        return kspace
    rms = kspace.abs().double().pow(2).mean(dim=_DIMS, keepdim=True).sqrt().numpy()
    shape = tuple(kspace.shape)
    n = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    n *= float(noise) * rms / np.sqrt(2.0)
    return kspace + torch.from_numpy(n).to(kspace.dtype)
