"""Every dataset the training command reads, in one table: name -> reader, task, classes, image shape, valid splits.

``DATASET_SPECS`` is the table; ``DATASETS`` (image classification), ``AUDIO_DATASETS`` (each the dataset of its own
task, ``deepcomplex.train.tasks``), ``RECONSTRUCTION_DATASETS`` (MRI reconstruction), ``NUM_CLASSES`` and
``IMAGE_SHAPES`` are views of it. Adding a dataset is one
entry plus its reader. ``SPLITS`` says which parts a split trains and tests on; ``load_part`` and ``load_split``
read a dataset through its entry.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import torch

from . import mnist
from .cifar import load_cifar, load_svhn
from .idx import PathLike

__all__ = ["DatasetSpec", "DATASET_SPECS", "DATASETS", "AUDIO_DATASETS", "RECONSTRUCTION_DATASETS", "NUM_CLASSES",
           "IMAGE_SHAPES", "SPLITS", "default_split", "load_part", "load_split"]

# split -> (the parts trained on, the part tested on). "60k" is the standard split of the MNIST family, "10k20E"
# CoShNet's small-data one (train on the 10k test part, evaluate on the 60k), "standard" the usual train/test of any
# dataset, "train+extra" SVHN's train and extra parts together.
SPLITS = {"60k": (("train",), "test"), "10k20E": (("test",), "train"), "standard": (("train",), "test"),
          "train+extra": (("train", "extra"), "test")}

# reader(part, data_dir, verify, **options) -> what load_part returns for that dataset
Reader = Callable[..., Any]


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of the table.

    Attributes:
        name: as given to ``--dataset`` and ``load_split``.
        reader: ``reader(part, data_dir, verify, **options)``; images uint8 and labels int64 for the image sets, what
            the audio set's loader returns otherwise.
        task: the training task that reads it ("classification", "musicnet", "timit" or "reconstruction").
        splits: the keys of ``SPLITS`` valid for it.
        default_split: the split used when none is given (one of ``splits``).
        num_classes: classes of an image classification set (None for the others).
        shape: (C, H, W) of one image (None for the audio and MRI sets).
        takes_options: whether ``reader`` takes keyword options (the audio loaders' settings, the MRI sets'
            undersampling).
    """
    name: str
    reader: Reader
    task: str
    splits: tuple[str, ...]
    default_split: str = "standard"
    num_classes: Optional[int] = None
    shape: Optional[tuple[int, int, int]] = None
    takes_options: bool = False

    def __post_init__(self) -> None:
        unknown = [s for s in self.splits if s not in SPLITS]
        if unknown or self.default_split not in self.splits:
            raise ValueError(f"{self.name}: splits {self.splits} / default {self.default_split!r} not in SPLITS")


def _idx_reader(name: str) -> Reader:
    def read(part: str, data_dir: Optional[PathLike], verify: bool):
        return mnist.load_part(name, part, data_dir, verify)
    return read


def _cifar_reader(name: str) -> Reader:
    def read(part: str, data_dir: Optional[PathLike], verify: bool):
        return load_cifar(name, part, data_dir)
    return read


def _read_svhn(part: str, data_dir: Optional[PathLike], verify: bool):
    return load_svhn(part, data_dir)


def _read_musicnet(part: str, data_dir: Optional[PathLike], verify: bool, **options):
    from .musicnet import load_musicnet  # imported on use: the image sets need none of the audio code
    return load_musicnet(data_dir, part, **options)


def _read_timit(part: str, data_dir: Optional[PathLike], verify: bool, **options):
    from .timit import load_timit
    return load_timit(data_dir, part, **options)


def _read_mri_demo(part: str, data_dir: Optional[PathLike], verify: bool, **options):
    from .mri import load_mri_demo  # the template ships with nilearn: data_dir is not read
    return load_mri_demo(part, **options)


def _read_fastmri(part: str, data_dir: Optional[PathLike], verify: bool, **options):
    from .mri import load_fastmri
    return load_fastmri(data_dir, part, **options)


