"""Helpers shared by the complex modules."""
from __future__ import annotations

import torch


def complex_dtype(name: str, dtype: torch.dtype | None) -> torch.dtype:
    """The parameter dtype of a complex layer: ``dtype`` if complex, else the complex counterpart of torch's default."""
    if dtype is None:
        return torch.complex128 if torch.get_default_dtype() == torch.float64 else torch.complex64
    if dtype not in (torch.complex64, torch.complex128):
        raise TypeError(f"{name} parameters must be torch.complex64 or torch.complex128, got dtype={dtype}")
    return dtype
