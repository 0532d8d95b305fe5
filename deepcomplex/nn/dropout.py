"""Complex dropout modules: one mask for Re and Im (per element or per channel)."""
from __future__ import annotations

import torch
from torch import nn

from .. import functional as CF
from .._validation import check_complex, check_rank


class _Dropout(nn.Module):
    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: dropout probability has to be between 0 and 1, got {p}")
        self.p = p

    def extra_repr(self) -> str:
        return f"p={self.p}"


class ComplexDropout(_Dropout):
    r"""During training, zeroes each complex element (Re and Im together) with probability ``p``.

    .. math::
        y = \frac{m}{1 - p} \, z, \qquad m \sim \operatorname{Bernoulli}(1 - p) \text{ per complex element}

    Dropout (Srivastava et al., 2014, "Dropout: A Simple Way to Prevent Neural Networks from Overfitting", JMLR) with
    one real mask shared by the real and imaginary parts, so a kept element keeps its phase. The module form of
    :func:`deepcomplex.functional.dropout`; in evaluation mode (``module.eval()``) it is the identity.

    Args:
        p (float): probability of an element to be zeroed, in [0, 1] (else ``ValueError``). Default: 0.5

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape as the input.

    Example::

        >>> m = nn.ComplexDropout(p=0.2)
        >>> m(torch.randn(20, 16, dtype=torch.cfloat)).shape
        torch.Size([20, 16])
        >>> z = torch.randn(20, 16, dtype=torch.cfloat)
        >>> torch.equal(m.eval()(z), z)
        True
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_complex(type(self).__name__, input)
        return CF.dropout(input, self.p, self.training)


class ComplexDropout2d(_Dropout):
    r"""During training, zeroes whole complex channels (Re and Im together) with probability ``p``.

    .. math::
        y_{n, c} = \frac{m_{n, c}}{1 - p} \, z_{n, c}, \qquad m_{n, c} \sim \operatorname{Bernoulli}(1 - p)
        \text{ per (sample, channel)}

    where :math:`z_{n, c}` is a whole :math:`(H, W)` plane: channel dropout (Tompson et al., 2015, "Efficient Object
    Localization Using Convolutional Networks", CVPR) with the mask shared by Re and Im. The module form of
    :func:`deepcomplex.functional.dropout2d`; in evaluation mode (``module.eval()``) it is the identity.

    Args:
        p (float): probability of a channel to be zeroed, in [0, 1] (else ``ValueError``). Default: 0.5

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`, complex.
        - Output: the same shape as the input.

    Example::

        >>> m = nn.ComplexDropout2d(p=0.2)
        >>> m(torch.randn(20, 16, 32, 32, dtype=torch.cfloat)).shape
        torch.Size([20, 16, 32, 32])
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_complex(type(self).__name__, input)
        check_rank(type(self).__name__, input, (3, 4), "(unbatched (C, H, W) or batched (N, C, H, W))")
        return CF.dropout2d(input, self.p, self.training)


class ComplexDropout1d(_Dropout):
    r"""During training, zeroes whole complex channels of 1-D signals (Re and Im together) with probability ``p``.

    .. math::
        y_{n, c} = \frac{m_{n, c}}{1 - p} \, z_{n, c}, \qquad m_{n, c} \sim \operatorname{Bernoulli}(1 - p)
        \text{ per (sample, channel)}

    where :math:`z_{n, c}` is a whole length-:math:`L` signal: channel dropout (Tompson et al., 2015, "Efficient
    Object Localization Using Convolutional Networks", CVPR) with one mask for Re and Im, the shapes of
    ``torch.nn.Dropout1d``. The module form of :func:`deepcomplex.functional.dropout1d`; in evaluation mode
    (``module.eval()``) it is the identity.

    Args:
        p (float): probability of a channel to be zeroed, in [0, 1] (else ``ValueError``). Default: 0.5

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`, complex.
        - Output: the same shape as the input.

    Example::

        >>> m = nn.ComplexDropout1d(p=0.2)
        >>> m(torch.randn(20, 16, 32, dtype=torch.cfloat)).shape
        torch.Size([20, 16, 32])
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_complex(name, input)
        check_rank(name, input, (2, 3), "(unbatched (C, L) or batched (N, C, L))")
        return CF.dropout1d(input, self.p, self.training)


class ComplexDropout3d(_Dropout):
    r"""During training, zeroes whole complex channels of volumes (Re and Im together) with probability ``p``.

    .. math::
        y_{n, c} = \frac{m_{n, c}}{1 - p} \, z_{n, c}, \qquad m_{n, c} \sim \operatorname{Bernoulli}(1 - p)
        \text{ per (sample, channel)}

    where :math:`z_{n, c}` is a whole :math:`(D, H, W)` volume: channel dropout (Tompson et al., 2015, "Efficient
    Object Localization Using Convolutional Networks", CVPR) with one mask for Re and Im, the shapes of
    ``torch.nn.Dropout3d``. The module form of :func:`deepcomplex.functional.dropout3d`; in evaluation mode
    (``module.eval()``) it is the identity.

    Args:
        p (float): probability of a channel to be zeroed, in [0, 1] (else ``ValueError``). Default: 0.5

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`, complex.
        - Output: the same shape as the input.

    Example::

        >>> m = nn.ComplexDropout3d(p=0.2)
        >>> m(torch.randn(2, 16, 4, 8, 8, dtype=torch.cfloat)).shape
        torch.Size([2, 16, 4, 8, 8])
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_complex(name, input)
        check_rank(name, input, (4, 5), "(unbatched (C, D, H, W) or batched (N, C, D, H, W))")
        return CF.dropout3d(input, self.p, self.training)
