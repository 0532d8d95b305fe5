"""Naive complex batch normalization of 1-D and 3-D inputs: Re and Im of each channel as two real channels (the 2-D
module, NaiveComplexBatchNorm2d, lives in nn/normalization.py)."""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from .. import functional as CF
from .._layout import complex_dtype_of, real_dtype_of
from .._validation import check_channels, check_complex, check_rank
from .module import KindPreservingModule, complex_dtype


class _NaiveForward:
    """__init__ and forward shared by the naive batch norms: torch's BatchNorm{1,3}d over the 2C interleaved real
    channels [re_0, im_0, re_1, im_1, ...], through deepcomplex.functional.naive_batch_norm."""
    _ranks: tuple = ()
    _what: str = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: Optional[float] = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None) -> None:
        name = type(self).__name__
        if not isinstance(num_features, int) or isinstance(num_features, bool) or num_features < 1:
            raise ValueError(f"{name}: num_features must be a positive int, got {num_features!r}")
        super().__init__(2 * num_features, eps, momentum, affine, track_running_stats, device=device,
                         dtype=real_dtype_of(complex_dtype(name, dtype)))
        self.num_features = num_features

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        state = self.weight if self.affine else self.running_mean
        check_complex(name, input, None if state is None else complex_dtype_of(state.dtype))
        check_rank(name, input, self._ranks, self._what)
        check_channels(name, input.shape[1], self.num_features, "channels (dimension 1)")
        if self.training and input.numel() == self.num_features:
            raise ValueError(f"{name}: expected more than 1 value per channel when training, got input size "
                             f"{tuple(input.shape)}")
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
        running = not self.training or self.track_running_stats  # torch.nn.BatchNorm's rule
        return CF.naive_batch_norm(input, self.running_mean if running else None,
                                   self.running_var if running else None, self.weight, self.bias, self.training,
                                   self.momentum, self.eps, self.num_batches_tracked)


class NaiveComplexBatchNorm1d(_NaiveForward, KindPreservingModule, nn.BatchNorm1d):
    r"""Applies naive complex batch normalization to vectors or 1-D signals: Re and Im as independent real channels.

    .. math::
        y_{\text{re}} = \frac{\operatorname{Re} x - E[\operatorname{Re} x]}{\sqrt{\operatorname{Var}[\operatorname{Re}
        x] + \epsilon}} \, \gamma_{\text{re}} + \beta_{\text{re}}, \qquad y_{\text{im}} \text{ likewise}

    The baseline that complex batch normalization by whitening (Trabelsi et al., 2018, "Deep Complex Networks", ICLR,
    Sec. 3.5) is compared against: real batch normalization (Ioffe and Szegedy, 2015, "Batch Normalization", ICML)
    of each part, no decorrelation of Re and Im. It is ``torch.nn.BatchNorm1d`` over the :math:`2C` real channels
    :math:`[\text{re}_0, \text{im}_0, \text{re}_1, \text{im}_1, \dots]`, with its arguments, defaults and running
    statistics (batch normalized with the biased variance, the unbiased one tracked). The 1-D form of
    :class:`NaiveComplexBatchNorm2d`; the module form of :func:`deepcomplex.functional.naive_batch_norm`.

    Args:
        num_features (int): number of complex channels :math:`C`.
        eps (float): added to the variances for numerical stability. Default: 1e-5 (torch's)
        momentum (float, optional): weight of the batch in the running averages; ``None`` gives the cumulative
            average. Default: 0.1
        affine (bool): if ``True``, the module has learnable real :math:`\gamma` and :math:`\beta`. Default: ``True``
        track_running_stats (bool): if ``True``, keeps running mean and variance for evaluation. Default: ``True``
        device (torch.device, optional): device of parameters and buffers. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``, the input dtype; parameters and
            buffers take the matching real precision. Default: the complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(N, C)` or :math:`(N, C, L)`, complex.
        - Output: the same shape as the input.

    Attributes:
        weight (Tensor): real learnable :math:`\gamma` of shape :math:`(2C)`, in the order
            :math:`[\text{re}_0, \text{im}_0, \dots]`, initialised to 1; ``None`` if ``affine=False``.
        bias (Tensor): real learnable :math:`\beta` of shape :math:`(2C)`, initialised to 0; ``None`` if
            ``affine=False``.
        running_mean (Tensor): real buffer of shape :math:`(2C)`, initialised to 0.
        running_var (Tensor): real buffer of shape :math:`(2C)`, initialised to 1.
        num_batches_tracked (Tensor): count of training batches seen. The buffers are ``None`` if
            ``track_running_stats=False``.

    Example::

        >>> m = nn.NaiveComplexBatchNorm1d(16)
        >>> m(torch.randn(20, 16, 50, dtype=torch.cfloat)).shape
        torch.Size([20, 16, 50])
        >>> m(torch.randn(20, 16, dtype=torch.cfloat)).shape, m.weight.shape
        (torch.Size([20, 16]), torch.Size([32]))
    """
    _ranks = (2, 3)
    _what = "(batched (N, C) or (N, C, L))"


