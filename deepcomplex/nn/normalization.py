"""Complex normalization modules: whitening batch/layer/group norm (Trabelsi et al., Sec. 3.5), naive baseline."""
from __future__ import annotations

import math
from typing import Optional, Sequence, Union

import torch
from torch import nn

from .. import functional as CF
from .._layout import complex_dtype_of, real_dtype_of
from .._validation import check_channels, check_complex, check_rank
from .module import KindPreservingModule, complex_dtype

_INV_SQRT2 = 1.0 / math.sqrt(2.0)


def _register_affine(module: nn.Module, shape: tuple, affine: bool, device, dtype) -> None:
    """gamma as real ``weight`` (*shape, 3) = [g_rr, g_ri, g_ii] and beta as complex ``bias`` (*shape), or None."""
    name = type(module).__name__
    if affine:
        module.weight = nn.Parameter(torch.empty(*shape, 3, device=device, dtype=_real_dtype(name, dtype)))
        module.bias = nn.Parameter(torch.empty(*shape, device=device, dtype=complex_dtype(name, dtype)))
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def _reset_affine(weight, bias) -> None:
    """gamma_rr = gamma_ii = 1/sqrt(2), gamma_ri = 0, beta = 0 (Trabelsi et al., Sec. 3.5); no-op without affine."""
    if weight is not None:
        with torch.no_grad():
            weight.copy_(torch.tensor([_INV_SQRT2, 0.0, _INV_SQRT2], dtype=weight.dtype))
            bias.zero_()


def _real_dtype(name: str, dtype) -> torch.dtype:
    """The dtype of the real parameters beside complex ones of ``dtype`` (see ``complex_dtype``)."""
    return real_dtype_of(complex_dtype(name, dtype))


class _ComplexBatchNorm(KindPreservingModule):
    _ranks: tuple = ()

    def __init__(self, num_features: int, eps: float = 1e-4, momentum: Optional[float] = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        cdt, rdt = complex_dtype(name, dtype), _real_dtype(name, dtype)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _register_affine(self, (num_features,), affine, device, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features, device=device, dtype=cdt))
            self.register_buffer("running_covar", torch.zeros(num_features, 3, device=device, dtype=rdt))
            self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_covar", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running covariance Vrr = Vii = 1/sqrt(2), Vri = 0 (as the paper's code)."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_covar.copy_(torch.tensor([_INV_SQRT2, 0.0, _INV_SQRT2], dtype=self.running_covar.dtype))
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """gamma_rr = gamma_ii = 1/sqrt(2), gamma_ri = 0, beta = 0 (Trabelsi et al., Sec. 3.5)."""
        self.reset_running_stats()
        _reset_affine(self.weight, self.bias)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        state = self.bias if self.affine else self.running_mean
        check_complex(name, input, None if state is None else state.dtype)
        check_rank(name, input, self._ranks)
        check_channels(name, input.shape[1], self.num_features, "channels (dimension 1)")
        if self.training and input.numel() == self.num_features:  # checked before any state changes
            raise ValueError(f"{name}: expected more than 1 value per channel when training, got input size "
                             f"{tuple(input.shape)}")
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
        use_running = not self.training and self.track_running_stats
        return CF.complex_batch_norm(
            input, self.running_mean if (self.training or use_running) else None,
            self.running_covar if (self.training or use_running) else None, self.weight, self.bias,
            self.training, self.momentum, self.eps, self.num_batches_tracked)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class ComplexBatchNorm1d(_ComplexBatchNorm):
    r"""Applies complex batch normalization by 2x2 whitening over a batch of complex feature vectors or 1-D signals.

    Each complex channel is centred and whitened by the inverse square root of its 2x2 covariance matrix of
    (Re, Im), then scaled by a learned real symmetric 2x2 matrix and shifted by a learned complex bias (Trabelsi
    et al., 2018, "Deep Complex Networks", ICLR, Sec. 3.5, Eqs. 11-12):

    .. math::
        \tilde{x} = V^{-1/2} (x - E[x]), \quad
        V = \begin{pmatrix} V_{rr} + \epsilon & V_{ri} \\ V_{ri} & V_{ii} + \epsilon \end{pmatrix}, \quad
        y = \begin{pmatrix} \gamma_{rr} & \gamma_{ri} \\ \gamma_{ri} & \gamma_{ii} \end{pmatrix} \tilde{x} + \beta

    The statistics are taken per channel over the batch (and length) in training; in evaluation (with
    ``track_running_stats=True``) the running estimates are used instead, updated in training as torch's
    ``running_var``: :math:`\hat{v} \leftarrow (1 - \text{momentum}) \, \hat{v} + \text{momentum} \, v` with the
    unbiased batch covariance. eps is added to :math:`V_{rr}` and :math:`V_{ii}` wherever V is used, in training and
    eval; the paper's code instead keeps the biased estimate with eps inside. The module form of
    :func:`deepcomplex.functional.complex_batch_norm`.

    Args:
        num_features (int): number of complex channels :math:`C`.
        eps (float): added to the diagonal of V for numerical stability. Default: 1e-4 (the paper's code)
        momentum (float, optional): weight of the batch in the running averages; ``None`` gives the cumulative
            average over all batches seen. Default: 0.1
        affine (bool): if ``True``, the module has learnable :math:`\gamma` and :math:`\beta`; else
            :math:`y = \tilde{x}`. Default: ``True``
        track_running_stats (bool): if ``True``, keeps running mean and covariance for evaluation; if ``False``,
            batch statistics are used in evaluation too. Default: ``True``
        device (torch.device, optional): device of parameters and buffers. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``, the input dtype; the real
            tensors take the matching real precision. Default: the complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(N, C)` or :math:`(N, C, L)`, complex.
        - Output: the same shape as the input.

    Attributes:
        weight (Tensor): real learnable :math:`\gamma` of shape :math:`(C, 3)` = :math:`[\gamma_{rr}, \gamma_{ri},
            \gamma_{ii}]`, initialised to :math:`[1/\sqrt{2}, 0, 1/\sqrt{2}]`; ``None`` if ``affine=False``.
        bias (Tensor): complex learnable :math:`\beta` of shape :math:`(C)`, initialised to 0; ``None`` if
            ``affine=False``.
        running_mean (Tensor): complex buffer of shape :math:`(C)`, initialised to 0.
        running_covar (Tensor): real buffer of shape :math:`(C, 3)` = :math:`[V_{rr}, V_{ri}, V_{ii}]`, initialised
            to :math:`[1/\sqrt{2}, 0, 1/\sqrt{2}]` (as the paper's code).
        num_batches_tracked (Tensor): count of training batches seen. The three buffers are ``None`` if
            ``track_running_stats=False``.

    Example::

        >>> m = nn.ComplexBatchNorm1d(16)
        >>> m(torch.randn(20, 16, 50, dtype=torch.cfloat)).shape
        torch.Size([20, 16, 50])
        >>> m.running_covar.shape
        torch.Size([16, 3])
    """
    _ranks = (2, 3)


