"""Complex adaptive pooling modules: average of Re and Im in 1-D and 3-D, max by modulus in 1-D to 3-D, and spectral
pooling in 1-D and 3-D (the 2-D average and spectral ones live in ``pooling``)."""
from __future__ import annotations

import torch

from .. import functional as CF
from .._validation import check_window
from .pooling import _Pool


class _AdaptiveNd(_Pool):
    _fn = None

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        self._check(input)
        check_window(type(self).__name__, input, self._nd, 1)
        return type(self)._fn(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


_AVG_DOC = r"""Applies adaptive average pooling over a complex input {what}: the mean of Re and of Im over each window.

    .. math::
        \text{{out}}(N_i, C_j, o) = \operatorname{{mean}} \{{ z(N_i, C_j, p) :
        \lfloor o \, n / n_{{out}} \rfloor \le p < \lceil (o + 1) \, n / n_{{out}} \rceil \}} \text{{ along each axis}}

    the adaptive bins of spatial pyramid pooling (He et al., 2015, "Spatial Pyramid Pooling in Deep Convolutional
    Networks for Visual Recognition", TPAMI, Sec. 2.3) that ``torch.nn.AdaptiveAvgPool{nd}d`` picks, Re and Im pooled
    as two real channels. The module form of :func:`deepcomplex.functional.adaptive_avg_pool{nd}d`.

    Args:
        output_size (int or tuple): the target size:
            {size_note}.

    Shape:
        - Input: :math:`{shape_in}` or without :math:`N`, complex.
        - Output: :math:`{shape_out}` or without :math:`N`, complex.

    Example::

        >>> nn.ComplexAdaptiveAvgPool{nd}d({size})(torch.randn({example}, dtype=torch.cfloat)).shape
        torch.Size([{example_out}])
    """


class ComplexAdaptiveAvgPool1d(_AdaptiveNd):
    _nd, _fn = 1, staticmethod(CF.adaptive_avg_pool1d)


class ComplexAdaptiveAvgPool3d(_AdaptiveNd):
    _nd, _fn = 3, staticmethod(CF.adaptive_avg_pool3d)


ComplexAdaptiveAvgPool1d.__doc__ = _AVG_DOC.format(what="signal", nd=1, size_note=r":math:`L_{out}`",
                                                   shape_in="(N, C, L_{in})", shape_out="(N, C, L_{out})", size="5",
                                                   example="1, 64, 8", example_out="1, 64, 5")
ComplexAdaptiveAvgPool3d.__doc__ = _AVG_DOC.format(
    what="volume", nd=3, size_note=r":math:`(D_{out}, H_{out}, W_{out})`, or one int for all three (``None`` keeps "
    "that dimension)", shape_in="(N, C, D_{in}, H_{in}, W_{in})",
    shape_out="(N, C, D_{out}, H_{out}, W_{out})", size="(5, 7, None)", example="1, 64, 8, 9, 10",
    example_out="1, 64, 5, 7, 10")


class _AdaptiveMaxNd(_AdaptiveNd):
    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: torch.Tensor):
        self._check(input)
        check_window(type(self).__name__, input, self._nd, 1)
        return type(self)._fn(input, self.output_size, self.return_indices)


_MAX_DOC = r"""Applies adaptive max pooling by modulus over a complex {what}: each window keeps its largest :math:`|z|`.

    .. math::
        \text{{out}}(N_i, C_j, o) = z(N_i, C_j, p^*), \qquad
        p^* = \operatorname{{arg\,max}}_{{p \in \text{{bin}}(o)}} |z(N_i, C_j, p)|

    with the bins of spatial pyramid pooling (He et al., 2015, "Spatial Pyramid Pooling in Deep Convolutional
    Networks for Visual Recognition", TPAMI, Sec. 2.3) and the modulus selection of Zhang et al., 2017 (IEEE TGRS,
    Eq. 3): the element itself, phase included. The module form of
    :func:`deepcomplex.functional.adaptive_max_pool{nd}d`; the bins, and the indices, are those
    ``torch.nn.AdaptiveMaxPool{nd}d`` gives on :math:`|z|`.

    Args:
        output_size (int or tuple): the target size:
            {size_note}.
        return_indices (bool): if ``True``, returns ``(output, indices)``. Default: ``False``

    Shape:
        - Input: :math:`{shape_in}` or without :math:`N`, complex.
        - Output: :math:`{shape_out}` or without :math:`N`, complex;
          indices: the same shape, ``torch.int64``.

    Example::

        >>> out, idx = nn.ComplexAdaptiveMaxPool{nd}d({size}, return_indices=True)(
        ...     torch.randn({example}, dtype=torch.cfloat))
        >>> out.shape, idx.dtype
        (torch.Size([{example_out}]), torch.int64)
    """


