"""Optional compiled CPU kernels (deepcomplex/csrc): built on request, loaded when present, never built by surprise.

``python -m deepcomplex build-ext`` (run by ``make install``) compiles them once per torch version and source into a
cache directory; afterwards ``import deepcomplex`` loads them in milliseconds. Without them every layer still works
through its pure-PyTorch path, which gives the same results (tested), only slower. ``DEEPCOMPLEX_NO_EXT=1`` forces the
pure-PyTorch path; ``DEEPCOMPLEX_EXT_DIR`` moves the cache.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import re
from pathlib import Path
from typing import Optional

import torch

NAME = "deepcomplex_ext"
CSRC = Path(__file__).resolve().parent / "csrc"
SOURCES = tuple(sorted(CSRC.glob("*.cpp")))
HEADERS = tuple(sorted(CSRC.glob("*.h")))
# -march=native: the kernels are built where they run, so they may use every vector instruction this CPU has
CFLAGS = ("-O3", "-fopenmp", "-march=native")
_state: Optional[bool] = None
_off = False


def _cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next((line for line in f if line.startswith("flags")), "")
    except OSError:
        return platform.processor()


def build_directory() -> Path:
    """Where the library for this torch version and these sources lives."""
    root = os.environ.get("DEEPCOMPLEX_EXT_DIR")
    if not root:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "deepcomplex" / "ext"
    digest = hashlib.sha256(" ".join(CFLAGS).encode())
    for source in SOURCES + HEADERS:  # a changed header rebuilds as a changed source does
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    digest.update(_cpu_flags().encode())  # built for this CPU (-march=native): another CPU gets its own build
    tag = re.sub(r"[^A-Za-z0-9_.-]", "_", f"torch-{torch.__version__}-{digest.hexdigest()[:16]}")
    return Path(root) / tag


def library_path() -> Path:
    return build_directory() / f"{NAME}.so"


@contextlib.contextmanager
def disabled():
    """Within this block layers take their pure-PyTorch paths (for comparisons and tests)."""
    global _off
    previous, _off = _off, True
    try:
        yield
    finally:
        _off = previous


def available() -> bool:
    """True when the compiled kernels are loaded (loading them on first call if they were built)."""
    global _state
    if _off:
        return False
    if _state is None:
        _state = False
        if os.environ.get("DEEPCOMPLEX_NO_EXT", "") not in ("", "0") or not library_path().is_file():
            return False
        try:
            torch.ops.load_library(str(library_path()))
            _state = True
        except (OSError, RuntimeError):  # built against another ABI or half-written: fall back, a rebuild fixes it
            _state = False
    return _state


def serves(x: torch.Tensor) -> bool:
    """Whether the kernels run for ``x``: CPU tensors in eager mode; under torch.compile the traceable PyTorch path runs."""
    compiling = getattr(getattr(torch, "compiler", None), "is_compiling", lambda: False)()  # torch < 2.3 has none
    return x.device.type == "cpu" and not compiling and available()


def build(verbose: bool = False) -> Path:
    """Compile the kernels (about a minute) into :func:`build_directory` and load them; returns the library path."""
    global _state
    from torch.utils.cpp_extension import load

    directory = build_directory()
    directory.mkdir(parents=True, exist_ok=True)
    if not library_path().is_file():
        # torch's builder writes the library in place; it locks the directory, so concurrent builds do not collide
        load(name=NAME, sources=[str(s) for s in SOURCES], extra_cflags=list(CFLAGS), extra_ldflags=["-fopenmp"],
             build_directory=str(directory), is_python_module=False, verbose=verbose)
        _state = True
    else:
        _state = None
    if not available():
        raise RuntimeError(f"deepcomplex: built {library_path()} but could not load it")
    return library_path()
