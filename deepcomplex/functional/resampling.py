"""Complex resampling: interpolation of Re and Im (or of modulus and unwrapped phase) and pixel (un)shuffle."""
from __future__ import annotations

import math
from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F

from .._layout import apply_interleaved
from .._validation import check_complex, check_rank

_MODE_RANK = {"nearest": (3, 4, 5), "nearest-exact": (3, 4, 5), "area": (3, 4, 5), "linear": (3,), "bilinear": (4,),
              "bicubic": (4,), "trilinear": (5,)}


def check_interpolate(name: str, input: torch.Tensor, size, scale_factor, mode: str, align_corners) -> None:
    """Raise a clear error naming ``name`` for input or arguments ``torch.nn.functional.interpolate`` would reject."""
    check_complex(name, input)
    if mode not in _MODE_RANK:
        raise ValueError(f"{name}: mode must be one of {sorted(_MODE_RANK)}, got {mode!r}")
    check_rank(name, input, _MODE_RANK[mode], f"(N, C, *spatial) for mode {mode!r}")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{name} expects exactly one of size and scale_factor, got size={size!r} and "
                         f"scale_factor={scale_factor!r}")
    nd = input.dim() - 2
    for what, v in (("size", size), ("scale_factor", scale_factor)):
        if isinstance(v, (tuple, list)):
            if len(v) != nd:
                raise ValueError(f"{name}: {what} must have {nd} entries for {nd}-D spatial input of shape "
                                 f"{tuple(input.shape)}, got {tuple(v)}")
            values = v
        else:
            values = () if v is None else (v,)
        if any(not (u > 0) for u in values):
            raise ValueError(f"{name}: {what} must be positive, got {v!r}")
    if align_corners is not None and mode in ("nearest", "nearest-exact", "area"):
        raise ValueError(f"{name}: align_corners only applies to the linear, bilinear, bicubic and trilinear modes, "
                         f"got align_corners={align_corners} with mode {mode!r}")
    if input.shape[1] == 0 or any(s == 0 for s in input.shape[2:]):
        raise ValueError(f"{name} expects non-empty channel and spatial dimensions, got input of shape "
                         f"{tuple(input.shape)}")


def unwrap_offset(phase: torch.Tensor, nd: int) -> torch.Tensor:
    """The multiples of :math:`2\\pi` that Itoh's path unwrapping adds to ``phase`` over its last ``nd`` dims (broadcast
    against it): along the first of them at index 0 of the others, then each following dim from the line before
    (for 2-D: column 0 down, then every row across), each step adding the difference wrapped into
    :math:`[-\\pi, \\pi]`. Piecewise constant, so computed without a graph: the gradient flows through ``phase``."""
    phase = phase.detach()
    total = None
    for k in range(1, nd + 1):  # dim -k: its line at index 0 of the k - 1 trailing dims
        line = phase[(Ellipsis, slice(None)) + (0,) * (k - 1)]
        turns = torch.round(line.diff(dim=-1) / (2 * math.pi))
        offset = torch.cat([torch.zeros_like(line[..., :1]), turns.cumsum(-1)], -1).mul_(-2 * math.pi)
        offset = offset.reshape(*offset.shape, *(1,) * (k - 1))
        total = offset if total is None else total + offset
    return total


