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
    """Zero each complex element with probability ``p`` (Re and Im together) and scale the rest by 1 / (1 - p)."""
    check_complex("dropout", input)
    _check_p("dropout", p)
    if not training or p == 0.0:
        return input
    return _apply_mask(input, input.shape, p)


def dropout2d(input: torch.Tensor, p: float = 0.5, training: bool = True) -> torch.Tensor:
    """Zero whole complex channels of a (N, C, H, W) or (C, H, W) input with probability ``p``; scale by 1 / (1 - p)."""
    check_complex("dropout2d", input)
    check_rank("dropout2d", input, (3, 4), "(unbatched (C, H, W) or batched (N, C, H, W))")
    _check_p("dropout2d", p)
    if not training or p == 0.0:
        return input
    return _apply_mask(input, input.shape[:-2] + (1, 1), p)
