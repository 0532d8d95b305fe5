"""Complex max pooling by modulus in 1-D and 3-D (2-D: ``pooling.max_pool2d``) and max unpooling in 1-D to 3-D."""
from __future__ import annotations

import math
from typing import Optional, Sequence

import torch
import torch.nn.functional as F

from .._validation import check_complex, check_rank


def gather_planes(input: torch.Tensor, indices: torch.Tensor, nd: int) -> torch.Tensor:
    """The elements of ``input`` at ``indices``, flat positions within each plane of its last ``nd`` dims."""
    flat = input.flatten(-nd)
    return flat.gather(-1, indices.flatten(-nd)).view(indices.shape)


def _max_pool(name: str, nd: int, pool, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    check_complex(name, input)
    check_rank(name, input, (nd + 1, nd + 2), "(unbatched or batched)")
    # the indices only: no graph through |z| (the gradient reaches the input through the gather)
    _, idx = pool(input.detach().abs(), kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)
    out = gather_planes(input, idx, nd)
    return (out, idx) if return_indices else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    r"""Apply 1-D max pooling by modulus: each window keeps the complex element of largest :math:`|z|`.

    .. math::
        y(N_i, C_j, l) = x(N_i, C_j, l^*), \qquad
        l^* = \operatorname*{arg\,max}_{m \in \text{window}(l)} |x(N_i, C_j, m)|

    the magnitude max pooling of Zhang et al., 2017 ("Complex-Valued Convolutional Neural Network and Its Application
    in Polarimetric SAR Image Classification", IEEE TGRS, Eq. 3). The element itself (its phase too) is returned.
    The indices are exactly those of ``torch.nn.functional.max_pool1d(input.abs(), ..., return_indices=True)``.

    Args:
        input (Tensor): complex input, :math:`(N, C, L)` or :math:`(C, L)`.
        kernel_size (int or tuple): window size :math:`k`.
        stride (int or tuple, optional): window stride. Default: ``kernel_size``.
        padding (int or tuple): implicit padding (never selected) on both sides. Default: 0.
        dilation (int or tuple): spacing between window elements. Default: 1.
        ceil_mode (bool): use ceil instead of floor to compute the output length. Default: ``False``.
        return_indices (bool): also return the int64 indices of the kept elements. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`, complex.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`, where
          :math:`L_{out} = \lfloor (L_{in} + 2 \, \text{padding} - \text{dilation} \, (k - 1) - 1) / \text{stride}
          \rfloor + 1`; the indices (if returned) have the same shape.

    Example::

        >>> x = torch.randn(4, 3, 16, dtype=torch.cfloat)
        >>> out, idx = F.max_pool1d(x, 2, return_indices=True)
        >>> out.shape, idx.dtype
        (torch.Size([4, 3, 8]), torch.int64)
        >>> F.max_pool1d(torch.tensor([[1 + 1j, -3 + 0j, 0.5j, 2j]]), 2)
        tensor([[-3.+0.j, 0.+2.j]])
    """
    return _max_pool("max_pool1d", 1, F.max_pool1d, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    r"""Apply 3-D max pooling by modulus: each window keeps the complex element of largest :math:`|z|`.

    .. math::
        y(N_i, C_j, d, h, w) = x(N_i, C_j, d^*, h^*, w^*), \qquad
        (d^*, h^*, w^*) = \operatorname*{arg\,max}_{(a, b, c) \in \text{window}(d, h, w)} |x(N_i, C_j, a, b, c)|

    the magnitude max pooling of Zhang et al., 2017 ("Complex-Valued Convolutional Neural Network and Its Application
    in Polarimetric SAR Image Classification", IEEE TGRS, Eq. 3) over volumes. The indices are exactly those of
    ``torch.nn.functional.max_pool3d(input.abs(), ..., return_indices=True)``: flat positions within each
    :math:`(D, H, W)` volume.

    Args:
        input (Tensor): complex input, :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`.
        kernel_size (int or tuple): window size :math:`(k_D, k_H, k_W)`.
        stride (int or tuple, optional): window stride. Default: ``kernel_size``.
        padding (int or tuple): implicit padding (never selected) on both sides. Default: 0.
        dilation (int or tuple): spacing between window elements. Default: 1.
        ceil_mode (bool): use ceil instead of floor to compute the output size. Default: ``False``.
        return_indices (bool): also return the int64 indices of the kept elements. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or :math:`(C, D_{in}, H_{in}, W_{in})`, complex.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or without :math:`N`, where
          :math:`D_{out} = \lfloor (D_{in} + 2 \, \text{padding}[0] - \text{dilation}[0] \, (k_D - 1) - 1)
          / \text{stride}[0] \rfloor + 1` and likewise :math:`H_{out}`, :math:`W_{out}`; indices: the same shape.

    Example::

        >>> x = torch.randn(2, 3, 8, 8, 8, dtype=torch.cfloat)
        >>> out, idx = F.max_pool3d(x, 2, return_indices=True)
        >>> out.shape, idx.shape
        (torch.Size([2, 3, 4, 4, 4]), torch.Size([2, 3, 4, 4, 4]))
    """
    return _max_pool("max_pool3d", 3, F.max_pool3d, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def _tuple(v, nd: int) -> tuple:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd


def unpool_output_size(name: str, input: torch.Tensor, nd: int, kernel_size, stride, padding,
                       output_size: Optional[Sequence[int]]) -> tuple:
    """torch's max_unpool output size: :math:`(L_{in} - 1) s - 2 p + k`, or ``output_size`` (its last ``nd`` entries)
    when given, which must lie within a stride of that."""
    k = _tuple(kernel_size, nd)
    s = _tuple(stride if stride is not None else kernel_size, nd)
    p = _tuple(padding, nd)
    default = tuple((n - 1) * si - 2 * pi + ki for n, ki, si, pi in zip(input.shape[-nd:], k, s, p))
    if output_size is None:
        return default
    size = tuple(int(v) for v in output_size)[-nd:] if len(output_size) >= nd else None
    if size is None or len(output_size) > nd + 2:
        raise ValueError(f"{name}: output_size must have {nd}, {nd + 1} or {nd + 2} entries, got {tuple(output_size)}")
    for got, want, si in zip(size, default, s):
        if not want - si < got < want + si:
            raise ValueError(f"{name}: output_size {size} must be within a stride {s} of the default size {default}")
    return size


def max_unpool_nd(name: str, nd: int, input, indices, kernel_size, stride, padding, output_size):
    """Max unpooling over the last ``nd`` dims, its errors naming ``name`` (the function or the module)."""
    check_complex(name, input)
    check_rank(name, input, (nd + 1, nd + 2), "(unbatched or batched)")
    if not isinstance(indices, torch.Tensor) or indices.dtype != torch.int64 or indices.shape != input.shape:
        got = f"{indices.dtype} indices of shape {tuple(indices.shape)}" if isinstance(indices, torch.Tensor) else \
            type(indices).__name__
        raise ValueError(f"{name} expects int64 indices of the input's shape {tuple(input.shape)} (as max pooling "
                         f"returns them), got {got}")
    size = unpool_output_size(name, input, nd, kernel_size, stride, padding, output_size)
    total = math.prod(size)
    if indices.numel() and not torch.compiler.is_compiling():
        lo, hi = int(indices.min()), int(indices.max())
        if lo < 0 or hi >= total:
            raise ValueError(f"{name}: indices must lie in [0, {total}) for the output size {size}, got values from "
                             f"{lo} to {hi}")
    lead = input.shape[:-nd]
    src = torch.view_as_real(input).reshape(*lead, -1, 2)
    idx = indices.reshape(*lead, -1, 1).expand(*src.shape)
    out = src.new_zeros(*lead, total, 2).scatter(-2, idx, src)
    return torch.view_as_complex(out).view(*lead, *size)


_UNPOOL_DOC = r"""Apply {nd}-D max unpooling to a complex {what}: each element goes back where its index names.

    .. math::
        y(N_i, C_j, p) = \begin{{cases}} x(N_i, C_j, q) & \text{{if }} \text{{indices}}(N_i, C_j, q) = p \\
        0 & \text{{otherwise}} \end{{cases}}

    the unpooling with recorded "switches" of Zeiler and Fergus, 2014 ("Visualizing and Understanding Convolutional
    Networks", ECCV, Sec. 2.1): the partial inverse of :func:`max_pool{nd}d` with ``return_indices=True``, as
    ``torch.nn.functional.max_unpool{nd}d`` on Re and Im (flat positions within each {plane} of the output).

    Args:
        input (Tensor): complex input, :math:`{shape_in}` or without :math:`N`.
        indices (Tensor): int64, the input's shape: the indices :func:`max_pool{nd}d` returned.
        kernel_size (int or tuple): the pooling window size.
        stride (int or tuple, optional): the pooling stride. Default: ``kernel_size``.
        padding (int or tuple): the pooling padding. Default: 0.
        output_size (tuple, optional): the output's spatial size (or full shape), to undo a pooling whose input size
            the default :math:`(L_{{in}} - 1) \, \text{{stride}} - 2 \, \text{{padding}} + k` does not recover; it must
            lie within a stride of that default. Default: ``None``.

    Shape:
        - Input: :math:`{shape_in}` or without :math:`N`, complex; indices: the same shape.
        - Output: :math:`{shape_out}` or without :math:`N`, complex, where
          :math:`{first}_{{out}} = ({first}_{{in}} - 1) \, \text{{stride}}[0] - 2 \, \text{{padding}}[0] + k_0`
          and likewise the other spatial sizes (or ``output_size``).

    Example::

        >>> x = torch.randn({example_shape}, dtype=torch.cfloat)
        >>> out, idx = F.max_pool{nd}d(x, 2, return_indices=True)
        >>> y = F.max_unpool{nd}d(out, idx, 2)
        >>> y.shape, torch.equal(F.max_pool{nd}d(y, 2), out)
        (torch.Size([{example_out}]), True)
    """


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return max_unpool_nd("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return max_unpool_nd("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return max_unpool_nd("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)


max_unpool1d.__doc__ = _UNPOOL_DOC.format(nd=1, what="signal", plane="row", shape_in="(N, C, L_{in})",
                                          shape_out="(N, C, L_{out})", first="L", example_shape="2, 3, 8",
                                          example_out="2, 3, 8")
max_unpool2d.__doc__ = _UNPOOL_DOC.format(nd=2, what="image", plane="(H, W) plane", shape_in="(N, C, H_{in}, W_{in})",
                                          shape_out="(N, C, H_{out}, W_{out})", first="H", example_shape="2, 3, 4, 6",
                                          example_out="2, 3, 4, 6")
max_unpool3d.__doc__ = _UNPOOL_DOC.format(nd=3, what="volume", plane="(D, H, W) volume",
                                          shape_in="(N, C, D_{in}, H_{in}, W_{in})",
                                          shape_out="(N, C, D_{out}, H_{out}, W_{out})", first="D",
                                          example_shape="1, 2, 4, 4, 6", example_out="1, 2, 4, 4, 6")