def interpolate(input: torch.Tensor, size: Optional[Union[int, Sequence[int]]] = None,
                scale_factor: Optional[Union[float, Sequence[float]]] = None, mode: str = "nearest",
                align_corners: Optional[bool] = None, recompute_scale_factor: Optional[bool] = None,
                antialias: bool = False, polar: bool = False) -> torch.Tensor:
    r"""Resample a complex signal, image or volume: ``torch.nn.functional.interpolate`` on Re and Im, or polar.

    Split (default): :math:`y = \mathcal{I}(\operatorname{Re} z) + i \, \mathcal{I}(\operatorname{Im} z)` with
    :math:`\mathcal{I}` torch's real interpolation (the same source coordinates and weights; bicubic is Keys' cubic
    convolution with :math:`a = -0.75`: Keys, 1981, "Cubic Convolution Interpolation for Digital Image Processing",
    IEEE TASSP, Eq. 15). Being linear, it commutes with multiplication by a complex constant.

    Polar (``polar=True``, complextorch's ``PolarUpsample`` with the phase unwrapped first):

    .. math::
        y = \mathcal{I}(|z|) \, \exp\!\big(i \, \mathcal{I}(\operatorname{unwrap}(\arg z))\big)

    where unwrap adds multiples of :math:`2\pi` so that neighbouring phases differ by at most :math:`\pi`, by Itoh's
    path (Itoh, 1982, "Analysis of the phase unwrapping algorithm", Applied Optics 21(14), Eq. 4): along the first
    spatial axis at index 0 of the others, then each following axis. A smooth phase ramp crossing :math:`\pm\pi` is
    then interpolated along the ramp rather than through 0. Modes that overshoot (bicubic) can give a negative
    interpolated modulus, which, as ``torch.polar``, turns the phase by :math:`\pi`. The nearest modes pick elements,
    the same in both forms.

    Args:
        input (Tensor): complex input :math:`(N, C, L)`, :math:`(N, C, H, W)` or :math:`(N, C, D, H, W)`.
        size (int or tuple, optional): output spatial size. Give exactly one of ``size`` and ``scale_factor``.
        scale_factor (float or tuple, optional): multiplier of the spatial size.
        mode (str): ``'nearest'``, ``'nearest-exact'``, ``'linear'`` (3-D input), ``'bilinear'`` or ``'bicubic'``
            (4-D), ``'trilinear'`` (5-D) or ``'area'``. Default: ``'nearest'``
        align_corners (bool, optional): as torch: align the centres of the corner samples (linear modes only).
            Default: ``None`` (``False``)
        recompute_scale_factor (bool, optional): as torch: derive the coordinate scale from the output size.
            Default: ``None``
        antialias (bool): as torch: anti-aliasing when downsampling (bilinear and bicubic). Default: ``False``
        polar (bool): interpolate modulus and unwrapped phase instead of Re and Im. Default: ``False``

    Shape:
        - Input: :math:`(N, C, *S_{in})`, complex.
        - Output: :math:`(N, C, *S_{out})`, complex, :math:`S_{out}` = ``size`` or
          :math:`\lfloor S_{in} \cdot \text{scale\_factor} \rfloor`.

    Example::

        >>> z = torch.randn(2, 3, 8, 8, dtype=torch.cfloat)
        >>> F.interpolate(z, scale_factor=2, mode="bilinear").shape
        torch.Size([2, 3, 16, 16])
        >>> F.interpolate(z, size=(5, 12), mode="bicubic", align_corners=True, polar=True).shape
        torch.Size([2, 3, 5, 12])
        >>> F.interpolate(torch.tensor([[[1 + 1j, 3 - 1j]]]), size=3, mode="linear", align_corners=True)
        tensor([[[1.+1.j, 2.+0.j, 3.-1.j]]])
    """
    check_interpolate("interpolate", input, size, scale_factor, mode, align_corners)
    kwargs = dict(size=size, scale_factor=scale_factor, mode=mode, align_corners=align_corners,
                  recompute_scale_factor=recompute_scale_factor, antialias=antialias)
    if not polar or mode in ("nearest", "nearest-exact"):  # picking elements: the same in both forms, exactly
        return apply_interleaved(input, lambda x: F.interpolate(x, **kwargs))
    phase = input.angle()
    packed = torch.complex(input.abs(), phase + unwrap_offset(phase, input.dim() - 2))  # Re: |z|, Im: unwrapped phase
    up = apply_interleaved(packed, lambda x: F.interpolate(x, **kwargs))  # both at once, as the split form
    # r e^{i phi} by hand: bicubic may overshoot to r < 0, where torch.polar's backward (which assumes r >= 0) is wrong
    r, phi = up.real, up.imag
    return torch.view_as_complex(torch.stack([r * torch.cos(phi), r * torch.sin(phi)], -1))


