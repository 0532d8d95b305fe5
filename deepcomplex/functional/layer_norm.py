"""Complex layer and group normalization: 2x2 whitening per sample (and group), then an elementwise or per-channel
affine map (Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eqs. 11-12, with the statistics of Ba et al., 2016 and
Wu and He, 2018)."""
from __future__ import annotations

import math
from typing import Optional, Sequence, Union

import torch

from .._extension import serves
from .._layout import as_complex
from .._validation import check_complex
from .normalization import _mix, _stats, _symmetric, whitening_matrix


class _RowWhitening(torch.autograd.Function):
    """Whitening of each row of ``per`` consecutive complex elements fused with the affine map, on the compiled kernels
    (deepcomplex/csrc/row_norm.cpp): one pass to the row's sums and one to the output forward, two backward, each row
    read from cache. The affine parameters of element p of row r have index (r % groups) * (per / inner) + p / inner:
    layer norm is groups = inner = 1, group norm has one parameter per channel of ``inner`` positions."""

    @staticmethod
    def forward(ctx, x, weight, bias, rows: int, groups: int, inner: int, eps: float):
        v = torch.view_as_real(x.contiguous()).reshape(rows, -1, 2)
        b = torch.view_as_real(bias) if bias is not None else None
        out, sums = torch.ops.deepcomplex.row_norm_forward(v, weight, b, groups, inner, eps)
        ctx.save_for_backward(v, weight, sums)
        ctx.shape, ctx.groups, ctx.inner, ctx.eps = x.shape, groups, inner, eps
        ctx.bias_shape = bias.shape if bias is not None else None
        return torch.view_as_complex(out).reshape(x.shape)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        v, weight, sums = ctx.saved_tensors
        g = torch.view_as_real(grad.contiguous()).reshape(v.shape)
        gx, gw, gb = torch.ops.deepcomplex.row_norm_backward(g, v, weight, sums, ctx.groups, ctx.inner, ctx.eps)
        gx = torch.view_as_complex(gx).reshape(ctx.shape)
        gweight = gw.to(weight.dtype).reshape(weight.shape) if ctx.needs_input_grad[1] else None
        gbias = torch.view_as_complex(gb.to(v.dtype)).reshape(ctx.bias_shape) if ctx.needs_input_grad[2] else None
        return gx, gweight, gbias, None, None, None, None


def _kernel_serves(input: torch.Tensor, weight, bias) -> bool:
    """The fused kernels run for CPU eager inputs whose parameters share the input's precision (else the PyTorch path
    promotes them as torch would)."""
    return (serves(input) and (weight is None or weight.dtype == input.real.dtype)
            and (bias is None or bias.dtype == input.dtype))


def _affine(out: torch.Tensor, weight, bias, shape) -> torch.Tensor:
    if weight is not None:
        grr, gri, gii = (weight[..., k].reshape(shape) for k in range(3))
        out = _mix(out, grr, gri, gri, gii)
    if bias is not None:
        out = out + torch.view_as_real(bias).reshape(list(shape) + [2])
    return out



