"""Process-level settings for long CPU runs: keep glibc from handing freed tensor memory back to the kernel."""
from __future__ import annotations

import ctypes
import os
import sys

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
# glibc refuses a larger mmap threshold on 64-bit systems (HEAP_MAX_SIZE / 2)
_MMAP_THRESHOLD_MAX = 32 << 20
_TRIM_THRESHOLD = 2 ** 31 - 1

_tuned = False


def tune_malloc() -> bool:
    """Make glibc keep freed blocks of up to 32 MiB and never trim the heap, so each training step reuses memory.

    By default glibc serves blocks above a dynamic threshold (128 KiB at first) with fresh mmap calls and returns them
    on free, so every step of a CPU training loop page-faults its activations back in (the step times with and
    without it, from ``benchmarks/bench_step.py``, are in docs/RESULTS.md; PyTorch's CPU tuning guide recommends
    jemalloc or tcmalloc for the same reason; this needs neither). The cost is that the process keeps
    its peak heap until it exits.
    Used by the ``deepcomplex`` command; set ``DEEPCOMPLEX_MALLOC_TUNING=0`` to skip it. Returns whether it applied
    (False off glibc, e.g. on macOS or musl).
    """
    global _tuned
    if _tuned:
        return True
    if os.environ.get("DEEPCOMPLEX_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _tuned = bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)) and bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
    return _tuned
