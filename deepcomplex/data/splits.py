"""Every dataset the training command reads, by name, and its train/test splits: the image sets (``DATASETS``) and
the audio sets of the MusicNet and TIMIT tasks (``AUDIO_DATASETS``)."""
from __future__ import annotations

from os import PathLike
from typing import Optional

import torch

from . import mnist
from .cifar import load_cifar, load_svhn

DATASETS = ("fashion-mnist", "mnist", "cifar10", "cifar100", "svhn")  # image classification
AUDIO_DATASETS = ("musicnet", "timit")  # each the dataset of its own task (deepcomplex.train.tasks)
NUM_CLASSES = {"fashion-mnist": 10, "mnist": 10, "cifar10": 10, "cifar100": 100, "svhn": 10}
IMAGE_SHAPES = {"fashion-mnist": (1, 28, 28), "mnist": (1, 28, 28), "cifar10": (3, 32, 32), "cifar100": (3, 32, 32),
                "svhn": (3, 32, 32)}  # (C, H, W) of one image
# split -> (the parts trained on, the part tested on). "60k" is the standard split of the MNIST family, "10k20E"
# CoShNet's small-data one (train on the 10k test part, evaluate on the 60k), "standard" the usual train/test of any
# dataset, "train+extra" SVHN's train and extra parts together.
SPLITS = {"60k": (("train",), "test"), "10k20E": (("test",), "train"), "standard": (("train",), "test"),
          "train+extra": (("train", "extra"), "test")}
_VALID = {"fashion-mnist": ("60k", "10k20E", "standard"), "mnist": ("60k", "10k20E", "standard"),
          "cifar10": ("standard",), "cifar100": ("standard",), "svhn": ("standard", "train+extra"),
          "musicnet": ("standard",), "timit": ("standard",)}


def _known() -> str:
    return ", ".join(DATASETS + AUDIO_DATASETS)


def default_split(dataset: str) -> str:
    """"60k" for the MNIST family, "standard" for the others."""
    return "60k" if dataset in ("fashion-mnist", "mnist") else "standard"


def load_part(dataset: str, part: str, data_dir: Optional[PathLike] = None, verify: bool = True, **options):
    """Images uint8 (N, H, W) for the MNIST family or (N, 3, 32, 32), and labels int64 (N,), of one part of a dataset.

    For the audio sets, what their loaders return (``options`` go to them): MusicNet ("train"/"test" part,
    ``deepcomplex.data.musicnet.load_musicnet``: lazy window views), TIMIT ("train"/"test",
    ``deepcomplex.data.timit.load_timit``: complex spectra and next-frame log-magnitudes)."""
    if dataset == "musicnet":
        from .musicnet import load_musicnet
        return load_musicnet(data_dir, part, **options)
    if dataset == "timit":
        from .timit import load_timit
        return load_timit(data_dir, part, **options)
    if options:
        raise TypeError(f"load_part: {dataset} takes no options, got {sorted(options)}")
    if dataset in ("cifar10", "cifar100"):
        return load_cifar(dataset, part, data_dir)
    if dataset == "svhn":
        return load_svhn(part, data_dir)
    if dataset in mnist.DATASETS:
        return mnist.load_part(dataset, part, data_dir, verify)
    raise ValueError(f"unknown dataset {dataset!r}; available: {_known()}")


def load_split(dataset: str, split: Optional[str] = None, data_dir: Optional[PathLike] = None, verify: bool = True,
               train: bool = True, **options):
    """(train_images, train_labels, test_images, test_labels) of ``dataset`` for a split valid for it.

    MusicNet's and TIMIT's one split, "standard", is their train part against their test part; ``options`` go to their
    loaders. ``train=False`` loads the test part alone (None for the training pair)."""
    if dataset not in _VALID:
        raise ValueError(f"unknown dataset {dataset!r}; available: {_known()}")
    split = default_split(dataset) if split is None else split
    if split not in _VALID[dataset]:
        raise ValueError(f"split {split!r} is not one of {dataset}'s: {', '.join(_VALID[dataset])}")
    train_parts, test_part = SPLITS[split]
    if not train:
        return (None, None, *load_part(dataset, test_part, data_dir, verify, **options))
    parts = [load_part(dataset, p, data_dir, verify, **options) for p in train_parts]
    xtr = parts[0][0] if len(parts) == 1 else torch.cat([p[0] for p in parts])
    ytr = parts[0][1] if len(parts) == 1 else torch.cat([p[1] for p in parts])
    return (xtr, ytr, *load_part(dataset, test_part, data_dir, verify, **options))