def complex_layer_norm(input: torch.Tensor, normalized_shape: Union[int, Sequence[int]],
                       weight: Optional[torch.Tensor] = None, bias: Optional[torch.Tensor] = None,
                       eps: float = 1e-4) -> torch.Tensor:
    r"""Apply complex layer normalization: 2x2 whitening per sample over the last ``len(normalized_shape)`` dims.

    .. math::
        \tilde{x} = (V + \epsilon I)^{-1/2} (x - \operatorname{E}[x]), \qquad y = \gamma \tilde{x} + \beta

    the whitening of Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 11, with the mean and the 2x2
    covariance :math:`V` of [Re x, Im x] taken over the normalized dimensions of each sample (as
    ``torch.nn.functional.layer_norm``, biased, no running statistics), then an elementwise symmetric 2x2 scale
    :math:`\gamma` and complex shift :math:`\beta`.

    Args:
        input (Tensor): complex input whose trailing dimensions equal ``normalized_shape``.
        normalized_shape (int or tuple): the trailing shape to normalize over.
        weight (Tensor, optional): real :math:`(*\text{normalized\_shape}, 3)` holding
            :math:`[\gamma_{rr}, \gamma_{ri}, \gamma_{ii}]` per element; ``None`` for no scaling. Default: ``None``.
        bias (Tensor, optional): complex :math:`\beta` of shape ``normalized_shape``; ``None`` for none.
            Default: ``None``.
        eps (float): added to the variances :math:`V_{rr}` and :math:`V_{ii}`. Default: 1e-4.

    Shape:
        - Input: :math:`(*, *\text{normalized\_shape})`, complex.
        - Output: the same shape as the input.

    Example::

        >>> x = torch.randn(4, 10, 16, dtype=torch.cfloat)
        >>> F.complex_layer_norm(x, 16).shape
        torch.Size([4, 10, 16])
        >>> F.complex_layer_norm(x, (10, 16), bias=torch.zeros(10, 16, dtype=torch.cfloat)).shape
        torch.Size([4, 10, 16])
    """
    check_complex("complex_layer_norm", input)
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.dim() - k:]) != normalized_shape or input.dim() < k:
        raise ValueError(f"complex_layer_norm expects input of shape (*, {', '.join(map(str, normalized_shape))}), "
                         f"got {tuple(input.shape)}")
    if input.numel() == 0:
        return input.clone()
    per = math.prod(normalized_shape)
    if per > 1 and _kernel_serves(input, weight, bias):
        return _RowWhitening.apply(input, weight, bias, input.numel() // per, 1, 1, eps)
    xr = torch.view_as_real(input)
    dims = list(range(-k - 1, -1))
    _, xc, vrr, vri, vii = _stats(xr, dims)
    out = _mix(xc, *_symmetric(whitening_matrix(vrr, vri, vii, eps)))
    return as_complex(_affine(out, weight, bias, normalized_shape))


def complex_group_norm(input: torch.Tensor, num_groups: int, weight: Optional[torch.Tensor] = None,
                       bias: Optional[torch.Tensor] = None, eps: float = 1e-4) -> torch.Tensor:
    r"""Apply complex group normalization: 2x2 whitening per sample and group of channels.

    .. math::
        \tilde{x} = (V + \epsilon I)^{-1/2} (x - \operatorname{E}[x]), \qquad y = \gamma \tilde{x} + \beta

    the whitening of Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 11, with the mean and the 2x2
    covariance :math:`V` of [Re x, Im x] taken over each group of :math:`C / \text{num\_groups}` consecutive channels
    (and all their spatial positions) of each sample, as ``torch.nn.functional.group_norm`` (biased, no running
    statistics); then a per-channel symmetric 2x2 scale :math:`\gamma` and complex shift :math:`\beta`.

    Args:
        input (Tensor): complex input with channels along dimension 1.
        num_groups (int): number of groups; must divide :math:`C`.
        weight (Tensor, optional): real :math:`(C, 3)` holding :math:`[\gamma_{rr}, \gamma_{ri}, \gamma_{ii}]` per
            channel; ``None`` for no scaling. Default: ``None``.
        bias (Tensor, optional): complex :math:`\beta`, :math:`(C)`; ``None`` for none. Default: ``None``.
        eps (float): added to the variances :math:`V_{rr}` and :math:`V_{ii}`. Default: 1e-4.

    Shape:
        - Input: :math:`(N, C, *)`, complex, at least 2 dimensions.
        - Output: :math:`(N, C, *)`, the same shape as the input.

    Example::

        >>> x = torch.randn(4, 6, 5, 5, dtype=torch.cfloat)
        >>> F.complex_group_norm(x, 3).shape
        torch.Size([4, 6, 5, 5])
    """
    check_complex("complex_group_norm", input)
    if input.dim() < 2:
        raise ValueError(f"complex_group_norm expects an input of at least 2 dimensions (N, C, ...), got "
                         f"{input.dim()}D")
    n, c = input.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ValueError(f"complex_group_norm expects the channel count ({c}) to be divisible by num_groups "
                         f"({num_groups})")
    if input.numel() == 0:
        return input.clone()
    shape = [1] * input.dim()
    shape[1] = c
    per = input.numel() // (n * num_groups)
    if per > 1 and _kernel_serves(input, weight, bias):
        return _RowWhitening.apply(input, weight, bias, n * num_groups, num_groups, per * num_groups // c, eps)
    xr = torch.view_as_real(input).reshape(n, num_groups, -1, 2)
    _, xc, vrr, vri, vii = _stats(xr, [2])
    out = _mix(xc, *_symmetric(whitening_matrix(vrr, vri, vii, eps))).reshape(torch.view_as_real(input).shape)
    return as_complex(_affine(out, weight, bias, shape))
