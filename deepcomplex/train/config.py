"""The settings of one training run (:class:`TrainConfig`) and what follows from them alone: its data and the model
arguments the data decides. A config is stored in its run's checkpoint and result.json, so a run can be rebuilt."""
from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Optional

from ..data import default_split
from ..data.mri import MASK_TYPES
from .schedules import AUGMENTS, OPTIMIZERS, SCHEDULES
from .tasks import Reconstruction, check_config, get_task


@dataclass
class TrainConfig:
    """Everything that defines a run; stored in its checkpoint and result."""
    model: Optional[str] = None    # None: the task's (coshnet_tiny, musicnet_shallow, timit_convlstm, complex_unet)
    model_args: dict = dataclasses.field(default_factory=dict)
    dataset: Optional[str] = None  # None: the task's ("fashion-mnist" for classification, "musicnet", "timit",
                                   # "mri-demo" for reconstruction)
    split: Optional[str] = None    # None: the dataset's default ("60k" for the MNIST family, else "standard")
    epochs: int = 20
    batch_size: int = 128
    lr: float = 1e-3
    seed: int = 1
    out: str = "runs/run"
    data_dir: Optional[str] = None
    limit_train: Optional[int] = None
    limit_test: Optional[int] = None
    eval_batch_size: Optional[int] = None  # None: the task's (256; 100 sequences for timit)
    schedule: str = "constant"     # learning rate: "constant" (CoShNet), "cosine" (to 0 at the last step), "dcn"
                                   # (piecewise), "dcn-musicnet" (DCN's MusicNet steps, per 1000 optimizer steps)
    augment: str = "none"          # "none", "flip" (mirror), "flip-shift" (and shift by up to 2 pixels),
                                   # "flip-shift-0.125" (by up to 1/8 of the side)
    optimizer: str = "adam"        # "adam" or "sgd-nesterov" (momentum 0.9)
    weight_decay: float = 0.0      # on weight matrices and kernels only (not biases or normalization parameters)
    clip_grad_norm: Optional[float] = None
    task: str = "classification"   # "classification" (images), "musicnet" (note transcription), "timit" (next frame),
                                   # "reconstruction" (MRI from undersampled k-space)
    # the reconstruction task's undersampling (fastMRI's Cartesian masks) and loss; other tasks refuse other values
    acceleration: int = 4          # keep 1 k-space column in `acceleration` on average
    center_fraction: Optional[float] = None  # of the columns kept at the centre; None: 0.08 at 4x, 0.04 at 8x
    mask: str = "random"           # "random" or "equispaced" (fastMRI's RandomMaskFunc / EquispacedMaskFractionFunc)
    loss: Optional[str] = None     # "l1" (complex L1; None), "mse" or "magnitude-phase"
    recipe: Optional[str] = None   # the name of the recipe (recipes.RECIPES) the settings came from, for reports and
                                   # plots only; None: set one by one (and in checkpoints made before it was stored)

    # a resumed run must agree with its checkpoint on these
    # (and on epochs too when the learning rate follows a schedule laid out over all of them)
    _RESUME_KEYS = ("model", "model_args", "dataset", "split", "batch_size", "lr", "seed", "limit_train", "limit_test",
                    "schedule", "augment", "optimizer", "weight_decay", "clip_grad_norm", "task", "acceleration",
                    "center_fraction", "mask", "loss")

    def __post_init__(self) -> None:
        _check_numbers(self)
        task = get_task(self.task)
        if self.model is None:
            self.model = task.default_model
        if self.dataset is None:
            self.dataset = task.default_dataset
        if self.eval_batch_size is None:
            self.eval_batch_size = task.eval_batch_size
        if self.split is None:
            self.split = default_split(self.dataset)
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; choose from {', '.join(SCHEDULES)}")
        if self.augment not in AUGMENTS:
            raise ValueError(f"unknown augment {self.augment!r}; choose from {', '.join(AUGMENTS)}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
        if self.mask not in MASK_TYPES:
            raise ValueError(f"unknown mask {self.mask!r}; choose from {', '.join(MASK_TYPES)}")
        if self.loss is not None and self.loss not in Reconstruction.LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; choose from {', '.join(Reconstruction.LOSSES)}")
        check_config(self)

    def resume_keys(self) -> tuple[str, ...]:
        """The settings a resumed run must share with its checkpoint: ``epochs`` too under a cosine schedule, which
        is laid out over all of them."""
        return self._RESUME_KEYS + (("epochs",) if self.schedule == "cosine" else ())


def _check_numbers(cfg: TrainConfig) -> None:
    """ValueError naming the setting for a number out of its range (the command line checks its flags the same way,
    before a config is made)."""
    def integer(name: str, minimum: int, optional: bool = False) -> None:
        v = getattr(cfg, name)
        if optional and v is None:
            return
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < minimum:
            raise ValueError(f"TrainConfig: {name} must be an integer >= {minimum}{' or None' if optional else ''}, "
                             f"got {v!r}")

    def real(name: str, low: float, inclusive: bool, optional: bool = False) -> None:
        v = getattr(cfg, name)
        if optional and v is None:
            return
        ok = isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) and \
            (v >= low if inclusive else v > low)
        if not ok:
            raise ValueError(f"TrainConfig: {name} must be a finite number {'>=' if inclusive else '>'} {low:g}"
                             f"{' or None' if optional else ''}, got {v!r}")

    integer("epochs", 1)
    integer("batch_size", 1)
    integer("seed", 0)
    integer("limit_train", 1, optional=True)
    integer("limit_test", 1, optional=True)
    integer("eval_batch_size", 1, optional=True)
    integer("acceleration", 1)
    real("lr", 0, inclusive=False)
    real("weight_decay", 0, inclusive=True)
    real("clip_grad_norm", 0, inclusive=False, optional=True)
    real("center_fraction", 0, inclusive=False, optional=True)
    if cfg.center_fraction is not None and cfg.center_fraction > 1:
        raise ValueError(f"TrainConfig: center_fraction must be a fraction of the columns in (0, 1], got "
                         f"{cfg.center_fraction!r}")


def resolved_model_args(cfg: TrainConfig, x) -> dict:
    """The run's model arguments, with what the data decides filled in where the model takes it and it is not given:
    in_channels and num_classes for images, window for MusicNet, n_freq for TIMIT (``x``: the training inputs)."""
    return get_task(cfg.task).model_args(cfg, x)


def load_data(cfg: TrainConfig, train: bool = True):
    """(x_train, y_train, x_test, y_test) as the run's task feeds them to the model (images: float (N, C, H, W) in
    [0, 1] and int64 labels), seeded subsets when limited; ``train=False``: (None, None, x_test, y_test)."""
    return get_task(cfg.task).load(cfg, train)


__all__ = ["TrainConfig", "load_data", "resolved_model_args"]
