"""Split activations as modules: a real activation on Re and on Im separately (tanh, sigmoid, ELU, GELU, PReLU), thin
wrappers over deepcomplex.functional.split_activation."""
from __future__ import annotations

import torch
from torch import nn

from .. import functional as CF
from .._validation import check_complex
from .module import KindPreservingModule

__all__ = ["ComplexTanh", "ComplexSigmoid", "ComplexELU", "ComplexGELU", "CPReLU"]


class ComplexTanh(nn.Module):
    r"""Applies the split tanh: the hyperbolic tangent on the real and on the imaginary part separately.

    .. math::
        \tanh_{\text{split}}(z) = \tanh(\operatorname{Re} z) + i \, \tanh(\operatorname{Im} z)

    (Hirose and Yoshida, 2012, "Generalization Characteristics of Complex-Valued Feedforward Neural Networks in
    Relation to Signal Coherence", IEEE TNNLS, Eq. 15; the activation of the complex LSTM/GRU cells, Trabelsi et al.,
    2018, "Deep Complex Networks", ICLR.) The module form of :func:`deepcomplex.functional.split_tanh`; bounded,
    unlike ``torch.tanh`` on complex input, which has poles.

    Args:
        None: the module takes no arguments and has no parameters.

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape and dtype as the input.

    Example::

        >>> m = nn.ComplexTanh()
        >>> m(torch.tensor([0j, 100 - 100j]))
        tensor([0.+0.j, 1.-1.j])
        >>> m(torch.randn(2, 3, 4, dtype=torch.cfloat)).shape
        torch.Size([2, 3, 4])
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_complex(type(self).__name__, input)
        return CF.split_tanh(input)


class ComplexSigmoid(nn.Module):
    r"""Applies the split sigmoid: the logistic sigmoid on the real and on the imaginary part separately.

    .. math::
        \sigma_{\text{split}}(z) = \sigma(\operatorname{Re} z) + i \, \sigma(\operatorname{Im} z), \qquad
        \sigma(t) = \frac{1}{1 + e^{-t}}

    (Nitta, 1997, "An Extension of the Back-Propagation Algorithm to Complex Numbers", Neural Networks 10(9); the
    gate activation of the complex LSTM/GRU cells, Trabelsi et al., 2018, "Deep Complex Networks", ICLR.) The module
    form of :func:`deepcomplex.functional.split_sigmoid`.

    Args:
        None: the module takes no arguments and has no parameters.

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape and dtype as the input.

    Example::

        >>> m = nn.ComplexSigmoid()
        >>> m(torch.tensor([0j, 100 - 100j]))
        tensor([0.5000+0.5000j, 1.0000+0.0000j])
        >>> m(torch.randn(2, 3, 4, dtype=torch.cfloat)).shape
        torch.Size([2, 3, 4])
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_complex(type(self).__name__, input)
        return CF.split_sigmoid(input)