class ComplexBatchNorm2d(_ComplexBatchNorm):
    r"""Applies complex batch normalization by 2x2 whitening over a batch of complex images.

    Each complex channel is centred and whitened by the inverse square root of its 2x2 covariance matrix of
    (Re, Im), then scaled by a learned real symmetric 2x2 matrix and shifted by a learned complex bias (Trabelsi
    et al., 2018, "Deep Complex Networks", ICLR, Sec. 3.5, Eqs. 11-12):

    .. math::
        \tilde{x} = V^{-1/2} (x - E[x]), \quad
        V = \begin{pmatrix} V_{rr} + \epsilon & V_{ri} \\ V_{ri} & V_{ii} + \epsilon \end{pmatrix}, \quad
        y = \begin{pmatrix} \gamma_{rr} & \gamma_{ri} \\ \gamma_{ri} & \gamma_{ii} \end{pmatrix} \tilde{x} + \beta

    The statistics are taken per channel over the batch and the spatial dimensions in training; in evaluation (with
    ``track_running_stats=True``) the running estimates are used instead, updated in training as torch's
    ``running_var``: :math:`\hat{v} \leftarrow (1 - \text{momentum}) \, \hat{v} + \text{momentum} \, v` with the
    unbiased batch covariance. eps is added to :math:`V_{rr}` and :math:`V_{ii}` wherever V is used, in training and
    eval; the paper's code instead keeps the biased estimate with eps inside. The module form of
    :func:`deepcomplex.functional.complex_batch_norm`.

    Args:
        num_features (int): number of complex channels :math:`C`.
        eps (float): added to the diagonal of V for numerical stability. Default: 1e-4 (the paper's code)
        momentum (float, optional): weight of the batch in the running averages; ``None`` gives the cumulative
            average over all batches seen. Default: 0.1
        affine (bool): if ``True``, the module has learnable :math:`\gamma` and :math:`\beta`; else
            :math:`y = \tilde{x}`. Default: ``True``
        track_running_stats (bool): if ``True``, keeps running mean and covariance for evaluation; if ``False``,
            batch statistics are used in evaluation too. Default: ``True``
        device (torch.device, optional): device of parameters and buffers. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``, the input dtype; the real
            tensors take the matching real precision. Default: the complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(N, C, H, W)`, complex.
        - Output: the same shape as the input.

    Attributes:
        weight (Tensor): real learnable :math:`\gamma` of shape :math:`(C, 3)` = :math:`[\gamma_{rr}, \gamma_{ri},
            \gamma_{ii}]`, initialised to :math:`[1/\sqrt{2}, 0, 1/\sqrt{2}]`; ``None`` if ``affine=False``.
        bias (Tensor): complex learnable :math:`\beta` of shape :math:`(C)`, initialised to 0; ``None`` if
            ``affine=False``.
        running_mean (Tensor): complex buffer of shape :math:`(C)`, initialised to 0.
        running_covar (Tensor): real buffer of shape :math:`(C, 3)` = :math:`[V_{rr}, V_{ri}, V_{ii}]`, initialised
            to :math:`[1/\sqrt{2}, 0, 1/\sqrt{2}]` (as the paper's code).
        num_batches_tracked (Tensor): count of training batches seen. The three buffers are ``None`` if
            ``track_running_stats=False``.

    Example::

        >>> m = nn.ComplexBatchNorm2d(16)
        >>> m(torch.randn(20, 16, 10, 10, dtype=torch.cfloat)).shape
        torch.Size([20, 16, 10, 10])
        >>> m.eval()(torch.randn(1, 16, 10, 10, dtype=torch.cfloat)).shape
        torch.Size([1, 16, 10, 10])
    """
    _ranks = (4,)


