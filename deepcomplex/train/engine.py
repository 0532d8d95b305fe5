"""One training loop for every model, dataset and task (image classification, MusicNet, TIMIT; see ``tasks``): seeded
batches, per-epoch CSV, atomic checkpoints, exact resume."""
from __future__ import annotations

import dataclasses
import math
import os
import platform
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import torch
from torch import nn
from tqdm import tqdm

from .. import __version__
from ..data import default_split, random_flip_shift
from ..data.splits import IMAGE_SHAPES
from ..models import count_parameters, create_model
from .io import load_checkpoint, save_checkpoint, save_csv, save_json
from .tasks import TASKS, Task, check_config, evaluate, get_task  # noqa: F401 (evaluate: engine's, as before)

CHECKPOINT = "checkpoint.pt"


@dataclass
class TrainConfig:
    """Everything that defines a run; stored in its checkpoint and result."""
    model: str = "resnet18"
    model_args: dict = dataclasses.field(default_factory=dict)
    dataset: Optional[str] = None  # None: the task's ("fashion-mnist" for classification, "musicnet", "timit")
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
    augment: str = "none"          # "none", "flip" (mirror), "flip-shift" (and shift by up to 2 pixels), "flip-shift-0.125" (1/8 side)
    optimizer: str = "adam"        # "adam" or "sgd-nesterov" (momentum 0.9)
    weight_decay: float = 0.0      # on weight matrices and kernels only (not biases or normalization parameters)
    clip_grad_norm: Optional[float] = None
    task: str = "classification"   # "classification" (images), "musicnet" (note transcription), "timit" (next frame)

    # a resumed run must agree with its checkpoint on these
    # (and on epochs too when the learning rate follows a schedule laid out over all of them)
    _RESUME_KEYS = ("model", "model_args", "dataset", "split", "batch_size", "lr", "seed", "limit_train", "limit_test",
                    "schedule", "augment", "optimizer", "weight_decay", "clip_grad_norm", "task")

    def __post_init__(self) -> None:
        task = get_task(self.task)
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
        check_config(self)


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
# Named recipes, the same for every model: "paper" is CoShNet's (Adam 1e-3, constant rate, batch 128, 20 epochs, no
# augmentation); "regularized" adds a cosine decay and random flips and 2-pixel shifts; "cosine" the decay alone;
# "cosine-2x" decays from 2e-3, so that the mean rate over the run is the paper's 1e-3, and "cosine-2x-flip" adds
# random left-right flips; "dcn-cifar" is Deep Complex
# Networks' CIFAR/SVHN recipe (SGD Nesterov 0.9, gradient norm clipped at 1, Keras l2(1e-4) on kernels, which is a weight
# decay of 2e-4, batch 64, 200 epochs of the piecewise schedule, flips and shifts by 1/8 of the side); "dcn-musicnet" is
# its MusicNet one (Adam 1e-3 stepped down every so many thousand optimizer steps, no augmentation; the batch size and
# the number of epochs stay the command line's: see DCN_MUSICNET_STEPS). Augmentation is for images only.
RECIPES = {
    "paper": {"schedule": "constant", "augment": "none"},
    "regularized": {"schedule": "cosine", "augment": "flip-shift"},
    "cosine": {"schedule": "cosine", "augment": "none"},
    "cosine-2x": {"schedule": "cosine", "augment": "none", "lr": 2e-3},
    "cosine-2x-flip": {"schedule": "cosine", "augment": "flip", "lr": 2e-3},
    "dcn-cifar": {"schedule": "dcn", "augment": "flip-shift-0.125", "optimizer": "sgd-nesterov", "lr": 0.1,
                  "weight_decay": 2e-4, "clip_grad_norm": 1.0, "batch_size": 64, "epochs": 200},
    "dcn-musicnet": {"schedule": "dcn-musicnet", "augment": "none", "optimizer": "adam", "lr": 1e-3},
}


