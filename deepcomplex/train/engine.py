"""The one training loop for every model, dataset and task (image classification, MusicNet, TIMIT; see ``tasks``):
seeded batches, per-epoch CSV, atomic checkpoints, exact resume, DistributedDataParallel under torchrun.

What a run is lives next to it: its settings in ``config``, the named recipes in ``recipes``, schedules, augmentation
and optimizers in ``schedules``, its figures in ``plots``, and loading a finished run back in ``runs``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import platform
import time
from pathlib import Path

import torch
from torch import nn
from tqdm import tqdm

from .. import __version__
from ..models import count_parameters, create_model
from .config import TrainConfig, load_data, resolved_model_args
from .distributed import all_sum, barrier, init_distributed
from .io import CHECKPOINT, load_checkpoint, save_checkpoint, save_csv, save_json
from .lock import run_lock
from .plots import curves_title, plot_curves
from .runs import git_commit
from .schedules import augment_batch, learning_rate, make_optimizer
from .tasks import Task, get_task


def epoch_order(cfg: TrainConfig, epoch: int, n: int) -> torch.Tensor:
    """The batch order of an epoch (a permutation of ``n``) depends only on (seed, epoch), so a resumed run sees the
    same batches."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(cfg.seed * 1_000_003 + epoch))


def _resume(cfg: TrainConfig, task: Task, model: nn.Module, opt: torch.optim.Optimizer, ckpt_path: Path):
    """Load the checkpoint into ``model`` and ``opt`` and restore the RNG; (history, first epoch to train). Refuses a
    checkpoint made with other settings (``TrainConfig.resume_keys``)."""
    state = load_checkpoint(ckpt_path)
    saved = dict(state["config"])
    # runs of earlier versions stored only the arguments given; what the data fills in was their default too
    saved["model_args"] = {**{k: v for k, v in cfg.model_args.items() if k in task.fills},
                           **saved.get("model_args", {})}
    defaults = TrainConfig()
    diff = {k: (saved.get(k, getattr(defaults, k)), getattr(cfg, k)) for k in cfg.resume_keys()
            if saved.get(k, getattr(defaults, k)) != getattr(cfg, k)}
    if diff:
        raise ValueError(f"--resume: the run in {ckpt_path.parent} was made with other settings (checkpoint, now): "
                         f"{diff}")
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["rng"])
    return state["history"], state["epoch"] + 1