class ComplexELU(nn.Module):
    r"""Applies the split ELU: ``torch.nn.ELU`` on the real and on the imaginary part separately.

    .. math::
        \operatorname{ELU}_{\text{split}}(z) = \operatorname{ELU}(\operatorname{Re} z) + i \,
        \operatorname{ELU}(\operatorname{Im} z), \qquad
        \operatorname{ELU}(t) = \begin{cases} t & t > 0 \\ \alpha (e^t - 1) & t \le 0 \end{cases}

    (Clevert, Unterthiner and Hochreiter, 2016, "Fast and Accurate Deep Network Learning by Exponential Linear Units
    (ELUs)", ICLR, Eq. 1, as a split activation: Barrachina et al., 2023, "Theory and Implementation of
    Complex-Valued Neural Networks", Sec. 4.) The module form of :func:`deepcomplex.functional.split_elu`.

    Args:
        alpha (float): the :math:`\alpha` of the negative branch. Default: 1.0

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape and dtype as the input.

    Example::

        >>> m = nn.ComplexELU(alpha=0.5)
        >>> m(torch.tensor([1.5 - 100j]))
        tensor([1.5000-0.5000j])
        >>> m(torch.randn(2, 3, 4, dtype=torch.cfloat)).shape
        torch.Size([2, 3, 4])
    """

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_complex(type(self).__name__, input)
        return CF.split_elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class ComplexGELU(nn.Module):
    r"""Applies the split GELU: ``torch.nn.GELU`` on the real and on the imaginary part separately.

    .. math::
        \operatorname{GELU}_{\text{split}}(z) = \operatorname{GELU}(\operatorname{Re} z) + i \,
        \operatorname{GELU}(\operatorname{Im} z), \qquad \operatorname{GELU}(t) = t \, \Phi(t)

    (Hendrycks and Gimpel, 2016, "Gaussian Error Linear Units (GELUs)", arXiv:1606.08415, Sec. 2, as a split
    activation: Barrachina et al., 2023, "Theory and Implementation of Complex-Valued Neural Networks", Sec. 4.) The
    module form of :func:`deepcomplex.functional.split_gelu`.

    Args:
        approximate (str): ``"none"`` for the exact normal CDF :math:`\Phi`, ``"tanh"`` for torch's tanh
            approximation; any other value raises ``ValueError``. Default: ``"none"``

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape and dtype as the input.

    Example::

        >>> m = nn.ComplexGELU()
        >>> m(torch.tensor([0j, 100 + 100j]))
        tensor([  0.+0.j, 100.+100.j])
        >>> m(torch.randn(2, 3, 4, dtype=torch.cfloat)).shape
        torch.Size([2, 3, 4])
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"ComplexGELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_complex(type(self).__name__, input)
        return CF.split_gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class CPReLU(KindPreservingModule):
    r"""Applies the complex PReLU: a PReLU with a learned slope on the real and on the imaginary part.

    .. math::
        \operatorname{CPReLU}(z) = \operatorname{PReLU}_a(\operatorname{Re} z) + i \, \operatorname{PReLU}_a
        (\operatorname{Im} z), \qquad \operatorname{PReLU}_a(t) = \max(0, t) + a \min(0, t)

    ``torch.nn.PReLU`` (He et al., 2015, "Delving Deep into Rectifiers", ICCV, Eq. 1) on Re and Im with the same
    slope :math:`a` (one per channel or one shared), the split complex PReLU of Jing et al., 2022, "Enhanced
    Millimeter-Wave 3-D Imaging via Complex-Valued Fully Convolutional Neural Network", Electronics 11(1), Eq. 2.
    The module form of :func:`deepcomplex.functional.cprelu`.

    Args:
        num_parameters (int): the number of slopes: 1 (shared) or the channel count :math:`C` (dimension 1 of the
            input, dimension 0 of a 1-D input). Default: 1
        init (float): the initial slope :math:`a`. Default: 0.25
        device (torch.device, optional): device of the weight. Default: torch's default device.
        dtype (torch.dtype, optional): real floating dtype of the weight; it sets the input dtype (float32 weight:
            complex64 input, float64: complex128). A complex or integer dtype raises ``TypeError``.
            Default: torch's default dtype.

    Shape:
        - Input: :math:`(N, C, *)` or :math:`(C)` complex; any shape when ``num_parameters=1``.
        - Output: the same shape as the input.

    Attributes:
        weight (Tensor): the learnable real slopes :math:`a` of shape :math:`(\text{num\_parameters})`, initialised
            to ``init``.

    Example::

        >>> m = nn.CPReLU(3, init=0.1)
        >>> m(torch.randn(2, 3, 4, 4, dtype=torch.cfloat)).shape
        torch.Size([2, 3, 4, 4])
        >>> torch.view_as_real(nn.CPReLU()(torch.tensor([1 - 2j, -4 + 3j]))).detach()
        tensor([[ 1.0000, -0.5000],
                [-1.0000,  3.0000]])
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None) -> None:
        super().__init__()
        if not isinstance(num_parameters, int) or isinstance(num_parameters, bool) or num_parameters < 1:
            raise ValueError(f"CPReLU: num_parameters must be a positive int, got {num_parameters!r}")
        if dtype is not None and (dtype.is_complex or not dtype.is_floating_point):
            raise TypeError(f"CPReLU weight must be a real floating dtype, got {dtype}")
        self.num_parameters, self.init = num_parameters, init
        self.weight = nn.Parameter(torch.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.constant_(self.weight, self.init)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_complex(name, input)
        if input.real.dtype != self.weight.dtype:
            raise TypeError(f"{name} expects input of dtype matching its weight {self.weight.dtype} (complex64 for "
                            f"float32, complex128 for float64), got {input.dtype}")
        if self.num_parameters > 1:
            channels = input.shape[1] if input.dim() >= 2 else (input.shape[0] if input.dim() == 1 else 0)
            if channels != self.num_parameters:
                raise ValueError(f"{name} expects {self.num_parameters} channels (dimension 1), got "
                                 f"{channels if input.dim() else 'a 0D tensor'}")
        return CF.cprelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}, init={self.init}"
