"""CoShNet-tiny's split layers (Ko et al., 2022, Sec. 4.2): a real layer on Re and an independent one on Im."""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

from .. import functional as CF
from .. import init as cinit
from .._validation import check_window, check_channels, check_complex, check_rank
from ._utils import _COUNTERPART, KindPreservingModule


def _real_dtype(name: str, dtype) -> torch.dtype:
    """Parameter dtype of a split layer: a real float dtype (a complex one names its precision)."""
    if dtype is None:
        return torch.get_default_dtype()
    if dtype in (torch.complex64, torch.complex128):
        return _COUNTERPART[dtype]
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"{name} parameters must be float32/float64 (or complex64/complex128 naming the precision), "
                        f"got dtype={dtype}")
    return dtype


class SplitDCFConv2d(KindPreservingModule):
    """Split DCF convolution (DCFNet, Qiu et al. 2018, Eq. 3; CoShNet-tiny): kernels in a fixed Fourier-Bessel basis.

    Complex (N, C, H, W) -> complex (N, O, H', W'); Re and Im are convolved independently with kernels
    sum_b weight[p, o, c, b] * bases[b] (p = 0 for Re, 1 for Im). ``bases`` (B, k, k) is a buffer; ``weight``
    (2, O, C, B) and ``bias`` (2, O) are real. Init as DCFNet: He normal over fan_in = C * B, zero bias.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 5, num_bases: int = 3, stride=1,
                 padding=0, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        dtype = _real_dtype(type(self).__name__, dtype)
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.num_bases, self.stride, self.padding = num_bases, stride, padding
        try:
            bases = CF.fourier_bessel_basis(kernel_size, num_bases)
        except ValueError as err:
            raise ValueError(f"{type(self).__name__}: {err}") from None
        self.register_buffer("bases", bases.to(device=device, dtype=dtype))
        self.weight = nn.Parameter(torch.empty(2, out_channels, in_channels, num_bases, device=device, dtype=dtype))
        self.bias = nn.Parameter(torch.empty(2, out_channels, device=device, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        with torch.no_grad():
            self.weight.normal_(0.0, math.sqrt(2.0 / (self.in_channels * self.num_bases)))
            if self.bias is not None:
                self.bias.zero_()

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_complex(name, input, _COUNTERPART[self.weight.dtype])
        check_rank(name, input, (4,), "(N, C, H, W)")
        check_channels(name, input.shape[1], self.in_channels)
        check_window(name, input, 2, self.kernel_size, self.stride, self.padding)
        return CF.split_dcf_conv2d(input, self.bases, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, num_bases={self.num_bases}, "
                f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}")


class SplitTTLinear(KindPreservingModule):
    """Split tensor-train linear layer (Novikov et al., 2015, Eq. 5; CoShNet-tiny's fc1): Re and Im each mapped by a TT.

    Complex (*, prod(in_shape)) -> complex (*, prod(out_shape)). ``cores[k]`` is real (2, r_k-1, n_k, m_k, r_k)
    (part 0 for Re, 1 for Im); ``bias`` real (2, M). Init as CoShNet-tiny: the rank-``rank`` TT-SVD of the real and
    imaginary parts of a complex dense weight drawn with the Rayleigh/Glorot init; bias U(+-1/sqrt(N)).
    """

    def __init__(self, in_shape: Sequence[int], out_shape: Sequence[int], rank: int = 8, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        dtype = _real_dtype(name, dtype)
        self.in_shape, self.out_shape, self.rank = tuple(int(s) for s in in_shape), tuple(int(s) for s in out_shape), rank
        if len(self.in_shape) != len(self.out_shape) or not self.in_shape or min(self.in_shape + self.out_shape) < 1:
            raise ValueError(f"{name}: in_shape and out_shape need the same number (>= 1) of positive modes, got "
                             f"{in_shape} and {out_shape}")
        if not isinstance(rank, int) or rank < 1:
            raise ValueError(f"{name}: rank must be a positive integer, got {rank!r}")
        self.in_features, self.out_features = math.prod(self.in_shape), math.prod(self.out_shape)
        # the TT ranks a full unfolding allows, capped at `rank`
        ranks, d = [1], len(self.in_shape)
        for k in range(1, d):
            left = math.prod(self.in_shape[:k]) * math.prod(self.out_shape[:k])
            right = math.prod(self.in_shape[k:]) * math.prod(self.out_shape[k:])
            ranks.append(min(rank, left, right, ranks[-1] * self.in_shape[k - 1] * self.out_shape[k - 1]))
        ranks.append(1)
        self.ranks = tuple(ranks)
        self.cores = nn.ParameterList([
            nn.Parameter(torch.empty(2, ranks[k], self.in_shape[k], self.out_shape[k], ranks[k + 1], device=device,
                                     dtype=dtype)) for k in range(d)])
        self.bias = nn.Parameter(torch.empty(2, self.out_features, device=device, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        dtype = self.cores[0].dtype
        dense = torch.empty(self.out_features, self.in_features, dtype=torch.complex128)
        cinit.complex_rayleigh_(dense, "glorot")
        with torch.no_grad():
            for p, part in enumerate((dense.real, dense.imag)):
                for param, core in zip(self.cores, CF.tt_svd(part, self.in_shape, self.out_shape, self.rank)):
                    param[p].copy_(core.to(dtype))
            if self.bias is not None:
                bound = 1.0 / math.sqrt(self.in_features)
                self.bias.uniform_(-bound, bound)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_complex(name, input, _COUNTERPART[self.cores[0].dtype])
        if input.dim() == 0:
            raise ValueError(f"{name} expects an input of shape (*, {self.in_features}), got a 0D tensor")
        check_channels(name, input.shape[-1], self.in_features, "input features (last dimension)")
        return CF.split_tt_linear(input, list(self.cores), self.bias)

    def extra_repr(self) -> str:
        return (f"in_shape={self.in_shape}, out_shape={self.out_shape}, ranks={self.ranks}, "
                f"bias={self.bias is not None}")
