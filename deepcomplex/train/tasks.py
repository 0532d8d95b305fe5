"""What a training run optimizes and reports, per task; the loop in ``engine.train`` is the same for all of them.

* ``classification``: the image sets (MNIST family, CIFAR, SVHN); images as float in [0, 1], cross-entropy, accuracy.
* ``musicnet``: MusicNet note transcription (Deep Complex Networks, Sec. 4.2): multi-label, binary cross-entropy with
  logits averaged over the 84 notes; metric the micro-averaged average precision over every (window, note) pair of
  the test part (``metrics.average_precision_micro`` of the logits: AP depends only on the scores' order, so logits
  and sigmoids give the same value).
* ``timit``: TIMIT next-frame spectrum prediction (Sec. 4.3): regression, ``log_magnitude_mse`` of the predicted
  complex spectrum against the true next frame's log-magnitudes, averaged over (T, F); metric that MSE on the test
  part (equal to the test loss).
* ``reconstruction``: MRI reconstruction from undersampled k-space (fastMRI, Zbontar et al., 2018): the input is the
  zero-filled complex image (inverse FFT of the masked k-space), the target the fully sampled complex image; loss
  complex L1 (or ``--loss``), averaged over pixels; metric PSNR of the magnitude images per volume, with NMSE, SSIM
  and the phase error beside it (``metrics.volume_metrics``), each averaged over the test volumes.

Every loss is a per-example mean (over notes, or over frames and bins) summed over the batch's examples
(``loss_sum``); the loop divides by the global batch size, so one process and DDP ranks agree as for images.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from ..data import AUDIO_DATASETS, DATASETS, NUM_CLASSES, RECONSTRUCTION_DATASETS, load_split
from ..models import model_arguments


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 256) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of ``model`` in eval mode."""
    model.eval()
    loss, correct = 0.0, 0
    for i in range(0, len(y), batch_size):
        logits = model(x[i:i + batch_size])
        loss += nn.functional.cross_entropy(logits, y[i:i + batch_size], reduction="sum").item()
        correct += (logits.argmax(1) == y[i:i + batch_size]).sum().item()
    return loss / max(len(y), 1), correct / max(len(y), 1)


def _subset(x, y, limit: Optional[int], seed: int, salt: int):
    """A seeded subset of ``limit`` examples (the same one every run with this seed); lazy views stay lazy."""
    if limit is None or limit >= len(y):
        return x, y
    idx = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed * 7919 + salt))[:limit]
    return tuple(v.subset(idx) if hasattr(v, "subset") else v[idx] for v in (x, y))


