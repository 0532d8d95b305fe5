"""Complex resampling modules: upsampling (Re and Im, or modulus and unwrapped phase) and pixel (un)shuffle."""
from __future__ import annotations

import torch
from torch import nn

from .. import functional as CF
from ..functional.resampling import check_interpolate, check_pixel_shuffle, check_pixel_unshuffle


class ComplexUpsample(nn.Module):
    r"""Upsamples a complex signal, image or volume: ``torch.nn.Upsample`` on Re and Im, or on modulus and phase.

    Split (default): :math:`y = \mathcal{I}(\operatorname{Re} z) + i \, \mathcal{I}(\operatorname{Im} z)`, torch's
    interpolation :math:`\mathcal{I}` (nearest, linear, bilinear, bicubic: Keys, 1981, "Cubic Convolution
    Interpolation for Digital Image Processing", IEEE TASSP, Eq. 15 with :math:`a = -0.75`; trilinear) on each part.
    Polar (``polar=True``, complextorch's ``PolarUpsample``):

    .. math::
        y = \mathcal{I}(|z|) \, \exp\!\big(i \, \mathcal{I}(\operatorname{unwrap}(\arg z))\big)

    with the phase unwrapped along Itoh's path (Itoh, 1982, "Analysis of the phase unwrapping algorithm", Applied
    Optics, Eq. 4) so that a smooth phase crossing :math:`\pm\pi` is interpolated along the ramp, not through 0.
    The module form of :func:`deepcomplex.functional.interpolate`, with the arguments of ``torch.nn.Upsample``;
    a decoder of a complex U-Net upsamples with it before its complex convolution.

    Args:
        size (int or tuple, optional): output spatial size. Give exactly one of ``size`` and ``scale_factor``.
        scale_factor (float or tuple, optional): multiplier of the spatial size.
        mode (str): ``'nearest'``, ``'nearest-exact'``, ``'linear'``, ``'bilinear'``, ``'bicubic'``,
            ``'trilinear'`` or ``'area'``. Default: ``'nearest'``
        align_corners (bool, optional): as torch: align the centres of the corner samples (linear modes only).
            Default: ``None``
        recompute_scale_factor (bool, optional): as torch: derive the coordinate scale from the output size.
            Default: ``None``
        polar (bool): interpolate modulus and unwrapped phase instead of Re and Im. Default: ``False``

    Shape:
        - Input: :math:`(N, C, L_{in})`, :math:`(N, C, H_{in}, W_{in})` or :math:`(N, C, D_{in}, H_{in}, W_{in})`,
          complex.
        - Output: :math:`(N, C, *S_{out})`, complex, :math:`S_{out}` = ``size`` or
          :math:`\lfloor S_{in} \cdot \text{scale\_factor} \rfloor`.

    Example::

        >>> up = nn.ComplexUpsample(scale_factor=2, mode="bilinear")
        >>> up(torch.randn(2, 4, 8, 8, dtype=torch.cfloat)).shape
        torch.Size([2, 4, 16, 16])
        >>> nn.ComplexUpsample(size=(4, 6, 6), mode="trilinear", polar=True)(
        ...     torch.randn(1, 2, 2, 3, 3, dtype=torch.cfloat)).shape
        torch.Size([1, 2, 4, 6, 6])
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                 recompute_scale_factor=None, polar: bool = False) -> None:
        super().__init__()
        self.size, self.mode, self.align_corners = size, mode, align_corners
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, (int, float)) else (
            tuple(float(s) for s in scale_factor) if scale_factor is not None else None)
        self.recompute_scale_factor, self.polar = recompute_scale_factor, polar

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_interpolate(type(self).__name__, input, self.size, self.scale_factor, self.mode, self.align_corners)
        return CF.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                              self.recompute_scale_factor, polar=self.polar)

    def extra_repr(self) -> str:
        what = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return f"{what}, mode={self.mode!r}, align_corners={self.align_corners}, polar={self.polar}"


class ComplexPixelShuffle(nn.Module):
    r"""Rearranges complex channels into space: :math:`(*, C r^2, H, W) \to (*, C, H r, W r)`.

    .. math::
        y(c, h r + i, w r + j) = x(c r^2 + i r + j, h, w), \qquad 0 \le i, j < r

    the periodic shuffling of the sub-pixel convolution (Shi et al., 2016, "Real-Time Single Image and Video
    Super-Resolution Using an Efficient Sub-Pixel Convolutional Neural Network", CVPR, Eq. 4) on complex elements:
    a complex convolution to :math:`C r^2` channels followed by it upsamples by :math:`r`. The module form of
    :func:`deepcomplex.functional.pixel_shuffle`, exactly ``torch.nn.PixelShuffle``.

    Args:
        upscale_factor (int): the factor :math:`r`.

    Shape:
        - Input: :math:`(*, C r^2, H, W)`, complex.
        - Output: :math:`(*, C, H r, W r)`, complex.

    Example::

        >>> nn.ComplexPixelShuffle(3)(torch.randn(1, 9, 4, 4, dtype=torch.cfloat)).shape
        torch.Size([1, 1, 12, 12])
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_pixel_shuffle(type(self).__name__, input, self.upscale_factor)
        return CF.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class ComplexPixelUnshuffle(nn.Module):
    r"""Rearranges complex space into channels: :math:`(*, C, H r, W r) \to (*, C r^2, H, W)`.

    .. math::
        y(c r^2 + i r + j, h, w) = x(c, h r + i, w r + j), \qquad 0 \le i, j < r

    the inverse of the periodic shuffling of Shi et al., 2016 ("Real-Time Single Image and Video Super-Resolution
    Using an Efficient Sub-Pixel Convolutional Neural Network", CVPR, Eq. 4) on complex elements. The module form of
    :func:`deepcomplex.functional.pixel_unshuffle`, exactly ``torch.nn.PixelUnshuffle``.

    Args:
        downscale_factor (int): the factor :math:`r`.

    Shape:
        - Input: :math:`(*, C, H r, W r)`, complex.
        - Output: :math:`(*, C r^2, H, W)`, complex.

    Example::

        >>> nn.ComplexPixelUnshuffle(3)(torch.randn(1, 1, 12, 12, dtype=torch.cfloat)).shape
        torch.Size([1, 9, 4, 4])
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_pixel_unshuffle(type(self).__name__, input, self.downscale_factor)
        return CF.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"

