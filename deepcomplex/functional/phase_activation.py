"""Phase-keeping activations: each scales :math:`z` by a real factor >= 0 and so keeps its phase (the "Type-B" or
amplitude-phase activations of Hirose and Yoshida, 2012, and the bounded complex ratio mask of Choi et al., 2019),
and the leaky zReLU, which scales by a factor that depends on the phase.
"""
from __future__ import annotations

from typing import Optional

import torch

from .._layout import apply_real_mask, as_complex
from .._validation import check_complex

Tensor = torch.Tensor

__all__ = ["zleaky_relu", "mod_tanh", "complex_ratio_mask"]


def zleaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    r"""Apply the leaky zReLU: pass :math:`z` in the first quadrant, scale it by ``negative_slope`` elsewhere.

    .. math::
        \operatorname{zLeakyReLU}(z) = \begin{cases} z & \text{if } \operatorname{Re} z \ge 0 \text{ and }
        \operatorname{Im} z \ge 0 \\ \alpha z & \text{otherwise} \end{cases}

    The zReLU of Guberman, 2016, "On Complex Valued Convolutional Neural Networks", and Trabelsi et al., 2018, "Deep
    Complex Networks", ICLR, Eq. 6 (closed quadrant: the rays :math:`\arg z = 0, \pi/2` are kept, as
    :func:`zrelu`), with the leak :math:`\alpha` of ``torch.nn.functional.leaky_relu`` (Maas, Hannun and Ng, 2013,
    "Rectifier Nonlinearities Improve Neural Network Acoustic Models", ICML Workshop). An element with a NaN part
    is scaled by :math:`\alpha`.

    Args:
        input (Tensor): complex input of any shape.
        negative_slope (float): the factor :math:`\alpha` outside the first quadrant. Default: 0.01

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape as the input.

    Example::

        >>> F.zleaky_relu(torch.tensor([2 + 2j, 2 - 2j, -2 + 2j]), negative_slope=0.25)
        tensor([ 2.0000+2.0000j,  0.5000-0.5000j, -0.5000+0.5000j])
        >>> F.zleaky_relu(torch.randn(2, 3, dtype=torch.cfloat)).shape
        torch.Size([2, 3])
    """
    check_complex("zleaky_relu", input)
    parts = torch.view_as_real(input)
    inside = (torch.minimum(parts[..., 0], parts[..., 1]) >= 0).unsqueeze(-1)
    return apply_real_mask(input, torch.where(inside, parts.new_ones(()), parts.new_full((), negative_slope)))


def _tanh_modulus(input: Tensor) -> Tensor:
    """tanh(|z|) z / |z|, with the limit z at z = 0: below the smallest normal number r is clamped, where
    tanh(r) / r is exactly 1 and its derivative 0, so no 0/0 reaches autograd and the gradient at 0 is the identity."""
    r = input.abs().clamp_min(torch.finfo(input.real.dtype).tiny)
    return as_complex(torch.view_as_real(input) * (torch.tanh(r) / r).unsqueeze(-1))


def mod_tanh(input: Tensor) -> Tensor:
    r"""Apply the modulus tanh: squash the modulus with tanh and keep the phase.

    .. math::
        \operatorname{modTanh}(z) = \tanh(|z|) \, e^{i \arg z} = \tanh(|z|) \frac{z}{|z|}, \qquad
        \operatorname{modTanh}(0) = 0

    The amplitude-phase activation of Hirose and Yoshida, 2012, "Generalization Characteristics of Complex-Valued
    Feedforward Neural Networks in Relation to Signal Coherence", IEEE TNNLS 23(4), Eq. 8: bounded by 1 in modulus,
    the identity to first order near 0 (:math:`\tanh(r) / r \to 1`, so the gradient at 0 is finite).

    Args:
        input (Tensor): complex input of any shape.

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape as the input; every modulus below 1.

    Example::

        >>> F.mod_tanh(torch.tensor([0j, 30 + 40j]))
        tensor([0.0000+0.0000j, 0.6000+0.8000j])
        >>> F.mod_tanh(torch.randn(2, 3, dtype=torch.cfloat)).shape
        torch.Size([2, 3])
    """
    check_complex("mod_tanh", input)
    return _tanh_modulus(input)


def complex_ratio_mask(input: Tensor, mixture: Optional[Tensor] = None) -> Tensor:
    r"""Compute the bounded (tanh) complex ratio mask from a network's output, and apply it to a mixture if given.

    .. math::
        M = \tanh(|O|) \, \frac{O}{|O|}, \qquad \hat{Y} = M \odot X

    The bounded polar mask of Choi et al., 2019, "Phase-aware Speech Enhancement with Deep Complex U-Net", ICLR,
    Sec. 3.2 (the "bounded (tanh)" mask): its modulus lies in :math:`[0, 1)`, so the estimate :math:`\hat{Y}` never
    exceeds the mixture :math:`X` in modulus, and its phase rotates the mixture's phase by :math:`\arg O`. The mask
    itself is :func:`mod_tanh` of :math:`O`; :math:`M = 0` where :math:`O = 0`.

    Args:
        input (Tensor): complex network output :math:`O` of any shape.
        mixture (Tensor, optional): complex spectrogram :math:`X` to mask, broadcastable with ``input``, of the same
            dtype. Default: ``None`` (return the mask :math:`M`).

    Shape:
        - Input: :math:`(*)` complex.
        - mixture: :math:`(*)` complex, broadcastable with the input, or ``None``.
        - Output: the mask :math:`M`, :math:`(*)`, or the masked mixture :math:`\hat{Y}` of the broadcast shape.

    Example::

        >>> O = torch.randn(2, 1, 257, 100, dtype=torch.cfloat)
        >>> X = torch.randn(2, 1, 257, 100, dtype=torch.cfloat)
        >>> F.complex_ratio_mask(O, X).shape
        torch.Size([2, 1, 257, 100])
        >>> bool(F.complex_ratio_mask(O).abs().max() < 1)
        True
    """
    check_complex("complex_ratio_mask", input)
    mask = _tanh_modulus(input)
    if mixture is None:
        return mask
    check_complex("complex_ratio_mask mixture", mixture, input.dtype)
    try:
        torch.broadcast_shapes(input.shape, mixture.shape)
    except RuntimeError:
        raise ValueError(f"complex_ratio_mask expects a mixture broadcastable with the mask {tuple(input.shape)}, "
                         f"got {tuple(mixture.shape)}") from None
    return mask * mixture
