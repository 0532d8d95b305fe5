"""Ship a finished training run's weights inside the package: ``deepcomplex/pretrained/<name>.pt`` and its entry in
``deepcomplex/pretrained/manifest.json``; then print the docs/RESULTS.md row of the same numbers.

One command per model (the runs of issue 25: Fashion-MNIST 60k, ``--recipe cosine-2x-flip``, seed 1)::

    .venv/bin/python scripts/add_pretrained.py /work/pretrain/coshnet_tiny-s1 --name coshnet_tiny
    .venv/bin/python scripts/add_pretrained.py /work/pretrain/coshnet_base-s1 --name coshnet_base

then ``.venv/bin/python -m pytest tests/test_pretrained.py`` (it evaluates every shipped model on the first 2,000
test images against the figure written here) and commit the .pt file and manifest.json.

What it writes: the run's state_dict alone (float32/complex64), atomically through ``deepcomplex.io``; the entry
holds the file, its SHA-256 and size, the test accuracy of the run's result.json (the whole test set), the accuracy
of the shipped weights on the first ``--subset`` test images (computed here, from the file as written), the recipe
(the entry of ``deepcomplex.train.RECIPES`` whose settings the run's config has), seed, epochs, the run's commit, the
date its result.json was written, parameters and model arguments. It refuses an unfinished run, and one trained or
tested on a subset (``--limit-train`` / ``--limit-test``) unless ``--allow-limited`` (for trying the script out).
"""
from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

import deepcomplex  # noqa: E402
from deepcomplex.data import load_split  # noqa: E402
from deepcomplex.models import count_parameters, create_model  # noqa: E402
from deepcomplex.pretrained import PRETRAINED_DIR, add_entry, load_state_dict  # noqa: E402
from deepcomplex.train import RECIPES  # noqa: E402
from deepcomplex.train.runs import checkpoint_path  # noqa: E402

SUBSET = 2000


def recipe_of(config) -> str:
    """The run's recipe: the one its config names (configs record it since issue 25), else the recipe whose every
    setting the config has (a setting the recipe leaves out at TrainConfig's default); "custom" when none fits."""
    if getattr(config, "recipe", None):
        return config.recipe
    defaults = {"lr": 1e-3, "optimizer": "adam", "weight_decay": 0.0, "clip_grad_norm": None, "batch_size": 128}
    for name, recipe in RECIPES.items():
        settings = {**defaults, **dict(recipe)}
        if all(getattr(config, k) == v for k, v in settings.items() if k != "epochs"):
            return name
    return "custom"


def build_entry(run_dir: str, name: str, subset: int = SUBSET, data_dir=None, allow_limited: bool = False,
                root=None) -> dict:
    """Write the weights and manifest entry of ``run_dir`` as ``name`` into ``root`` (default: the package's)."""
    model, cfg, result = deepcomplex.load_run(run_dir)
    if result is None:
        raise SystemExit(f"add_pretrained: {run_dir} has no result.json: the run has not finished")
    if name != cfg.model:
        raise SystemExit(f"add_pretrained: {run_dir} trained {cfg.model!r}, not {name!r}")
    if cfg.task != "classification":
        raise SystemExit(f"add_pretrained: {run_dir} is a {cfg.task} run; only image classification is shipped")
    if (cfg.limit_train is not None or cfg.limit_test is not None) and not allow_limited:
        raise SystemExit(f"add_pretrained: {run_dir} trained or tested on a subset (limit_train={cfg.limit_train}, "
                         f"limit_test={cfg.limit_test}); pass --allow-limited to ship it anyway")
    state = torch.load(checkpoint_path(run_dir), map_location="cpu", weights_only=False)
    test_images = cfg.limit_test or len(load_split(cfg.dataset, cfg.split, data_dir, train=False)[3])
    finished = Path(run_dir) / "result.json"
    info = {"dataset": cfg.dataset, "split": cfg.split, "recipe": recipe_of(cfg), "seed": cfg.seed,
            "epochs": result["epochs"], "commit": result.get("git_commit"),
            "date": datetime.datetime.fromtimestamp(finished.stat().st_mtime, datetime.timezone.utc)
            .strftime("%Y-%m-%d"),
            "model_args": dict(cfg.model_args), "parameters": count_parameters(model),
            "test_accuracy": result["test_accuracy"], "test_images": test_images,
            "limit_train": cfg.limit_train, "limit_test": cfg.limit_test, "torch": result.get("torch")}
    # the subset figure is measured on the weights as stored (float32/complex64), before the entry is written
    probe = create_model(name, **cfg.model_args)
    probe.load_state_dict({k: v.to(torch.complex64 if v.is_complex() else torch.float32)
                           if v.is_floating_point() or v.is_complex() else v for k, v in state["model"].items()})
    scored = deepcomplex.evaluate(probe, cfg.dataset, cfg.split, limit=subset, data_dir=data_dir)
    info.update(subset_accuracy=scored["accuracy"], subset_images=scored["images"])
    entry = add_entry(name, probe.state_dict(), info, root)
    # read back through the checked loader: the file as written gives the same predictions
    check = create_model(name, **cfg.model_args)
    check.load_state_dict(load_state_dict(name, root))
    again = deepcomplex.evaluate(check, cfg.dataset, cfg.split, limit=subset, data_dir=data_dir)
    if again["accuracy"] != scored["accuracy"]:
        raise SystemExit(f"add_pretrained: the written weights score {again['accuracy']}, not {scored['accuracy']}")
    return entry


def results_row(name: str, entry: dict) -> str:
    """The docs/RESULTS.md table (header and the model's row) of a manifest entry."""
    header = ("| model | parameters | recipe, seed | epochs | split | test accuracy | first 2,000 test images | "
              "file (SHA-256) | commit | date |\n|---|---|---|---|---|---|---|---|---|---|")
    subset = f"{100 * entry['subset_accuracy']:.2f} % ({entry['subset_images']:,} images)"
    return (f"{header}\n| {name} | {entry['parameters']:,} | `{entry['recipe']}`, {entry['seed']} | "
            f"{entry['epochs']} | {entry['split']} | **{100 * entry['test_accuracy']:.2f} %** "
            f"({entry['test_images']:,} images) | "
            f"{subset} | `{entry['file']}` ({entry['bytes'] / 1e3:,.0f} kB, `{entry['sha256'][:12]}`) | "
            f"{(entry['commit'] or 'unknown')[:7]} | {entry['date']} |")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("run", help="the finished run directory (checkpoint.pt and result.json)")
    p.add_argument("--name", required=True, help="the registered model's name, e.g. coshnet_tiny")
    p.add_argument("--subset", type=int, default=SUBSET, help="test images the subset figure is measured on")
    p.add_argument("--data-dir", default=None, help="the dataset's files (default: the reader's)")
    p.add_argument("--root", default=None, help=f"write here instead of {PRETRAINED_DIR} (for trying it out)")
    p.add_argument("--allow-limited", action="store_true", help="ship a run trained or tested on a subset")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    entry = build_entry(args.run, args.name, args.subset, args.data_dir, args.allow_limited, args.root)
    where = Path(args.root) if args.root else PRETRAINED_DIR
    print(f"wrote {where / entry['file']} and its entry in {where / 'manifest.json'}\n")
    print(results_row(args.name, entry))
    return 0


if __name__ == "__main__":
    sys.exit(main())