class ComplexBatchNorm3d(_ComplexBatchNorm):
    r"""Applies complex batch normalization by 2x2 whitening over a batch of complex volumes.

    Each complex channel is centred and whitened by the inverse square root of its 2x2 covariance matrix of
    (Re, Im), then scaled by a learned real symmetric 2x2 matrix and shifted by a learned complex bias (Trabelsi
    et al., 2018, "Deep Complex Networks", ICLR, Sec. 3.5, Eqs. 11-12):

    .. math::
        \tilde{x} = V^{-1/2} (x - E[x]), \quad
        V = \begin{pmatrix} V_{rr} + \epsilon & V_{ri} \\ V_{ri} & V_{ii} + \epsilon \end{pmatrix}, \quad
        y = \begin{pmatrix} \gamma_{rr} & \gamma_{ri} \\ \gamma_{ri} & \gamma_{ii} \end{pmatrix} \tilde{x} + \beta

    The statistics are taken per channel over the batch and the spatial dimensions in training; in evaluation (with
    ``track_running_stats=True``) the running estimates are used instead, updated in training as torch's
    ``running_var``: :math:`\hat{v} \leftarrow (1 - \text{momentum}) \, \hat{v} + \text{momentum} \, v` with the
    unbiased batch covariance. eps is added to :math:`V_{rr}` and :math:`V_{ii}` wherever V is used, in training and
    eval; the paper's code instead keeps the biased estimate with eps inside. The module form of
    :func:`deepcomplex.functional.complex_batch_norm`.

    Args:
        num_features (int): number of complex channels :math:`C`.
        eps (float): added to the diagonal of V for numerical stability. Default: 1e-4 (the paper's code)
        momentum (float, optional): weight of the batch in the running averages; ``None`` gives the cumulative
            average over all batches seen. Default: 0.1
        affine (bool): if ``True``, the module has learnable :math:`\gamma` and :math:`\beta`; else
            :math:`y = \tilde{x}`. Default: ``True``
        track_running_stats (bool): if ``True``, keeps running mean and covariance for evaluation; if ``False``,
            batch statistics are used in evaluation too. Default: ``True``
        device (torch.device, optional): device of parameters and buffers. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``, the input dtype; the real
            tensors take the matching real precision. Default: the complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(N, C, D, H, W)`, complex.
        - Output: the same shape as the input.

    Attributes:
        weight (Tensor): real learnable :math:`\gamma` of shape :math:`(C, 3)` = :math:`[\gamma_{rr}, \gamma_{ri},
            \gamma_{ii}]`, initialised to :math:`[1/\sqrt{2}, 0, 1/\sqrt{2}]`; ``None`` if ``affine=False``.
        bias (Tensor): complex learnable :math:`\beta` of shape :math:`(C)`, initialised to 0; ``None`` if
            ``affine=False``.
        running_mean (Tensor): complex buffer of shape :math:`(C)`, initialised to 0.
        running_covar (Tensor): real buffer of shape :math:`(C, 3)` = :math:`[V_{rr}, V_{ri}, V_{ii}]`, initialised
            to :math:`[1/\sqrt{2}, 0, 1/\sqrt{2}]` (as the paper's code).
        num_batches_tracked (Tensor): count of training batches seen. The three buffers are ``None`` if
            ``track_running_stats=False``.

    Example::

        >>> m = nn.ComplexBatchNorm3d(4, affine=False)
        >>> m(torch.randn(2, 4, 3, 5, 5, dtype=torch.cfloat)).shape
        torch.Size([2, 4, 3, 5, 5])
    """
    _ranks = (5,)


