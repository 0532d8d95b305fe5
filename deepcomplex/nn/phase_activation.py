"""Phase-keeping activations as modules (leaky zReLU, modulus tanh, the bounded complex ratio mask), thin wrappers
over deepcomplex.functional.phase_activation."""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from .. import functional as CF
from .._validation import check_complex

__all__ = ["ZLeakyReLU", "ModTanh", "ComplexRatioMask"]


class ZLeakyReLU(nn.Module):
    r"""Applies the leaky zReLU: passes :math:`z` in the first quadrant, scales it by ``negative_slope`` elsewhere.

    .. math::
        \operatorname{zLeakyReLU}(z) = \begin{cases} z & \text{if } \operatorname{Re} z \ge 0 \text{ and }
        \operatorname{Im} z \ge 0 \\ \alpha z & \text{otherwise} \end{cases}

    The zReLU of Guberman, 2016, and Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 6 (closed quadrant,
    as :class:`ZReLU`), with the leak of ``torch.nn.LeakyReLU`` (Maas, Hannun and Ng, 2013, "Rectifier
    Nonlinearities Improve Neural Network Acoustic Models", ICML Workshop). The module form of
    :func:`deepcomplex.functional.zleaky_relu`.

    Args:
        negative_slope (float): the factor :math:`\alpha` outside the first quadrant. Default: 0.01

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape and dtype as the input.

    Example::

        >>> m = nn.ZLeakyReLU(negative_slope=0.25)
        >>> m(torch.tensor([2 + 2j, 2 - 2j, -2 + 2j]))
        tensor([ 2.0000+2.0000j,  0.5000-0.5000j, -0.5000+0.5000j])
        >>> m(torch.randn(2, 3, 4, dtype=torch.cfloat)).shape
        torch.Size([2, 3, 4])
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_complex(type(self).__name__, input)
        return CF.zleaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ModTanh(nn.Module):
    r"""Applies the modulus tanh: squashes the modulus with tanh and keeps the phase.

    .. math::
        \operatorname{modTanh}(z) = \tanh(|z|) \, \frac{z}{|z|}, \qquad \operatorname{modTanh}(0) = 0

    The amplitude-phase activation of Hirose and Yoshida, 2012, "Generalization Characteristics of Complex-Valued
    Feedforward Neural Networks in Relation to Signal Coherence", IEEE TNNLS 23(4), Eq. 8. The module form of
    :func:`deepcomplex.functional.mod_tanh`; moduli stay below 1, gradients are finite at 0.

    Args:
        None: the module takes no arguments and has no parameters.

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape and dtype as the input.

    Example::

        >>> m = nn.ModTanh()
        >>> m(torch.tensor([0j, 30 + 40j]))
        tensor([0.0000+0.0000j, 0.6000+0.8000j])
        >>> m(torch.randn(2, 3, 4, dtype=torch.cfloat)).shape
        torch.Size([2, 3, 4])
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_complex(type(self).__name__, input)
        return CF.mod_tanh(input)


class ComplexRatioMask(nn.Module):
    r"""Turns a network output into the bounded (tanh) complex ratio mask, and applies it to a mixture if given.

    .. math::
        M = \tanh(|O|) \, \frac{O}{|O|}, \qquad \hat{Y} = M \odot X

    The bounded polar mask of Choi et al., 2019, "Phase-aware Speech Enhancement with Deep Complex U-Net", ICLR,
    Sec. 3.2: :math:`|M| < 1`, so the estimate never exceeds the mixture :math:`X` in modulus, and the mask rotates
    the mixture's phase by :math:`\arg O`. The module form of :func:`deepcomplex.functional.complex_ratio_mask`;
    ``forward(input, mixture=None)`` returns :math:`M`, or :math:`\hat{Y}` when the complex mixture is given.

    Args:
        None: the module takes no arguments and has no parameters.

    Shape:
        - Input: :math:`(*)` complex, the network output :math:`O`.
        - mixture: :math:`(*)` complex of the same dtype, broadcastable with the input, or ``None``.
        - Output: :math:`M` of the input's shape, or :math:`\hat{Y}` of the broadcast shape.

    Example::

        >>> mask = nn.ComplexRatioMask()
        >>> O = torch.randn(2, 1, 257, 100, dtype=torch.cfloat)
        >>> X = torch.randn(2, 1, 257, 100, dtype=torch.cfloat)
        >>> mask(O, X).shape
        torch.Size([2, 1, 257, 100])
        >>> bool(mask(O).abs().max() < 1)
        True
    """

    def forward(self, input: torch.Tensor, mixture: Optional[torch.Tensor] = None) -> torch.Tensor:
        name = type(self).__name__
        check_complex(name, input)
        if mixture is not None:
            check_complex(f"{name} mixture", mixture, input.dtype)
            try:
                torch.broadcast_shapes(input.shape, mixture.shape)
            except RuntimeError:
                raise ValueError(f"{name} expects a mixture broadcastable with its input {tuple(input.shape)}, got "
                                 f"{tuple(mixture.shape)}") from None
        return CF.complex_ratio_mask(input, mixture)
