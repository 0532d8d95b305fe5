"""A run's figures: the training curves (curves.png) and :func:`save_figure`, which writes any figure atomically."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..io import atomic_write
from .tasks import TASKS, Task


def save_figure(fig, path: Path, dpi: int = 100) -> Path:
    """Write the matplotlib figure ``fig`` to ``path`` as a PNG, atomically (:func:`deepcomplex.io.atomic_write`,
    which gives it an ordinary file's permissions, ``0o666`` less the umask, as ``fig.savefig(path)`` would)."""
    return atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=dpi))


def curves_title(model: str, recipe: Optional[str], history: list[dict], task: Optional[Task] = None) -> str:
    """The title of curves.png: the model, its recipe and the final test metric, e.g.
    ``coshnet_tiny, recipe cosine-2x-flip: test accuracy 91.20% after 20 epochs``."""
    task = task if task is not None else TASKS["classification"]
    recipe_text = f", recipe {recipe}" if recipe else ""
    if not history:
        return f"{model}{recipe_text}"
    last = history[-1]
    n = last["epoch"]
    return (f"{model}{recipe_text}: test {task.metric_label} {task.format(last[f'test_{task.short}'])} after {n} "
            f"epoch{'s' if n != 1 else ''}")


def plot_curves(history: list[dict], path: Path, task: Optional[Task] = None, title: Optional[str] = None) -> None:
    """Loss and the task's metric (default: accuracy) per epoch as a PNG, with integer epoch ticks and ``title``
    above both panels (``engine.train`` passes :func:`curves_title`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

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
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))  # whole epochs only
        if epochs and epochs[-1] - epochs[0] < 2:  # a span under 2 would leave no whole number to tick
            ax.set_xlim(epochs[0] - 0.5, epochs[-1] + 0.5)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    try:
        save_figure(fig, path, dpi=100)
    finally:
        plt.close(fig)


__all__ = ["curves_title", "plot_curves", "save_figure"]
