"""Trained runs as a public API: load a run directory (or a checkpoint file) back into its config and model, with
or without its test data, evaluate it again, and name the code that produced a result (:func:`git_commit`).

``robustness``, the ``eval`` and ``export`` commands and ``examples/`` build on these; none of them reads any
training data.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional, Union

from torch import nn

from ..data import DATASET_SPECS
from ..models import count_parameters, create_model
from .config import TrainConfig, load_data
from .io import CHECKPOINT, load_checkpoint
from .tasks import get_task

PathLike = Union[str, Path]


class LoadedRun(NamedTuple):
    """A trained run with its test data, as :func:`load_run` returns it (a tuple: it unpacks in this order)."""
    state: dict          # the checkpoint: "model", "optimizer", "epoch" (0-based), "history", "config", ...
    config: TrainConfig  # the run's settings, with any data_dir / split / limit_test given to load_run
    model: nn.Module     # the model with its trained weights (in train mode, as built)
    x_test: Any          # the test inputs as the task feeds them to the model (images: float (N, C, H, W) in [0, 1])
    y_test: Any          # the test targets

    @property
    def epoch(self) -> int:
        """The number of epochs the checkpoint has trained (1-based, as in metrics.csv)."""
        return self.state["epoch"] + 1


def git_commit() -> Optional[str]:
    """The commit of the deepcomplex checkout this code runs from (``git rev-parse HEAD``), or None outside one."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True,
                             timeout=5)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def checkpoint_path(path: PathLike) -> Path:
    """The checkpoint file of a run directory (its checkpoint.pt), or ``path`` itself when it is a file."""
    p = Path(path)
    return p / CHECKPOINT if p.is_dir() else p


def _checkpoint_model(path: PathLike, check: Optional[Callable[[TrainConfig], None]] = None):
    """(checkpoint state, config, model with its trained weights) of a run directory or checkpoint file; reads no
    data. ``check(cfg)``, if given, runs first (to refuse a run early)."""
    state = load_checkpoint(checkpoint_path(path))
    cfg = TrainConfig(**state["config"])  # a checkpoint of an earlier version, without "task", is classification
    if check is not None:
        check(cfg)
    model = create_model(cfg.model, **cfg.model_args)
    model.load_state_dict(state["model"])
    return state, cfg, model


def run_config(path: PathLike) -> TrainConfig:
    """The settings of a run directory or checkpoint file (its task, model, data...), without building its model."""
    return TrainConfig(**load_checkpoint(checkpoint_path(path))["config"])


def load_run_model(path: PathLike):
    """(config, model with its trained weights, input image shape (C, H, W), or None for the audio tasks) of a run
    directory or checkpoint file, without reading any data (reconstruction: the (1, H, W) of its complex slices)."""
    _, cfg, model = _checkpoint_model(path)
    spec = DATASET_SPECS.get(cfg.dataset)
    return cfg, model, None if spec is None else spec.shape


def load_run(path: PathLike, data_dir: Optional[str] = None, split: Optional[str] = None,
             limit_test: Optional[int] = None, check: Optional[Callable[[TrainConfig], None]] = None) -> LoadedRun:
    """A run directory or checkpoint file with its model and its test data (see :class:`LoadedRun`).

    ``data_dir``, ``split`` and ``limit_test`` replace the run's own when given; ``check(cfg)``, if given, runs
    before the model is built or any data is read (to refuse a run early with its own error).
    """
    state, cfg, model = _checkpoint_model(path, check)
    if data_dir is not None:
        cfg.data_dir = data_dir
    if split is not None:
        cfg.split = split
    if limit_test is not None:
        cfg.limit_test = limit_test
    _, _, xte, yte = load_data(cfg, train=False)
    return LoadedRun(state, cfg, model, xte, yte)


def evaluate_run(path: PathLike, data_dir: Optional[str] = None, split: Optional[str] = None) -> dict:
    """Re-evaluate a run directory or checkpoint file on its (or another) split's test set.

    Returns what ``deepcomplex eval`` prints: checkpoint, model, task, dataset, split, epoch, metric, test_loss,
    ``test_<metric>`` (e.g. test_accuracy), ``test_<unit>`` (the number of test examples, e.g. test_images) and
    parameters.
    """
    run = load_run(path, data_dir, split)
    cfg = run.config
    task = get_task(cfg.task).configured(cfg)
    loss, metric, others = task.evaluate_all(run.model, run.x_test, run.y_test, cfg.eval_batch_size)
    return {"checkpoint": str(Path(path)), "model": cfg.model, "task": task.name, "dataset": cfg.dataset,
            "split": cfg.split, "epoch": run.epoch, "metric": task.metric, "test_loss": loss,
            f"test_{task.metric}": metric, **{f"test_{k}": v for k, v in others.items()},
            f"test_{task.unit}": len(run.y_test),
            "parameters": count_parameters(run.model)}


def read_result(path: PathLike) -> dict:
    """The result.json of a run directory (or of the directory holding a checkpoint file), as ``train`` returned it."""
    p = Path(path)
    return json.loads(((p if p.is_dir() else p.parent) / "result.json").read_text())


def summarize_result(result: dict) -> str:
    """The one-line summary that ``deepcomplex train`` prints at the end of a run, from its result (see
    :func:`read_result`): model, data (the number of training examples it really used), recipe, epochs, the test
    metric, parameters, seconds per epoch, where it was written."""
    cfg, task = result["config"], get_task(result["task"])
    n_train = result.get(f"train_{task.unit}")  # results written before it was stored lack it
    data = f"{cfg['split']} split, {n_train:,} training {task.unit}" if n_train is not None else cfg["split"]
    recipe = f", recipe {cfg['recipe']}" if cfg.get("recipe") else ""
    epochs = cfg["epochs"]
    return (f"{cfg['model']} on {cfg['dataset']} ({data}){recipe}, {epochs} epoch{'s' if epochs != 1 else ''}: "
            f"test {task.metric_label} {task.format(result['test_' + task.metric])}, {result['parameters']:,} "
            f"parameters, {result['seconds_per_epoch']:.1f} s/epoch; wrote {cfg['out']}/result.json")


__all__ = ["LoadedRun", "checkpoint_path", "evaluate_run", "git_commit", "load_run", "load_run_model", "read_result",
           "run_config", "summarize_result"]
