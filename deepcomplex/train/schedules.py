"""The pieces a recipe chooses: learning-rate schedules, training-batch augmentation and optimizers.

Each takes the run's :class:`~deepcomplex.train.config.TrainConfig` and depends only on it (and on the step, epoch and
batch it is asked about), so a resumed run repeats exactly what the uninterrupted one would have done. The DCN
schedules are those of Deep Complex Networks (Trabelsi et al., 2018, Sec. 4.1 and 4.2 and their code).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
from torch import nn

from ..data import random_flip_shift

if TYPE_CHECKING:
    from .config import TrainConfig

SCHEDULES = ("constant", "cosine", "dcn", "dcn-musicnet")
AUGMENTS = ("none", "flip", "flip-shift", "flip-shift-0.125")
OPTIMIZERS = ("adam", "sgd-nesterov")
# The DCN code's schedule for its base rate 0.1: (first epoch, factor of lr) from epoch 0, 10, 100, 120, 150 on.
DCN_STEPS = ((0, 0.1), (10, 1.0), (100, 0.1), (120, 0.01), (150, 0.001))
# The DCN code's MusicNet schedule for its rate 1e-3 (1e-3 for its epochs 0-9, 1e-4 to 99, 5e-5 to 119, 1e-5 to 149,
# 1e-6 after), where its "epoch" is 1000 optimizer steps (200 x 1000 steps in all), not a pass over the data: the
# factor of step s is that of DCN epoch s // DCN_MUSICNET_EPOCH_STEPS, whatever our epoch's length.
DCN_MUSICNET_STEPS = ((0, 1.0), (10, 0.1), (100, 0.05), (120, 0.01), (150, 0.001))
DCN_MUSICNET_EPOCH_STEPS = 1000


def learning_rate(cfg: TrainConfig, step: int, total: int, steps_per_epoch: int = 1) -> float:
    """The learning rate of optimizer step ``step`` (0-based) of ``total`` (``steps_per_epoch`` for epoch schedules).

    ``constant``: ``cfg.lr``; ``cosine``: ``lr / 2 * (1 + cos(pi * step / total))``, 0 at the last step; ``dcn``:
    ``lr`` times the factor of :data:`DCN_STEPS` for the step's epoch; ``dcn-musicnet``: ``lr`` times the factor of
    :data:`DCN_MUSICNET_STEPS` for DCN epoch ``step // DCN_MUSICNET_EPOCH_STEPS``.
    """
    if cfg.schedule == "cosine":
        return 0.5 * cfg.lr * (1.0 + math.cos(math.pi * step / total))
    if cfg.schedule == "dcn":
        epoch = step // steps_per_epoch
        return cfg.lr * [factor for first, factor in DCN_STEPS if epoch >= first][-1]
    if cfg.schedule == "dcn-musicnet":
        epoch = step // DCN_MUSICNET_EPOCH_STEPS
        return cfg.lr * [factor for first, factor in DCN_MUSICNET_STEPS if epoch >= first][-1]
    return cfg.lr


def augment_batch(cfg: TrainConfig, images: torch.Tensor, epoch: int, batch: int) -> torch.Tensor:
    """The training batch as the model sees it; random choices depend only on (seed, epoch, batch), as on resume.

    ``none`` returns ``images`` itself; ``flip`` mirrors each image with probability 1/2; ``flip-shift`` also shifts
    it by up to 2 pixels; ``flip-shift-0.125`` by up to 1/8 of the larger side (``data.random_flip_shift``).
    """
    if cfg.augment == "none":
        return images
    shift = {"flip": 0, "flip-shift": 2}.get(cfg.augment, round(0.125 * max(images.shape[-2:])))
    g = torch.Generator().manual_seed((cfg.seed * 1_000_003 + epoch) * 100_003 + batch)
    return random_flip_shift(images, shift, generator=g)


def make_optimizer(cfg: TrainConfig, model: nn.Module) -> torch.optim.Optimizer:
    """The recipe's optimizer; weight decay reaches weight matrices and kernels, not biases or normalization."""
    groups = list(model.parameters())  # one group without decay, as checkpoints of earlier versions have
    if cfg.weight_decay:
        groups = [{"params": [p for p in groups if p.dim() > 1], "weight_decay": cfg.weight_decay},
                  {"params": [p for p in groups if p.dim() <= 1], "weight_decay": 0.0}]
    if cfg.optimizer == "sgd-nesterov":
        return torch.optim.SGD(groups, lr=cfg.lr, momentum=0.9, nesterov=True)
    return torch.optim.Adam(groups, lr=cfg.lr)


__all__ = ["AUGMENTS", "DCN_MUSICNET_EPOCH_STEPS", "DCN_MUSICNET_STEPS", "DCN_STEPS", "OPTIMIZERS", "SCHEDULES",
           "augment_batch", "learning_rate", "make_optimizer"]
