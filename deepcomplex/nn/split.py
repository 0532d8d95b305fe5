"""CoShNet-tiny's split layers (Ko et al., 2022, Sec. 4.2): a real layer on Re and an independent one on Im."""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

from .. import functional as CF
from .. import init as cinit
from .._layout import complex_dtype_of, real_dtype_of
from .._validation import check_window, check_channels, check_complex, check_rank
from .module import KindPreservingModule


def _real_dtype(name: str, dtype) -> torch.dtype:
    """Parameter dtype of a split layer: a real float dtype (a complex one names its precision)."""
    if dtype is None:
        return torch.get_default_dtype()
    if dtype in (torch.complex64, torch.complex128):
        return real_dtype_of(dtype)
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"{name} parameters must be float32/float64 (or complex64/complex128 naming the precision), "
                        f"got dtype={dtype}")
    return dtype


class SplitDCFConv2d(KindPreservingModule):
    r"""Applies a split DCF convolution: Re and Im each convolved with real kernels in a fixed Fourier-Bessel basis.

    .. math::
        y = \left(K_0 * \operatorname{Re} x + \beta_0\right) + i \left(K_1 * \operatorname{Im} x + \beta_1\right),
        \qquad K_p[o, c] = \sum_{b=1}^{B} \text{weight}[p, o, c, b] \, \psi_b

    with :math:`*` torch's 2-D cross-correlation and :math:`\psi_b` the first :math:`B` Fourier-Bessel functions on a
    :math:`k \times k` grid (DCFNet: Qiu et al., 2018, "DCFNet: Deep Neural Network with Decomposed Convolutional
    Filters", ICML, Eq. 3): a split layer of CoShNet-tiny (Ko et al., 2022, Sec. 4.2), no cross terms between Re and
    Im. The module form of :func:`deepcomplex.functional.split_dcf_conv2d`.

    Args:
        in_channels (int): number of complex channels :math:`C` of the input.
        out_channels (int): number of complex channels :math:`O` of the output.
        kernel_size (int): odd size :math:`k` of the square kernels. Default: 5
        num_bases (int): number :math:`B` of Fourier-Bessel functions (at most those below the aliasing limit of a
            :math:`k \times k` grid, else ``ValueError``). Default: 3
        stride (int or tuple): stride of the convolution. Default: 1
        padding (int, tuple or str): zero padding on all four sides, or ``"valid"`` / ``"same"`` as
            ``torch.nn.functional.conv2d``. Default: 0
        bias (bool): if ``True``, adds a learnable real bias to each part. Default: ``True``
        device (torch.device, optional): device of parameters and buffer. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.float32`` or ``torch.float64`` for the real parameters (or
            ``torch.complex64`` / ``torch.complex128`` naming that precision); the input is the matching complex
            dtype. Default: torch's default dtype.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})`, complex.
        - Output: :math:`(N, O, H_{out}, W_{out})`, complex, where
          :math:`H_{out} = \lfloor (H_{in} + 2 \, \text{padding}[0] - k) / \text{stride}[0] \rfloor + 1` and likewise
          :math:`W_{out}`.

    Attributes:
        weight (Tensor): real learnable coefficients of shape :math:`(2, O, C, B)` (part 0 for Re, 1 for Im), drawn
            as DCFNet does: He normal, :math:`\mathcal{N}(0, 2 / (C B))`.
        bias (Tensor): real learnable bias :math:`\beta` of shape :math:`(2, O)`, initialised to 0; ``None`` if
            ``bias=False``.
        bases (Tensor): the fixed Fourier-Bessel functions :math:`\psi`, a buffer of shape :math:`(B, k, k)`.

    Example::

        >>> m = nn.SplitDCFConv2d(3, 8, kernel_size=5, num_bases=3, stride=2, padding=2)
        >>> m(torch.randn(2, 3, 32, 32, dtype=torch.cfloat)).shape
        torch.Size([2, 8, 16, 16])
        >>> m.weight.shape, m.bases.shape
        (torch.Size([2, 8, 3, 3]), torch.Size([3, 5, 5]))
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
        check_complex(name, input, complex_dtype_of(self.weight.dtype))
        check_rank(name, input, (4,), "(N, C, H, W)")
        check_channels(name, input.shape[1], self.in_channels)
        check_window(name, input, 2, self.kernel_size, self.stride, self.padding)
        return CF.split_dcf_conv2d(input, self.bases, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, num_bases={self.num_bases}, "
                f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}")


class SplitTTLinear(KindPreservingModule):
    r"""Applies a split tensor-train linear layer: Re and Im each mapped by its own real TT-matrix.

    .. math::
        y = \left(W_0 \operatorname{Re} x + \beta_0\right) + i \left(W_1 \operatorname{Im} x + \beta_1\right), \qquad
        W_p[(m_1, \dots, m_d), (n_1, \dots, n_d)] = G^{(p)}_1[n_1, m_1] \cdots G^{(p)}_d[n_d, m_d]

    a split layer of CoShNet-tiny (its fc1; Ko et al., 2022, Sec. 4.2) with TT-matrix weights (Novikov et al., 2015,
    "Tensorizing Neural Networks", NeurIPS, Eq. 5): no cross terms between Re and Im, and the dense :math:`(M, N)`
    matrices are never formed. The module form of :func:`deepcomplex.functional.split_tt_linear`.

    Args:
        in_shape (sequence of int): the modes :math:`(n_1, \dots, n_d)` of the input features,
            :math:`N = \prod_k n_k`.
        out_shape (sequence of int): the modes :math:`(m_1, \dots, m_d)` of the output features,
            :math:`M = \prod_k m_k`; as many as ``in_shape`` (else ``ValueError``).
        rank (int): the largest TT rank; each rank :math:`r_k` is capped further by what the unfoldings of an
            :math:`(M, N)` matrix allow (see ``ranks``). Default: 8
        bias (bool): if ``True``, adds a learnable real bias to each part. Default: ``True``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.float32`` or ``torch.float64`` for the real parameters (or
            ``torch.complex64`` / ``torch.complex128`` naming that precision); the input is the matching complex
            dtype. Default: torch's default dtype.

    Shape:
        - Input: :math:`(*, N)`, complex, where :math:`*` is any number of dimensions (including none).
        - Output: :math:`(*, M)`, complex.

    Attributes:
        cores (ParameterList): the :math:`d` real learnable cores, core :math:`k` of shape
            :math:`(2, r_{k-1}, n_k, m_k, r_k)` with :math:`r_0 = r_d = 1` (part 0 maps Re, part 1 maps Im),
            initialised as CoShNet-tiny: the rank-``rank`` TT-SVD (Oseledets, 2011, "Tensor-Train Decomposition",
            SIAM J. Sci. Comput., Alg. 1) of the real and imaginary parts of a complex dense weight drawn with the
            Rayleigh/Glorot init (Trabelsi et al., 2018, Sec. 3.6).
        bias (Tensor): real learnable bias :math:`\beta` of shape :math:`(2, M)`, drawn from
            :math:`\mathcal{U}(-1/\sqrt{N}, 1/\sqrt{N})`; ``None`` if ``bias=False``.
        ranks (tuple): the TT ranks :math:`(r_0, \dots, r_d)`.

    Example::

        >>> m = nn.SplitTTLinear((5, 5, 5, 10), (4, 5, 5, 5), rank=8)
        >>> m(torch.randn(3, 1250, dtype=torch.cfloat)).shape
        torch.Size([3, 500])
        >>> m.ranks
        (1, 8, 8, 8, 1)
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
        check_complex(name, input, complex_dtype_of(self.cores[0].dtype))
        if input.dim() == 0:
            raise ValueError(f"{name} expects an input of shape (*, {self.in_features}), got a 0D tensor")
        check_channels(name, input.shape[-1], self.in_features, "input features (last dimension)")
        return CF.split_tt_linear(input, list(self.cores), self.bias)

    def extra_repr(self) -> str:
        return (f"in_shape={self.in_shape}, out_shape={self.out_shape}, ranks={self.ranks}, "
                f"bias={self.bias is not None}")
