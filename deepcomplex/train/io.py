"""Atomic writes of checkpoints and results: a temp file in the same directory, then os.replace."""
from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

import torch


def _atomic(path: Path, write) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_json(path: Path, obj: Any) -> None:
    _atomic(path, lambda f: f.write(json.dumps(obj, indent=2, sort_keys=True).encode()))


def save_checkpoint(path: Path, state: dict) -> None:
    _atomic(path, lambda f: torch.save(state, f))


def load_checkpoint(path: Path) -> dict:
    """torch.load with a clear error for a missing, truncated or corrupt file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} not found")
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:  # torch raises several types for damaged archives
        raise ValueError(f"checkpoint {path} is truncated or corrupt and cannot be loaded ({type(e).__name__}: {e})") from None


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
