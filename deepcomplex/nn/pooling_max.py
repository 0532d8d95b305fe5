"""Complex max pooling modules by modulus in 1-D and 3-D (2-D: ``pooling.ComplexMaxPool2d``) and max unpooling."""
from __future__ import annotations

import torch
from torch import nn

from .. import functional as CF
from .._validation import check_window
from ..functional.pooling_max import max_unpool_nd
from .pooling import _Pool


class _MaxPoolNd(_Pool):
    _fn = None

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False) -> None:
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation, self.return_indices, self.ceil_mode = padding, dilation, return_indices, ceil_mode

    def forward(self, input: torch.Tensor):
        self._check(input)
        check_window(type(self).__name__, input, self._nd, self.kernel_size, self.stride, self.padding, self.dilation,
                     ceil_mode=self.ceil_mode)
        return type(self)._fn(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                              self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


_MAX_DOC = r"""Applies max pooling by modulus over a complex {what}: each window keeps its element of largest modulus.

    .. math::
        \text{{out}}(N_i, C_j, {o}) = z(N_i, C_j, {p}^*), \qquad
        {p}^* = \operatorname{{arg\,max}}_{{{p} \in \text{{window}}({o})}} |z(N_i, C_j, {p})|

    the magnitude max pooling of Zhang et al., 2017 ("Complex-Valued Convolutional Neural Network and Its Application
    in Polarimetric SAR Image Classification", IEEE TGRS, Eq. 3), so the output keeps the phase of the chosen
    element. The module form of :func:`deepcomplex.functional.max_pool{nd}d`, with the arguments of
    ``torch.nn.MaxPool{nd}d``; the windows, and with ``return_indices=True`` the indices, are those
    ``torch.nn.MaxPool{nd}d`` gives on :math:`|z|`.

    Args:
        kernel_size (int or tuple): the size of the window.
        stride (int or tuple, optional): the stride of the window. Default: ``kernel_size``
        padding (int or tuple): implicit padding on both sides, never chosen. Default: 0
        dilation (int or tuple): spacing between elements of the window. Default: 1
        return_indices (bool): if ``True``, returns ``(output, indices)``. Default: ``False``
        ceil_mode (bool): if ``True``, uses ceil instead of floor to compute the output size. Default: ``False``

    Shape:
        - Input: :math:`{shape_in}` or without :math:`N`, complex.
        - Output: :math:`{shape_out}` or without :math:`N`, complex, where
          :math:`{first}_{{out}} = \lfloor ({first}_{{in}} + 2 \, \text{{padding}} - \text{{dilation}} \, (k - 1) - 1)
          / \text{{stride}} \rfloor + 1` along each axis; indices: the same shape, ``torch.int64``.

    Example::

        >>> m = nn.ComplexMaxPool{nd}d(3, stride=2)
        >>> m(torch.randn({example}, dtype=torch.cfloat)).shape
        torch.Size([{example_out}])
    """


class ComplexMaxPool1d(_MaxPoolNd):
    _nd, _fn = 1, staticmethod(CF.max_pool1d)


class ComplexMaxPool3d(_MaxPoolNd):
    _nd, _fn = 3, staticmethod(CF.max_pool3d)


ComplexMaxPool1d.__doc__ = _MAX_DOC.format(what="signal", o="l", p="m", nd=1, shape_in="(N, C, L_{in})",
                                           shape_out="(N, C, L_{out})", first="L", example="20, 16, 50",
                                           example_out="20, 16, 24")
ComplexMaxPool3d.__doc__ = _MAX_DOC.format(what="volume", o="d, h, w", p="(a, b, c)", nd=3,
                                           shape_in="(N, C, D_{in}, H_{in}, W_{in})",
                                           shape_out="(N, C, D_{out}, H_{out}, W_{out})", first="D",
                                           example="2, 4, 9, 8, 7", example_out="2, 4, 4, 3, 3")


class _MaxUnpoolNd(_Pool):
    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = stride if stride is not None else kernel_size

    def forward(self, input: torch.Tensor, indices: torch.Tensor, output_size=None) -> torch.Tensor:
        self._check(input)
        check_window(type(self).__name__, input, self._nd, 1)
        return max_unpool_nd(type(self).__name__, self._nd, input, indices, self.kernel_size, self.stride,
                             self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


_UNPOOL_DOC = r"""Computes a partial inverse of :class:`ComplexMaxPool{nd}d`: each element goes back to its index.

    .. math::
        \text{{out}}(N_i, C_j, p) = \begin{{cases}} z(N_i, C_j, q) & \text{{if }} \text{{indices}}(N_i, C_j, q) = p \\
        0 & \text{{otherwise}} \end{{cases}}

    the unpooling with recorded "switches" of Zeiler and Fergus, 2014 ("Visualizing and Understanding Convolutional
    Networks", ECCV, Sec. 2.1), as ``torch.nn.MaxUnpool{nd}d`` on Re and Im. The module form of
    :func:`deepcomplex.functional.max_unpool{nd}d`; ``forward(input, indices, output_size=None)`` takes the indices
    the pooling returned and, optionally, the size to restore.

    Args:
        kernel_size (int or tuple): the size of the pooling window.
        stride (int or tuple, optional): the stride of the pooling window. Default: ``kernel_size``
        padding (int or tuple): the padding of the pooling. Default: 0

    Shape:
        - Input: :math:`{shape_in}` or without :math:`N`, complex; indices: the same shape, int64.
        - Output: :math:`{shape_out}` or without :math:`N`, complex, where
          :math:`{first}_{{out}} = ({first}_{{in}} - 1) \, \text{{stride}} - 2 \, \text{{padding}} + k` along each
          axis, or ``output_size``.

    Example::

        >>> pool = nn.ComplexMaxPool{nd}d(2, return_indices=True)
        >>> unpool = nn.ComplexMaxUnpool{nd}d(2)
        >>> out, idx = pool(torch.randn({example}, dtype=torch.cfloat))
        >>> unpool(out, idx).shape
        torch.Size([{example_out}])
        >>> unpool(out, idx, output_size=[{odd}]).shape
        torch.Size([{odd}])
    """


class ComplexMaxUnpool1d(_MaxUnpoolNd):
    _nd = 1


class ComplexMaxUnpool2d(_MaxUnpoolNd):
    _nd = 2


class ComplexMaxUnpool3d(_MaxUnpoolNd):
    _nd = 3


ComplexMaxUnpool1d.__doc__ = _UNPOOL_DOC.format(nd=1, shape_in="(N, C, L_{in})", shape_out="(N, C, L_{out})",
                                                first="L", example="1, 2, 9", example_out="1, 2, 8", odd="1, 2, 9")
ComplexMaxUnpool2d.__doc__ = _UNPOOL_DOC.format(nd=2, shape_in="(N, C, H_{in}, W_{in})",
                                                shape_out="(N, C, H_{out}, W_{out})", first="H",
                                                example="1, 2, 5, 4", example_out="1, 2, 4, 4", odd="1, 2, 5, 4")
ComplexMaxUnpool3d.__doc__ = _UNPOOL_DOC.format(nd=3, shape_in="(N, C, D_{in}, H_{in}, W_{in})",
                                                shape_out="(N, C, D_{out}, H_{out}, W_{out})", first="D",
                                                example="1, 2, 5, 4, 4", example_out="1, 2, 4, 4, 4",
                                                odd="1, 2, 5, 4, 4")
