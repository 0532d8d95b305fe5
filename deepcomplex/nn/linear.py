"""Complex fully connected layer y = W x + b (Trabelsi et al., Eq. 1 with a 1x1 kernel)."""
from __future__ import annotations

import torch
from torch import nn

from .. import init as cinit
from .. import functional as CF
from .._validation import check_channels, check_complex, check_positive_ints
from ..functional.gauss import affine
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
        # checked once, above: deepcomplex.functional.linear is these checks and then this core (torch's complex
        # linear, or Gauss's three-product form where deepcomplex.backends.gauss picks it)
        return affine(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}, dtype={self.weight.dtype}")


class ComplexBilinear(KindPreservingModule):
    r"""Applies a complex bilinear map to two complex inputs: :math:`y = x_1^T A x_2 + b`, no conjugation.

    .. math::
        y_{\dots, k} = \sum_{i, j} x_{1, \dots, i} \, A_{k i j} \, x_{2, \dots, j} + b_k

    The arguments and shapes of ``torch.nn.Bilinear`` with complex weights and the complex products of Trabelsi
    et al., 2018, "Deep Complex Networks", ICLR, Eq. 1 (neither input conjugated: for the sesquilinear
    :math:`x_1^H A x_2` pass ``input1.conj()``). The module form of :func:`deepcomplex.functional.bilinear`.

    Args:
        in1_features (int): size :math:`H_{in1}` of each first input sample.
        in2_features (int): size :math:`H_{in2}` of each second input sample.
        out_features (int): size :math:`H_{out}` of each output sample.
        bias (bool): if ``True``, adds a learnable complex bias. Default: ``True``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``; the inputs must have this dtype.
            Default: the complex counterpart of torch's default dtype.

    Shape:
        - Input1: :math:`(*, H_{in1})`, Input2: :math:`(*, H_{in2})`, complex, the same leading dimensions.
        - Output: :math:`(*, H_{out})` complex.

    Attributes:
        weight (Tensor): complex learnable :math:`A` of shape :math:`(H_{out}, H_{in1}, H_{in2})`, drawn with the
            Rayleigh/He init (Trabelsi et al., 2018, Sec. 3.6) with :math:`\text{fan\_in} = H_{in1} H_{in2}`, the
            number of products summed into each output: :math:`E|A|^2 = 2 / (H_{in1} H_{in2})`.
        bias (Tensor): complex learnable bias of shape :math:`(H_{out})`, initialised to 0; ``None`` if
            ``bias=False``.

    Example::

        >>> m = nn.ComplexBilinear(20, 30, 40)
        >>> x1, x2 = torch.randn(128, 20, dtype=torch.cfloat), torch.randn(128, 30, dtype=torch.cfloat)
        >>> m(x1, x2).shape, m.weight.shape
        (torch.Size([128, 40]), torch.Size([40, 20, 30]))
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        check_positive_ints(name, in1_features=in1_features, in2_features=in2_features, out_features=out_features)
        dtype = complex_dtype(name, dtype)
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        self.weight = nn.Parameter(torch.empty(out_features, in1_features, in2_features, device=device, dtype=dtype))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        cinit.complex_rayleigh_(self.weight, "he")
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def forward(self, input1: torch.Tensor, input2: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_complex(f"{name} (input1)", input1, self.weight.dtype)
        check_complex(f"{name} (input2)", input2, self.weight.dtype)
        for what, x, n in (("input1", input1, self.in1_features), ("input2", input2, self.in2_features)):
            if x.dim() == 0:
                raise ValueError(f"{name} expects {what} of shape (*, {n}), got a 0D tensor")
            check_channels(name, x.shape[-1], n, f"{what} features (last dimension)")
        return CF.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}, dtype={self.weight.dtype}")
