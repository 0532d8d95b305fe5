"""Split activations: a real activation applied to the real and to the imaginary part separately ("Type-A" in the
nomenclature of Barrachina et al., 2023, "Theory and Implementation of Complex-Valued Neural Networks", Sec. 4; used
as gates and non-linearities by Trabelsi et al., 2018, "Deep Complex Networks", ICLR).

    f_split(z) = f(Re z) + i f(Im z)

Each acts on the real (..., 2) view of the input in one kernel: going through z.real and z.imag would make every
backward fill a zero tensor of z's size for the other part and add the two.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .._layout import as_complex
from .._validation import check_channels, check_complex

Tensor = torch.Tensor

__all__ = ["split_sigmoid", "split_tanh", "split_elu", "split_gelu", "cprelu"]


def sigmoid_parts(z: Tensor) -> Tensor:
    """The split sigmoid without the input check (the recurrent cells' gates, on pre-activations they built)."""
    return as_complex(torch.sigmoid(torch.view_as_real(z)))


def tanh_parts(z: Tensor) -> Tensor:
    """The split tanh without the input check."""
    return as_complex(torch.tanh(torch.view_as_real(z)))


def split_sigmoid(z: Tensor) -> Tensor:
    r"""Apply the split sigmoid: the logistic sigmoid on the real and on the imaginary part separately.

    .. math::
        \sigma_{\text{split}}(z) = \sigma(\operatorname{Re} z) + i \, \sigma(\operatorname{Im} z), \qquad
        \sigma(t) = \frac{1}{1 + e^{-t}}

    The gate activation of the complex LSTMs and GRUs (split activations as in Trabelsi et al., 2018, "Deep Complex
    Networks", ICLR; Nitta, 1997, "An Extension of the Back-Propagation Algorithm to Complex Numbers", Neural
    Networks 10(9)).

    Args:
        z (Tensor): complex input of any shape.

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape as the input.

    Example::

        >>> F.split_sigmoid(torch.tensor([0j, 100 - 100j]))
        tensor([0.5000+0.5000j, 1.0000+0.0000j])
        >>> F.split_sigmoid(torch.randn(2, 3, dtype=torch.cfloat)).shape
        torch.Size([2, 3])
    """
    check_complex("split_sigmoid", z)
    return sigmoid_parts(z)


def split_tanh(z: Tensor) -> Tensor:
    r"""Apply the split tanh: the hyperbolic tangent on the real and on the imaginary part separately.

    .. math::
        \tanh_{\text{split}}(z) = \tanh(\operatorname{Re} z) + i \, \tanh(\operatorname{Im} z)

    The cell-input and output activation of the complex LSTMs and GRUs (split activations as in Trabelsi et al.,
    2018, "Deep Complex Networks", ICLR; Hirose and Yoshida, 2012, "Generalization Characteristics of Complex-Valued
    Feedforward Neural Networks in Relation to Signal Coherence", IEEE TNNLS, Eq. 15). Unlike the complex
    ``torch.tanh`` it is bounded and has no poles.

    Args:
        z (Tensor): complex input of any shape.

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape as the input.

    Example::

        >>> F.split_tanh(torch.tensor([0j, 100 - 100j]))
        tensor([0.+0.j, 1.-1.j])
        >>> F.split_tanh(torch.randn(2, 3, dtype=torch.cfloat)).shape
        torch.Size([2, 3])
    """
    check_complex("split_tanh", z)
    return tanh_parts(z)


def split_elu(input: Tensor, alpha: float = 1.0) -> Tensor:
    r"""Apply the split ELU: ``torch.nn.functional.elu`` on the real and on the imaginary part separately.

    .. math::
        \operatorname{ELU}_{\text{split}}(z) = \operatorname{ELU}(\operatorname{Re} z) + i \,
        \operatorname{ELU}(\operatorname{Im} z), \qquad
        \operatorname{ELU}(t) = \begin{cases} t & t > 0 \\ \alpha (e^t - 1) & t \le 0 \end{cases}

    The ELU of Clevert, Unterthiner and Hochreiter, 2016, "Fast and Accurate Deep Network Learning by Exponential
    Linear Units (ELUs)", ICLR, Eq. 1, made a split (Type-A) activation as in Barrachina et al., 2023, "Theory and
    Implementation of Complex-Valued Neural Networks", Sec. 4.

    Args:
        input (Tensor): complex input of any shape.
        alpha (float): the :math:`\alpha` of the negative branch. Default: 1.0

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape as the input.

    Example::

        >>> F.split_elu(torch.tensor([1 - 100j]))
        tensor([1.-1.j])
        >>> F.split_elu(torch.randn(2, 3, dtype=torch.cfloat), alpha=0.5).shape
        torch.Size([2, 3])
    """
    check_complex("split_elu", input)
    return as_complex(F.elu(torch.view_as_real(input), alpha))


def split_gelu(input: Tensor, approximate: str = "none") -> Tensor:
    r"""Apply the split GELU: ``torch.nn.functional.gelu`` on the real and on the imaginary part separately.

    .. math::
        \operatorname{GELU}_{\text{split}}(z) = \operatorname{GELU}(\operatorname{Re} z) + i \,
        \operatorname{GELU}(\operatorname{Im} z), \qquad \operatorname{GELU}(t) = t \, \Phi(t)

    The GELU of Hendrycks and Gimpel, 2016, "Gaussian Error Linear Units (GELUs)", arXiv:1606.08415, Sec. 2
    (:math:`\Phi` the standard normal CDF, or its tanh approximation), made a split (Type-A) activation as in
    Barrachina et al., 2023, "Theory and Implementation of Complex-Valued Neural Networks", Sec. 4.

    Args:
        input (Tensor): complex input of any shape.
        approximate (str): ``"none"`` for the exact :math:`\Phi`, ``"tanh"`` for torch's tanh approximation; any
            other value raises ``ValueError``. Default: ``"none"``

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape as the input.

    Example::

        >>> F.split_gelu(torch.tensor([0j, 100 + 100j]))
        tensor([  0.+0.j, 100.+100.j])
        >>> F.split_gelu(torch.randn(2, 3, dtype=torch.cfloat), approximate="tanh").shape
        torch.Size([2, 3])
    """
    check_complex("split_gelu", input)
    if approximate not in ("none", "tanh"):
        raise ValueError(f"split_gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return as_complex(F.gelu(torch.view_as_real(input), approximate=approximate))


def cprelu(input: Tensor, weight: Tensor) -> Tensor:
    r"""Apply the complex PReLU: ``torch.nn.functional.prelu`` on Re and on Im, with the same slope for both.

    .. math::
        \operatorname{CPReLU}(z) = \operatorname{PReLU}_a(\operatorname{Re} z) + i \, \operatorname{PReLU}_a
        (\operatorname{Im} z), \qquad \operatorname{PReLU}_a(t) = \max(0, t) + a \min(0, t)

    The PReLU of He et al., 2015, "Delving Deep into Rectifiers", ICCV, Eq. 1 (one slope :math:`a` per channel or one
    shared), as the split complex PReLU of Jing et al., 2022, "Enhanced Millimeter-Wave 3-D Imaging via
    Complex-Valued Fully Convolutional Neural Network", Electronics 11(1), Eq. 2.

    Args:
        input (Tensor): complex input, channels along dimension 1 (dimension 0 for 1-D input), as ``F.prelu``.
        weight (Tensor): real slopes :math:`a`, one per channel :math:`(C)` or a single one :math:`(1)`. A complex
            weight raises ``TypeError``.

    Shape:
        - Input: :math:`(N, C, *)`, :math:`(C)` or any shape when ``weight`` has one entry; complex.
        - Weight: :math:`(C)` or :math:`(1)`, real, of the input's real dtype.
        - Output: the shape of the input.

    Example::

        >>> torch.view_as_real(F.cprelu(torch.tensor([1 - 2j, -4 + 3j]), torch.tensor([0.25])))
        tensor([[ 1.0000, -0.5000],
                [-1.0000,  3.0000]])
        >>> F.cprelu(torch.randn(2, 3, 4, dtype=torch.cfloat), torch.full((3,), 0.1)).shape
        torch.Size([2, 3, 4])
    """
    check_complex("cprelu", input)
    if not isinstance(weight, torch.Tensor) or weight.is_complex() or not weight.is_floating_point():
        got = weight.dtype if isinstance(weight, torch.Tensor) else type(weight).__name__
        raise TypeError(f"cprelu expects a real floating weight, got {got}")
    if weight.dim() != 1:
        raise ValueError(f"cprelu expects a 1D weight (C) or (1), got shape {tuple(weight.shape)}")
    if weight.dtype != input.real.dtype:
        raise TypeError(f"cprelu expects a weight of the input's real dtype {input.real.dtype}, got {weight.dtype}")
    if weight.numel() > 1:
        channels = input.shape[1] if input.dim() >= 2 else (input.shape[0] if input.dim() == 1 else 1)
        check_channels("cprelu", channels, weight.numel(), "channels (dimension 1)")
    if input.dim() == 1 and weight.numel() > 1:  # channels on dimension 0: the real view puts (Re, Im) on dim 1
        return as_complex(F.prelu(torch.view_as_real(input).T, weight).T)
    return as_complex(F.prelu(torch.view_as_real(input), weight))