def learning_rate(cfg: TrainConfig, step: int, total: int, steps_per_epoch: int = 1) -> float:
    """The learning rate of optimizer step ``step`` (0-based) of ``total`` (``steps_per_epoch`` for epoch schedules)."""
    if cfg.schedule == "cosine":
        return 0.5 * cfg.lr * (1.0 + math.cos(math.pi * step / total))
    if cfg.schedule == "dcn":
        epoch = step // steps_per_epoch
        return cfg.lr * [factor for first, factor in DCN_STEPS if epoch >= first][-1]
    if cfg.schedule == "dcn-musicnet":
        epoch = step // DCN_MUSICNET_EPOCH_STEPS
        return cfg.lr * [factor for first, factor in DCN_MUSICNET_STEPS if epoch >= first][-1]
    return cfg.lr


def _augment(cfg: TrainConfig, images: torch.Tensor, epoch: int, batch: int) -> torch.Tensor:
    """The training batch as the model sees it; random choices depend only on (seed, epoch, batch), as on resume."""
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


def resolved_model_args(cfg: TrainConfig, x) -> dict:
    """The run's model arguments, with what the data decides filled in where the model takes it and it is not given:
    in_channels and num_classes for images, window for MusicNet, n_freq for TIMIT (``x``: the training inputs)."""
    return get_task(cfg.task).model_args(cfg, x)


def load_data(cfg: TrainConfig, train: bool = True):
    """(x_train, y_train, x_test, y_test) as the run's task feeds them to the model (images: float (N, C, H, W) in
    [0, 1] and int64 labels), seeded subsets when limited; ``train=False``: (None, None, x_test, y_test)."""
    return get_task(cfg.task).load(cfg, train)


def _epoch_order(cfg: TrainConfig, epoch: int, n: int) -> torch.Tensor:
    """The batch order of an epoch depends only on (seed, epoch), so a resumed run sees the same batches."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(cfg.seed * 1_000_003 + epoch))


def _git_commit() -> Optional[str]:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True,
                             timeout=5)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


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
    tmp = path.with_name("." + path.name + ".tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(path)


def _distributed() -> tuple[int, int]:
    """(rank, world size); under torchrun (WORLD_SIZE > 1) joins the gloo process group the launcher describes."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("gloo")
    return dist.get_rank(), dist.get_world_size()


def _all_sum(values: list[float], world: int) -> list[float]:
    if world == 1:
        return values
    import torch.distributed as dist

    t = torch.tensor(values, dtype=torch.float64)
    dist.all_reduce(t)
    return t.tolist()


def _barrier(world: int) -> None:
    if world > 1:
        import torch.distributed as dist

        dist.barrier()


