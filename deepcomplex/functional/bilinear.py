"""Complex bilinear map y_k = x1^T A_k x2 + b_k (no conjugation), torch.nn.functional.bilinear's API."""
from __future__ import annotations

from typing import Optional

import torch

from .._validation import check_complex

__all__ = ["bilinear"]


def bilinear(input1: torch.Tensor, input2: torch.Tensor, weight: torch.Tensor,
             bias: Optional[torch.Tensor] = None) -> torch.Tensor:
    r"""Apply a complex bilinear map to two complex inputs: :math:`y_k = x_1^T A_k x_2 + b_k`.

    .. math::
        y_{\dots, k} = \sum_{i, j} x_{1, \dots, i} \, A_{k i j} \, x_{2, \dots, j} + b_k

    with no conjugation of either input (the plain complex extension of ``torch.nn.functional.bilinear``; the
    complex bilinear layer of Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 1's complex products; the
    sesquilinear form :math:`x_1^H A_k x_2` is ``bilinear(input1.conj(), input2, weight, bias)``). Computed as one
    complex matrix product :math:`x_1^T [A_k]_k` (all :math:`k` at once, :math:`(B, H_{out} H_{in2})`) and a
    batched product with :math:`x_2`.

    Args:
        input1 (Tensor): complex :math:`(*, H_{in1})`.
        input2 (Tensor): complex :math:`(*, H_{in2})`, the same leading shape and dtype as ``input1``.
        weight (Tensor): complex :math:`(H_{out}, H_{in1}, H_{in2})`, the dtype of the inputs.
        bias (Tensor, optional): complex :math:`(H_{out})`. Default: ``None``.

    Shape:
        - input1: :math:`(*, H_{in1})`; input2: :math:`(*, H_{in2})`, complex.
        - Output: :math:`(*, H_{out})`, complex.

    Example::

        >>> x1, x2 = torch.randn(8, 5, dtype=torch.cfloat), torch.randn(8, 3, dtype=torch.cfloat)
        >>> w = torch.randn(4, 5, 3, dtype=torch.cfloat)
        >>> F.bilinear(x1, x2, w).shape
        torch.Size([8, 4])
    """
    name = "bilinear"
    for what, t in (("input1", input1), ("input2", input2), ("weight", weight)):
        check_complex(f"{name} ({what})", t)
    if bias is not None:
        check_complex(f"{name} (bias)", bias)
    if weight.dim() != 3:
        raise ValueError(f"{name} expects a weight of shape (out_features, in1_features, in2_features), got "
                         f"shape {tuple(weight.shape)}")
    out, n1, n2 = weight.shape
    if input1.dim() == 0 or input2.dim() == 0 or input1.shape[-1] != n1 or input2.shape[-1] != n2:
        raise ValueError(f"{name} expects input1 (*, {n1}) and input2 (*, {n2}) for a weight of shape "
                         f"{tuple(weight.shape)}, got {tuple(input1.shape)} and {tuple(input2.shape)}")
    if input1.shape[:-1] != input2.shape[:-1]:
        raise ValueError(f"{name} expects input1 and input2 with the same leading dimensions, got "
                         f"{tuple(input1.shape)} and {tuple(input2.shape)}")
    dtypes = {input1.dtype, input2.dtype, weight.dtype} | ({bias.dtype} if bias is not None else set())
    if len(dtypes) > 1:
        raise TypeError(f"{name} expects inputs, weight and bias of one dtype, got {sorted(map(str, dtypes))} "
                        f"(convert explicitly: no silent casts)")
    if bias is not None and tuple(bias.shape) != (out,):
        raise ValueError(f"{name} expects a bias of shape ({out},), got shape {tuple(bias.shape)}")
    lead = input1.shape[:-1]
    left = input1.reshape(-1, n1) @ weight.permute(1, 0, 2).reshape(n1, out * n2)  # x1^T A_k for every k
    y = torch.bmm(left.reshape(-1, out, n2), input2.reshape(-1, n2, 1)).squeeze(-1)  # then (x1^T A_k) x2
    if bias is not None:
        y = y + bias
    return y.reshape(*lead, out)
