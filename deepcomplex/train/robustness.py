"""CoShNet's robustness test as a grid: test accuracy under Gaussian noise x Gaussian blur (noise first, then blur).

The perturbations act on the [0, 1] images that the models receive, i.e. before each model's own normalization, as in
the CoShNet code (noise of variance ``v`` on the 0-255 scale, then blur, then normalize). See
``deepcomplex.data.transforms`` for the exact definitions and why the noise is not clipped.
"""
from __future__ import annotations

import math
import numbers
import platform
import time
from pathlib import Path
from typing import Iterable, Optional

import torch
from tqdm import tqdm

from .. import __version__
from ..data.transforms import gaussian_blur, gaussian_noise
from ..models import count_parameters
from .io import save_csv, save_json
from .plots import save_figure
from .runs import git_commit, load_run
from .tasks import evaluate

PAPER_NOISE_VAR, PAPER_MAX_SIGMA = 50.0, 0.75  # the CoShNet code's test perturbation: variance 50, sigma ~ U(0, 0.75)
PROTOCOL = ("images x in [0, 1] (before the model's normalization); x + N(0, noise_var) on the 0-255 scale, i.e. std "
            "sqrt(noise_var)/255, not clipped, one standard-normal draw (from seed) shared by every noise_var; then "
            "Gaussian blur of each image alone (scipy.ndimage.gaussian_filter semantics: mode 'reflect', truncate 4)")


