"""Atomic writes of checkpoints and results: a temp file in the same directory, then os.replace."""
from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

import torch


def _atomic(path: Path, write, keep_previous: bool = False) -> None:
    """Write ``path`` through a temp file in its directory and os.replace; with ``keep_previous`` the file it replaces
    becomes ``<stem>.prev<suffix>`` first, so a good copy exists at every instant."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if keep_previous and path.exists():
            os.replace(path, previous_path(path))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_json(path: Path, obj: Any) -> None:
    _atomic(path, lambda f: f.write(json.dumps(obj, indent=2, sort_keys=True).encode()))


def previous_path(path: Path) -> Path:
    """Where :func:`save_checkpoint` keeps the checkpoint it replaced."""
    path = Path(path)
    return path.with_name(f"{path.stem}.prev{path.suffix}")


def save_checkpoint(path: Path, state: dict) -> None:
    """Atomic torch.save; the checkpoint it replaces is kept as checkpoint.prev.pt."""
    _atomic(path, lambda f: torch.save(state, f), keep_previous=True)


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
    rows = list(rows)
    if not rows:
        return

    def write(f):
        import io

        text = io.StringIO()
        w = csv.DictWriter(text, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
        f.write(text.getvalue().encode())

    _atomic(path, write)