class ComplexAdaptiveMaxPool1d(_AdaptiveMaxNd):
    _nd, _fn = 1, staticmethod(CF.adaptive_max_pool1d)


class ComplexAdaptiveMaxPool2d(_AdaptiveMaxNd):
    _nd, _fn = 2, staticmethod(CF.adaptive_max_pool2d)


class ComplexAdaptiveMaxPool3d(_AdaptiveMaxNd):
    _nd, _fn = 3, staticmethod(CF.adaptive_max_pool3d)


ComplexAdaptiveMaxPool1d.__doc__ = _MAX_DOC.format(what="signal", nd=1, size_note=r":math:`L_{out}`",
                                                   shape_in="(N, C, L_{in})", shape_out="(N, C, L_{out})", size="3",
                                                   example="2, 4, 10", example_out="2, 4, 3")
ComplexAdaptiveMaxPool2d.__doc__ = _MAX_DOC.format(
    what="image", nd=2, size_note=r":math:`(H_{out}, W_{out})`, or one int for both (``None`` keeps that dimension)",
    shape_in="(N, C, H_{in}, W_{in})", shape_out="(N, C, H_{out}, W_{out})", size="(3, None)",
    example="2, 4, 10, 7", example_out="2, 4, 3, 7")
ComplexAdaptiveMaxPool3d.__doc__ = _MAX_DOC.format(
    what="volume", nd=3, size_note=r":math:`(D_{out}, H_{out}, W_{out})`, or one int for all three",
    shape_in="(N, C, D_{in}, H_{in}, W_{in})", shape_out="(N, C, D_{out}, H_{out}, W_{out})", size="2",
    example="2, 4, 5, 6, 7", example_out="2, 4, 2, 2, 2")


_SPECTRAL_DOC = r"""Applies spectral pooling: keeps the lowest frequencies of the {nd}-D DFT of each complex {what}.

    .. math::
        y = \operatorname{{IDFT}}_{{{small}}}\!\left(\operatorname{{crop}}_{{{small}}}\!\left(\frac{{1}}{{{big}}}
        \operatorname{{DFT}}_{{{big}}}(x)\right)\right)

    (Rippel, Snoek and Adams, 2015, "Spectral Representations for Convolutional Neural Networks", NeurIPS, Sec. 3.)
    Along each axis the crop keeps the :math:`\lceil m / 2 \rceil` lowest non-negative and the
    :math:`\lfloor m / 2 \rfloor` negative frequencies, and both transforms use ``norm="forward"``, so the mean is
    preserved and a signal band-limited to the kept frequencies is resampled exactly (as :class:`SpectralPool2d`).
    The module form of :func:`deepcomplex.functional.spectral_pool{nd}d`.

    Args:
        output_size (int or tuple): the output size:
            {size_note}; each between 1 and the input size (else ``ValueError``).

    Shape:
        - Input: :math:`{shape_in}` or without :math:`N`, complex.
        - Output: :math:`{shape_out}` or without :math:`N`, complex.

    Example::

        >>> nn.SpectralPool{nd}d({size})(torch.randn({example}, dtype=torch.cfloat)).shape
        torch.Size([{example_out}])
    """


class SpectralPool1d(_AdaptiveNd):
    _nd, _fn = 1, staticmethod(CF.spectral_pool1d)


class SpectralPool3d(_AdaptiveNd):
    _nd, _fn = 3, staticmethod(CF.spectral_pool3d)


SpectralPool1d.__doc__ = _SPECTRAL_DOC.format(nd=1, what="signal", small="l", big="L", size_note=":math:`l`",
                                              shape_in="(N, C, L)", shape_out="(N, C, l)", size="7",
                                              example="8, 3, 14", example_out="8, 3, 7")
SpectralPool3d.__doc__ = _SPECTRAL_DOC.format(nd=3, what="volume", small="d h w", big="D H W",
                                              size_note=":math:`(d, h, w)`, or one int for all three",
                                              shape_in="(N, C, D, H, W)", shape_out="(N, C, d, h, w)",
                                              size="(4, 5, 3)", example="2, 3, 8, 10, 6",
                                              example_out="2, 3, 4, 5, 3")