def train(cfg: TrainConfig, resume: bool = False, progress: bool = True) -> dict:
    """Train ``cfg.model`` on ``cfg.dataset`` for ``cfg.task``; write metrics.csv, checkpoint.pt (each epoch),
    result.json, curves.png.

    The task (``tasks.get_task(cfg.task)``) supplies the data, the per-example loss summed over a batch, an optional
    training statistic (classification: accuracy) and the test metric; everything else is common to all tasks.
    History rows: epoch, train_loss, [train_acc,] test_loss, test_<short> (test_acc, test_ap, test_mse), seconds,
    <unit>_per_second; result.json: test_<metric> (test_accuracy, test_average_precision, test_log_magnitude_mse).

    Under ``torchrun --nproc-per-node N`` the ranks split every global batch of ``cfg.batch_size`` examples between them
    (DistributedDataParallel over gloo, the loss scaled so the averaged gradient is the global batch's mean), reduce
    their metrics, and rank 0 alone writes files: the same training as one process on the same global batches.
    """
    rank, world = _distributed()
    out = Path(cfg.out)
    ckpt_path = out / CHECKPOINT
    if ckpt_path.exists() and not resume:
        raise FileExistsError(f"{ckpt_path} exists: pass --resume to continue that run, or choose another --out")
    task = get_task(cfg.task)
    torch.manual_seed(cfg.seed)
    xtr, ytr, xte, yte = load_data(cfg)
    cfg.model_args = resolved_model_args(cfg, xtr)  # stored resolved, so eval rebuilds the same model
    model = create_model(cfg.model, **cfg.model_args)
    opt = make_optimizer(cfg, model)
    history, start = [], 0
    progress = progress and rank == 0
    if resume:
        state = load_checkpoint(ckpt_path)
        saved = dict(state["config"])
        # runs of earlier versions stored only the arguments given; what the data fills in was their default too
        saved["model_args"] = {**{k: v for k, v in cfg.model_args.items() if k in task.fills},
                               **saved.get("model_args", {})}
        defaults = TrainConfig()
        keys = TrainConfig._RESUME_KEYS + (("epochs",) if cfg.schedule == "cosine" else ())
        diff = {k: (saved.get(k, getattr(defaults, k)), getattr(cfg, k)) for k in keys
                if saved.get(k, getattr(defaults, k)) != getattr(cfg, k)}
        if diff:
            raise ValueError(f"--resume: the run in {out} was made with other settings (checkpoint, now): {diff}")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["rng"])
        history, start = state["history"], state["epoch"] + 1
    net = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        net = DistributedDataParallel(model)
    params = count_parameters(model)
    commit = _git_commit()  # the code that runs, read now: the checkout may move on while a long run trains
    n = len(ytr)
    for epoch in range(start, cfg.epochs):
        net.train()
        order = _epoch_order(cfg, epoch, n)
        tic = time.perf_counter()
        total, stat = 0.0, 0.0
        batches = range(0, n, cfg.batch_size)
        bar = tqdm(batches, desc=f"epoch {epoch + 1}/{cfg.epochs}", disable=not progress, leave=False)
        for b, i in enumerate(bar):
            idx = order[i:i + cfg.batch_size]
            for group in opt.param_groups:
                group["lr"] = learning_rate(cfg, epoch * len(batches) + b, cfg.epochs * len(batches), len(batches))
            # this rank's share of the global batch (all of it in one process); DDP averages gradients over the
            # ranks, so each rank's loss is its sum over the global batch size / world, and one process takes the mean.
            # Augmentation draws for the whole global batch (its choices depend on the position in it); without it
            # only this rank's examples are gathered (the same values: lazy MusicNet windows are cut on demand)
            mine = idx[rank::world]
            targets = ytr[mine]
            inputs = xtr[mine] if cfg.augment == "none" else _augment(cfg, xtr[idx], epoch, b)[rank::world]
            outputs = net(inputs)
            loss = task.loss_sum(outputs, targets) / (len(idx) / world)
            batch_loss = loss.item() * len(idx) / world
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.clip_grad_norm is not None:
                nn.utils.clip_grad_norm_(model.parameters(), cfg.clip_grad_norm)
            opt.step()
            total += batch_loss
            if task.train_stat:
                stat += task.train_stat_sum(outputs, targets)
            bar.set_postfix(loss=f"{batch_loss / len(idx):.4f}")
        total, stat = _all_sum([total, stat], world)
        seconds = time.perf_counter() - tic
        test_loss, test_metric = task.evaluate(model, xte, yte, cfg.eval_batch_size)
        row = {"epoch": epoch + 1, "train_loss": total / n}
        if task.train_stat:
            row[task.train_stat] = stat / n
        row.update({"test_loss": test_loss, f"test_{task.short}": test_metric, "seconds": seconds,
                    f"{task.unit}_per_second": n / seconds})
        history.append(row)
        if progress:
            tqdm.write(f"epoch {epoch + 1}/{cfg.epochs}: train loss {total / n:.4f}, test loss {test_loss:.4f}, "
                       f"test {task.metric_label} {task.format(test_metric)} ({seconds:.1f} s)")
        if rank == 0:
            save_checkpoint(ckpt_path, {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch,
                                        "history": history, "rng": torch.get_rng_state(),
                                        "config": dataclasses.asdict(cfg), "world_size": world})
            save_csv(out / "metrics.csv", history)
        _barrier(world)
    if not history:
        raise ValueError(f"nothing to train: epochs={cfg.epochs}")
    last = history[-1]
    speed = f"{task.unit}_per_second"
    result = {
        "model": cfg.model, "model_args": cfg.model_args, "task": task.name, "dataset": cfg.dataset, "split": cfg.split,
        "epochs": cfg.epochs, "metric": task.metric, f"test_{task.metric}": last[f"test_{task.short}"],
        "test_loss": last["test_loss"], "train_loss": last["train_loss"],
        "parameters": params, "seconds_per_epoch": sum(h["seconds"] for h in history) / len(history),
        speed: sum(h.get(speed, 0.0) for h in history) / len(history),
        "seed": cfg.seed, "torch": torch.__version__, "deepcomplex": __version__, "git_commit": commit,
        "machine": {"platform": platform.platform(), "threads": torch.get_num_threads(), "processes": world},
        "config": dataclasses.asdict(cfg), "history": history,
    }
    if rank == 0:
        save_json(out / "result.json", result)
        plot_curves(history, out / "curves.png", task)
    _barrier(world)
    return result