def _values(name: str, values: Iterable) -> list[float]:
    """A non-empty list of distinct finite numbers >= 0, as floats."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"robustness expects {name} to be a list of numbers, got {values!r}")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"robustness expects {name} to be numbers, got {v!r}")
        v = float(v)
        if not math.isfinite(v) or v < 0:
            raise ValueError(f"robustness expects every {name} value to be a finite number >= 0, got {v:g}")
        if v in out:
            raise ValueError(f"robustness expects distinct {name} values, got {v:g} twice")
        out.append(v)
    if not out:
        raise ValueError(f"robustness expects at least one {name} value, got none")
    return out


def _image_classification(cfg) -> None:
    if cfg.task != "classification":
        other = ("use robustness_mri.reconstruction_robustness (the command picks it by itself)"
                 if cfg.task == "reconstruction" else "evaluate it with deepcomplex eval")
        raise ValueError(f"robustness perturbs images with noise and blur and is for image classification runs; this "
                         f"is a {cfg.task} run ({cfg.model} on {cfg.dataset}): {other}")


def robustness(run_or_checkpoint: str, noise_vars: Iterable[float] = (0, 10, 25, 50),
               blur_sigmas: Iterable[float] = (0, 0.25, 0.5, 0.75), data_dir: Optional[str] = None,
               split: Optional[str] = None, limit_test: Optional[int] = None, seed: int = 0,
               out: Optional[str] = None, progress: bool = True) -> dict:
    """Test accuracy of a trained run under every (noise variance, blur sigma) pair; writes robustness.json/.csv/.png.

    ``run_or_checkpoint``: a run directory (its checkpoint.pt) or a checkpoint file, loaded by ``runs.load_run``;
    ``data_dir``, ``split``, ``limit_test`` replace the run's own settings when given. Noise variances are on the 0-255
    scale. With ``seed`` fixed the numbers are identical from call to call; the clean cell (0, 0) is exactly
    ``evaluate_run``'s accuracy. Also reports the CoShNet code's own test perturbation (``paper_protocol``: variance
    50, then a per-image sigma ~ U(0, 0.75)). Files go to ``out`` (default: the run's directory, or the checkpoint's).

    Returns the dict written to robustness.json: ``accuracy[i][j]`` and ``loss[i][j]`` for ``noise_vars[i]`` and
    ``blur_sigmas[j]``, ``table`` (one row per cell, as in robustness.csv) and metadata: ``seed`` is the noise's,
    ``run_seed`` the one the run was trained with.
    """
    noise_vars = _values("noise_vars", noise_vars)
    blur_sigmas = _values("blur_sigmas", blur_sigmas)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"robustness expects an integer seed, got {seed!r}")
    if limit_test is not None and (isinstance(limit_test, bool) or not isinstance(limit_test, numbers.Integral)
                                   or limit_test < 1):
        raise ValueError(f"robustness expects limit_test to be a positive integer, got {limit_test!r}")
    path = Path(run_or_checkpoint)
    state, cfg, model, xte, yte = load_run(path, data_dir, split, limit_test, check=_image_classification)
    out_dir = Path(out) if out is not None else (path if path.is_dir() else path.parent)

    tic = time.perf_counter()
    acc = [[0.0] * len(blur_sigmas) for _ in noise_vars]
    loss = [[0.0] * len(blur_sigmas) for _ in noise_vars]
    table = []
    bar = tqdm(total=len(noise_vars) * len(blur_sigmas) + 1, desc="robustness", disable=not progress, leave=False)
    for i, var in enumerate(noise_vars):
        noisy = gaussian_noise(xte, var, torch.Generator().manual_seed(seed))
        for j, sigma in enumerate(blur_sigmas):
            loss[i][j], acc[i][j] = evaluate(model, gaussian_blur(noisy, sigma), yte, cfg.eval_batch_size)
            table.append({"noise_var": var, "blur_sigma": sigma, "test_accuracy": acc[i][j], "test_loss": loss[i][j]})
            bar.set_postfix(noise=f"{var:g}", blur=f"{sigma:g}", acc=f"{100 * acc[i][j]:.2f}%")
            bar.update(1)
    # the CoShNet code's test perturbation, with its blur applied to each image alone (one sigma per image)
    gen = torch.Generator().manual_seed(seed)
    noisy = gaussian_noise(xte, PAPER_NOISE_VAR, gen)
    sigmas = torch.rand(len(yte), generator=gen, dtype=torch.float64) * PAPER_MAX_SIGMA
    paper_loss, paper_acc = evaluate(model, gaussian_blur(noisy, sigmas), yte, cfg.eval_batch_size)
    bar.update(1)
    bar.close()

    result = {
        "checkpoint": str(path), "model": cfg.model, "dataset": cfg.dataset, "split": cfg.split,
        "epoch": state["epoch"] + 1, "parameters": count_parameters(model), "test_images": len(yte),
        "limit_test": cfg.limit_test, "seed": seed, "run_seed": cfg.seed, "noise_vars": noise_vars,
        "blur_sigmas": blur_sigmas, "accuracy": acc, "loss": loss, "table": table,
        "paper_protocol": {"noise_var": PAPER_NOISE_VAR, "blur_sigma": f"U(0, {PAPER_MAX_SIGMA}) per image",
                           "test_accuracy": paper_acc, "test_loss": paper_loss},
        "protocol": PROTOCOL, "out": str(out_dir), "seconds": time.perf_counter() - tic,
        "torch": torch.__version__, "deepcomplex": __version__, "git_commit": git_commit(),
        "machine": {"platform": platform.platform(), "threads": torch.get_num_threads()},
    }
    save_json(out_dir / "robustness.json", result)
    save_csv(out_dir / "robustness.csv", table)
    plot_robustness(result, out_dir / "robustness.png")
    return result


def format_table(result: dict) -> str:
    """The accuracy grid as text: one row per noise variance, one column per blur sigma (accuracy in %)."""
    sigmas = result["blur_sigmas"]
    head = "noise var \\ blur sigma"
    width = max(8, *(len(f"{s:g}") + 1 for s in sigmas))
    lines = [f"{head:>22}" + "".join(f"{s:>{width}g}" for s in sigmas)]
    for var, row in zip(result["noise_vars"], result["accuracy"]):
        lines.append(f"{var:>22g}" + "".join(f"{100 * a:>{width}.2f}" for a in row))
    p = result["paper_protocol"]
    lines.append(f"CoShNet test perturbation (noise var {p['noise_var']:g}, blur sigma {p['blur_sigma']}): "
                 f"{100 * p['test_accuracy']:.2f}%")
    return "\n".join(lines)


def plot_robustness(result: dict, path: Path) -> None:
    """Accuracy vs noise variance (one line per blur sigma) and the grid as a heatmap in one PNG, written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    nv, bs = result["noise_vars"], result["blur_sigmas"]
    acc = [[100 * a for a in row] for row in result["accuracy"]]
    # constrained layout makes room for the legend beside the left axes and for the colorbar (tight_layout would
    # warn that the colorbar's axes are not compatible with it)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12.5, 4.2), layout="constrained")
    for j, s in enumerate(bs):
        ax1.plot(nv, [row[j] for row in acc], "o-", label=f"blur sigma {s:g}")
    positive = [v for v in nv if v > 0]
    if positive and max(positive) / min(positive) >= 100:  # variances spanning decades: linear near 0, log beyond
        ax1.set_xscale("symlog", linthresh=min(positive))
    ax1.set(xlabel="noise variance (0-255 scale)", ylabel="test accuracy (%)",
            title=f"{result['model']} on {result['dataset']} ({result['test_images']} test images)")
    ax1.grid(alpha=0.3)
    # beside the axes, not inside: accuracy falls from the top left to the bottom right, so every corner of the plot
    # can hold a line
    ax1.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize="small")
    im = ax2.imshow(acc, cmap="viridis", aspect="auto", origin="lower")
    ax2.set_xticks(range(len(bs)), [f"{s:g}" for s in bs])
    ax2.set_yticks(range(len(nv)), [f"{v:g}" for v in nv])
    ax2.set(xlabel="blur sigma (pixels)", ylabel="noise variance", title="test accuracy (%)")
    lo, hi = min(map(min, acc)), max(map(max, acc))
    for i, row in enumerate(acc):
        for j, a in enumerate(row):
            ax2.text(j, i, f"{a:.1f}", ha="center", va="center", fontsize=8,
                     color="black" if hi > lo and a > (lo + hi) / 2 else "white")
    fig.colorbar(im, ax=ax2)
    try:
        save_figure(fig, path, dpi=100)
    finally:
        plt.close(fig)
