"""Pretrained weights shipped inside the package: ``manifest.json`` and one ``<name>.pt`` state_dict per model.

The manifest maps a registered model's name to its entry: ``file`` (beside the manifest), ``sha256`` of that file,
``bytes``, the run it comes from (``dataset``, ``split``, ``recipe``, ``seed``, ``epochs``, ``commit``, ``date``,
``model_args``, ``parameters``), its ``test_accuracy`` on the whole test set (``test_images``) as the run's
result.json gives it, and ``subset_accuracy`` on the first ``subset_images`` test images (the figure
``tests/test_pretrained.py`` checks the shipped file against). ``deepcomplex.create_model(name, pretrained=True)``
loads an entry through :func:`load_state_dict`, which verifies the checksum first. Entries are written by
``scripts/add_pretrained.py`` through :func:`add_entry`.

This package imports nothing else from deepcomplex but ``deepcomplex.io`` (the models package builds on it).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path
from typing import Optional, Union

import torch

from ..io import atomic_write_bytes, atomic_write_text

PathLike = Union[str, os.PathLike]

# where the shipped weights and their manifest lie; every function takes ``root=`` to read another copy (tests)
PRETRAINED_DIR = Path(__file__).resolve().parent
MANIFEST = "manifest.json"
FORMAT = 1

__all__ = ["FORMAT", "MANIFEST", "PRETRAINED_DIR", "PretrainedChecksumError", "add_entry", "file_sha256",
           "list_pretrained", "load_state_dict", "pretrained_entry", "read_manifest", "weights_path"]


class PretrainedChecksumError(ValueError):
    """A weight file whose SHA-256 is not the one its manifest entry records (damaged or replaced)."""


def _root(root: Optional[PathLike]) -> Path:
    return Path(root) if root is not None else PRETRAINED_DIR


def read_manifest(root: Optional[PathLike] = None) -> dict[str, dict]:
    """The manifest's entries, model name -> entry (empty when no weights are shipped).

    Args:
        root: the directory holding manifest.json (default: this package's).
    """
    path = _root(root) / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except ValueError as err:
        raise ValueError(f"pretrained manifest {path} is not valid JSON ({err})") from None
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict) or data.get("format") != FORMAT:
        raise ValueError(f"pretrained manifest {path}: expected an object with \"format\": {FORMAT} and a "
                         f"\"models\" object, got {str(data)[:80]!r}")
    return data["models"]


def list_pretrained(root: Optional[PathLike] = None) -> list[str]:
    """Names of the models with shipped weights, sorted."""
    return sorted(read_manifest(root))


def pretrained_entry(name: str, root: Optional[PathLike] = None) -> dict:
    """The manifest entry of ``name``; ValueError listing the models that have weights when it has none."""
    entries = read_manifest(root)
    if name not in entries:
        have = ", ".join(sorted(entries)) or "none yet (the manifest is empty)"
        raise ValueError(f"no pretrained weights for model {name!r}; models with pretrained weights: {have}")
    return dict(entries[name])


def weights_path(name: str, root: Optional[PathLike] = None) -> Path:
    """The weight file of ``name``'s manifest entry."""
    return _root(root) / pretrained_entry(name, root)["file"]


def file_sha256(path: PathLike) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_state_dict(name: str, root: Optional[PathLike] = None) -> dict[str, torch.Tensor]:
    """The shipped state_dict of ``name``, after checking its file's SHA-256 against the manifest.

    Raises:
        ValueError: ``name`` has no weights (the message lists those that have).
        FileNotFoundError: the manifest names a file that is not there.
        PretrainedChecksumError: the file's checksum is not the manifest's.
    """
    entry = pretrained_entry(name, root)
    path = _root(root) / entry["file"]
    if not path.is_file():
        raise FileNotFoundError(f"pretrained weights for {name!r}: {path} is missing (the manifest names it); "
                                f"reinstall deepcomplex")
    actual = file_sha256(path)
    if actual != entry["sha256"]:
        raise PretrainedChecksumError(
            f"pretrained weights for {name!r}: {path} has SHA-256 {actual}, but the manifest records "
            f"{entry['sha256']}; the file is damaged or was replaced: reinstall deepcomplex (or rerun "
            f"scripts/add_pretrained.py for it)")
    return torch.load(path, map_location="cpu", weights_only=True)


def _storage_dtype(t: torch.Tensor) -> torch.Tensor:
    """float64 -> float32, complex128 -> complex64 (the shipped precision); other tensors as they are."""
    t = t.detach().cpu()
    if t.dtype == torch.float64:
        return t.to(torch.float32)
    if t.dtype == torch.complex128:
        return t.to(torch.complex64)
    return t.clone()


def add_entry(name: str, state_dict: dict[str, torch.Tensor], info: dict, root: Optional[PathLike] = None) -> dict:
    """Write ``<name>.pt`` (the state_dict alone, in float32/complex64) and its manifest entry, both atomically.

    Args:
        name: the registered model's name (the entry's key and the file's stem).
        state_dict: the model's weights and buffers.
        info: the rest of the entry (the run's dataset, split, recipe, seed, accuracies, ...); ``file``,
            ``sha256`` and ``bytes`` are filled in here.
        root: the directory to write into (default: this package's).

    Returns:
        The entry as written.
    """
    root = _root(root)
    buffer = io.BytesIO()
    torch.save({k: _storage_dtype(v) for k, v in state_dict.items()}, buffer)
    data = buffer.getvalue()
    file = f"{name}.pt"
    atomic_write_bytes(root / file, data)
    entry = {**info, "file": file, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    entries = read_manifest(root)
    entries[name] = entry
    manifest = {"format": FORMAT, "models": dict(sorted(entries.items()))}
    atomic_write_text(root / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return entry
