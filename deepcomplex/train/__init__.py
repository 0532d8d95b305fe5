"""deepcomplex.train: the one training loop shared by every experiment."""
from .engine import TrainConfig, evaluate, evaluate_run, train
from .robustness import robustness

__all__ = ["TrainConfig", "evaluate", "evaluate_run", "robustness", "train"]