def pixel_shuffle(input: torch.Tensor, upscale_factor: int) -> torch.Tensor:
    r"""Rearrange complex channels into space: :math:`(*, C r^2, H, W) \to (*, C, H r, W r)`.

    .. math::
        y(c, h r + i, w r + j) = x(c r^2 + i r + j, h, w), \qquad 0 \le i, j < r

    the sub-pixel convolution's periodic shuffling (Shi et al., 2016, "Real-Time Single Image and Video
    Super-Resolution Using an Efficient Sub-Pixel Convolutional Neural Network", CVPR, Eq. 4), applied to the complex
    elements (Re and Im move together), exactly ``torch.nn.functional.pixel_shuffle``.

    Args:
        input (Tensor): complex input :math:`(*, C r^2, H, W)`.
        upscale_factor (int): the factor :math:`r`.

    Shape:
        - Input: :math:`(*, C r^2, H, W)`, complex, any number of leading dimensions.
        - Output: :math:`(*, C, H r, W r)`, complex.

    Example::

        >>> F.pixel_shuffle(torch.randn(2, 12, 4, 5, dtype=torch.cfloat), 2).shape
        torch.Size([2, 3, 8, 10])
    """
    check_pixel_shuffle("pixel_shuffle", input, upscale_factor)
    return F.pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input: torch.Tensor, downscale_factor: int) -> torch.Tensor:
    r"""Rearrange complex space into channels: :math:`(*, C, H r, W r) \to (*, C r^2, H, W)`, the inverse shuffle.

    .. math::
        y(c r^2 + i r + j, h, w) = x(c, h r + i, w r + j), \qquad 0 \le i, j < r

    the inverse of the periodic shuffling of Shi et al., 2016 ("Real-Time Single Image and Video Super-Resolution
    Using an Efficient Sub-Pixel Convolutional Neural Network", CVPR, Eq. 4), exactly
    ``torch.nn.functional.pixel_unshuffle`` on the complex elements.

    Args:
        input (Tensor): complex input :math:`(*, C, H r, W r)`.
        downscale_factor (int): the factor :math:`r`.

    Shape:
        - Input: :math:`(*, C, H r, W r)`, complex, any number of leading dimensions.
        - Output: :math:`(*, C r^2, H, W)`, complex.

    Example::

        >>> F.pixel_unshuffle(torch.randn(2, 3, 8, 10, dtype=torch.cfloat), 2).shape
        torch.Size([2, 12, 4, 5])
    """
    check_pixel_unshuffle("pixel_unshuffle", input, downscale_factor)
    return F.pixel_unshuffle(input, downscale_factor)


def _check_shuffle(name: str, input: torch.Tensor, factor, what: str) -> None:
    check_complex(name, input)
    if input.dim() < 3:
        raise ValueError(f"{name} expects an input of at least 3 dimensions (*, C, H, W), got {input.dim()}D input "
                         f"of shape {tuple(input.shape)}")
    if not isinstance(factor, int) or isinstance(factor, bool) or factor < 1:
        raise ValueError(f"{name}: {what} must be a positive int, got {factor!r}")


def check_pixel_shuffle(name: str, input: torch.Tensor, upscale_factor) -> None:
    """Raise a clear error naming ``name`` unless ``input`` is complex (*, C r^2, H, W) for the factor r."""
    _check_shuffle(name, input, upscale_factor, "upscale_factor")
    c = input.shape[-3]
    if c % (upscale_factor * upscale_factor):
        raise ValueError(f"{name} expects a channel count divisible by upscale_factor ** 2 = {upscale_factor ** 2}, "
                         f"got {c} channels in input of shape {tuple(input.shape)}")


def check_pixel_unshuffle(name: str, input: torch.Tensor, downscale_factor) -> None:
    """Raise a clear error naming ``name`` unless ``input`` is complex (*, C, H r, W r) for the factor r."""
    _check_shuffle(name, input, downscale_factor, "downscale_factor")
    h, w = input.shape[-2:]
    if h % downscale_factor or w % downscale_factor:
        raise ValueError(f"{name} expects height and width divisible by downscale_factor = {downscale_factor}, got "
                         f"input of shape {tuple(input.shape)}")
