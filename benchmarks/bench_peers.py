"""Side-by-side benchmark of deepcomplex against native torch complex and peer complex-valued libraries.

    python benchmarks/bench_peers.py [--quick] [--repeats N] [--warmup N] [--threads N] [--only ROWS] [--out-dir DIR]
                                     [--note TEXT]

The benchmark lives in the package benchmarks/peers/ (its docstring describes the rows, the adapters and how to add
either); this script is its entry point, as ``make bench-peers`` runs it.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` (and deepcomplex, if not installed) importable
    sys.path.append(str(Path(__file__).resolve().parents[1]))

from benchmarks.peers.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
