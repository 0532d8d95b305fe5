"""Fashion-MNIST and MNIST from their standard IDX files, with checksums of the decompressed bytes."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from .idx import DataFormatError, PathLike, read_idx

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")  # Debian package dataset-fashion-mnist


@dataclass(frozen=True)
class IDXDataset:
    """Where a dataset's four IDX files are found and what they must contain."""
    name: str
    files: dict  # part -> file stem, parts: train-images, train-labels, test-images, test-labels
    sha256: Optional[dict]  # part -> sha256 of the decompressed bytes (None: structure checks only)
    default_dir: Optional[Path]
    how_to_get: str
    num_classes: int = 10


_STEMS = {"train-images": "train-images-idx3-ubyte", "train-labels": "train-labels-idx1-ubyte",
          "test-images": "t10k-images-idx3-ubyte", "test-labels": "t10k-labels-idx1-ubyte"}

DATASETS = {
    "fashion-mnist": IDXDataset(
        "fashion-mnist", _STEMS,
        # measured on the decompressed files of Debian's dataset-fashion-mnist (the .gz bytes differ between mirrors)
        {"train-images": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
         "train-labels": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
         "test-images": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
         "test-labels": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"},
        DEBIAN_FASHION_MNIST,
        "on Debian/Ubuntu: apt-get install dataset-fashion-mnist (installs them in /usr/share/datasets/fashion-mnist)"),
    # MNIST has no package here, so no measured checksums: its files get the structural checks only.
    "mnist": IDXDataset("mnist", _STEMS, None, None, "put the four MNIST IDX files (.gz or raw) in that directory"),
}


def _find(directory: Path, stem: str) -> Optional[Path]:
    for name in (stem + ".gz", stem):
        if (directory / name).is_file():
            return directory / name
    return None


def resolve_dir(dataset: str, data_dir: Optional[PathLike] = None) -> Path:
    """``data_dir`` if given, else $DEEPCOMPLEX_DATA/<dataset> if set, else the dataset's default directory."""
    spec = _spec(dataset)
    if data_dir is not None:
        return Path(data_dir)
    env = os.environ.get("DEEPCOMPLEX_DATA")
    if env:
        return Path(env) / dataset
    if spec.default_dir is None:
        raise FileNotFoundError(f"{dataset}: no default directory; pass data_dir (--data-dir) with the four IDX files "
                                f"{', '.join(s + '[.gz]' for s in spec.files.values())}; {spec.how_to_get}")
    return spec.default_dir


def _spec(dataset: str) -> IDXDataset:
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; available: {sorted(DATASETS)}")
    return DATASETS[dataset]


def load_part(dataset: str, part: str, data_dir: Optional[PathLike] = None, verify: bool = True):
    """Images (N, H, W) uint8 and labels (N,) int64 of the ``part`` ("train" or "test") of an IDX dataset.

    Missing files raise FileNotFoundError naming the files and how to get them; a truncated, malformed or
    wrong-checksum file (checked on its decompressed bytes when ``verify``) raises DataFormatError.
    """
    spec = _spec(dataset)
    if part not in ("train", "test"):
        raise ValueError(f"part must be 'train' or 'test', got {part!r}")
    directory = resolve_dir(dataset, data_dir)
    arrays = {}
    for kind in ("images", "labels"):
        key = f"{part}-{kind}"
        path = _find(directory, spec.files[key])
        if path is None:
            raise FileNotFoundError(f"{dataset}: {spec.files[key]}[.gz] not found in {directory}; {spec.how_to_get}, "
                                    f"or pass data_dir (--data-dir) pointing to a directory with the four IDX files")
        arrays[kind] = read_idx(path, spec.sha256[key] if (verify and spec.sha256) else None)
        arrays[kind + "_path"] = path
    images, labels = arrays["images"], arrays["labels"]
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DataFormatError(f"{arrays['images_path']}: expected uint8 images of shape (N, H, W), "
                              f"got {images.dtype} {images.shape}")
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise DataFormatError(f"{arrays['labels_path']}: expected uint8 labels of shape (N,), "
                              f"got {labels.dtype} {labels.shape}")
    if len(images) != len(labels):
        raise DataFormatError(f"{dataset} {part}: {len(images)} images but {len(labels)} labels")
    if labels.size and labels.max() >= spec.num_classes:
        raise DataFormatError(f"{arrays['labels_path']}: label {int(labels.max())} outside 0..{spec.num_classes - 1}")
    return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))