def _checkpoint_model(path: str, check=None):
    """(checkpoint state, config, model with its trained weights) of a run directory or checkpoint file; reads no
    data. ``check(cfg)``, if given, runs first (to refuse a run early)."""
    p = Path(path)
    state = load_checkpoint(p / CHECKPOINT if p.is_dir() else p)
    cfg = TrainConfig(**state["config"])  # a checkpoint of an earlier version, without "task", is classification
    if check is not None:
        check(cfg)
    model = create_model(cfg.model, **cfg.model_args)
    model.load_state_dict(state["model"])
    return state, cfg, model


def load_run_model(path: str):
    """(config, model with its trained weights, input image shape (C, H, W), or None for the audio tasks) of a run
    directory or checkpoint file, without reading any data."""
    _, cfg, model = _checkpoint_model(path)
    return cfg, model, IMAGE_SHAPES.get(cfg.dataset) if cfg.task == "classification" else None


def _load_run(path: str, data_dir: Optional[str] = None, split: Optional[str] = None,
              limit_test: Optional[int] = None, check=None):
    """(checkpoint state, config, model with its weights, test inputs, test targets) of a run directory or checkpoint;
    ``data_dir``, ``split`` and ``limit_test`` replace the run's own when given; ``check(cfg)``, if given, runs before
    any data is read (to refuse a run early)."""
    state, cfg, model = _checkpoint_model(path, check)
    if data_dir is not None:
        cfg.data_dir = data_dir
    if split is not None:
        cfg.split = split
    if limit_test is not None:
        cfg.limit_test = limit_test
    _, _, xte, yte = load_data(cfg, train=False)
    return state, cfg, model, xte, yte


def evaluate_run(path: str, data_dir: Optional[str] = None, split: Optional[str] = None) -> dict:
    """Re-evaluate a run directory or checkpoint file on its (or another) split's test set."""
    state, cfg, model, xte, yte = _load_run(path, data_dir, split)
    task = get_task(cfg.task)
    loss, metric = task.evaluate(model, xte, yte, cfg.eval_batch_size)
    return {"checkpoint": str(Path(path)), "model": cfg.model, "task": task.name, "dataset": cfg.dataset,
            "split": cfg.split, "epoch": state["epoch"] + 1, "metric": task.metric, "test_loss": loss,
            f"test_{task.metric}": metric, f"test_{task.unit}": len(yte), "parameters": count_parameters(model)}
