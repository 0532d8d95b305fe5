"""Image perturbations: additive Gaussian noise and per-image Gaussian blur for robustness tests (CoShNet's protocol),
and the random flips and shifts of the regularized training recipe.

Both work on float image batches in [0, 1] (``load_data``'s layout, (N, C, H, W)), in plain torch on any device.

Noise is *not* clipped to [0, 1]: the CoShNet code adds ``N(0, variance)`` to the raw 0-255 values, blurs, then
divides by 255 and normalizes, with no clip anywhere (``shnetutil/pipeline/augmentation.py``: ``GaussianNoise``,
``GaussianBlur``, ``Normalize``), so its reported robustness numbers are for unclipped images. Clip the result yourself
(``x.clamp_(0, 1)``) for a sensor-like model of noise.

The blur equals ``scipy.ndimage.gaussian_filter(image, sigma)`` (truncate 4, mode 'reflect') applied to each 2-D
image alone. The CoShNet code called ``gaussian_filter`` on the whole (N, H, W) batch, which also smooths across the
batch axis and mixes neighbouring images; here no image or channel ever sees another.
"""
from __future__ import annotations

import math
import numbers
from typing import Optional, Union

import torch

TRUNCATE = 4.0  # scipy.ndimage.gaussian_filter's default: the kernel reaches int(4 * sigma + 0.5) pixels


def _check_images(name: str, images, ranks: tuple[int, ...] | None) -> None:
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"{name} expects a float tensor of images, got {type(images).__name__}")
    if not images.is_floating_point():
        raise TypeError(f"{name} expects a floating-point tensor (images in [0, 1]), got {images.dtype}")
    if ranks is not None and images.dim() not in ranks:
        raise ValueError(f"{name} expects a 4D input (N, C, H, W), got {images.dim()}D input of shape "
                         f"{tuple(images.shape)}")


def _check_scalar(name: str, what: str, value) -> float:
    if isinstance(value, torch.Tensor) and value.dim() == 0 and not value.is_complex():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} expects {what} to be a non-negative real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} expects {what} to be a finite number >= 0, got {value}")
    return value


