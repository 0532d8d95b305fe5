"""Positions as complex phases: the sinusoidal encoding e^{i w t} (Vaswani et al., 2017) and the rotary embedding
(Su et al., 2021, RoFormer), both with the frequencies w_k = base^{-k/d} of d complex features."""
from __future__ import annotations

import math
from typing import Optional

import torch

from .._layout import real_dtype_of
from .._validation import check_complex, check_positive_ints

__all__ = ["positional_frequencies", "sinusoidal_positional_encoding", "rotary_embedding"]


def _check_base(name: str, base: float) -> None:
    if not isinstance(base, (int, float)) or isinstance(base, bool) or not math.isfinite(base) or base <= 1:
        raise ValueError(f"{name}: base must be a finite number > 1, got {base!r}")


def positional_frequencies(embedding_dim: int, base: float = 10000.0, *, dtype: torch.dtype = torch.float64,
                           device=None) -> torch.Tensor:
    r"""Return the angular frequencies :math:`\omega_k = \text{base}^{-k/d}` of ``d`` complex features.

    .. math::
        \omega_k = \text{base}^{-k / d}, \qquad k = 0, \dots, d - 1

    These are the frequencies of the sinusoidal encoding of Vaswani et al., 2017, "Attention Is All You Need",
    NeurIPS, Sec. 3.5 (:math:`10000^{-2i/d_{model}}` for the pair of real features :math:`2i, 2i+1`), and the
    rotation angles :math:`\theta_i = 10000^{-2(i-1)/d}` of Su et al., 2021, "RoFormer: Enhanced Transformer with
    Rotary Position Embedding", Eq. 15, written for :math:`d` complex features, i.e. :math:`2d` real ones.

    Args:
        embedding_dim (int): number :math:`d` of complex features.
        base (float): the base of the geometric progression, > 1. Default: 10000.0
        dtype (torch.dtype): a real dtype for the result. Default: ``torch.float64``
        device (torch.device, optional): device of the result. Default: torch's default device.

    Shape:
        - Output: :math:`(d)`, real, decreasing from 1 to :math:`\text{base}^{-(d-1)/d}`.

    Example::

        >>> F.positional_frequencies(4, base=16.0)
        tensor([1.0000, 0.5000, 0.2500, 0.1250], dtype=torch.float64)
    """
    check_positive_ints("positional_frequencies", embedding_dim=embedding_dim)
    _check_base("positional_frequencies", base)
    k = torch.arange(embedding_dim, dtype=torch.float64, device=device)
    return torch.pow(float(base), -k / embedding_dim).to(dtype)


def sinusoidal_positional_encoding(length: int, embedding_dim: int, base: float = 10000.0, offset: int = 0, *,
                                   dtype: Optional[torch.dtype] = None, device=None) -> torch.Tensor:
    r"""Return the complex sinusoidal positional encoding :math:`e^{i \omega_k t}` of ``length`` positions.

    .. math::
        \operatorname{PE}(t, k) = e^{i \omega_k t} = \cos(\omega_k t) + i \sin(\omega_k t), \qquad
        \omega_k = \text{base}^{-k/d}, \quad t = \text{offset}, \dots, \text{offset} + \text{length} - 1

    The encoding of Vaswani et al., 2017, "Attention Is All You Need", NeurIPS, Sec. 3.5, whose sine and cosine of
    one frequency are the imaginary and real part of one complex feature: a shift by :math:`s` positions is the
    elementwise product with :math:`e^{i \omega_k s}`, a rotation of each feature. Computed in float64, then cast.

    Args:
        length (int): number of positions :math:`L`.
        embedding_dim (int): number :math:`d` of complex features.
        base (float): the base of the frequencies (see :func:`positional_frequencies`). Default: 10000.0
        offset (int): the first position :math:`t`. Default: 0
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``. Default: the complex
            counterpart of torch's default dtype.
        device (torch.device, optional): device of the result. Default: torch's default device.

    Shape:
        - Output: :math:`(L, d)`, complex, of modulus 1.

    Example::

        >>> pe = F.sinusoidal_positional_encoding(50, 16)
        >>> pe.shape, pe.dtype
        (torch.Size([50, 16]), torch.complex64)
        >>> pe[0, :2]
        tensor([1.+0.j, 1.+0.j])
    """
    check_positive_ints("sinusoidal_positional_encoding", length=length, embedding_dim=embedding_dim)
    if dtype is None:
        dtype = torch.complex128 if torch.get_default_dtype() == torch.float64 else torch.complex64
    if dtype not in (torch.complex64, torch.complex128):
        raise TypeError(f"sinusoidal_positional_encoding: dtype must be torch.complex64 or torch.complex128, got "
                        f"{dtype}")
    _check_base("sinusoidal_positional_encoding", base)
    t = torch.arange(offset, offset + length, dtype=torch.float64, device=device)
    angle = t[:, None] * positional_frequencies(embedding_dim, base, device=device)[None, :]
    return torch.polar(torch.ones_like(angle), angle).to(dtype)


