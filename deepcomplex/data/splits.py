"""Every image dataset the training command reads, by name, and its train/test splits."""
from __future__ import annotations

from os import PathLike
from typing import Optional

import torch

from . import mnist
from .cifar import load_cifar, load_svhn

DATASETS = ("fashion-mnist", "mnist", "cifar10", "cifar100", "svhn")
NUM_CLASSES = {"fashion-mnist": 10, "mnist": 10, "cifar10": 10, "cifar100": 100, "svhn": 10}
# split -> (the parts trained on, the part tested on). "60k" is the standard split of the MNIST family, "10k20E"
# CoShNet's small-data one (train on the 10k test part, evaluate on the 60k), "standard" the usual train/test of any
# dataset, "train+extra" SVHN's train and extra parts together.
SPLITS = {"60k": (("train",), "test"), "10k20E": (("test",), "train"), "standard": (("train",), "test"),
          "train+extra": (("train", "extra"), "test")}
_VALID = {"fashion-mnist": ("60k", "10k20E", "standard"), "mnist": ("60k", "10k20E", "standard"),
          "cifar10": ("standard",), "cifar100": ("standard",), "svhn": ("standard", "train+extra")}


def default_split(dataset: str) -> str:
    """"60k" for the MNIST family, "standard" for the others."""
    return "60k" if dataset in ("fashion-mnist", "mnist") else "standard"


def load_part(dataset: str, part: str, data_dir: Optional[PathLike] = None, verify: bool = True):
    """Images uint8 (N, H, W) for the MNIST family or (N, 3, 32, 32), and labels int64 (N,), of one part of a dataset."""
    if dataset in ("cifar10", "cifar100"):
        return load_cifar(dataset, part, data_dir)
    if dataset == "svhn":
        return load_svhn(part, data_dir)
    if dataset in mnist.DATASETS:
        return mnist.load_part(dataset, part, data_dir, verify)
    raise ValueError(f"unknown dataset {dataset!r}; available: {', '.join(DATASETS)}")


def load_split(dataset: str, split: Optional[str] = None, data_dir: Optional[PathLike] = None, verify: bool = True):
    """(train_images, train_labels, test_images, test_labels) of ``dataset`` for a split valid for it."""
    if dataset not in _VALID:
        raise ValueError(f"unknown dataset {dataset!r}; available: {', '.join(DATASETS)}")
    split = default_split(dataset) if split is None else split
    if split not in _VALID[dataset]:
        raise ValueError(f"split {split!r} is not one of {dataset}'s: {', '.join(_VALID[dataset])}")
    train_parts, test_part = SPLITS[split]
    parts = [load_part(dataset, p, data_dir, verify) for p in train_parts]
    xtr = parts[0][0] if len(parts) == 1 else torch.cat([p[0] for p in parts])
    ytr = parts[0][1] if len(parts) == 1 else torch.cat([p[1] for p in parts])
    return (xtr, ytr, *load_part(dataset, test_part, data_dir, verify))