class NaiveComplexBatchNorm3d(_NaiveForward, KindPreservingModule, nn.BatchNorm3d):
    r"""Applies naive complex batch normalization to volumes: Re and Im of each channel as independent real channels.

    .. math::
        y_{\text{re}} = \frac{\operatorname{Re} x - E[\operatorname{Re} x]}{\sqrt{\operatorname{Var}[\operatorname{Re}
        x] + \epsilon}} \, \gamma_{\text{re}} + \beta_{\text{re}}, \qquad y_{\text{im}} \text{ likewise}

    The baseline that complex batch normalization by whitening (Trabelsi et al., 2018, "Deep Complex Networks", ICLR,
    Sec. 3.5) is compared against: real batch normalization (Ioffe and Szegedy, 2015, "Batch Normalization", ICML)
    of each part, no decorrelation of Re and Im. It is ``torch.nn.BatchNorm3d`` over the :math:`2C` real channels
    :math:`[\text{re}_0, \text{im}_0, \text{re}_1, \text{im}_1, \dots]`, with its arguments, defaults and running
    statistics (batch normalized with the biased variance, the unbiased one tracked). The 3-D form of
    :class:`NaiveComplexBatchNorm2d`; the module form of :func:`deepcomplex.functional.naive_batch_norm`.

    Args:
        num_features (int): number of complex channels :math:`C`.
        eps (float): added to the variances for numerical stability. Default: 1e-5 (torch's)
        momentum (float, optional): weight of the batch in the running averages; ``None`` gives the cumulative
            average. Default: 0.1
        affine (bool): if ``True``, the module has learnable real :math:`\gamma` and :math:`\beta`. Default: ``True``
        track_running_stats (bool): if ``True``, keeps running mean and variance for evaluation. Default: ``True``
        device (torch.device, optional): device of parameters and buffers. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``, the input dtype; parameters and
            buffers take the matching real precision. Default: the complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(N, C, D, H, W)`, complex.
        - Output: the same shape as the input.

    Attributes:
        weight (Tensor): real learnable :math:`\gamma` of shape :math:`(2C)`, in the order
            :math:`[\text{re}_0, \text{im}_0, \dots]`, initialised to 1; ``None`` if ``affine=False``.
        bias (Tensor): real learnable :math:`\beta` of shape :math:`(2C)`, initialised to 0; ``None`` if
            ``affine=False``.
        running_mean (Tensor): real buffer of shape :math:`(2C)`, initialised to 0.
        running_var (Tensor): real buffer of shape :math:`(2C)`, initialised to 1.
        num_batches_tracked (Tensor): count of training batches seen. The buffers are ``None`` if
            ``track_running_stats=False``.

    Example::

        >>> m = nn.NaiveComplexBatchNorm3d(4)
        >>> m(torch.randn(2, 4, 3, 5, 5, dtype=torch.cfloat)).shape
        torch.Size([2, 4, 3, 5, 5])
    """
    _ranks = (5,)
    _what = "(batched (N, C, D, H, W))"