def rotary_embedding(input: torch.Tensor, positions: Optional[torch.Tensor] = None,
                     base: float = 10000.0) -> torch.Tensor:
    r"""Rotate each complex feature of a sequence by its position's phase: the rotary embedding as a complex product.

    .. math::
        y_{t, k} = x_{t, k} \, e^{i \, p_t \, \omega_k}, \qquad \omega_k = \text{base}^{-k/d}

    RoPE (Su et al., 2021, "RoFormer: Enhanced Transformer with Rotary Position Embedding", Sec. 3.2.1, Eqs. 13-16,
    which writes the 2-D rotation of each pair of real features as this complex product). Applied to queries at
    positions :math:`m` and keys at :math:`n`, the score
    :math:`\operatorname{Re}(q_m \bar{k}_n) = \operatorname{Re}(q \bar{k} e^{i (m - n) \omega})` depends on the
    positions only through :math:`m - n`, with the scores :math:`\operatorname{Re}(Q K^H)` of Eilers and Jiang,
    2023, "Building blocks for a complex-valued transformer architecture", ICASSP.

    Args:
        input (Tensor): complex :math:`(*, L, d)`: the sequence along dimension -2, features along -1 (e.g.
            queries or keys as :math:`(N, H, L, d)`).
        positions (Tensor, optional): real or integer positions :math:`p` of shape :math:`(L)`, or any shape that
            broadcasts to :math:`(*, L)`. Default: :math:`0, 1, \dots, L - 1`.
        base (float): the base of the frequencies (see :func:`positional_frequencies`). Default: 10000.0

    Shape:
        - Input: :math:`(*, L, d)`, complex.
        - Output: the same shape and dtype as the input; every element keeps its modulus.

    Example::

        >>> q = torch.randn(2, 4, 10, 8, dtype=torch.cfloat)
        >>> F.rotary_embedding(q).shape
        torch.Size([2, 4, 10, 8])
        >>> torch.allclose(F.rotary_embedding(q).abs(), q.abs())
        True
    """
    name = "rotary_embedding"
    check_complex(name, input)
    if input.dim() < 2:
        raise ValueError(f"{name} expects a complex input of shape (*, L, d), got a {input.dim()}D tensor")
    _check_base(name, base)
    length, dim = input.shape[-2], input.shape[-1]
    rdt = real_dtype_of(input.dtype)
    if positions is None:
        positions = torch.arange(length, device=input.device, dtype=rdt)
    elif not isinstance(positions, torch.Tensor) or positions.is_complex() or positions.dtype == torch.bool:
        got = positions.dtype if isinstance(positions, torch.Tensor) else type(positions).__name__
        raise TypeError(f"{name} expects real or integer positions, got {got}")
    else:
        try:
            torch.broadcast_shapes(positions.shape, input.shape[:-1])
        except RuntimeError:
            raise ValueError(f"{name}: positions of shape {tuple(positions.shape)} do not broadcast to the input's "
                             f"(*, L) = {tuple(input.shape[:-1])}") from None
        positions = positions.to(rdt)
    angle = positions.unsqueeze(-1) * positional_frequencies(dim, base, dtype=rdt, device=input.device)
    return input * torch.polar(torch.ones_like(angle), angle)