class ComplexLayerNorm(KindPreservingModule):
    r"""Applies complex layer normalization: 2x2 whitening per sample over the last dimensions.

    .. math::
        \tilde{x} = (V + \epsilon I)^{-1/2} (x - \operatorname{E}[x]), \qquad y = \gamma \tilde{x} + \beta

    the whitening of Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 11, with the mean and the 2x2
    covariance :math:`V` of [Re x, Im x] taken over the last ``len(normalized_shape)`` dimensions of each sample, as
    layer normalization does (Ba, Kiros and Hinton, 2016, "Layer Normalization"; biased, no running statistics),
    then an elementwise real symmetric 2x2 scale :math:`\gamma` and complex shift :math:`\beta`. The module form of
    :func:`deepcomplex.functional.complex_layer_norm`.

    Args:
        normalized_shape (int or tuple): the trailing shape to normalize over (an int is one dimension).
        eps (float): added to the variances :math:`V_{rr}` and :math:`V_{ii}`. Default: 1e-4
        elementwise_affine (bool): if ``True``, the module has learnable per-element :math:`\gamma` and
            :math:`\beta`; else :math:`y = \tilde{x}`. Default: ``True``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``, the input dtype; :math:`\gamma`
            takes the matching real precision. Default: the complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(*, *\text{normalized\_shape})`, complex.
        - Output: the same shape as the input.

    Attributes:
        weight (Tensor): real learnable :math:`\gamma` of shape :math:`(*\text{normalized\_shape}, 3)` =
            :math:`[\gamma_{rr}, \gamma_{ri}, \gamma_{ii}]` per element, initialised to
            :math:`[1/\sqrt{2}, 0, 1/\sqrt{2}]`; ``None`` if ``elementwise_affine=False``.
        bias (Tensor): complex learnable :math:`\beta` of shape ``normalized_shape``, initialised to 0; ``None`` if
            ``elementwise_affine=False``.

    Example::

        >>> m = nn.ComplexLayerNorm([10, 16])
        >>> m(torch.randn(4, 10, 16, dtype=torch.cfloat)).shape
        torch.Size([4, 10, 16])
        >>> m.weight.shape
        torch.Size([10, 16, 3])
    """

    def __init__(self, normalized_shape: Union[int, Sequence[int]], eps: float = 1e-4, elementwise_affine: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _register_affine(self, self.normalized_shape, elementwise_affine, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_affine(self.weight, self.bias)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_complex(name, input, self.bias.dtype if self.elementwise_affine else None)
        k = len(self.normalized_shape)
        if input.dim() < k or tuple(input.shape[input.dim() - k:]) != self.normalized_shape:
            raise ValueError(f"{name} expects input of shape (*, {', '.join(map(str, self.normalized_shape))}), "
                             f"got {tuple(input.shape)}")
        return CF.complex_layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class ComplexGroupNorm(KindPreservingModule):
    r"""Applies complex group normalization: 2x2 whitening per sample and group of channels.

    .. math::
        \tilde{x} = (V + \epsilon I)^{-1/2} (x - \operatorname{E}[x]), \qquad y = \gamma \tilde{x} + \beta

    the whitening of Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 11, with the mean and the 2x2
    covariance :math:`V` of [Re x, Im x] taken per sample over each group of :math:`C / G` channels and their
    spatial dimensions, as group normalization does (Wu and He, 2018, "Group Normalization", ECCV; biased, no running
    statistics), then a per-channel real symmetric 2x2 scale :math:`\gamma` and complex shift :math:`\beta`. The
    module form of :func:`deepcomplex.functional.complex_group_norm`, with the arguments of ``torch.nn.GroupNorm``.

    Args:
        num_groups (int): number of groups :math:`G` to split the channels into.
        num_channels (int): number of complex channels :math:`C`; must be divisible by ``num_groups``
            (else ``ValueError``).
        eps (float): added to the variances :math:`V_{rr}` and :math:`V_{ii}`. Default: 1e-4
        affine (bool): if ``True``, the module has learnable per-channel :math:`\gamma` and :math:`\beta`; else
            :math:`y = \tilde{x}`. Default: ``True``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``, the input dtype; :math:`\gamma`
            takes the matching real precision. Default: the complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(N, C, *)`, complex.
        - Output: the same shape as the input.

    Attributes:
        weight (Tensor): real learnable :math:`\gamma` of shape :math:`(C, 3)` = :math:`[\gamma_{rr}, \gamma_{ri},
            \gamma_{ii}]`, initialised to :math:`[1/\sqrt{2}, 0, 1/\sqrt{2}]`; ``None`` if ``affine=False``.
        bias (Tensor): complex learnable :math:`\beta` of shape :math:`(C)`, initialised to 0; ``None`` if
            ``affine=False``.

    Example::

        >>> m = nn.ComplexGroupNorm(2, 6)
        >>> m(torch.randn(4, 6, 8, 8, dtype=torch.cfloat)).shape
        torch.Size([4, 6, 8, 8])
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-4, affine: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError(f"{name}: num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        _register_affine(self, (num_channels,), affine, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_affine(self.weight, self.bias)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_complex(name, input, self.bias.dtype if self.affine else None)
        if input.dim() < 2:
            raise ValueError(f"{name} expects an input of at least 2 dimensions (N, C, ...), got {input.dim()}D")
        check_channels(name, input.shape[1], self.num_channels, "channels (dimension 1)")
        return CF.complex_group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class NaiveComplexBatchNorm2d(KindPreservingModule, nn.BatchNorm2d):
    r"""Applies naive complex batch normalization: Re and Im of each channel as two independent real channels.

    .. math::
        y_{\text{re}} = \frac{\operatorname{Re} x - E[\operatorname{Re} x]}{\sqrt{\operatorname{Var}[\operatorname{Re}
        x] + \epsilon}} \, \gamma_{\text{re}} + \beta_{\text{re}}, \qquad y_{\text{im}} \text{ likewise}

    The baseline that complex batch normalization by whitening (Trabelsi et al., 2018, "Deep Complex Networks", ICLR,
    Sec. 3.5) is compared against: real batch normalization (Ioffe and Szegedy, 2015, "Batch Normalization", ICML)
    of each part, with no decorrelation of Re and Im. It is ``torch.nn.BatchNorm2d`` over the :math:`2C` real
    channels :math:`[\text{re}_0, \text{im}_0, \text{re}_1, \text{im}_1, \dots]` of the interleaved view, with its
    arguments, defaults and running statistics.

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
        - Input: :math:`(N, C, H, W)`, complex.
        - Output: the same shape as the input.

    Attributes:
        weight (Tensor): real learnable :math:`\gamma` of shape :math:`(2C)`, in the order
            :math:`[\text{re}_0, \text{im}_0, \dots]`, initialised to 1; ``None`` if ``affine=False``.
        bias (Tensor): real learnable :math:`\beta` of shape :math:`(2C)`, initialised to 0; ``None`` if
            ``affine=False``.
        running_mean (Tensor): real buffer of shape :math:`(2C)`, initialised to 0.
        running_var (Tensor): real buffer of shape :math:`(2C)`, initialised to 1 (the unbiased estimate, as torch).
        num_batches_tracked (Tensor): count of training batches seen. The buffers are ``None`` if
            ``track_running_stats=False``.

    Example::

        >>> m = nn.NaiveComplexBatchNorm2d(16)
        >>> m(torch.randn(20, 16, 10, 10, dtype=torch.cfloat)).shape
        torch.Size([20, 16, 10, 10])
        >>> m.num_features, m.weight.shape
        (16, torch.Size([32]))
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: Optional[float] = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None) -> None:
        super().__init__(2 * num_features, eps, momentum, affine, track_running_stats, device=device,
                         dtype=_real_dtype(type(self).__name__, dtype))
        self.num_features = num_features

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        state = self.weight if self.affine else self.running_mean
        check_complex(name, input, None if state is None else complex_dtype_of(state.dtype))
        check_rank(name, input, (4,))
        check_channels(name, input.shape[1], self.num_features, "channels (dimension 1)")
        if self.training and self.track_running_stats and input.numel():
            self.num_batches_tracked.add_(1)
        running = not self.training or self.track_running_stats  # torch.nn.BatchNorm's rule
        return CF.naive_batch_norm(input, self.running_mean if running else None,
                                   self.running_var if running else None, self.weight, self.bias, self.training,
                                   self.momentum, self.eps, self.num_batches_tracked)
