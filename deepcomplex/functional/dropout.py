"""Complex dropout: one Bernoulli mask shared by the real and imaginary parts of each element (or channel)."""
from __future__ import annotations

import torch

from .._validation import check_complex, check_rank


def _check_p(name: str, p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, got {p}")


def _apply_mask(input: torch.Tensor, mask_shape, p: float) -> torch.Tensor:
    if p == 1.0:
        return input * 0
    real = input.real.dtype
    mask = torch.empty(mask_shape, dtype=real, device=input.device).bernoulli_(1.0 - p).div_(1.0 - p)
    return input * mask


def dropout(input: torch.Tensor, p: float = 0.5, training: bool = True) -> torch.Tensor:
    r"""Zero each complex element with probability ``p`` (Re and Im together) and scale the rest by :math:`1 / (1 - p)`.

    .. math::
        y = \frac{m}{1 - p} \, z, \qquad m \sim \operatorname{Bernoulli}(1 - p) \text{ per complex element}

    One real mask is shared by the real and imaginary parts, so a kept element keeps its phase. In evaluation
    (``training=False``) or with ``p = 0`` the input is returned unchanged; ``p = 1`` gives zeros.

    Args:
        input (Tensor): complex input of any shape.
        p (float): probability of an element to be zeroed, in [0, 1]. Default: 0.5.
        training (bool): apply dropout if ``True``. Default: ``True``.

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape as the input.

    Example::

        >>> z = torch.randn(8, 100, dtype=torch.cfloat)
        >>> F.dropout(z, p=0.2).shape
        torch.Size([8, 100])
        >>> torch.equal(F.dropout(z, p=0.2, training=False), z)
        True
    """
    check_complex("dropout", input)
    _check_p("dropout", p)
    if not training or p == 0.0:
        return input
    return _apply_mask(input, input.shape, p)


def dropout2d(input: torch.Tensor, p: float = 0.5, training: bool = True) -> torch.Tensor:
    r"""Zero whole complex channels with probability ``p`` and scale the rest by :math:`1 / (1 - p)`.

    .. math::
        y_{n, c} = \frac{m_{n, c}}{1 - p} \, z_{n, c}, \qquad m_{n, c} \sim \operatorname{Bernoulli}(1 - p)
        \text{ per (sample, channel)}

    where :math:`z_{n, c}` is a whole :math:`(H, W)` plane; the mask is shared by Re and Im, as
    ``torch.nn.functional.dropout2d`` applied to both parts with one draw. In evaluation (``training=False``) or with
    ``p = 0`` the input is returned unchanged; ``p = 1`` gives zeros.

    Args:
        input (Tensor): complex input, :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        p (float): probability of a channel to be zeroed, in [0, 1]. Default: 0.5.
        training (bool): apply dropout if ``True``. Default: ``True``.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`, complex.
        - Output: the same shape as the input.

    Example::

        >>> z = torch.randn(4, 16, 8, 8, dtype=torch.cfloat)
        >>> y = F.dropout2d(z, p=0.5)
        >>> y.shape
        torch.Size([4, 16, 8, 8])
        >>> bool(((y == 0).all(-1).all(-1) | (y != 0).all(-1).all(-1)).all())  # whole planes are kept or zeroed
        True
    """
    check_complex("dropout2d", input)
    check_rank("dropout2d", input, (3, 4), "(unbatched (C, H, W) or batched (N, C, H, W))")
    _check_p("dropout2d", p)
    if not training or p == 0.0:
        return input
    return _apply_mask(input, input.shape[:-2] + (1, 1), p)


def _channel_dropout(name: str, input: torch.Tensor, p: float, training: bool, spatial: int) -> torch.Tensor:
    check_complex(name, input)
    batched, unbatched = spatial + 2, spatial + 1
    shapes = {1: "(C, L) or (N, C, L)", 3: "(C, D, H, W) or (N, C, D, H, W)"}[spatial]
    check_rank(name, input, (unbatched, batched), f"(unbatched or batched: {shapes})")
    _check_p(name, p)
    if not training or p == 0.0:
        return input
    return _apply_mask(input, input.shape[:-spatial] + (1,) * spatial, p)


def dropout1d(input: torch.Tensor, p: float = 0.5, training: bool = True) -> torch.Tensor:
    r"""Zero whole complex channels of a 1-D signal with probability ``p`` and scale the rest by :math:`1 / (1 - p)`.

    .. math::
        y_{n, c} = \frac{m_{n, c}}{1 - p} \, z_{n, c}, \qquad m_{n, c} \sim \operatorname{Bernoulli}(1 - p)
        \text{ per (sample, channel)}

    where :math:`z_{n, c}` is a whole length-:math:`L` signal; one mask for Re and Im, as
    ``torch.nn.functional.dropout1d`` applied to both parts with one draw (channel dropout: Tompson et al., 2015,
    "Efficient Object Localization Using Convolutional Networks", CVPR, Sec. 3.2). In evaluation
    (``training=False``) or with ``p = 0`` the input is returned unchanged; ``p = 1`` gives zeros.

    Args:
        input (Tensor): complex input, :math:`(N, C, L)` or :math:`(C, L)`.
        p (float): probability of a channel to be zeroed, in [0, 1]. Default: 0.5.
        training (bool): apply dropout if ``True``. Default: ``True``.

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`, complex.
        - Output: the same shape as the input.

    Example::

        >>> z = torch.randn(4, 16, 32, dtype=torch.cfloat)
        >>> y = F.dropout1d(z, p=0.5)
        >>> y.shape
        torch.Size([4, 16, 32])
        >>> bool(((y == 0).all(-1) | (y != 0).all(-1)).all())  # whole channels are kept or zeroed
        True
    """
    return _channel_dropout("dropout1d", input, p, training, 1)


def dropout3d(input: torch.Tensor, p: float = 0.5, training: bool = True) -> torch.Tensor:
    r"""Zero whole complex channels of a volume with probability ``p`` and scale the rest by :math:`1 / (1 - p)`.

    .. math::
        y_{n, c} = \frac{m_{n, c}}{1 - p} \, z_{n, c}, \qquad m_{n, c} \sim \operatorname{Bernoulli}(1 - p)
        \text{ per (sample, channel)}

    where :math:`z_{n, c}` is a whole :math:`(D, H, W)` volume; one mask for Re and Im, as
    ``torch.nn.functional.dropout3d`` applied to both parts with one draw (channel dropout: Tompson et al., 2015,
    "Efficient Object Localization Using Convolutional Networks", CVPR, Sec. 3.2). In evaluation
    (``training=False``) or with ``p = 0`` the input is returned unchanged; ``p = 1`` gives zeros.

    Args:
        input (Tensor): complex input, :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`.
        p (float): probability of a channel to be zeroed, in [0, 1]. Default: 0.5.
        training (bool): apply dropout if ``True``. Default: ``True``.

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`, complex.
        - Output: the same shape as the input.

    Example::

        >>> z = torch.randn(2, 8, 4, 4, 4, dtype=torch.cfloat)
        >>> F.dropout3d(z, p=0.25).shape
        torch.Size([2, 8, 4, 4, 4])
    """
    return _channel_dropout("dropout3d", input, p, training, 3)
