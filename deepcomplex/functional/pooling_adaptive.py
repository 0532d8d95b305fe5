"""Complex adaptive pooling: average of Re and Im (1-D, 3-D; 2-D in ``pooling``) and max by modulus (1-D to 3-D)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .._validation import check_complex, check_rank
from .pooling import _on_interleaved
from .pooling_max import gather_planes


def adaptive_avg_pool1d(input, output_size):
    r"""Apply 1-D adaptive average pooling to a complex signal: Re and Im averaged over windows fitting ``output_size``.

    .. math::
        y(N_i, C_j, l) = \frac{1}{e_l - s_l} \sum_{m = s_l}^{e_l - 1} x(N_i, C_j, m), \qquad
        s_l = \lfloor l L / L_{out} \rfloor, \; e_l = \lceil (l + 1) L / L_{out} \rceil

    the adaptive bins of spatial pyramid pooling (He et al., 2015, "Spatial Pyramid Pooling in Deep Convolutional
    Networks for Visual Recognition", TPAMI, Sec. 2.3), exactly ``torch.nn.functional.adaptive_avg_pool1d`` on Re
    and Im.

    Args:
        input (Tensor): complex input, :math:`(N, C, L)` or :math:`(C, L)`.
        output_size (int): target length :math:`L_{out}`.

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`, complex.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`.

    Example::

        >>> F.adaptive_avg_pool1d(torch.randn(4, 3, 10, dtype=torch.cfloat), 4).shape
        torch.Size([4, 3, 4])
        >>> F.adaptive_avg_pool1d(torch.tensor([[1 + 1j, 3 - 1j]]), 1)
        tensor([[2.+0.j]])
    """
    return _on_interleaved("adaptive_avg_pool1d", 1, input, lambda x: F.adaptive_avg_pool1d(x, output_size))


def adaptive_avg_pool3d(input, output_size):
    r"""Apply 3-D adaptive average pooling to a complex volume: Re and Im averaged over windows fitting ``output_size``.

    .. math::
        y(N_i, C_j, d, h, w) = \operatorname{mean} \{ x(N_i, C_j, a, b, c) :
        \lfloor d D / D_{out} \rfloor \le a < \lceil (d + 1) D / D_{out} \rceil, \text{ likewise } b, c \}

    the adaptive bins of spatial pyramid pooling (He et al., 2015, "Spatial Pyramid Pooling in Deep Convolutional
    Networks for Visual Recognition", TPAMI, Sec. 2.3), exactly ``torch.nn.functional.adaptive_avg_pool3d`` on Re
    and Im.

    Args:
        input (Tensor): complex input, :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`.
        output_size (int or tuple): target size :math:`(D_{out}, H_{out}, W_{out})`, or one int for all three
            (``None`` in a tuple keeps that input dimension).

    Shape:
        - Input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or :math:`(C, D_{in}, H_{in}, W_{in})`, complex.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or :math:`(C, D_{out}, H_{out}, W_{out})`.

    Example::

        >>> F.adaptive_avg_pool3d(torch.randn(2, 3, 5, 7, 9, dtype=torch.cfloat), (2, 3, 4)).shape
        torch.Size([2, 3, 2, 3, 4])
    """
    return _on_interleaved("adaptive_avg_pool3d", 3, input, lambda x: F.adaptive_avg_pool3d(x, output_size))


def _adaptive_max(name: str, nd: int, pool, input, output_size, return_indices):
    check_complex(name, input)
    check_rank(name, input, (nd + 1, nd + 2), "(unbatched or batched)")
    _, idx = pool(input.detach().abs(), output_size, return_indices=True)  # indices only: no graph through |z|
    out = gather_planes(input, idx, nd)
    return (out, idx) if return_indices else out


_ADAPTIVE_MAX_DOC = r"""Apply {nd}-D adaptive max pooling by modulus: each adaptive window keeps its largest :math:`|z|`

    .. math::
        y(N_i, C_j, o) = x(N_i, C_j, p^*), \qquad
        p^* = \operatorname*{{arg\,max}}_{{p \in \text{{bin}}(o)}} |x(N_i, C_j, p)|

    with the bins of spatial pyramid pooling (He et al., 2015, "Spatial Pyramid Pooling in Deep Convolutional
    Networks for Visual Recognition", TPAMI, Sec. 2.3; along each axis :math:`\lfloor o n / n_{{out}} \rfloor` to
    :math:`\lceil (o + 1) n / n_{{out}} \rceil - 1`) and the modulus selection of Zhang et al., 2017 (IEEE TGRS,
    Eq. 3). The element itself is returned; the indices are exactly those of
    ``torch.nn.functional.adaptive_max_pool{nd}d(input.abs(), output_size, return_indices=True)``.

    Args:
        input (Tensor): complex input, :math:`{shape_in}` or without :math:`N`.
        output_size (int or tuple): target size:
            {size_note}.
        return_indices (bool): also return the int64 indices of the kept elements. Default: ``False``.

    Shape:
        - Input: :math:`{shape_in}` or without :math:`N`, complex.
        - Output: :math:`{shape_out}` or without :math:`N`, complex;
          the indices (if returned) have the same shape.

    Example::

        >>> x = torch.randn({example}, dtype=torch.cfloat)
        >>> out, idx = F.adaptive_max_pool{nd}d(x, {size}, return_indices=True)
        >>> out.shape, idx.dtype
        (torch.Size([{example_out}]), torch.int64)
    """


def adaptive_max_pool1d(input, output_size, return_indices=False):
    return _adaptive_max("adaptive_max_pool1d", 1, F.adaptive_max_pool1d, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    return _adaptive_max("adaptive_max_pool2d", 2, F.adaptive_max_pool2d, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    return _adaptive_max("adaptive_max_pool3d", 3, F.adaptive_max_pool3d, input, output_size, return_indices)


adaptive_max_pool1d.__doc__ = _ADAPTIVE_MAX_DOC.format(
    nd=1, shape_in="(N, C, L_{in})", shape_out="(N, C, L_{out})", size_note=r":math:`L_{out}`",
    example="4, 3, 10", size="4", example_out="4, 3, 4")
adaptive_max_pool2d.__doc__ = _ADAPTIVE_MAX_DOC.format(
    nd=2, shape_in="(N, C, H_{in}, W_{in})", shape_out="(N, C, H_{out}, W_{out})",
    size_note=r":math:`(H_{out}, W_{out})`, or one int for both (``None`` in a tuple keeps that input dimension)",
    example="2, 3, 7, 9", size="(3, 4)", example_out="2, 3, 3, 4")
adaptive_max_pool3d.__doc__ = _ADAPTIVE_MAX_DOC.format(
    nd=3, shape_in="(N, C, D_{in}, H_{in}, W_{in})", shape_out="(N, C, D_{out}, H_{out}, W_{out})",
    size_note=r":math:`(D_{out}, H_{out}, W_{out})`, or one int for all (``None`` in a tuple keeps that dimension)",
    example="2, 3, 5, 7, 9", size="2", example_out="2, 3, 2, 2, 2")
