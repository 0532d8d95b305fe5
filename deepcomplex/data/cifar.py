"""CIFAR-10/100 (python pickle batches) and SVHN (cropped-digit .mat files) readers, with structural checks."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np
import torch

from ._pickle import numpy_globals, restricted_unpickler
from .idx import DataFormatError, PathLike

CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar.html"
SVHN_URL = "http://ufldl.stanford.edu/housenumbers/"
_NO_DOWNLOAD = ("this machine cannot download them: fetch them elsewhere and pass data_dir (--data-dir) "
                "pointing to the directory that holds them")


@dataclass(frozen=True)
class CifarDataset:
    """Where a CIFAR variant's pickle batches are found and which label lists they hold."""
    name: str
    subdir: str  # the directory the official archive extracts to
    archive: str
    files: dict  # part -> batch file names
    labels: dict  # label_mode -> (dict key, number of classes)


CIFAR = {
    "cifar10": CifarDataset("cifar10", "cifar-10-batches-py", "cifar-10-python.tar.gz",
                            {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]},
                            {"fine": ("labels", 10)}),
    "cifar100": CifarDataset("cifar100", "cifar-100-python", "cifar-100-python.tar.gz",
                             {"train": ["train"], "test": ["test"]},
                             {"fine": ("fine_labels", 100), "coarse": ("coarse_labels", 20)}),
}
SVHN_PARTS = ("train", "test", "extra")


_RestrictedUnpickler = restricted_unpickler(
    numpy_globals, "a CIFAR batch holds only numpy arrays and lists (the file is not a CIFAR batch, or is malicious)")


def _resolve_dir(name: str, data_dir: Optional[PathLike], how_to_get: str) -> Path:
    if data_dir is not None:
        return Path(data_dir)
    env = os.environ.get("DEEPCOMPLEX_DATA")
    if env:
        return Path(env) / name
    raise FileNotFoundError(f"{name}: no data directory given (data_dir / --data-dir, or $DEEPCOMPLEX_DATA/{name}); "
                            f"{how_to_get}")


def _cifar_how_to_get(spec: CifarDataset) -> str:
    files = ", ".join(sum(spec.files.values(), []))
    return (f"{spec.name} needs the python-version batches {files} from {spec.archive} ({CIFAR_URL}), "
            f"extracted (tar xzf {spec.archive}) to {spec.subdir}/; {_NO_DOWNLOAD}")


def _cifar_files(spec: CifarDataset, part: str, directory: Path) -> list:
    if not directory.is_dir():
        raise FileNotFoundError(f"{spec.name}: data directory {directory} does not exist; {_cifar_how_to_get(spec)}")
    names = spec.files[part]
    # Either the directory the archive extracts to, or the batch files directly in data_dir.
    candidates = [directory / spec.subdir, directory]
    present = [[n for n in names if (c / n).is_file()] for c in candidates]
    for candidate, found in zip(candidates, present):
        if len(found) == len(names):
            return [candidate / n for n in names]
    best = max(range(len(candidates)), key=lambda i: len(present[i]))
    missing = [n for n in names if n not in present[best]]
    msg = (f"{spec.name} {part}: {', '.join(missing)} not found in {candidates[best]} "
           f"(looked in {candidates[0]} and {candidates[1]})")
    if (directory / spec.archive).is_file():
        msg += f"; {directory / spec.archive} is there but not extracted: run tar xzf {spec.archive} in {directory}"
    raise FileNotFoundError(f"{msg}; {_cifar_how_to_get(spec)}")


def _read_pickle(path: Path, dataset: str) -> dict:
    try:
        with open(path, "rb") as f:
            obj = _RestrictedUnpickler(f, encoding="bytes").load()
    except DataFormatError as e:  # a refused global or codec
        raise DataFormatError(f"{dataset}: {path}: {e}") from None
    except Exception as e:  # UnpicklingError, EOFError, and whatever a corrupt opcode stream trips over
        raise DataFormatError(f"{dataset}: {path}: corrupt or truncated pickle ({type(e).__name__}: {e})") from None
    if not isinstance(obj, dict):
        raise DataFormatError(f"{dataset}: {path}: expected a pickled dict, got {type(obj).__name__}")
    # The real files have bytes keys (Python 2 pickles); accept str keys from re-pickled copies too.
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in obj.items()}


def _check_labels(values: Any, count: int, low: int, high: int, where: str) -> np.ndarray:
    """Labels as an int64 array of length ``count`` within low..high, or a DataFormatError saying what is wrong."""
    try:
        labels = np.asarray(values)
    except Exception as e:
        raise DataFormatError(f"{where}: labels are not an array of integers ({e})") from None
    if labels.size == 0:
        labels = labels.astype(np.int64)
    if labels.dtype.kind not in "iu":
        raise DataFormatError(f"{where}: labels have dtype {labels.dtype}, expected integers")
    if labels.ndim != 1:
        raise DataFormatError(f"{where}: labels have shape {labels.shape}, expected ({count},)")
    if len(labels) != count:
        raise DataFormatError(f"{where}: {count} images but {len(labels)} labels")
    if labels.size and (labels.min() < low or labels.max() > high):
        bad = labels.min() if labels.min() < low else labels.max()
        raise DataFormatError(f"{where}: label {int(bad)} outside {low}..{high}")
    return labels.astype(np.int64)