class Task:
    """One kind of run: its data, loss, optional train statistic and test metric.

    Attributes: ``name``; ``datasets`` it trains on (the first is its default); ``metric`` (the name in result.json
    and eval's output: ``test_<metric>``), ``short`` (the history / metrics.csv column: ``test_<short>``),
    ``metric_label`` (for people), ``higher_is_better``; ``train_stat`` (a history column of a training statistic,
    or None); ``loss_label``; ``unit`` (what one example is: ``<unit>_per_second``, eval's ``test_<unit>``);
    ``fills`` (the model arguments filled in from the data when the model takes them); ``eval_batch_size``
    (its default); ``model_prefix`` (the registered models made for it, by name; None: any other model);
    ``default_model`` (the model a run trains unless told).
    """
    name = ""
    datasets: tuple = ()
    metric = short = metric_label = loss_label = ""
    higher_is_better = True
    train_stat: Optional[str] = None
    unit = "examples"
    fills: tuple = ()
    # 256: larger batches' activations exceed glibc's reuse threshold and page-fault in fresh memory (measured: 10,000
    # coshnet_tiny test images took 5.3 s at 1000, 3.0 s at 256)
    eval_batch_size = 256
    model_prefix: Optional[str] = None
    default_model = "coshnet_tiny"

    @property
    def default_dataset(self) -> str:
        """The dataset a run of this task trains on unless told otherwise (the first of ``datasets``)."""
        return self.datasets[0]

    def load(self, cfg, train: bool = True):
        """(x_train, y_train, x_test, y_test) of the run's dataset and split, seeded subsets when cfg limits them;
        ``train=False``: the test pair alone (None, None, x_test, y_test)."""
        xtr, ytr, xte, yte = load_split(cfg.dataset, cfg.split, cfg.data_dir, train=train, **self.load_options(cfg))
        if train:
            xtr, ytr = _subset(xtr, ytr, cfg.limit_train, cfg.seed, 1)
        return (xtr, ytr, *_subset(xte, yte, cfg.limit_test, cfg.seed, 2))

    def load_options(self, cfg) -> dict:
        """Extra keyword arguments of ``data.load_split`` for this run (none by default)."""
        return {}

    def model_args(self, cfg, x) -> dict:
        """The run's model arguments with ``fills`` filled in from the data (``x``: training inputs) where the model
        takes them and they are not given."""
        args = dict(cfg.model_args)
        takes = model_arguments(cfg.model)
        for key, value in self.fill_values(cfg, x).items():
            if key in takes:
                args.setdefault(key, value)
        return args

    def fill_values(self, cfg, x) -> dict:
        """The values of ``fills`` that the data (``x``: the training inputs) decides (none by default)."""
        return {}

    def loss_sum(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """The loss of each example, summed over the batch (a scalar tensor with gradients)."""
        raise NotImplementedError

    def train_stat_sum(self, outputs: torch.Tensor, targets: torch.Tensor) -> float:
        """The batch's sum of the training statistic (only when ``train_stat`` is set)."""
        raise NotImplementedError

    def evaluate(self, model: nn.Module, x, y, batch_size: int) -> tuple[float, float]:
        """(mean loss, metric) of ``model`` in eval mode on (x, y), in batches."""
        raise NotImplementedError

    def evaluate_all(self, model: nn.Module, x, y, batch_size: int) -> tuple[float, float, dict]:
        """(mean loss, metric, the task's other test metrics by name) of ``model`` in eval mode: the epoch's report
        (``test_<name>`` columns beside ``test_<short>``); none besides the metric by default."""
        return (*self.evaluate(model, x, y, batch_size), {})

    def configured(self, cfg) -> "Task":
        """This task with the run's own settings applied (the reconstruction task's ``loss``); itself by default."""
        return self

    def format(self, value: float) -> str:
        """The metric as people read it in the command's output (4 decimals by default)."""
        return f"{value:.4f}"


class Classification(Task):
    """Image classification: cross-entropy, training and test accuracy."""
    name = "classification"
    datasets = DATASETS
    metric, short, metric_label, loss_label = "accuracy", "acc", "accuracy", "cross-entropy"
    train_stat = "train_acc"
    unit = "images"
    fills = ("in_channels", "num_classes")

    def load(self, cfg, train: bool = True):
        """Images as float (N, C, H, W) in [0, 1] and int64 labels."""
        xtr, ytr, xte, yte = super().load(cfg, train)
        prep = lambda x: (x.unsqueeze(1) if x.dim() == 3 else x).float().div_(255.0)  # noqa: E731
        return (prep(xtr) if train else None), ytr, prep(xte), yte

    def fill_values(self, cfg, x) -> dict:
        return {"in_channels": x.shape[1], "num_classes": NUM_CLASSES[cfg.dataset]}

    def loss_sum(self, outputs, targets):
        return nn.functional.cross_entropy(outputs, targets, reduction="sum")

    def train_stat_sum(self, outputs, targets) -> float:
        return float((outputs.argmax(1) == targets).sum().item())

    def evaluate(self, model, x, y, batch_size):
        return evaluate(model, x, y, batch_size)

    def format(self, value: float) -> str:
        return f"{100 * value:.2f}%"


class MusicNet(Task):
    """MusicNet note transcription (Trabelsi et al., 2018, Sec. 4.2): per-note binary cross-entropy, micro AP."""
    name = "musicnet"
    datasets = ("musicnet",)
    metric, short, metric_label = "average_precision", "ap", "average precision"
    loss_label = "binary cross-entropy"
    unit = "windows"
    fills = ("window",)
    model_prefix = "musicnet_"
    default_model = "musicnet_shallow"

    def load_options(self, cfg) -> dict:
        # the windows are as long as the model's input (its ``window`` argument, else the paper's 4096 samples)
        from ..data.musicnet import WINDOW
        return {"window": int(cfg.model_args.get("window", WINDOW))}

    def load(self, cfg, train: bool = True):
        out = super().load(cfg, train)
        yte = out[3]
        if yte[:].sum() == 0:  # AP would be undefined at the end of every epoch: say so before training
            raise ValueError(f"musicnet: the {len(yte)} test windows have no sounding note, so average precision is "
                             f"undefined; use more test windows (--limit-test) or other data")
        return out

    def fill_values(self, cfg, x) -> dict:
        return {"window": x.shape[-1]}

    def loss_sum(self, outputs, targets):
        return nn.functional.binary_cross_entropy_with_logits(outputs, targets, reduction="none").mean(1).sum()

    @torch.no_grad()
    def evaluate(self, model, x, y, batch_size):
        from .metrics import average_precision_micro

        model.eval()
        loss, scores, targets = 0.0, [], []
        for i in range(0, len(y), batch_size):
            logits, t = model(x[i:i + batch_size]), y[i:i + batch_size]
            loss += self.loss_sum(logits, t).item()
            scores.append(logits.float())
            targets.append(t)
        return loss / max(len(y), 1), average_precision_micro(torch.cat(scores), torch.cat(targets))


class Timit(Task):
    """TIMIT next-frame spectrum prediction (Trabelsi et al., 2018, Sec. 4.3): log-magnitude MSE."""
    name = "timit"
    datasets = ("timit",)
    metric, short, metric_label = "log_magnitude_mse", "mse", "log-magnitude MSE"
    loss_label = "log-magnitude MSE"
    higher_is_better = False
    unit = "sequences"
    fills = ("n_freq",)
    eval_batch_size = 100  # sequences of 50 frames: a ConvLSTM's gates for 1000 of them at once would take GBs
    model_prefix = "timit_"
    default_model = "timit_convlstm"

    def fill_values(self, cfg, x) -> dict:
        return {"n_freq": x.shape[-1]}

    def loss_sum(self, outputs, targets):
        from ..functional.loss import log_magnitude_mse

        return log_magnitude_mse(outputs, targets, reduction="none").mean((1, 2)).sum()

    @torch.no_grad()
    def evaluate(self, model, x, y, batch_size):
        model.eval()
        loss = 0.0
        for i in range(0, len(y), batch_size):
            loss += self.loss_sum(model(x[i:i + batch_size]), y[i:i + batch_size]).item()
        mse = loss / max(len(y), 1)
        return mse, mse


class Reconstruction(Task):
    """MRI reconstruction (fastMRI, Zbontar et al., 2018): zero-filled complex image in, fully sampled one out.

    The data (``data.mri``) give complex (N, 1, H, W) inputs and targets scaled per volume, and the volume of each
    slice (``y.volumes``); masks and the demo's phase maps depend on the data seed (0), not on the run's seed, so runs
    of every seed are tested on the same inputs. Test metrics per volume on magnitude images as fastMRI's (NMSE,
    PSNR, SSIM with the volume's maximum as data range) plus the phase error inside the object, averaged over volumes.
    """
    name = "reconstruction"
    datasets = RECONSTRUCTION_DATASETS
    metric, short, metric_label = "psnr", "psnr", "PSNR"
    loss_label = "complex L1"
    unit = "slices"
    eval_batch_size = 16
    model_prefix = "complex_unet"
    default_model = "complex_unet"
    extra_metrics = ("nmse", "ssim", "phase_error")
    LOSSES = {"l1": "complex L1", "mse": "complex MSE", "magnitude-phase": "magnitude-phase"}
    DEFAULT_LOSS = "l1"

    def __init__(self, loss: str = DEFAULT_LOSS) -> None:
        if loss not in self.LOSSES:
            raise ValueError(f"unknown loss {loss!r} for the reconstruction task; choose from {', '.join(self.LOSSES)}")
        self.loss = loss
        self.loss_label = self.LOSSES[loss]

    def configured(self, cfg) -> "Reconstruction":
        return Reconstruction(getattr(cfg, "loss", None) or self.DEFAULT_LOSS)

    def load_options(self, cfg) -> dict:
        # the run's undersampling (a plain namespace, as deepcomplex.evaluate's, gets the defaults)
        return {k: getattr(cfg, k, RECONSTRUCTION_SETTINGS[k]) for k in ("acceleration", "center_fraction", "mask")}

    def loss_sum(self, outputs, targets):
        from ..functional.loss import complex_l1_loss, complex_mse_loss, magnitude_phase_loss

        fn = {"l1": complex_l1_loss, "mse": complex_mse_loss, "magnitude-phase": magnitude_phase_loss}[self.loss]
        return fn(outputs, targets, reduction="none").flatten(1).mean(1).sum()

    def evaluate(self, model, x, y, batch_size):
        return self.evaluate_all(model, x, y, batch_size)[:2]

    @torch.no_grad()
    def evaluate_all(self, model, x, y, batch_size):
        """Volume by volume (their slices in order): the loss per slice, and the metrics of each volume's stack."""
        from .metrics import volume_metrics

        model.eval()
        volumes = torch.as_tensor(y.volumes)
        loss, sums = 0.0, {}
        ids = torch.unique(volumes)
        for v in ids:
            rows = torch.nonzero(volumes == v).flatten()
            preds, targets = [], []
            for i in range(0, len(rows), batch_size):
                idx = rows[i:i + batch_size]
                out, t = model(x[idx]), y[idx]
                loss += self.loss_sum(out, t).item()
                preds.append(out.flatten(0, 1))
                targets.append(t.flatten(0, 1))
            for key, value in volume_metrics(torch.cat(targets), torch.cat(preds)).items():
                sums[key] = sums.get(key, 0.0) + float(value)
        means = {k: s / max(len(ids), 1) for k, s in sums.items()}
        psnr = means.pop("psnr", float("nan"))
        return loss / max(len(volumes), 1), psnr, means

    def format(self, value: float) -> str:
        return f"{value:.2f} dB"


TASKS = {t.name: t for t in (Classification(), MusicNet(), Timit(), Reconstruction())}
DATASET_TASK = {d: name for name, t in TASKS.items() for d in t.datasets}
assert set(DATASET_TASK) == set(DATASETS + AUDIO_DATASETS + RECONSTRUCTION_DATASETS)


# the settings of TrainConfig that only the reconstruction task reads, with their defaults
RECONSTRUCTION_SETTINGS = {"acceleration": 4, "center_fraction": None, "mask": "random", "loss": None}


def get_task(name: str) -> Task:
    """The task named ``name`` (ValueError listing the tasks for an unknown one)."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; choose from {', '.join(TASKS)}")
    return TASKS[name]


def check_config(cfg) -> None:
    """The dataset, model and augmentation of ``cfg`` fit its task (ValueError saying what to change)."""
    task = get_task(cfg.task)
    owner = DATASET_TASK.get(cfg.dataset)
    if owner is None:
        raise ValueError(f"unknown dataset {cfg.dataset!r}; available: {', '.join(DATASET_TASK)}")
    if owner != task.name:
        hint = f"pass --task {owner}" if owner != "classification" else \
            f"the {task.name} task trains on {', '.join(task.datasets)}"
        raise ValueError(f"dataset {cfg.dataset!r} belongs to the {owner} task, not {task.name}: {hint}")
    for other in TASKS.values():
        prefix = other.model_prefix
        if prefix and other is not task and cfg.model.startswith(prefix):
            raise ValueError(f"model {cfg.model!r} is made for the {other.name} task, not {task.name}")
    if task.model_prefix and not cfg.model.startswith(task.model_prefix):
        raise ValueError(f"model {cfg.model!r} does not fit the {task.name} task: choose a {task.model_prefix}* model")
    if task.name != "reconstruction":
        given = [f"{k}={getattr(cfg, k)!r}" for k, default in RECONSTRUCTION_SETTINGS.items()
                 if getattr(cfg, k, default) != default]
        if given:
            raise ValueError(f"{', '.join(given)} set the reconstruction task's undersampling and loss; this is a "
                             f"{task.name} run (pass --task reconstruction)")
    if task.name != "classification" and cfg.augment != "none":
        raise ValueError(f"augment {cfg.augment!r} flips and shifts images; the {task.name} task takes none "
                         f"(use a recipe without augmentation, e.g. --recipe paper)")


__all__ = ["Task", "TASKS", "RECONSTRUCTION_SETTINGS", "Reconstruction", "get_task", "check_config", "evaluate"]
