"""Public switches and facts about deepcomplex's optional compiled CPU kernels (``deepcomplex/csrc``).

The kernels are built on request (``python -m deepcomplex build-ext``) and loaded when present; without them every
layer runs its pure-PyTorch path, with the same results. This module is the public face of that machinery, in the
spirit of ``torch.backends``: whether the kernels are loaded, and a block that runs without them (to compare the two
paths, or to time the path a GPU or a machine without the build would take). docs/ARCHITECTURE.md lists it.
"""
from __future__ import annotations

from typing import ContextManager

from . import _extension

__all__ = ["extension_available", "extension_disabled"]


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