def gaussian_noise(images: torch.Tensor, variance: float, generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """``images + N(0, variance)`` with ``variance`` on the 0-255 scale: std ``sqrt(variance) / 255`` on [0, 1] images.

    Any shape, floating dtype. Not clipped (the CoShNet code does not clip; see the module docstring). ``variance=0``
    returns a copy. With a seeded ``generator`` (on the images' device) the noise is reproducible; the same seed gives
    the same standard-normal draw for every variance, so results at different variances share one noise pattern.
    """
    name = "gaussian_noise"
    _check_images(name, images, None)
    variance = _check_scalar(name, "variance", variance)
    if variance == 0:
        return images.clone()
    z = torch.randn(images.shape, generator=generator, dtype=images.dtype, device=images.device)
    return images + z * (math.sqrt(variance) / 255.0)


def _kernels(sigmas: torch.Tensor, radius: int) -> torch.Tensor:
    """(len(sigmas), 2 * radius + 1) normalized float64 Gaussian kernels, each cut at its own int(4 sigma + 0.5)."""
    x = torch.arange(-radius, radius + 1, dtype=torch.float64)
    s = sigmas.to(torch.float64).clamp_min(1e-300)[:, None]
    k = torch.exp(-0.5 * (x / s) ** 2)
    own = torch.floor(TRUNCATE * sigmas.to(torch.float64) + 0.5)[:, None]
    k = torch.where(x.abs() <= own, k, torch.zeros((), dtype=torch.float64))
    return k / k.sum(1, keepdim=True)


def _reflect_index(n: int, radius: int, device) -> torch.Tensor:
    """Indices of a line of length n padded by ``radius`` in scipy.ndimage's 'reflect' mode (d c b a | a b c d | d c b
    a), repeated as often as the padding needs (period 2n)."""
    i = torch.arange(-radius, n + radius, device=device) % (2 * n)
    return torch.where(i >= n, 2 * n - 1 - i, i)


def _blur_axis(x: torch.Tensor, k: torch.Tensor, radius: int, dim: int) -> torch.Tensor:
    """Correlate each plane x[m] (x: (M, H, W)) with its own 1-D kernel k[m] along ``dim`` (1: H, 2: W).

    A sum over the kernel's taps of shifted views of the padded planes: memory-light and fast for the small kernels
    of image perturbations, and no operation ever reads from another plane."""
    n = x.shape[dim]
    padded = x.index_select(dim, _reflect_index(n, radius, x.device))
    out = torch.zeros_like(x)
    for j in range(2 * radius + 1):
        out.addcmul_(padded.narrow(dim, j, n), k[:, j, None, None])
    return out


def gaussian_blur(images: torch.Tensor, sigma: Union[float, torch.Tensor]) -> torch.Tensor:
    """Gaussian blur of each (H, W) image of an (N, C, H, W) float batch on its own: never across images or channels.

    Equal to ``scipy.ndimage.gaussian_filter(img, sigma)`` per 2-D image (truncate 4: radius ``int(4 sigma + 0.5)``;
    mode 'reflect', the half-sample symmetric extension). ``sigma`` is a number >= 0 for the whole batch, or a tensor
    of shape (N,) with one sigma per image (e.g. CoShNet's U(0, 0.75) draw). ``sigma == 0`` leaves an image unchanged.
    Separable: two 1-D passes (H, then W), kernels computed in float64 and cast to the images' dtype.
    """
    name = "gaussian_blur"
    _check_images(name, images, (4,))
    n, c, h, w = images.shape
    if isinstance(sigma, torch.Tensor) and sigma.dim() > 0:
        if sigma.dim() != 1 or sigma.shape[0] != n:
            raise ValueError(f"{name} expects sigma to be a number or a tensor of shape ({n},) (one per image), got "
                             f"shape {tuple(sigma.shape)}")
        if sigma.is_complex() or sigma.dtype == torch.bool:
            raise TypeError(f"{name} expects a real sigma tensor, got {sigma.dtype}")
        sig = sigma.detach().to("cpu", torch.float64)
        if not torch.isfinite(sig).all() or (sig < 0).any():
            bad = sig[~torch.isfinite(sig) | (sig < 0)][0].item()
            raise ValueError(f"{name} expects every sigma to be a finite number >= 0, got {bad}")
    else:
        sig = torch.full((n,), _check_scalar(name, "sigma", sigma), dtype=torch.float64)
    active = sig > 1e-15  # scipy skips an axis whose sigma is ~0; so do we (exact identity)
    if n == 0 or not active.any() or h == 0 or w == 0:
        return images.clone()
    radius = int(math.floor(TRUNCATE * sig.max().item() + 0.5))
    k = _kernels(torch.where(active, sig, torch.ones((), dtype=torch.float64)), radius)
    k = k.to(images.device, images.dtype).repeat_interleave(c, dim=0)  # one kernel per (image, channel) plane
    planes = images.reshape(n * c, h, w)
    out = _blur_axis(_blur_axis(planes, k, radius, 1), k, radius, 2).reshape(n, c, h, w)
    if not active.all():
        keep = (~active).to(images.device)[:, None, None, None]
        out = torch.where(keep, images, out)
    return out


def random_flip_shift(images: torch.Tensor, max_shift: int = 2, flip: bool = True,
                      generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Training augmentation: each image mirrored left-right with probability 1/2 (when ``flip``) and moved by a whole
    number of pixels in [-max_shift, max_shift] along each axis, the uncovered border filled with 0 (the background).

    Batched (no Python loop over images) and driven by ``generator`` alone, so a seeded generator gives the same batch
    on every run; returns a new tensor of the same shape.
    """
    _check_images("random_flip_shift", images, (4,))
    if isinstance(max_shift, bool) or not isinstance(max_shift, int) or max_shift < 0:
        raise ValueError(f"random_flip_shift expects max_shift to be a non-negative int, got {max_shift!r}")
    n, c, h, w = images.shape
    if n == 0:
        return images.clone()
    s = max_shift
    padded = torch.nn.functional.pad(images, (s, s, s, s))
    dy = torch.randint(0, 2 * s + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * s + 1, (n,), generator=generator)
    mirror = torch.rand(n, generator=generator) < 0.5 if flip else torch.zeros(n, dtype=torch.bool)
    cols = torch.arange(w)
    cols = torch.where(mirror[:, None], cols.flip(0)[None, :], cols[None, :]) + dx[:, None]    # (n, w)
    rows = torch.arange(h)[None, :] + dy[:, None]                                             # (n, h)
    dev = images.device
    batch = torch.arange(n, device=dev)[:, None, None, None]
    chan = torch.arange(c, device=dev)[None, :, None, None]
    return padded[batch, chan, rows.to(dev)[:, None, :, None], cols.to(dev)[:, None, None, :]]
