"""deepcomplex.train: the one training loop shared by every experiment, its recipes, and trained runs as an API.

Modules: ``config`` (TrainConfig), ``recipes`` (the named recipes), ``schedules`` (learning rates, augmentation,
optimizers), ``engine`` (the loop), ``tasks`` (what each task trains and reports), ``runs`` (loading, evaluating and
re-reporting a finished run), ``robustness`` (CoShNet's noise x blur test), ``lock`` (one training process per run
directory), ``plots``, ``io``, ``distributed``, ``metrics``, ``runtime``.
"""
from __future__ import annotations

from .config import TrainConfig, load_data
from .engine import train
from .lock import RunLockedError, run_lock
from .recipes import RECIPES, Recipe, recipes_markdown
from .robustness import robustness
from .runs import LoadedRun, evaluate_run, git_commit, load_run, load_run_model, read_result, summarize_result
from .schedules import learning_rate
from .tasks import evaluate

__all__ = ["LoadedRun", "RECIPES", "Recipe", "RunLockedError", "TrainConfig", "evaluate", "evaluate_run",
           "git_commit", "learning_rate", "load_data", "load_run", "load_run_model", "read_result", "recipes_markdown",
           "robustness", "run_lock", "summarize_result", "train"]
