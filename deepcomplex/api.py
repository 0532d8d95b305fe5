"""The top-level conveniences for using trained models: :func:`load_run` and :func:`evaluate`.

``deepcomplex.load_run(dir)`` and ``deepcomplex.evaluate(model, dataset)`` (imported lazily by
``deepcomplex/__init__.py``, so that ``import deepcomplex`` stays as quick as it was). They build on the saved-run
API of ``deepcomplex.train.runs``; unlike ``deepcomplex.train.load_run``, which loads the run's test set with it,
:func:`load_run` reads no data.
"""
from __future__ import annotations

import os
from types import SimpleNamespace
from typing import NamedTuple, Optional, Union

import torch
from torch import nn

from .data import default_split
from .train.config import TrainConfig
from .train.runs import load_run_model, read_result
from .train.tasks import DATASET_TASK, get_task

PathLike = Union[str, os.PathLike]

__all__ = ["SavedRun", "evaluate", "load_run"]


class SavedRun(NamedTuple):
    """A trained run as :func:`load_run` returns it (a tuple: ``model, config, result = load_run(dir)``)."""
    model: nn.Module        # the model with its trained weights, in eval mode
    config: TrainConfig     # the run's settings (model, model_args, dataset, split, recipe settings, seed, ...)
    result: Optional[dict]  # its result.json (test metric, history, commit, ...); None for an unfinished run


def load_run(path: PathLike) -> SavedRun:
    """A run directory written by ``deepcomplex train`` (or its checkpoint file) as (model, config, result).

    Reads no data: the model is rebuilt from the config stored in the checkpoint and given its trained weights, in
    eval mode; ``result`` is the run's result.json, None when the run has not finished (it has a checkpoint only).

    Args:
        path: the run directory (or its checkpoint.pt).

    Raises:
        FileNotFoundError: no checkpoint there. ValueError: a truncated or corrupt checkpoint.

    Example::

        >>> model, config, result = deepcomplex.load_run("runs/coshnet")  # doctest: +SKIP
        >>> config.model, result["test_accuracy"]  # doctest: +SKIP
        ('coshnet_tiny', 0.9195)
    """
    cfg, model, _ = load_run_model(path)
    try:
        result = read_result(path)
    except FileNotFoundError:
        result = None
    return SavedRun(model.eval(), cfg, result)


def evaluate(model: nn.Module, dataset: Union[str, tuple] = "fashion-mnist", split: Optional[str] = None, *,
             limit: Optional[int] = None, data_dir: Optional[PathLike] = None, batch_size: int = 256) -> dict:
    """Evaluate ``model`` on a dataset's test part (or on tensors), in eval mode, without gradients.

    Args:
        model: a model taking the dataset's inputs (for images: float (N, C, H, W) in [0, 1], as training feeds them).
        dataset: a dataset name (``deepcomplex.data.DATASETS``, or ``musicnet`` / ``timit``), or a pair
            ``(inputs, targets)`` of image classification already prepared (targets: int class labels).
        split: the split whose test part to use (default: the dataset's, "60k" for the MNIST family: its 10k test
            images).
        limit: evaluate on the first ``limit`` test examples only (not a random subset).
        data_dir: where the dataset's files are (default: the reader's, e.g. Debian's Fashion-MNIST package).
        batch_size: examples per forward pass.

    Returns:
        ``{"dataset", "split", "loss", <metric>: value, <unit>: count}``, e.g. for Fashion-MNIST
        ``{"loss": 0.23, "accuracy": 0.92, "images": 10000, ...}``; a reconstruction set adds the task's other
        metrics beside its PSNR (``nmse``, ``ssim``, ``phase_error``).

    Example::

        >>> model = deepcomplex.create_model("coshnet_tiny", pretrained=True)  # doctest: +SKIP
        >>> deepcomplex.evaluate(model, "fashion-mnist", limit=2000)["accuracy"]  # doctest: +SKIP
        0.9205
    """
    if limit is not None and limit < 1:
        raise ValueError(f"evaluate: limit must be >= 1, got {limit}")
    if batch_size < 1:
        raise ValueError(f"evaluate: batch_size must be >= 1, got {batch_size}")
    if isinstance(dataset, str):
        if dataset not in DATASET_TASK:
            raise ValueError(f"evaluate: unknown dataset {dataset!r}; available: {', '.join(DATASET_TASK)}")
        task = get_task(DATASET_TASK[dataset])
        split = split or default_split(dataset)
        # the task's own loading and preprocessing, as in training (no seeded subset: limit_test=None)
        cfg = SimpleNamespace(dataset=dataset, split=split, data_dir=None if data_dir is None else str(data_dir),
                              limit_train=None, limit_test=None, seed=0, model_args={})
        _, _, x, y = task.load(cfg, train=False)
        name = dataset
    else:
        if not (isinstance(dataset, (tuple, list)) and len(dataset) == 2):
            raise ValueError(f"evaluate: dataset must be a dataset name or an (inputs, targets) pair, "
                             f"got {type(dataset).__name__}")
        x, y = (torch.as_tensor(v) for v in dataset)
        if len(x) != len(y) or y.dim() != 1 or y.is_floating_point() or y.is_complex():
            raise ValueError(f"evaluate: an (inputs, targets) pair takes N inputs and N integer class labels, got "
                             f"inputs {tuple(x.shape)} and targets {tuple(y.shape)} {y.dtype}")
        task, name = get_task("classification"), None
    if limit is not None and limit < len(y):
        first = torch.arange(limit)  # the first examples; lazy audio views take an index through .subset
        x, y = (v.subset(first) if hasattr(v, "subset") else v[:limit] for v in (x, y))
    loss, metric, others = task.evaluate_all(model, x, y, batch_size)
    return {"dataset": name, "split": split, "loss": loss, task.metric: metric, **others, task.unit: len(y)}
