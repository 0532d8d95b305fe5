"""Public switches and facts about deepcomplex's optional compiled CPU kernels (``deepcomplex/csrc``).

The kernels are built on request (``python -m deepcomplex build-ext``) and loaded when present; without them every
layer runs its pure-PyTorch path, with the same results. This module is the public face of that machinery, in the
spirit of ``torch.backends``: whether the kernels are loaded, a block that runs without them (to compare the two
paths, or to time the path a GPU or a machine without the build would take), and the switch between the four- and
three-product forms of complex linear layers and convolutions (:data:`gauss`), and what ``torch.compile`` does with
deepcomplex's modules (:data:`trace_layers`, :func:`eager_under_compile`). docs/ARCHITECTURE.md lists it.
"""
from __future__ import annotations

import sys
import types
from typing import Callable, ContextManager, TypeVar

import torch

from . import _extension

__all__ = ["extension_available", "extension_disabled", "gauss", "trace_layers", "eager_under_compile"]

#: Which form complex linear layers and convolutions compute: ``"auto"`` (default) uses Gauss's three-product form
#: (:mod:`deepcomplex.functional.gauss`) for the shapes where it was measured faster, complex64 on the CPU with the
#: compiled kernels, and the four-product form elsewhere; ``True`` uses Gauss's form everywhere in eager mode (any
#: device and dtype); ``False`` never. torch.compile and torch.export always trace the four-product form. Both forms
#: agree to float rounding (Gauss's rounds slightly differently). Set it like ``torch.backends.cudnn.benchmark``:
#: ``deepcomplex.backends.gauss = False``.
gauss = "auto"

#: Whether ``torch.compile`` traces into deepcomplex's modules (``True``) or runs each of them eagerly behind a graph
#: break (``False``, the default). Inductor has no complex code generation: traced, a complex layer becomes real-view
#: graphs that inductor compiles slower than the eager path runs, which uses the compiled kernels (a coshnet_tiny
#: training step took about twice as long traced as eager here: docs/performance.md, "torch.compile"). So by default
#: the outermost deepcomplex module a compiled function meets runs as in eager mode, and the code around it (a real
#: head, a loss, a user's real-valued glue) is compiled. ``True`` restores tracing: for ``fullgraph=True``, or to let
#: inductor see the real-view graphs. torch.export (non-strict, as the ONNX exporter uses it) traces either way. Set it
#: like ``torch.backends.cudnn.benchmark``: ``deepcomplex.backends.trace_layers = True``.
trace_layers = False

_ModuleClass = TypeVar("_ModuleClass", bound=type)
_BOUNDARY: dict[type, tuple[Callable, Callable]] = {}  # class -> (its forward, that forward behind a graph break)


def _install(cls: type) -> None:
    traced, opaque = _BOUNDARY[cls]
    cls.forward = traced if trace_layers else opaque


def eager_under_compile(cls: _ModuleClass) -> _ModuleClass:
    """Class decorator: the module runs eagerly under ``torch.compile``, unless :data:`trace_layers` is set.

    The class's ``forward`` (its own or inherited) becomes ``torch.compiler.disable(forward)``: dynamo stops its graph
    at the module's call and resumes after it, and the module, with everything it calls, runs as in eager mode,
    compiled kernels included (outside compilation the wrapper costs well under a microsecond per call). Setting
    :data:`trace_layers` to True puts the original ``forward`` back on every class so decorated. Every module of
    ``deepcomplex.nn``, ``ComplexShearlet2d`` and the complex registered models carry it; apply it to a module of
    your own that should behave alike.

    Args:
        cls: an ``nn.Module`` subclass.

    Returns:
        ``cls``, modified in place.

    Example:
        >>> import torch
        >>> from deepcomplex import backends
        >>> @backends.eager_under_compile
        ... class Rotate(torch.nn.Module):
        ...     def forward(self, z):
        ...         return z * 1j
        >>> torch.compile(Rotate())(torch.ones(2, dtype=torch.complex64))
        tensor([0.+1.j, 0.+1.j])
    """
    if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)):
        raise TypeError(f"eager_under_compile expects an nn.Module subclass, got {cls!r}")
    if cls not in _BOUNDARY:
        forward = cls.forward
        original = next((traced for traced, opaque in _BOUNDARY.values() if forward in (traced, opaque)), forward)
        _BOUNDARY[cls] = (original, torch.compiler.disable(original))
        _install(cls)
    return cls


class _BackendsModule(types.ModuleType):
    """This module's type: assigning ``trace_layers`` swaps the forward of every class under
    :func:`eager_under_compile` (as ``torch.backends`` modules turn attribute assignments into settings)."""

    def __setattr__(self, name: str, value) -> None:
        super().__setattr__(name, value)
        if name == "trace_layers":
            for cls in _BOUNDARY:
                _install(cls)


sys.modules[__name__].__class__ = _BackendsModule


def extension_available() -> bool:
    """Whether deepcomplex's compiled CPU kernels are loaded (loading them on the first call if they were built).

    False when they were never built, when ``DEEPCOMPLEX_NO_EXT=1`` is set, when the build does not load with this
    torch, and inside :func:`extension_disabled`.

    Example:
        >>> import deepcomplex.backends
        >>> isinstance(deepcomplex.backends.extension_available(), bool)
        True
    """
    return _extension.available()


def extension_disabled() -> ContextManager[None]:
    """A context manager within which every layer takes its pure-PyTorch path, as if the kernels were not built.

    Blocks nest; leaving one restores the state it found.

    Example:
        >>> import deepcomplex.backends
        >>> with deepcomplex.backends.extension_disabled():
        ...     deepcomplex.backends.extension_available()
        False
    """
    return _extension.disabled()