_MNIST_SPLITS = ("60k", "10k20E", "standard")
DATASET_SPECS: dict[str, DatasetSpec] = {spec.name: spec for spec in (
    DatasetSpec("fashion-mnist", _idx_reader("fashion-mnist"), "classification", _MNIST_SPLITS, "60k", 10, (1, 28, 28)),
    DatasetSpec("mnist", _idx_reader("mnist"), "classification", _MNIST_SPLITS, "60k", 10, (1, 28, 28)),
    DatasetSpec("cifar10", _cifar_reader("cifar10"), "classification", ("standard",), num_classes=10,
                shape=(3, 32, 32)),
    DatasetSpec("cifar100", _cifar_reader("cifar100"), "classification", ("standard",), num_classes=100,
                shape=(3, 32, 32)),
    DatasetSpec("svhn", _read_svhn, "classification", ("standard", "train+extra"), num_classes=10, shape=(3, 32, 32)),
    DatasetSpec("musicnet", _read_musicnet, "musicnet", ("standard",), takes_options=True),
    DatasetSpec("timit", _read_timit, "timit", ("standard",), takes_options=True),
    DatasetSpec("mri-demo", _read_mri_demo, "reconstruction", ("standard",), shape=(1, 128, 128), takes_options=True),
    DatasetSpec("fastmri", _read_fastmri, "reconstruction", ("standard",), shape=(1, 320, 320), takes_options=True),
)}

DATASETS = tuple(n for n, s in DATASET_SPECS.items() if s.task == "classification")  # image classification
AUDIO_DATASETS = tuple(n for n, s in DATASET_SPECS.items() if s.task in ("musicnet", "timit"))
RECONSTRUCTION_DATASETS = tuple(n for n, s in DATASET_SPECS.items() if s.task == "reconstruction")  # MRI
NUM_CLASSES = {n: DATASET_SPECS[n].num_classes for n in DATASETS}
IMAGE_SHAPES = {n: DATASET_SPECS[n].shape for n in DATASETS}  # (C, H, W) of one image


def _known() -> str:
    return ", ".join(DATASET_SPECS)


def default_split(dataset: str) -> str:
    """"60k" for the MNIST family, "standard" for the others (and for a name not in the table)."""
    spec = DATASET_SPECS.get(dataset)
    return spec.default_split if spec is not None else "standard"


def load_part(dataset: str, part: str, data_dir: Optional[PathLike] = None, verify: bool = True, **options):
    """Images uint8 (N, H, W) for the MNIST family or (N, 3, 32, 32), and labels int64 (N,), of one part of a dataset.

    For the audio sets, what their loaders return (``options`` go to them): MusicNet ("train"/"test" part,
    ``deepcomplex.data.musicnet.load_musicnet``: lazy window views), TIMIT ("train"/"test",
    ``deepcomplex.data.timit.load_timit``: complex spectra and next-frame log-magnitudes). For the MRI sets, (inputs,
    targets) views of complex slices: "mri-demo" (``deepcomplex.data.mri.load_mri_demo``) and "fastmri"
    (``deepcomplex.data.mri.load_fastmri``), options acceleration, center_fraction, mask, noise, seed."""
    spec = DATASET_SPECS.get(dataset)
    if spec is not None and spec.takes_options:
        return spec.reader(part, data_dir, verify, **options)
    if options:
        raise TypeError(f"load_part: {dataset} takes no options, got {sorted(options)}")
    if spec is None:
        raise ValueError(f"unknown dataset {dataset!r}; available: {_known()}")
    return spec.reader(part, data_dir, verify)


def load_split(dataset: str, split: Optional[str] = None, data_dir: Optional[PathLike] = None, verify: bool = True,
               train: bool = True, **options):
    """(train_images, train_labels, test_images, test_labels) of ``dataset`` for a split valid for it.

    MusicNet's, TIMIT's and the MRI sets' one split, "standard", is their train part against their test part;
    ``options`` go to their loaders. ``train=False`` loads the test part alone (None for the training pair)."""
    spec = DATASET_SPECS.get(dataset)
    if spec is None:
        raise ValueError(f"unknown dataset {dataset!r}; available: {_known()}")
    split = spec.default_split if split is None else split
    if split not in spec.splits:
        raise ValueError(f"split {split!r} is not one of {dataset}'s: {', '.join(spec.splits)}")
    train_parts, test_part = SPLITS[split]
    if not train:
        return (None, None, *load_part(dataset, test_part, data_dir, verify, **options))
    parts = [load_part(dataset, p, data_dir, verify, **options) for p in train_parts]
    xtr = parts[0][0] if len(parts) == 1 else torch.cat([p[0] for p in parts])
    ytr = parts[0][1] if len(parts) == 1 else torch.cat([p[1] for p in parts])
    return (xtr, ytr, *load_part(dataset, test_part, data_dir, verify, **options))
