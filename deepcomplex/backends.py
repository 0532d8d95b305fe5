"""Public switches and facts about deepcomplex's optional compiled CPU kernels (``deepcomplex/csrc``).

The kernels are built on request (``python -m deepcomplex build-ext``) and loaded when present; without them every
layer runs its pure-PyTorch path, with the same results. This module is the public face of that machinery, in the
spirit of ``torch.backends``: whether the kernels are loaded, a block that runs without them (to compare the two
paths, or to time the path a GPU or a machine without the build would take), and the switch between the four- and
three-product forms of complex linear layers and convolutions (:data:`gauss`). docs/ARCHITECTURE.md lists it.
"""
from __future__ import annotations

from typing import ContextManager

from . import _extension

__all__ = ["extension_available", "extension_disabled", "gauss"]

#: Which form complex linear layers and convolutions compute: ``"auto"`` (default) uses Gauss's three-product form
#: (:mod:`deepcomplex.functional.gauss`) for the shapes where it was measured faster, complex64 on the CPU with the
#: compiled kernels, and the four-product form elsewhere; ``True`` uses Gauss's form everywhere in eager mode (any
#: device and dtype); ``False`` never. torch.compile and torch.export always trace the four-product form. Both forms
#: agree to float rounding (Gauss's rounds slightly differently). Set it like ``torch.backends.cudnn.benchmark``:
#: ``deepcomplex.backends.gauss = False``.
gauss = "auto"


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
