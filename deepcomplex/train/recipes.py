"""The named training recipes: one table, each entry its settings and its description.

``deepcomplex train --recipe NAME`` starts from ``RECIPES[NAME]``'s settings (the command line's ``--epochs``,
``--batch-size`` and ``--lr`` win); the command's help (:func:`recipes_help`) and the recipe table of docs/training.md
(:func:`recipes_markdown`, checked by a test) are generated from the same entries, so a new recipe is one entry.
``paper`` is CoShNet's recipe (Ko et al., 2022); ``dcn-cifar`` and ``dcn-musicnet`` are Deep Complex Networks'
(Trabelsi et al., 2018, Sec. 4.1 and 4.2). See docs/RESULTS.md for what each recipe gives.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


class Recipe(Mapping):
    """One named recipe: a read-only mapping of :class:`~deepcomplex.train.config.TrainConfig` settings (so
    ``TrainConfig(**recipe)`` and ``dict(recipe)`` work) that also carries its description, one attribute per column
    of the README's table: ``optimizer``, ``rate`` (the learning rate and its schedule), ``batch_epochs`` and
    ``augmentation``; ``note`` is said after the name (e.g. whose recipe it is)."""

    def __init__(self, name: str, settings: Mapping[str, Any], *, optimizer: str, rate: str, batch_epochs: str,
                 augmentation: str, note: str = "") -> None:
        self.name, self._settings = name, dict(settings)
        self.optimizer, self.rate, self.batch_epochs, self.augmentation, self.note = \
            optimizer, rate, batch_epochs, augmentation, note

    def __getitem__(self, key: str) -> Any:
        return self._settings[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._settings)

    def __len__(self) -> int:
        return len(self._settings)

    def __repr__(self) -> str:
        return f"Recipe({self.name!r}, {self._settings!r})"

    @property
    def title(self) -> str:
        """The name with its note, e.g. ``paper (default; CoShNet's)``."""
        return f"{self.name} ({self.note})" if self.note else self.name

    @property
    def description(self) -> str:
        """The table's row as one line of text, as ``deepcomplex train --help`` shows it."""
        return (f"{self.optimizer}; learning rate {self.rate}; batch, epochs {self.batch_epochs}; "
                f"augmentation: {self.augmentation}")


_COSINE = "cosine decay to 0 over the run"
RECIPES: dict[str, Recipe] = {r.name: r for r in (
    Recipe("paper", {"schedule": "constant", "augment": "none"}, note="default; CoShNet's",
           optimizer="Adam", rate="1e-3, constant", batch_epochs="128, 20", augmentation="none"),
    Recipe("cosine", {"schedule": "cosine", "augment": "none"},
           optimizer="Adam", rate=f"1e-3, {_COSINE}", batch_epochs="128, 20", augmentation="none"),
    Recipe("regularized", {"schedule": "cosine", "augment": "flip-shift"},
           optimizer="Adam", rate=f"1e-3, {_COSINE}", batch_epochs="128, 20",
           augmentation="mirror (p = 1/2), shift by up to 2 pixels"),
    Recipe("cosine-2x", {"schedule": "cosine", "augment": "none", "lr": 2e-3},
           optimizer="Adam", rate=f"2e-3, {_COSINE} (mean rate 1e-3, the paper's)", batch_epochs="128, 20",
           augmentation="none"),
    Recipe("cosine-2x-flip", {"schedule": "cosine", "augment": "flip", "lr": 2e-3},
           optimizer="Adam", rate=f"2e-3, {_COSINE}", batch_epochs="128, 20", augmentation="mirror (p = 1/2)"),
    # Keras' l2(1e-4) on kernels adds 1e-4 * w^2 to the loss: a weight decay of 2e-4
    Recipe("dcn-cifar", {"schedule": "dcn", "augment": "flip-shift-0.125", "optimizer": "sgd-nesterov", "lr": 0.1,
                         "weight_decay": 2e-4, "clip_grad_norm": 1.0, "batch_size": 64, "epochs": 200},
           note="Deep Complex Networks'",
           optimizer="SGD, Nesterov 0.9, gradient norm clipped at 1, weight decay 2e-4 on kernels (Keras l2(1e-4))",
           rate="0.01 (epochs 0-9), 0.1, 0.01 from 100, 1e-3 from 120, 1e-4 from 150", batch_epochs="64, 200",
           augmentation="mirror, shift by up to 1/8 of the side"),
    # the batch size and the number of epochs stay the command line's (see schedules.DCN_MUSICNET_STEPS)
    Recipe("dcn-musicnet", {"schedule": "dcn-musicnet", "augment": "none", "optimizer": "adam", "lr": 1e-3},
           note="Deep Complex Networks' MusicNet",
           optimizer="Adam", rate="1e-3, then 1e-4 / 5e-5 / 1e-5 / 1e-6 after 10k / 100k / 120k / 150k steps (the "
                                  "original's epochs were 1,000 steps, so the schedule counts steps)",
           batch_epochs="128 and 20 unless given", augmentation="none"),
)}
DEFAULT_RECIPE = "paper"


def recipes_markdown() -> str:
    """The recipe table of docs/training.md (Markdown, no trailing newline): one row per entry of :data:`RECIPES`."""
    rows = ["| recipe | optimizer | learning rate | batch, epochs | augmentation |", "|---|---|---|---|---|"]
    for r in RECIPES.values():
        name = f"`{r.name}`" + (f" ({r.note})" if r.note else "")
        rows.append(f"| {name} | {r.optimizer} | {r.rate} | {r.batch_epochs} | {r.augmentation} |")
    return "\n".join(rows)


def recipes_help() -> str:
    """The ``--recipe`` help of ``deepcomplex train``: every recipe's title and description."""
    return " ".join(f"{r.title}: {r.description}." for r in RECIPES.values()) + \
        " Recipes with flips and shifts are for images only"


__all__ = ["DEFAULT_RECIPE", "RECIPES", "Recipe", "recipes_help", "recipes_markdown"]
