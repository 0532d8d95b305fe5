"""Complex normalization modules: whitening batch/layer/group norm (Trabelsi et al., Sec. 3.5) and the naive baseline."""
from __future__ import annotations

import math
from typing import Optional, Sequence, Union

import torch
from torch import nn

from .. import _extension
from .. import functional as CF
from .._layout import complex_to_interleaved, interleaved_to_complex
from .._validation import check_channels, check_complex, check_rank
from ._utils import KindPreservingModule, complex_dtype

_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_COMPLEX_OF = {torch.float32: torch.complex64, torch.float64: torch.complex128}


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


def _real_dtype(name: str, dtype):
    return torch.float64 if complex_dtype(name, dtype) == torch.complex128 else torch.float32


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
    """Complex batch norm by 2x2 whitening (Trabelsi et al., Eqs. 11-12) over (N, C) or (N, C, L) input.

    Running covariance is the unbiased estimate (torch's convention for running_var) and eps is added to Vrr and
    Vii wherever V is used, in training and eval; the paper's code instead keeps the biased estimate with eps inside.
    """
    _ranks = (2, 3)


class ComplexBatchNorm2d(_ComplexBatchNorm):
    """Complex batch norm by 2x2 whitening (Trabelsi et al., Eqs. 11-12) over (N, C, H, W) input.

    Running covariance is the unbiased estimate (torch's convention for running_var) and eps is added to Vrr and
    Vii wherever V is used, in training and eval; the paper's code instead keeps the biased estimate with eps inside.
    """
    _ranks = (4,)


class ComplexBatchNorm3d(_ComplexBatchNorm):
    """Complex batch norm by 2x2 whitening (Trabelsi et al., Eqs. 11-12) over (N, C, D, H, W) input (conventions as 2d)."""
    _ranks = (5,)


class ComplexLayerNorm(KindPreservingModule):
    """Complex layer norm: 2x2 whitening per sample over the last dims ``normalized_shape`` (Trabelsi et al., Eq. 11)."""

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
    """Complex group norm: 2x2 whitening per sample and group of channels (Trabelsi et al., Eq. 11); args as torch.nn.GroupNorm."""

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
    """Naive complex batch norm: Re and Im of each channel normalized as two independent real channels (paper's baseline).

    It is torch.nn.BatchNorm2d over the 2C real channels [re_0, im_0, re_1, im_1, ...] of the interleaved view, so
    weight, bias and running statistics have shape (2C,) in that order; ``num_features`` is the complex count C.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: Optional[float] = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None) -> None:
        super().__init__(2 * num_features, eps, momentum, affine, track_running_stats, device=device,
                         dtype=_real_dtype(type(self).__name__, dtype))
        self.num_features = num_features

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        state = self.weight if self.affine else self.running_mean
        check_complex(name, input, None if state is None else _COMPLEX_OF[state.dtype])
        check_rank(name, input, (4,))
        check_channels(name, input.shape[1], self.num_features, "channels (dimension 1)")
        if input.numel() == 0:
            return input.clone()
        if self.training and input.numel() > self.num_features and _extension.serves(input):
            return self._train_on_kernels(input)
        return interleaved_to_complex(super().forward(complex_to_interleaved(input)))

    def _train_on_kernels(self, input: torch.Tensor) -> torch.Tensor:
        """The training step of torch.nn.BatchNorm2d, statistics and running averages included, in one kernel pass."""
        out, mean, var = CF.normalization.naive_batch_norm_train(input, self.weight, self.bias, self.eps)
        if self.track_running_stats:
            self.num_batches_tracked.add_(1)
            CF.normalization.update_running_stats_(
                ((self.running_mean, mean.reshape(-1)), (self.running_var, var.reshape(-1))),
                input.numel() // self.num_features, self.momentum, self.num_batches_tracked)
        return out