def summary_writer_class():
    """``torch.utils.tensorboard.SummaryWriter``, or ImportError saying what to install when the ``tensorboard``
    package is missing (checked before a run starts, not at its first epoch)."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise ImportError("--tensorboard needs the tensorboard package: pip install 'deepcomplex[tensorboard]' (or "
                          "pip install tensorboard)") from None
    return SummaryWriter


def train(cfg: TrainConfig, resume: bool = False, progress: bool = True, tensorboard: bool = False) -> dict:
    """Train ``cfg.model`` on ``cfg.dataset`` for ``cfg.task``; write metrics.csv, checkpoint.pt (each epoch),
    result.json, curves.png, and with ``tensorboard`` the same scalars (and the learning rate) as TensorBoard events.

    One process at a time trains into a run directory: it holds the directory's lock (``lock.run_lock``) until it
    returns or raises; a second process refuses with :class:`~deepcomplex.train.lock.RunLockedError`.

    The task (``tasks.get_task(cfg.task)``) supplies the data, the per-example loss summed over a batch, an optional
    training statistic (classification: accuracy) and the test metric; everything else is common to all tasks.
    History rows: epoch, train_loss, [train_acc,] test_loss, test_<short> (test_acc, test_ap, test_mse), seconds,
    <unit>_per_second; result.json: test_<metric> (test_accuracy, test_average_precision, test_log_magnitude_mse).

    Under ``torchrun --nproc-per-node N`` the ranks split every global batch of ``cfg.batch_size`` examples between them
    (DistributedDataParallel over gloo, the loss scaled so the averaged gradient is the global batch's mean), reduce
    their metrics, and rank 0 alone writes files: the same training as one process on the same global batches.
    """
    writer_class = summary_writer_class() if tensorboard else None
    rank, world = init_distributed()
    with run_lock(cfg.out) if rank == 0 else contextlib.nullcontext(), contextlib.ExitStack() as stack:
        return _train(cfg, resume, progress, rank, world, writer_class if rank == 0 else None, stack)


def _train(cfg: TrainConfig, resume: bool, progress: bool, rank: int, world: int, writer_class,
           stack: contextlib.ExitStack) -> dict:
    out = Path(cfg.out)
    ckpt_path = out / CHECKPOINT
    if ckpt_path.exists() and not resume:
        raise FileExistsError(f"{ckpt_path} exists: pass --resume to continue that run, or choose another --out")
    task = get_task(cfg.task).configured(cfg)
    torch.manual_seed(cfg.seed)
    xtr, ytr, xte, yte = load_data(cfg)
    cfg.model_args = resolved_model_args(cfg, xtr)  # stored resolved, so eval rebuilds the same model
    model = create_model(cfg.model, **cfg.model_args)
    opt = make_optimizer(cfg, model)
    history, start = [], 0
    progress = progress and rank == 0
    if resume:
        history, start = _resume(cfg, task, model, opt, ckpt_path)
    # TensorBoard event files go next to metrics.csv, so `tensorboard --logdir runs` shows each run by its name
    writer = None if writer_class is None else stack.enter_context(writer_class(log_dir=str(out)))
    net = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        net = DistributedDataParallel(model)
    params = count_parameters(model)
    commit = git_commit()  # the code that runs, read now: the checkout may move on while a long run trains
    n = len(ytr)
    for epoch in range(start, cfg.epochs):
        net.train()
        order = epoch_order(cfg, epoch, n)
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
            inputs = xtr[mine] if cfg.augment == "none" else augment_batch(cfg, xtr[idx], epoch, b)[rank::world]
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
        total, stat = all_sum([total, stat], world)
        seconds = time.perf_counter() - tic
        test_loss, test_metric, others = task.evaluate_all(model, xte, yte, cfg.eval_batch_size)
        row = {"epoch": epoch + 1, "train_loss": total / n}
        if task.train_stat:
            row[task.train_stat] = stat / n
        row.update({"test_loss": test_loss, f"test_{task.short}": test_metric,
                    **{f"test_{k}": v for k, v in others.items()}, "seconds": seconds,
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
            if writer is not None:
                for key, value in row.items():
                    if key != "epoch":
                        writer.add_scalar(key, value, epoch + 1)
                writer.add_scalar("lr", opt.param_groups[0]["lr"], epoch + 1)  # the rate of the epoch's last step
                writer.flush()
        barrier(world)
    if not history:
        raise ValueError(f"nothing to train: epochs={cfg.epochs}")
    last = history[-1]
    speed = f"{task.unit}_per_second"
    result = {
        "model": cfg.model, "model_args": cfg.model_args, "task": task.name, "dataset": cfg.dataset, "split": cfg.split,
        "epochs": cfg.epochs, "metric": task.metric, f"test_{task.metric}": last[f"test_{task.short}"],
        **{k: v for k, v in last.items() if k.startswith("test_") and k not in ("test_loss", f"test_{task.short}")},
        "test_loss": last["test_loss"],
        "train_loss": last["train_loss"],
        f"train_{task.unit}": n, f"test_{task.unit}": len(yte),
        "parameters": params, "seconds_per_epoch": sum(h["seconds"] for h in history) / len(history),
        speed: sum(h.get(speed, 0.0) for h in history) / len(history),
        "seed": cfg.seed, "torch": torch.__version__, "deepcomplex": __version__, "git_commit": commit,
        "machine": {"platform": platform.platform(), "threads": torch.get_num_threads(), "processes": world},
        "config": dataclasses.asdict(cfg), "history": history,
    }
    if rank == 0:
        save_json(out / "result.json", result)
        plot_curves(history, out / "curves.png", task, title=curves_title(cfg.model, cfg.recipe, history, task))
    barrier(world)
    return result


__all__ = ["epoch_order", "summary_writer_class", "train"]
