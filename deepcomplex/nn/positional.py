"""Complex positional encodings: the sinusoidal e^{i w t} added to the tokens, and the rotary embedding (RoPE)."""
from __future__ import annotations

import torch
from torch import nn

from .. import functional as CF
from .._validation import check_complex, check_positive_ints
from .module import KindPreservingModule, complex_dtype


class ComplexSinusoidalPositionalEncoding(KindPreservingModule):
    r"""Adds the complex sinusoidal positional encoding :math:`e^{i \omega_k t}` to a sequence of complex tokens.

    .. math::
        y_{t, k} = x_{t, k} + \text{scale} \cdot e^{i \omega_k t}, \qquad \omega_k = \text{base}^{-k/d}

    The encoding of Vaswani et al., 2017, "Attention Is All You Need", NeurIPS, Sec. 3.5, in complex form: its
    cosine and sine of one frequency are the real and imaginary part of one complex feature, so :math:`d` complex
    features hold the :math:`2d` real ones of the paper, and a shift by :math:`s` positions multiplies feature
    :math:`k` by :math:`e^{i \omega_k s}`. The table of ``max_len`` positions is a fixed buffer (not a parameter);
    see :func:`deepcomplex.functional.sinusoidal_positional_encoding`.

    Args:
        d_model (int): number :math:`d` of complex features of each token.
        max_len (int): the longest sequence the module takes. Default: 5000
        base (float): the base of the frequencies, > 1. Default: 10000.0
        scale (float): factor of the encoding before it is added. Default: 1.0
        batch_first (bool): if ``True``, inputs are :math:`(N, L, d)`, else :math:`(L, N, d)` as torch's
            transformers. Default: ``False``
        device (torch.device, optional): device of the buffer. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``, the input dtype. Default: the
            complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(L, N, d)`, or :math:`(N, L, d)` with ``batch_first=True``, or unbatched :math:`(L, d)`;
          complex, :math:`L \le` ``max_len``.
        - Output: the same shape as the input.

    Attributes:
        pe (Tensor): complex buffer :math:`(\text{max\_len}, d)`, :math:`\text{pe}[t, k] = e^{i \omega_k t}`.

    Example::

        >>> m = nn.ComplexSinusoidalPositionalEncoding(16, max_len=100, batch_first=True)
        >>> m(torch.zeros(2, 10, 16, dtype=torch.cfloat)).shape
        torch.Size([2, 10, 16])
        >>> m.pe.shape
        torch.Size([100, 16])
    """

    def __init__(self, d_model: int, max_len: int = 5000, base: float = 10000.0, scale: float = 1.0,
                 batch_first: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        check_positive_ints(name, d_model=d_model, max_len=max_len)
        if not isinstance(base, (int, float)) or isinstance(base, bool) or not base > 1 or base == float("inf"):
            raise ValueError(f"{name}: base must be a finite number > 1, got {base!r}")
        self.d_model, self.max_len, self.base, self.scale = d_model, max_len, base, scale
        self.batch_first = batch_first
        pe = CF.sinusoidal_positional_encoding(max_len, d_model, base, dtype=complex_dtype(name, dtype), device=device)
        self.register_buffer("pe", pe)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_complex(name, input, self.pe.dtype)
        if input.dim() not in (2, 3) or input.shape[-1] != self.d_model:
            layout = "(N, L, d)" if self.batch_first else "(L, N, d)"
            raise ValueError(f"{name} expects a {layout} or (L, d) input with d = {self.d_model}, got shape "
                             f"{tuple(input.shape)}")
        seq_dim = 1 if (self.batch_first and input.dim() == 3) else 0
        length = input.shape[seq_dim]
        if length > self.max_len:
            raise ValueError(f"{name}: the sequence has {length} positions, more than max_len={self.max_len}")
        pe = self.pe[:length]
        if input.dim() == 3 and not self.batch_first:
            pe = pe.unsqueeze(1)
        return input + self.scale * pe

    def extra_repr(self) -> str:
        return (f"{self.d_model}, max_len={self.max_len}, base={self.base}, scale={self.scale}, "
                f"batch_first={self.batch_first}")


class ComplexRotaryEmbedding(nn.Module):
    r"""Rotates each complex feature by the phase of its position: rotary position embedding (RoPE) of queries, keys.

    .. math::
        y_{t, k} = x_{t, k} \, e^{i \, p_t \, \omega_k}, \qquad \omega_k = \text{base}^{-k/d}

    Su et al., 2021, "RoFormer: Enhanced Transformer with Rotary Position Embedding", Sec. 3.2.1, Eqs. 13-16: the
    rotation of each pair of real features is one complex product here. With the attention scores
    :math:`\operatorname{Re}(Q K^H)` (Eilers and Jiang, 2023, "Building blocks for a complex-valued transformer
    architecture", ICASSP), rotating queries at positions :math:`m` and keys at :math:`n` gives scores
    :math:`\operatorname{Re}(q \bar{k} e^{i (m - n) \omega})` that depend on the positions only through
    :math:`m - n`. Apply it to the per-head queries and keys, before the attention. The module form of
    :func:`deepcomplex.functional.rotary_embedding` (no parameters; any complex dtype).

    Args:
        dim (int): number :math:`d` of complex features rotated (the head dimension).
        base (float): the base of the frequencies, > 1. Default: 10000.0

    Shape:
        - Input: :math:`(*, L, d)`, complex (e.g. :math:`(N, H, L, d)` queries); ``positions``, optional:
          :math:`(L)` or broadcastable to :math:`(*, L)`, real or integer (default :math:`0, \dots, L - 1`).
        - Output: the same shape as the input.

    Example::

        >>> rope = nn.ComplexRotaryEmbedding(8)
        >>> q = torch.randn(2, 4, 10, 8, dtype=torch.cfloat)
        >>> rope(q).shape
        torch.Size([2, 4, 10, 8])
        >>> rope(q, positions=torch.arange(5, 15)).shape
        torch.Size([2, 4, 10, 8])
    """

    def __init__(self, dim: int, base: float = 10000.0) -> None:
        super().__init__()
        name = type(self).__name__
        check_positive_ints(name, dim=dim)
        if not isinstance(base, (int, float)) or isinstance(base, bool) or not base > 1 or base == float("inf"):
            raise ValueError(f"{name}: base must be a finite number > 1, got {base!r}")
        self.dim, self.base = dim, base

    def forward(self, input: torch.Tensor, positions: torch.Tensor | None = None) -> torch.Tensor:
        name = type(self).__name__
        check_complex(name, input)
        if input.dim() < 2 or input.shape[-1] != self.dim:
            raise ValueError(f"{name} expects an input of shape (*, L, {self.dim}), got {tuple(input.shape)}")
        return CF.rotary_embedding(input, positions, self.base)

    def extra_repr(self) -> str:
        return f"{self.dim}, base={self.base}"
