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
    """Zero each complex element (Re and Im together) with probability p in training; scale the rest by 1 / (1 - p)."""

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_complex(type(self).__name__, input)
        return CF.dropout(input, self.p, self.training)


class ComplexDropout2d(_Dropout):
    """Zero whole complex channels of (N, C, H, W) input with probability p in training; scale the rest by 1 / (1 - p)."""

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_complex(type(self).__name__, input)
        check_rank(type(self).__name__, input, (3, 4), "(unbatched (C, H, W) or batched (N, C, H, W))")
        return CF.dropout2d(input, self.p, self.training)
