"""A run directory's files: checkpoints, metrics.csv and JSON results, each written atomically through
:func:`deepcomplex.io.atomic_write` (a temp file in the same directory, then ``os.replace``)."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Iterable

import torch

from ..io import atomic_write, previous_path

CHECKPOINT = "checkpoint.pt"  # a run directory's checkpoint; the one it replaced is kept as previous_path(...)


def save_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as JSON (indent 2, sorted keys) to ``path`` atomically."""
    atomic_write(path, lambda f: f.write(json.dumps(obj, indent=2, sort_keys=True).encode()))


def save_checkpoint(path: Path, state: dict) -> None:
    """Atomic torch.save; the checkpoint it replaces is kept as checkpoint.prev.pt."""
    atomic_write(path, lambda f: torch.save(state, f), keep_previous=True)


def load_checkpoint(path: Path) -> dict:
    """torch.load with a clear error for a missing, truncated or corrupt file (naming the previous one if kept)."""
    path = Path(path)
    prev = previous_path(path)
    hint = f"; the checkpoint before it is kept as {prev}: rename it to {path.name} to go on from there" \
        if prev.is_file() else ""
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} not found{hint}")
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:  # torch raises several types for damaged archives
        raise ValueError(f"checkpoint {path} is truncated or corrupt and cannot be loaded "
                         f"({type(e).__name__}: {e}){hint}") from None


def save_csv(path: Path, rows: Iterable[dict]) -> None:
    """Write ``rows`` as CSV (header: the first row's keys) to ``path`` atomically; nothing for no rows."""
    rows = list(rows)
    if not rows:
        return

    def write(f) -> None:
        text = io.StringIO()
        w = csv.DictWriter(text, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
        f.write(text.getvalue().encode())

    atomic_write(path, write)


__all__ = ["CHECKPOINT", "load_checkpoint", "previous_path", "save_checkpoint", "save_csv", "save_json"]
