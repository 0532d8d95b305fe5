"""Phase-preserving normalizations: the modulus is rescaled, the phase of every element is kept.

``complex_rms_norm`` divides by the root mean square of |z| over the trailing dims of each sample (RMSNorm, Zhang and
Sennrich, 2019, on |z|^2); ``magnitude_batch_norm`` divides by the root of the per-channel batch second moment
E|z|^2, tracked for evaluation as batch norm does (Ioffe and Szegedy, 2015). Both multiply z by a real, positive
factor (and a real learned scale), so arg y = arg z wherever the scale is positive.
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import torch

from .._validation import check_complex

__all__ = ["complex_rms_norm", "magnitude_batch_norm"]


def _real_param(name: str, what: str, t: Optional[torch.Tensor], shape: tuple, input: torch.Tensor) -> None:
    if t is None:
        return
    if not isinstance(t, torch.Tensor) or t.is_complex() or not t.is_floating_point():
        got = t.dtype if isinstance(t, torch.Tensor) else type(t).__name__
        raise TypeError(f"{name} expects a real floating-point {what}, got {got}")
    if t.dtype != input.real.dtype:
        raise TypeError(f"{name}: a {input.dtype} input needs a {input.real.dtype} {what}, got {t.dtype}")
    if tuple(t.shape) != tuple(shape):
        raise ValueError(f"{name} expects {what} of shape {tuple(shape)}, got shape {tuple(t.shape)}")


def complex_rms_norm(input: torch.Tensor, normalized_shape: Union[int, Sequence[int]],
                     weight: Optional[torch.Tensor] = None, eps: Optional[float] = None) -> torch.Tensor:
    r"""Apply complex RMS normalization over the trailing dimensions: divide by the RMS of the modulus, keep the phase.

    .. math::
        y = \frac{z}{\sqrt{\frac{1}{n} \sum_{k} |z_k|^2 + \epsilon}} \odot w

    where the mean runs over the last ``len(normalized_shape)`` dimensions of each sample (:math:`n` elements) and
    :math:`w` is a real per-element scale. This is RMSNorm (Zhang and Sennrich, 2019, "Root Mean Square Layer
    Normalization", NeurIPS, Eq. 4) with :math:`a_i^2` replaced by :math:`|z_i|^2`: ``torch.nn.functional.rms_norm``
    of the real view when Re and Im are counted as two features each, up to the factor :math:`\sqrt{2}`. No centring
    and a real scale, so the phase of every element is kept (for :math:`w > 0`).

    Args:
        input (Tensor): complex input :math:`(*, *\text{normalized\_shape})`.
        normalized_shape (int or list of int): the trailing shape to normalize over.
        weight (Tensor, optional): real scale of shape ``normalized_shape`` (float32 for complex64, float64 for
            complex128). Default: ``None`` (no scale).
        eps (float, optional): added to the mean square. Default: ``None``, torch's rule:
            ``torch.finfo(input.real.dtype).eps``.

    Shape:
        - Input: :math:`(*, *\text{normalized\_shape})`, complex.
        - Output: the same shape and dtype as the input.

    Example::

        >>> z = torch.randn(4, 10, 16, dtype=torch.cfloat)
        >>> y = F.complex_rms_norm(z, 16)
        >>> y.shape, bool(torch.allclose(y.abs().pow(2).mean(-1), torch.ones(4, 10), atol=1e-4))
        (torch.Size([4, 10, 16]), True)
    """
    name = "complex_rms_norm"
    check_complex(name, input)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.dim() < k or tuple(input.shape[input.dim() - k:]) != shape:
        raise ValueError(f"{name} expects input of shape (*, {', '.join(map(str, shape))}), got "
                         f"{tuple(input.shape)}")
    _real_param(name, "weight", weight, shape, input)
    if eps is None:
        eps = torch.finfo(input.real.dtype).eps
    dims = list(range(input.dim() - k, input.dim()))
    power = (input.real.square() + input.imag.square()).mean(dims, keepdim=True)
    scale = torch.rsqrt(power + eps)
    if weight is not None:
        scale = scale * weight
    return input * scale


def magnitude_batch_norm(input: torch.Tensor, running_power: Optional[torch.Tensor],
                         weight: Optional[torch.Tensor] = None, training: bool = False,
                         momentum: Optional[float] = 0.1, eps: float = 1e-5,
                         num_batches_tracked: Optional[torch.Tensor] = None) -> torch.Tensor:
    r"""Apply magnitude batch normalization: scale each channel by the batch RMS of its modulus, keep the phase.

    .. math::
        y_{n, c, \dots} = \gamma_c \, \frac{z_{n, c, \dots}}{\sqrt{P_c + \epsilon}}, \qquad
        P_c = \operatorname{E}_{n, \dots}\left[|z_{n, c, \dots}|^2\right]

    The statistic is exactly the second moment of the modulus of channel :math:`c`, :math:`P_c`, averaged over the
    batch and every dimension after the channel (no centring: the modulus is not shifted, since a shifted modulus
    could turn negative and flip the phase). Batch normalization (Ioffe and Szegedy, 2015, "Batch Normalization",
    ICML, Alg. 1) of :math:`|z|` by its uncentred scale only, so :math:`\arg y = \arg z` for :math:`\gamma_c > 0`;
    Re and Im are scaled together (compare the 2x2 whitening of Trabelsi et al., 2018, "Deep Complex Networks", ICLR,
    Sec. 3.5, which changes the phase). In training :math:`P_c` is the batch's and the running estimate is updated in
    place: :math:`\hat{P} \leftarrow (1 - \text{momentum}) \hat{P} + \text{momentum} \, P` (the batch mean itself:
    with no centring there is no bias correction); in evaluation :math:`\hat{P}` is used.

    Args:
        input (Tensor): complex input :math:`(N, C, *)`.
        running_power (Tensor, optional): real running estimate :math:`\hat{P}` of shape :math:`(C)`, updated in
            place in training; ``None`` uses the batch statistic in evaluation too.
        weight (Tensor, optional): real per-channel scale :math:`\gamma` of shape :math:`(C)`. Default: ``None``.
        training (bool): use (and track) the batch statistic. Default: ``False``.
        momentum (float, optional): weight of the batch in the running average; ``None`` gives the cumulative
            average over ``num_batches_tracked`` (which must count this batch already). Default: 0.1.
        eps (float): added to :math:`P_c`. Default: 1e-5.
        num_batches_tracked (Tensor, optional): the module's batch counter, read when ``momentum`` is ``None``.

    Shape:
        - Input: :math:`(N, C, *)`, complex.
        - Output: the same shape and dtype as the input.

    Example::

        >>> z = torch.randn(8, 3, 5, 5, dtype=torch.cfloat)
        >>> power = torch.ones(3)
        >>> y = F.magnitude_batch_norm(z, power, training=True)
        >>> y.shape, bool(torch.allclose(y.angle(), z.angle(), atol=1e-5)), power.shape
        (torch.Size([8, 3, 5, 5]), True, torch.Size([3]))
    """
    name = "magnitude_batch_norm"
    check_complex(name, input)
    if input.dim() < 2:
        raise ValueError(f"{name} expects an input of at least 2 dimensions (N, C, ...), got {input.dim()}D")
    channels = input.shape[1]
    _real_param(name, "running_power", running_power, (channels,), input)
    _real_param(name, "weight", weight, (channels,), input)
    if training and running_power is not None and momentum is None and num_batches_tracked is None:
        raise ValueError(f"{name}: momentum=None (a cumulative average) needs num_batches_tracked")
    view = [1, channels] + [1] * (input.dim() - 2)
    if training or running_power is None:
        if input.numel() == 0:
            return input.clone()
        dims = [0] + list(range(2, input.dim()))
        power = (input.real.square() + input.imag.square()).mean(dims)
        if training and running_power is not None:
            factor = momentum if momentum is not None else 1.0 / float(num_batches_tracked)
            with torch.no_grad():
                running_power.lerp_(power.detach(), factor)
    else:
        power = running_power
    scale = torch.rsqrt(power + eps)
    if weight is not None:
        scale = scale * weight
    return input * scale.reshape(view)
