"""``make mri-demo``: complex U-Net against its real twin on the MRI demo set, one command.

Trains ``complex_unet`` and ``complex_unet_real`` (parameter counts within 2 %) at 4x (fastMRI's random Cartesian
mask, centre fraction 0.08) on the ``mri-demo`` set (the ICBM 2009a MNI152 T1 template with a synthetic smooth phase,
``deepcomplex.data.mri``) with the same recipe and budget for every seed, tests each against zero-filling, runs the
robustness table (4x and 8x, with and without k-space noise) of each model's first seed, and writes:

* ``docs/RESULTS.md``: the section between ``<!-- mri-demo:begin -->`` and ``<!-- mri-demo:end -->`` (mean and
  standard deviation over the seeds of NMSE, PSNR, SSIM and phase error; parameters; seconds per epoch; the
  robustness table), atomically;
* ``docs/mri_demo.png``: one test slice: zero-filled, complex U-Net, real U-Net, target (magnitudes and phases) and
  the magnitude error maps;
* ``<runs>/summary.json``: every number of the section.

Re-running continues unfinished runs and re-reports finished ones (each run directory keeps its checkpoint).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

import deepcomplex  # noqa: E402
from deepcomplex.data import load_split  # noqa: E402
from deepcomplex.io import atomic_write  # noqa: E402
from deepcomplex.train import TrainConfig, load_run, read_result, train  # noqa: E402
from deepcomplex.train.plots import save_figure  # noqa: E402
from deepcomplex.train.robustness_mri import reconstruction_robustness  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("complex_unet", "complex_unet_real")
BEGIN, END = "<!-- mri-demo:begin -->", "<!-- mri-demo:end -->"
METRICS = (("psnr", "PSNR (dB)", "{:.2f}"), ("ssim", "SSIM", "{:.4f}"), ("nmse", "NMSE", "{:.5f}"),
           ("phase_error", "phase error (rad)", "{:.4f}"))


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", default="1,2,3", help="comma-separated training seeds (default 1,2,3)")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--base-channels", type=int, default=8,
                   help="complex_unet's width (the real twin's follows at the same parameter count); depth 3, "
                        "instance norm, CReLU, max pooling, bilinear upsampling (the models' defaults)")
    p.add_argument("--limit-train", type=int, default=None, help="train on a seeded subset (to try the script out)")
    p.add_argument("--out", default="runs/mri-demo", help="directory of the runs and summary.json")
    p.add_argument("--results", default=str(ROOT / "docs" / "RESULTS.md"), help="the Markdown file to update")
    p.add_argument("--figure", default=str(ROOT / "docs" / "mri_demo.png"))
    p.add_argument("--no-robustness", action="store_true")
    p.add_argument("--threads", type=int, default=None)
    args = p.parse_args(argv)
    try:
        args.seeds = [int(s) for s in args.seeds.split(",")]
    except ValueError:
        p.error(f"--seeds takes comma-separated integers, got {args.seeds!r}")
    for name in ("epochs", "batch_size", "limit_train", "base_channels"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if not args.lr > 0:
        p.error(f"--lr must be > 0, got {args.lr}")
    return args


def train_one(model: str, seed: int, args) -> dict:
    out = Path(args.out) / f"{model}-s{seed}"
    cfg = TrainConfig(model=model, model_args={"base_channels": args.base_channels}, task="reconstruction",
                      dataset="mri-demo", epochs=args.epochs,
                      batch_size=args.batch_size, lr=args.lr, schedule="cosine", seed=seed, out=str(out),
                      limit_train=args.limit_train)
    if (out / "result.json").exists():
        done = read_result(out)["config"]
        if all(done[k] == getattr(cfg, k) for k in ("epochs", "batch_size", "lr", "limit_train", "schedule")) and \
                done["model_args"].get("base_channels") == args.base_channels:
            return read_result(out)  # finished with these settings: re-report it
    return train(cfg, resume=(out / "checkpoint.pt").exists(), progress=True)


def zero_filled_metrics() -> dict:
    """The metrics of the zero-filled test inputs (the identity as the model), as training reports a model's."""
    result = deepcomplex.evaluate(torch.nn.Identity(), "mri-demo")
    return {k: result[k] for k, _, _ in METRICS}


def mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def summarize(results: dict, zero: dict) -> dict:
    out = {"zero_filled": zero, "models": {}}
    for model, runs in results.items():
        row = {"seeds": [r["seed"] for r in runs], "parameters": runs[0]["parameters"],
               "seconds_per_epoch": statistics.fmean(r["seconds_per_epoch"] for r in runs),
               "epochs": runs[0]["epochs"]}
        for key, _, _ in METRICS:
            row[key] = mean_std([r[f"test_{key}"] for r in runs])
            row[f"{key}_per_seed"] = [r[f"test_{key}"] for r in runs]
        out["models"][model] = row
    return out