def load_cifar(name: str, part: str, data_dir: Optional[PathLike] = None, label_mode: str = "fine"):
    """Images (N, 3, 32, 32) uint8 and labels (N,) int64 of the ``part`` ("train"/"test") of "cifar10" or "cifar100".

    ``data_dir`` holds the extracted archive directory (cifar-10-batches-py/ or cifar-100-python/) or the batch files
    themselves; None: $DEEPCOMPLEX_DATA/<name>. ``label_mode`` "coarse" gives CIFAR-100's 20 superclasses.
    Missing files raise FileNotFoundError; a corrupt, malformed or unsafe batch raises DataFormatError.
    """
    if name not in CIFAR:
        raise ValueError(f"unknown CIFAR dataset {name!r}; available: {sorted(CIFAR)}")
    spec = CIFAR[name]
    if part not in spec.files:
        raise ValueError(f"{name}: part must be 'train' or 'test', got {part!r}")
    if label_mode not in spec.labels:
        raise ValueError(f"{name}: label_mode must be one of {sorted(spec.labels)}, got {label_mode!r}")
    key, num_classes = spec.labels[label_mode]
    directory = _resolve_dir(name, data_dir, _cifar_how_to_get(spec))
    images, labels = [], []
    for path in _cifar_files(spec, part, directory):
        batch = _read_pickle(path, name)
        where = f"{name}: {path}"
        for k in ("data", key):
            if k not in batch:
                raise DataFormatError(f"{where}: no b{k!r} entry (has {sorted(map(str, batch))})")
        data = batch["data"]
        if not isinstance(data, np.ndarray):
            raise DataFormatError(f"{where}: b'data' is a {type(data).__name__}, expected a numpy uint8 array")
        if data.dtype != np.uint8:
            raise DataFormatError(f"{where}: b'data' has dtype {data.dtype}, expected uint8")
        if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
            raise DataFormatError(f"{where}: b'data' has shape {data.shape}, expected (N, 3072): N images of 3x32x32")
        images.append(data.reshape(-1, 3, 32, 32))  # rows hold the red, green and blue 32x32 planes in turn
        labels.append(_check_labels(batch[key], len(data), 0, num_classes - 1, f"{where}: b{key!r}"))
    return torch.from_numpy(np.concatenate(images)), torch.from_numpy(np.concatenate(labels))


def _svhn_how_to_get() -> str:
    return (f"svhn needs the cropped-digit files {', '.join(p + '_32x32.mat' for p in SVHN_PARTS)} "
            f"(format 2, from {SVHN_URL}); {_NO_DOWNLOAD}")


def load_svhn(part: str, data_dir: Optional[PathLike] = None):
    """Images (N, 3, 32, 32) uint8 and labels (N,) int64 (digit 0 is label 0) of SVHN's ``part`` (train/test/extra).

    ``data_dir`` holds <part>_32x32.mat; None: $DEEPCOMPLEX_DATA/svhn. Needs scipy to read the MATLAB files.
    Missing files raise FileNotFoundError; a corrupt or malformed file raises DataFormatError.
    """
    if part not in SVHN_PARTS:
        raise ValueError(f"svhn: part must be one of {list(SVHN_PARTS)}, got {part!r}")
    directory = _resolve_dir("svhn", data_dir, _svhn_how_to_get())
    path = directory / f"{part}_32x32.mat"
    if not directory.is_dir():
        raise FileNotFoundError(f"svhn: data directory {directory} does not exist; {_svhn_how_to_get()}")
    if not path.is_file():
        raise FileNotFoundError(f"svhn {part}: {path.name} not found in {directory}; {_svhn_how_to_get()}")
    try:
        import scipy.io
    except ImportError:
        raise ImportError("svhn: reading the SVHN .mat files needs scipy: pip install scipy") from None
    try:
        mat = scipy.io.loadmat(path, variable_names=["X", "y"])
    except NotImplementedError as e:  # scipy's answer to MATLAB v7.3 (HDF5) files
        raise DataFormatError(f"svhn: {path}: unsupported MATLAB file ({e}); expected the v5 .mat of {SVHN_URL}"
                              ) from None
    except Exception as e:
        raise DataFormatError(f"svhn: {path}: corrupt or truncated .mat file ({type(e).__name__}: {e})") from None
    where = f"svhn: {path}"
    for k in ("X", "y"):
        if k not in mat:
            names = sorted(v for v in mat if not v.startswith("__"))  # skip loadmat's __header__ etc.
            raise DataFormatError(f"{where}: no variable {k!r} (has {names})")
    x, y = mat["X"], mat["y"]
    if x.dtype != np.uint8:
        raise DataFormatError(f"{where}: X has dtype {x.dtype}, expected uint8")
    if x.shape == (32, 32, 3):  # MATLAB drops a trailing singleton dimension: a single image
        x = x[..., None]
    if x.ndim != 4 or x.shape[:3] != (32, 32, 3):
        raise DataFormatError(f"{where}: X has shape {x.shape}, expected (32, 32, 3, N)")
    n = x.shape[3]
    if not (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)):
        raise DataFormatError(f"{where}: y has shape {y.shape}, expected ({n}, 1)")
    labels = _check_labels(y.reshape(-1), n, 1, 10, f"{where}: y")
    labels[labels == 10] = 0  # SVHN stores digit 0 as label 10
    return torch.from_numpy(np.ascontiguousarray(x.transpose(3, 2, 0, 1))), torch.from_numpy(labels)
