"""deepcomplex.data.registry: the one table of datasets and the views and loaders that read it."""
from __future__ import annotations

import pytest
import torch

from deepcomplex.data import (AUDIO_DATASETS, DATASET_SPECS, DATASETS, IMAGE_SHAPES, NUM_CLASSES,
                              RECONSTRUCTION_DATASETS, SPLITS, DatasetSpec, default_split, load_part, load_split)


def test_views_of_the_table():
    assert DATASETS == ("fashion-mnist", "mnist", "cifar10", "cifar100", "svhn")
    assert AUDIO_DATASETS == ("musicnet", "timit")
    assert RECONSTRUCTION_DATASETS == ("mri-demo", "fastmri")
    assert tuple(DATASET_SPECS) == DATASETS + AUDIO_DATASETS + RECONSTRUCTION_DATASETS
    assert NUM_CLASSES == {"fashion-mnist": 10, "mnist": 10, "cifar10": 10, "cifar100": 100, "svhn": 10}
    assert IMAGE_SHAPES == {"fashion-mnist": (1, 28, 28), "mnist": (1, 28, 28), "cifar10": (3, 32, 32),
                            "cifar100": (3, 32, 32), "svhn": (3, 32, 32)}
    assert [DATASET_SPECS[n].task for n in AUDIO_DATASETS] == ["musicnet", "timit"]
    assert [DATASET_SPECS[n].task for n in RECONSTRUCTION_DATASETS] == ["reconstruction"] * 2
    assert all(DATASET_SPECS[n].takes_options for n in AUDIO_DATASETS + RECONSTRUCTION_DATASETS)
    assert {n: s.splits for n, s in DATASET_SPECS.items()} == {
        "fashion-mnist": ("60k", "10k20E", "standard"), "mnist": ("60k", "10k20E", "standard"),
        "cifar10": ("standard",), "cifar100": ("standard",), "svhn": ("standard", "train+extra"),
        "musicnet": ("standard",), "timit": ("standard",), "mri-demo": ("standard",), "fastmri": ("standard",)}
    assert [default_split(n) for n in DATASET_SPECS] == ["60k", "60k"] + ["standard"] * 7
    assert default_split("not-in-the-table") == "standard"


def test_a_new_dataset_is_one_entry(monkeypatch):
    calls = []

    def reader(part, data_dir, verify):
        calls.append((part, data_dir, verify))
        n = {"train": 3, "extra": 2, "test": 1}[part]
        return torch.zeros(n, 1, 4, 4, dtype=torch.uint8), torch.arange(n)

    spec = DatasetSpec("toy", reader, "classification", ("standard", "train+extra"), num_classes=3, shape=(1, 4, 4))
    monkeypatch.setitem(DATASET_SPECS, "toy", spec)
    xtr, ytr, xte, yte = load_split("toy", "train+extra", "somewhere", verify=False)
    assert len(xtr) == 5 and torch.equal(ytr, torch.tensor([0, 1, 2, 0, 1])) and len(xte) == 1
    assert calls == [("train", "somewhere", False), ("extra", "somewhere", False), ("test", "somewhere", False)]
    assert load_split("toy", train=False)[:2] == (None, None)
    with pytest.raises(TypeError, match="toy takes no options"):
        load_part("toy", "train", window=3)
    with pytest.raises(ValueError, match="split '60k' is not one of toy's: standard, train\\+extra"):
        load_split("toy", "60k")


def test_entries_are_checked():
    with pytest.raises(ValueError, match="not in SPLITS"):
        DatasetSpec("bad", lambda *a: None, "classification", ("standard",), default_split="60k")
    with pytest.raises(ValueError, match="not in SPLITS"):
        DatasetSpec("bad", lambda *a: None, "classification", ("weekly",), default_split="weekly")
    assert set(SPLITS) == {"60k", "10k20E", "standard", "train+extra"}
