"""``python -m benchmarks.peers``: the same as ``python benchmarks/bench_peers.py``."""
from __future__ import annotations

from .cli import main

main()
