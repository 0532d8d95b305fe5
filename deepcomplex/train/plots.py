"""A run's figures: the training curves (curves.png) and :func:`save_figure`, which writes any figure atomically."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from ..io import atomic_write
from .tasks import TASKS, Task


def save_figure(fig, path: Path, dpi: int = 100) -> Path:
    """Write the matplotlib figure ``fig`` to ``path`` as a PNG, atomically (:func:`deepcomplex.io.atomic_write`),
    with an ordinary file's permissions (``0o666`` less the umask, as ``fig.savefig(path)`` gives)."""

    def write(f) -> None:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(f.fileno(), 0o666 & ~umask)
        fig.savefig(f, format="png", dpi=dpi)

    return atomic_write(path, write)


def plot_curves(history: list[dict], path: Path, task: Optional[Task] = None) -> None:
    """Loss and the task's metric (default: accuracy) per epoch as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(epochs, [h["train_loss"] for h in history], "o-", label="train")
    ax1.plot(epochs, [h["test_loss"] for h in history], "o-", label="test")
    task = task if task is not None else TASKS["classification"]
    ax1.set(xlabel="epoch", ylabel=task.loss_label, title="loss")
    if task.name == "classification":
        ax2.plot(epochs, [100 * h["train_acc"] for h in history], "o-", label="train")
        ax2.plot(epochs, [100 * h["test_acc"] for h in history], "o-", label="test")
        ax2.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    else:
        ax2.plot(epochs, [h[f"test_{task.short}"] for h in history], "o-", label="test")
        better = "higher" if task.higher_is_better else "lower"
        ax2.set(xlabel="epoch", ylabel=task.metric_label, title=f"{task.metric_label} ({better} is better)")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    try:
        save_figure(fig, path, dpi=100)
    finally:
        plt.close(fig)


__all__ = ["plot_curves", "save_figure"]
