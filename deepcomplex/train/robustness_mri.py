"""Robustness of a reconstruction run: its test metrics at other accelerations and under added k-space noise.

For each (acceleration, noise) cell the test k-space is undersampled with the run's mask type at that acceleration
(centre fraction: the run's at its own acceleration, fastMRI's default at the others) after complex Gaussian noise of
standard deviation ``noise`` x the RMS of each slice's k-space is added (seeded per slice, ``data.mri``); the model
reconstructs, and NMSE, PSNR, SSIM and the phase error are taken per volume as in training (``metrics``), beside the
same metrics of the zero-filled input, so the table shows what the network adds at each cell.
"""
from __future__ import annotations

import platform
import time
from pathlib import Path
from typing import Iterable, Optional

import torch
from tqdm import tqdm

from .. import __version__
from ..data import load_split
from ..models import count_parameters
from .io import save_csv, save_json
from .metrics import volume_metrics
from .plots import save_figure
from .robustness import _values  # the same checks of the lists as the classification grid
from .runs import _checkpoint_model, git_commit
from .tasks import _subset, get_task

METRICS = ("psnr", "ssim", "nmse", "phase_error")
PROTOCOL = ("test k-space + complex Gaussian noise of std noise * RMS(k-space of the slice) (seeded per slice), then "
            "the run's mask type at each acceleration (centre fraction: the run's at its acceleration, fastMRI's "
            "default elsewhere); zero-filled image and target scaled by the volume's max |zero-filled|; metrics on "
            "magnitudes per volume (fastMRI), phase error inside |target| > 0.1 max, averaged over volumes")


def _reconstruction(cfg) -> None:
    if cfg.task != "reconstruction":
        raise ValueError(f"this is a {cfg.task} run ({cfg.model} on {cfg.dataset}): the reconstruction robustness "
                         f"table is for reconstruction runs")


def _cell(task, model, x, y, batch_size: int) -> dict:
    loss, psnr, others = task.evaluate_all(model, x, y, batch_size)
    return {"psnr": psnr, **others, "loss": loss}


def reconstruction_robustness(run_or_checkpoint: str, accelerations: Iterable[int] = (4, 8),
                              noises: Iterable[float] = (0.0, 0.05, 0.1), data_dir: Optional[str] = None,
                              limit_test: Optional[int] = None, seed: int = 0, out: Optional[str] = None,
                              progress: bool = True) -> dict:
    """The test metrics of a reconstruction run at every (acceleration, k-space noise) pair, and of zero-filling;
    writes robustness.json/.csv/.png (``out``, default: the run's directory).

    ``seed`` seeds the masks and the noise (the data seed; 0 is the one training and testing use, so the cell of the
    run's own acceleration without noise is exactly its test result). Returns the dict written to robustness.json:
    ``table`` has one row per cell with ``<metric>`` (the network) and ``zero_filled_<metric>``.
    """
    accelerations = [int(a) for a in _values("accelerations", accelerations)]
    if any(a < 1 for a in accelerations):
        raise ValueError(f"robustness expects accelerations >= 1, got {accelerations}")
    noises = _values("noises", noises)
    path = Path(run_or_checkpoint)
    state, cfg, model = _checkpoint_model(path, check=_reconstruction)  # each cell reads its own test data
    cfg.data_dir = cfg.data_dir if data_dir is None else data_dir
    cfg.limit_test = cfg.limit_test if limit_test is None else limit_test
    task = get_task(cfg.task).configured(cfg)
    out_dir = Path(out) if out is not None else (path if path.is_dir() else path.parent)
    tic = time.perf_counter()
    table = []
    bar = tqdm(total=len(accelerations) * len(noises), desc="robustness", disable=not progress, leave=False)
    for a in accelerations:
        for noise in noises:
            cf = cfg.center_fraction if a == cfg.acceleration else None
            _, _, x, y = load_split(cfg.dataset, cfg.split, cfg.data_dir, train=False, acceleration=a,
                                    center_fraction=cf, mask=cfg.mask, noise=noise, seed=seed)
            x, y = _subset(x, y, cfg.limit_test, cfg.seed, 2)
            net, zero = _cell(task, model, x, y, cfg.eval_batch_size), _cell(task, torch.nn.Identity(), x, y,
                                                                             cfg.eval_batch_size)
            row = {"acceleration": a, "noise": noise, **{k: net[k] for k in METRICS},
                   **{f"zero_filled_{k}": zero[k] for k in METRICS}, "test_loss": net["loss"]}
            table.append(row)
            bar.set_postfix(accel=a, noise=f"{noise:g}", psnr=f"{net['psnr']:.2f}")
            bar.update(1)
    bar.close()
    result = {
        "checkpoint": str(path), "model": cfg.model, "task": cfg.task, "dataset": cfg.dataset, "split": cfg.split,
        "epoch": state["epoch"] + 1, "parameters": count_parameters(model), "test_slices": len(y),
        "trained_acceleration": cfg.acceleration, "mask": cfg.mask, "limit_test": cfg.limit_test, "seed": seed,
        "run_seed": cfg.seed, "accelerations": accelerations, "noises": noises, "table": table,
        "protocol": PROTOCOL, "out": str(out_dir), "seconds": time.perf_counter() - tic,
        "torch": torch.__version__, "deepcomplex": __version__, "git_commit": git_commit(),
        "machine": {"platform": platform.platform(), "threads": torch.get_num_threads()},
    }
    save_json(out_dir / "robustness.json", result)
    save_csv(out_dir / "robustness.csv", table)
    plot_reconstruction_robustness(result, out_dir / "robustness.png")
    return result


def format_reconstruction_table(result: dict) -> str:
    """One line per cell: acceleration, noise, then each metric of the network with zero-filling's in brackets."""
    lines = [f"{'accel':>5} {'noise':>6} {'PSNR dB':>16} {'SSIM':>16} {'NMSE':>18} {'phase err rad':>16}"]
    for r in result["table"]:
        lines.append(f"{r['acceleration']:>5} {r['noise']:>6g} {r['psnr']:>7.2f} ({r['zero_filled_psnr']:>6.2f}) "
                     f"{r['ssim']:>7.4f} ({r['zero_filled_ssim']:>6.4f}) {r['nmse']:>8.5f} "
                     f"({r['zero_filled_nmse']:>7.5f}) {r['phase_error']:>7.4f} ({r['zero_filled_phase_error']:>6.4f})")
    lines.append("(zero-filled input in brackets)")
    return "\n".join(lines)


def plot_reconstruction_robustness(result: dict, path: Path) -> None:
    """PSNR and phase error against the k-space noise, one line per acceleration (network solid, zero-filled
    dashed), as one PNG written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    for ax, key, label in zip(axes, ("psnr", "phase_error"), ("PSNR (dB)", "phase error (rad)")):
        for a in result["accelerations"]:
            rows = [r for r in result["table"] if r["acceleration"] == a]
            line, = ax.plot([r["noise"] for r in rows], [r[key] for r in rows], "o-", label=f"{a}x {result['model']}")
            ax.plot([r["noise"] for r in rows], [r[f"zero_filled_{key}"] for r in rows], "s--", color=line.get_color(),
                    label=f"{a}x zero-filled")
        ax.set(xlabel="k-space noise (x RMS of the slice's k-space)", ylabel=label, title=label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    fig.suptitle(f"{result['model']} on {result['dataset']} ({result['test_slices']} test slices)")
    try:
        save_figure(fig, Path(path), dpi=100)
    finally:
        plt.close(fig)


__all__ = ["format_reconstruction_table", "plot_reconstruction_robustness", "reconstruction_robustness"]
