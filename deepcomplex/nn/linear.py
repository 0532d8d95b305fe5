"""Complex fully connected layer y = W x + b (Trabelsi et al., Eq. 1 with a 1x1 kernel)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import init as cinit
from .._validation import check_channels, check_complex
from .module import KindPreservingModule, complex_dtype


class ComplexLinear(KindPreservingModule):
    r"""Applies a complex affine map to the last dimension of a complex input: :math:`y = x W^T + b`.

    .. math::
        y = x W^{T} + b = (u A^T - v B^T) + i \, (u B^T + v A^T) + b \quad \text{for } W = A + iB, \; x = u + iv

    (the dense case of Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 1; no conjugation of the weight).
    The module form of :func:`deepcomplex.functional.linear`, with the arguments of ``torch.nn.Linear``.

    Args:
        in_features (int): size :math:`H_{in}` of each input sample (complex features).
        out_features (int): size :math:`H_{out}` of each output sample.
        bias (bool): if ``True``, adds a learnable complex bias. Default: ``True``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``; the input must have this dtype.
            Default: the complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(*, H_{in})` complex, where :math:`*` is any number of dimensions (including none).
        - Output: :math:`(*, H_{out})` complex, the other dimensions as the input.

    Attributes:
        weight (Tensor): complex learnable weight of shape :math:`(H_{out}, H_{in})`, drawn with the paper's
            Rayleigh/He init (Trabelsi et al., 2018, Sec. 3.6): :math:`\operatorname{Var}(\operatorname{Re} W) =
            \operatorname{Var}(\operatorname{Im} W) = 1 / H_{in}`, :math:`E|W|^2 = 2 / H_{in}`. (torch's default
            init of a complex Linear draws Re and Im each with the real layer's variance, so its :math:`E|W|^2` is
            twice the real layer's, with no complex criterion behind it.)
        bias (Tensor): complex learnable bias of shape :math:`(H_{out})`, initialised to 0; ``None`` if
            ``bias=False``.

    Example::

        >>> m = nn.ComplexLinear(20, 30)
        >>> m(torch.randn(128, 20, dtype=torch.cfloat)).shape
        torch.Size([128, 30])
        >>> m.weight.shape, m.bias.dtype
        (torch.Size([30, 20]), torch.complex64)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        dtype = complex_dtype(type(self).__name__, dtype)
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features, device=device, dtype=dtype))
        self.bias = nn.Parameter(torch.empty(out_features, device=device, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        cinit.complex_rayleigh_(self.weight, "he")
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_complex(name, input, self.weight.dtype)
        if input.dim() == 0:
            raise ValueError(f"{name} expects an input of shape (*, {self.in_features}), got a 0D tensor")
        check_channels(name, input.shape[-1], self.in_features, "input features (last dimension)")
        # checked once, above: deepcomplex.functional.linear is these checks and then torch's linear
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}, dtype={self.weight.dtype}")
