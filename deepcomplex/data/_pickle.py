"""Unpicklers that build only what a data file may hold (numpy arrays, plain containers, named stand-ins): the
datasets that ship as pickles (CIFAR batches, MusicNet's npz) may come from anywhere, and a pickle can run code."""
from __future__ import annotations

import pickle
from typing import Any, Callable, Optional

import numpy as np

from .idx import DataFormatError


def latin1_encode(obj: Any, encoding: str = "utf-8") -> bytes:
    # Python 3 pickles bytes as _codecs.encode(str, "latin1") below protocol 3; no other codec is needed.
    if encoding not in ("latin1", "latin-1") or not isinstance(obj, str):
        raise DataFormatError(f"pickle asks for _codecs.encode with encoding {encoding!r}; only 'latin1' is allowed")
    return obj.encode("latin1")


def numpy_globals() -> dict:
    """The globals a pickle of numpy arrays, numpy scalars and builtin containers needs, by (module, name)."""
    # Take numpy's reconstruction helpers from numpy's own reductions: their module moved in numpy 2
    # (numpy.core -> numpy._core), and files written by either version must load under both.
    array = np.zeros(1, np.uint8)
    helpers = {("multiarray", "_reconstruct"): array.__reduce__()[0],  # arrays, protocols 0-4
               ("numeric", "_frombuffer"): array.__reduce_ex__(5)[0],  # arrays, protocol 5
               ("multiarray", "scalar"): np.uint8(0).__reduce__()[0]}  # numpy scalars (labels stored as np.int64)
    allowed = {}
    for core in ("numpy.core", "numpy._core"):
        for (module, name), fn in helpers.items():
            allowed[(f"{core}.{module}", name)] = fn
    allowed[("numpy", "ndarray")] = np.ndarray
    allowed[("numpy", "dtype")] = np.dtype
    allowed[("_codecs", "encode")] = latin1_encode
    for module in ("builtins", "__builtin__"):  # __builtin__: Python 2 pickles, as the real CIFAR files are
        for t in (bytearray, bytes, complex, dict, float, frozenset, int, list, set, str, tuple):
            allowed[(module, t.__name__)] = t
    return allowed


def restricted_unpickler(allowed: Callable[[], dict], refusal: str) -> type:
    """A pickle.Unpickler class that resolves only the (module, name) pairs of ``allowed()`` (built on first use);
    anything else is a DataFormatError "refused to unpickle module.name: <refusal>"."""

    class RestrictedUnpickler(pickle.Unpickler):
        _allowed: Optional[dict] = None

        def find_class(self, module: str, name: str) -> Any:
            if RestrictedUnpickler._allowed is None:
                RestrictedUnpickler._allowed = allowed()
            try:
                return RestrictedUnpickler._allowed[(module, name)]
            except KeyError:
                raise DataFormatError(f"refused to unpickle {module}.{name}: {refusal}") from None

    return RestrictedUnpickler
