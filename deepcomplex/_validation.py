"""Input checks shared by layers and functions: clear errors that name the layer, what it expected and what it got."""
from __future__ import annotations

from typing import Iterable

import torch

_SUPPORTED = (torch.complex64, torch.complex128)


def check_complex(name: str, x, dtype: torch.dtype | None = None) -> None:
    """Raise TypeError unless ``x`` is a complex64/complex128 tensor (of ``dtype`` when given)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} expects a complex tensor, got {type(x).__name__}")
    if not x.is_complex():
        raise TypeError(f"{name} expects a complex tensor, got {x.dtype}")
    if x.dtype not in _SUPPORTED:
        raise TypeError(
            f"{name} supports torch.complex64 and torch.complex128, got {x.dtype} "
            "(complex32 has no kernels on most backends; convert explicitly with .to(torch.complex64))"
        )
    if dtype is not None and x.dtype != dtype:
        raise TypeError(
            f"{name} expects input of dtype {dtype} (the dtype of its parameters), got {x.dtype}; "
            f"convert the input or the module explicitly (no silent casts)"
        )


def check_complex_param(name: str, what: str, p: torch.Tensor | None) -> None:
    """Raise TypeError unless a weight/bias is complex (or None)."""
    if p is not None:
        check_complex(f"{name} ({what})", p)


def check_rank(name: str, x: torch.Tensor, ranks: Iterable[int], what: str = "") -> None:
    """Raise ValueError unless ``x.dim()`` is one of ``ranks``."""
    ranks = tuple(ranks)
    if x.dim() not in ranks:
        want = " or ".join(f"{r}D" for r in ranks)
        hint = f" {what}" if what else ""
        raise ValueError(f"{name} expects a {want} input{hint}, got {x.dim()}D input of shape {tuple(x.shape)}")


def check_channels(name: str, got: int, expected: int, what: str = "input channels") -> None:
    """Raise ValueError when a channel/feature count does not match."""
    if got != expected:
        raise ValueError(f"{name} expects {expected} {what}, got {got}")


def _pair(v, nd: int) -> tuple:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd


def check_window(name: str, x: torch.Tensor, nd: int, kernel, stride=1, padding=0, dilation=1,
                 transposed: bool = False, output_padding=0, ceil_mode: bool = False) -> None:
    """Raise ValueError when the last ``nd`` dims of ``x`` are empty or too small for the sliding window."""
    spatial = tuple(x.shape[-nd:])
    if x.dim() > nd and x.shape[-nd - 1] == 0:
        raise ValueError(f"{name} expects at least one channel, got input of shape {tuple(x.shape)}")
    if any(s == 0 for s in spatial):
        raise ValueError(f"{name} expects non-empty spatial dimensions, got input of shape {tuple(x.shape)}")
    if isinstance(padding, str):  # 'same' keeps the size; 'valid' is no padding
        if padding == "same":
            return
        padding = 0
    k, s, p, d = (_pair(v, nd) for v in (kernel, stride, padding, dilation))
    if transposed:
        return  # any non-empty input gives a non-empty output
    rnd = (lambda a, b: -(-a // b)) if ceil_mode else (lambda a, b: a // b)
    out = tuple(rnd(n + 2 * pi - di * (ki - 1) - 1, si) + 1 for n, ki, si, pi, di in zip(spatial, k, s, p, d))
    if any(o < 1 for o in out):
        raise ValueError(f"{name}: input of spatial size {spatial} is too small for kernel {k} with padding {p} and "
                         f"dilation {d} (the output would have size {out})")


def check_positive_ints(name: str, **values) -> None:
    """Raise ValueError naming ``name`` unless every keyword value is a positive int (a bool is not one)."""
    for what, v in values.items():
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name}: {what} must be a positive int, got {v!r}")
