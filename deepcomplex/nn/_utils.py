"""Helpers shared by the complex modules."""
from __future__ import annotations

import warnings

import torch
from torch import nn


def complex_dtype(name: str, dtype: torch.dtype | None) -> torch.dtype:
    """The parameter dtype of a complex layer: ``dtype`` if complex, else the complex counterpart of torch's default."""
    if dtype is None:
        return torch.complex128 if torch.get_default_dtype() == torch.float64 else torch.complex64
    if dtype not in (torch.complex64, torch.complex128):
        raise TypeError(f"{name} parameters must be torch.complex64 or torch.complex128, got dtype={dtype}")
    return dtype


_COUNTERPART = {
    torch.float16: torch.complex32, torch.float32: torch.complex64, torch.float64: torch.complex128,
    torch.complex32: torch.float16, torch.complex64: torch.float32, torch.complex128: torch.float64,
}


class KindPreservingModule(nn.Module):
    """nn.Module whose ``.to(dtype)`` changes precision but never the kind of a tensor: complex stays complex.

    torch's ``Module.to(torch.float64)`` would cast complex parameters to real (dropping Im) and
    ``Module.to(torch.complex128)`` would turn real parameters (ModReLU's bias, a real head) complex. Here
    ``.to(torch.float64)`` or ``.to(torch.complex128)`` both mean "double precision" for this module's tensors
    and those of its children: complex64 -> complex128 and float32 -> float64.
    """

    def _apply(self, fn, recurse=True):
        def keep_kind(t: torch.Tensor) -> torch.Tensor:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                probe = fn(t.new_empty(0))
            changes_kind = t.is_complex() != probe.is_complex()
            if changes_kind and (probe.is_floating_point() or probe.is_complex()) and probe.dtype in _COUNTERPART:
                return t.to(device=probe.device, dtype=_COUNTERPART[probe.dtype])
            return fn(t)

        return super()._apply(keep_kind, recurse)
