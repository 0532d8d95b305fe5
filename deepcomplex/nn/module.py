"""The base class and parameter-dtype rule shared by the complex modules of ``deepcomplex.nn`` and everything built on
them (``deepcomplex.layers``, ``deepcomplex.shearlet``, ``deepcomplex.models``); see docs/ARCHITECTURE.md."""
from __future__ import annotations

import warnings

import torch
from torch import nn

from .._layout import complex_dtype_of, real_dtype_of

__all__ = ["KindPreservingModule", "complex_dtype"]


def complex_dtype(name: str, dtype: torch.dtype | None) -> torch.dtype:
    """The parameter dtype of a complex layer: ``dtype`` if complex, else the complex counterpart of torch's default.

    Args:
        name: the layer's name, used in the error message.
        dtype: the ``dtype`` argument the layer was given: None, torch.complex64 or torch.complex128.

    Returns:
        ``dtype``, or when it is None torch.complex128 if torch's default dtype is float64, else torch.complex64.

    Raises:
        TypeError: for any other dtype (a real one included).

    Example:
        >>> complex_dtype("ComplexLinear", None)
        torch.complex64
    """
    if dtype is None:
        return torch.complex128 if torch.get_default_dtype() == torch.float64 else torch.complex64
    if dtype not in (torch.complex64, torch.complex128):
        raise TypeError(f"{name} parameters must be torch.complex64 or torch.complex128, got dtype={dtype}")
    return dtype


def _counterpart(dtype: torch.dtype) -> torch.dtype | None:
    """The dtype of the other kind with the same precision (complex64 <-> float32, ...), None when there is none."""
    try:
        return real_dtype_of(dtype) if dtype.is_complex else complex_dtype_of(dtype)
    except KeyError:
        return None


class KindPreservingModule(nn.Module):
    """nn.Module whose ``.to(dtype)`` changes precision but never the kind of a tensor: complex stays complex.

    torch's ``Module.to(torch.float64)`` would cast complex parameters to real (dropping Im) and
    ``Module.to(torch.complex128)`` would turn real parameters (ModReLU's bias, a real head) complex. Here
    ``.to(torch.float64)`` or ``.to(torch.complex128)`` both mean "double precision" for this module's tensors
    and those of its children: complex64 -> complex128 and float32 -> float64.

    Example:
        >>> class Head(KindPreservingModule):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.w = nn.Parameter(torch.zeros(2, dtype=torch.complex64))
        ...         self.b = nn.Parameter(torch.zeros(2))
        >>> m = Head().to(torch.float64)
        >>> m.w.dtype, m.b.dtype
        (torch.complex128, torch.float64)
    """

    def to(self, *args, **kwargs):
        """``nn.Module.to``, without torch's "Complex modules are a new feature under active development" warning:
        it warns of real tensors turned complex, which :meth:`_apply` prevents here."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Complex modules are a new feature", category=UserWarning)
            return super().to(*args, **kwargs)

    def _apply(self, fn, recurse=True):
        def keep_kind(t: torch.Tensor) -> torch.Tensor:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                probe = fn(t.new_empty(0))
            changes_kind = t.is_complex() != probe.is_complex()
            target = _counterpart(probe.dtype)
            if changes_kind and (probe.is_floating_point() or probe.is_complex()) and target is not None:
                return t.to(device=probe.device, dtype=target)
            return fn(t)

        return super()._apply(keep_kind, recurse)