def markdown(summary: dict, robust: dict, args, seconds: float) -> str:
    seeds = ", ".join(map(str, args.seeds))
    lines = [BEGIN, "",
             f"Measured with `make mri-demo` (`scripts/mri_demo.py`: `complex_unet` with base_channels "
             f"{args.base_channels}, depth 3, instance norm, and its real twin; {args.epochs} epochs, batch "
             f"{args.batch_size}, Adam {args.lr:g} with cosine decay, complex L1 loss, 4x random mask with centre "
             f"fraction 0.08, "
             f"seeds {seeds}; {torch.get_num_threads()} threads; whole run {seconds / 60:.1f} min). Mean ± standard "
             f"deviation over the seeds; metrics per test volume on magnitude images as fastMRI's, phase error "
             f"inside the object, averaged over the 3 test volumes (one per orientation).", "",
             "| model | parameters | " + " | ".join(label for _, label, _ in METRICS) + " | s/epoch |",
             "|---|---:|" + "---:|" * len(METRICS) + "---:|"]
    zero = summary["zero_filled"]
    lines.append("| zero-filled input | — | " + " | ".join(fmt.format(zero[k]) for k, _, fmt in METRICS) + " | — |")
    for model, row in summary["models"].items():
        cells = [f"{fmt.format(row[k][0])} ± {fmt.format(row[k][1])}" for k, _, fmt in METRICS]
        lines.append(f"| `{model}` | {row['parameters']:,} | " + " | ".join(cells) +
                     f" | {row['seconds_per_epoch']:.1f} |")
    for model, result in robust.items():
        lines += ["", f"Robustness of `{model}` (seed {args.seeds[0]}; `deepcomplex robustness`; zero-filling in "
                      f"brackets; k-space noise std as a multiple of each slice's k-space RMS):", "",
                  "| acceleration | k-space noise | PSNR (dB) | SSIM | NMSE | phase error (rad) |",
                  "|---:|---:|---:|---:|---:|---:|"]
        for r in result["table"]:
            lines.append(f"| {r['acceleration']}x | {r['noise']:g} | " + " | ".join(
                f"{fmt.format(r[k])} ({fmt.format(r['zero_filled_' + k])})" for k, _, fmt in METRICS) + " |")
    lines += ["", "![MRI demo: zero-filled, complex U-Net, real U-Net, target](mri_demo.png)", "", END]
    return "\n".join(lines)


def update_results(path: Path, section: str) -> None:
    text = path.read_text()
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n## MRI reconstruction demo (complex vs real U-Net)\n\n" + section + "\n"
    atomic_write(path, lambda f: f.write(text.encode()))


@torch.no_grad()
def panel(args, path: Path) -> None:
    """One test slice (the one of median zero-filled NMSE in the middle volume) through both first-seed models."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seed = args.seeds[0]
    _, _, x, y = load_split("mri-demo", train=False)
    i = len(y) // 2
    images = {"zero-filled": x[[i]][0, 0]}
    for model in MODELS:
        run = load_run(Path(args.out) / f"{model}-s{seed}")
        run.model.eval()
        images[model] = run.model(x[[i]])[0, 0]
    images["target"] = y[[i]][0, 0]
    target = images["target"].abs()
    fig, axes = plt.subplots(3, 4, figsize=(13, 10), layout="constrained")
    vmax = float(target.max())
    for col, (name, img) in enumerate(images.items()):
        axes[0, col].imshow(img.abs(), cmap="gray", vmin=0, vmax=vmax)
        axes[0, col].set_title(f"{name}: magnitude")
        axes[1, col].imshow(torch.where(target > 0.1 * vmax, img.angle(), torch.nan), cmap="twilight",
                            vmin=-torch.pi, vmax=torch.pi)
        axes[1, col].set_title("phase (inside the object)")
        if name != "target":
            err = (img.abs() - target).abs()
            axes[2, col].imshow(err, cmap="magma", vmin=0, vmax=0.25 * vmax)
            axes[2, col].set_title(f"|magnitude error|, NMSE {float((err ** 2).sum() / (target ** 2).sum()):.4f}")
    for ax in axes.flat:
        ax.axis("off")
    fig.suptitle(f"MRI demo, 4x random mask, test slice {i} (seed {seed})")
    try:
        save_figure(fig, path, dpi=80)
    finally:
        plt.close(fig)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    tic = time.perf_counter()
    results = {m: [train_one(m, s, args) for s in args.seeds] for m in MODELS}
    robust = {} if args.no_robustness else {
        m: reconstruction_robustness(str(Path(args.out) / f"{m}-s{args.seeds[0]}"), (4, 8), (0.0, 0.05))
        for m in MODELS}
    summary = summarize(results, zero_filled_metrics())
    panel(args, Path(args.figure))
    seconds = time.perf_counter() - tic
    summary.update({"seconds": seconds, "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
                    "threads": torch.get_num_threads(),
                    "robustness": {m: r["table"] for m, r in robust.items()}})
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "summary.json", lambda f: f.write(json.dumps(summary, indent=2).encode()))
    update_results(Path(args.results), markdown(summary, robust, args, seconds))
    for model, row in summary["models"].items():
        print(f"{model}: PSNR {row['psnr'][0]:.2f} ± {row['psnr'][1]:.2f} dB, phase error "
              f"{row['phase_error'][0]:.4f} rad, {row['parameters']:,} parameters")
    print(f"zero-filled: PSNR {summary['zero_filled']['psnr']:.2f} dB; wrote {args.results}, {args.figure}, "
          f"{out / 'summary.json'} ({seconds / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
