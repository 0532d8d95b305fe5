"""One adapter module per library deepcomplex is compared with: native torch and the four peers.

An adapter module defines

- ``LIBRARY`` (its column name), ``DISTRIBUTION`` (the pip distribution whose version is reported; None for native
  torch) and ``MODULES`` (what to import, the top-level package first; the imported modules reach its factories as
  a dict by name) and ``COLOR`` (its bars in the chart);
- ``LAYERS``: row kind (``"conv"``, ``"linear"``, ``"batchnorm"``, ..., the kinds of ``rows.py``) -> a function of the
  row's case (``spec.py``) that returns a factory (modules -> :class:`~benchmarks.peers.spec.Impl`, holding
  deepcomplex's parameters in the library's layout), the reason the library has no such layer (a string), or an
  :class:`~benchmarks.peers.spec.Entry` that adds the convention explaining a known disagreement;
- optionally ``default_linear(modules, fin, fout)`` and ``default_batchnorm(modules, x)`` for the table of default
  initialisations.

Adding a library: one module here and its entry in :data:`ADAPTERS`.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import warnings
from types import ModuleType
from typing import Any, Optional

from ..spec import Entry
from . import complexpytorch, complextorch, cplxmodule, native, torchcvnn

ADAPTERS: dict[str, ModuleType] = {a.LIBRARY: a for a in (native, complexpytorch, complextorch, torchcvnn,
                                                           cplxmodule)}
LIBS = ("deepcomplex", *ADAPTERS)
PEERS = {lib: (a.DISTRIBUTION, a.MODULES) for lib, a in ADAPTERS.items() if a.DISTRIBUTION}
# library -> (distribution name, modules to import; the top-level package first)


def version(dist: str) -> Optional[str]:
    """The installed version of the distribution ``dist``, or None."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def load_peers() -> dict[str, dict]:
    """Import each peer: {"status": "ok", "version", "modules"} or {"status": "unavailable", "reason"}; never raises."""
    out: dict[str, dict] = {}
    for lib, (dist, names) in PEERS.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                modules = {name: importlib.import_module(name) for name in names}
        except Exception as e:  # ImportError, or whatever a peer's import raises with this torch/numpy
            out[lib] = {"status": "unavailable", "reason": f"{type(e).__name__}: {e}", "version": version(dist)}
            continue
        out[lib] = {"status": "ok", "version": version(dist), "modules": modules}
    return out


def entries(kind: str, case: Any, missing: str) -> dict[str, Entry]:
    """Every adapter's :class:`Entry` for a row of ``kind`` on ``case``; ``missing`` where it has no such layer."""
    out = {}
    for lib, adapter in ADAPTERS.items():
        answer = adapter.LAYERS[kind](case) if kind in adapter.LAYERS else missing
        out[lib] = answer if isinstance(answer, Entry) else Entry(answer)
    return out


def modules_of(lib: str, peers: dict) -> dict:
    """The imported modules a factory of ``lib`` gets (none for native torch and deepcomplex)."""
    return peers[lib]["modules"] if lib in PEERS else {}
