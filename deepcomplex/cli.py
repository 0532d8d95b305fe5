"""The ``deepcomplex`` command: ``train``, ``eval`` and ``robustness`` (``python -m deepcomplex`` works too)."""
from __future__ import annotations

import argparse
import ast
import json
import sys
from typing import Optional

import torch


def _train_parser(sub) -> None:
    from .data import AUDIO_DATASETS, DATASETS, SPLITS
    from .models import list_models
    from .train.recipes import DEFAULT_RECIPE, RECIPES, recipes_help
    from .train.tasks import TASKS

    p = sub.add_parser("train", help="train a registered model", formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", default="resnet18", choices=list_models())
    p.add_argument("--model-arg", action="append", default=[], metavar="KEY=VALUE", dest="model_args",
                   help="keyword argument of the model's constructor, e.g. shear=coshrem (repeatable)")
    p.add_argument("--task", default="classification", choices=list(TASKS),
                   help="classification: images, cross-entropy, accuracy; musicnet: note transcription (multi-label, "
                        "binary cross-entropy, micro average precision); timit: next-frame spectrum prediction "
                        "(log-magnitude MSE)")
    p.add_argument("--dataset", default=None, choices=sorted(DATASETS + AUDIO_DATASETS),
                   help="default: the task's (classification: fashion-mnist; musicnet: musicnet; timit: timit)")
    p.add_argument("--split", default=None, choices=sorted(SPLITS),
                   help="60k: train 60k / test 10k; 10k20E: train on the 10k test split, test on the 60k; standard: "
                        "the dataset's train / test parts (the only split of musicnet and timit)")
    p.add_argument("--epochs", type=int, default=None, help="default: the recipe's, else 20")
    p.add_argument("--batch-size", type=int, default=None, help="default: the recipe's, else 128")
    p.add_argument("--lr", type=float, default=None, help="(base) learning rate; default: the recipe's, else 1e-3")
    p.add_argument("--recipe", default=DEFAULT_RECIPE, choices=sorted(RECIPES),
                   help=recipes_help().replace("%", "%%"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default="runs/run",
                   help="run directory (metrics.csv, checkpoint.pt, result.json, curves.png)")
    p.add_argument("--data-dir", default=None,
                   help="directory with the dataset's files: IDX files (default: Debian's package), CIFAR/SVHN "
                        "archives, MusicNet's musicnet.npz or csv + wav tree, TIMIT's TRAIN/ and TEST/")
    p.add_argument("--limit-train", type=int, default=None,
                   help="train on a seeded subset of this many examples (images, windows, sequences)")
    p.add_argument("--limit-test", type=int, default=None, help="evaluate on a seeded subset of this many examples")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def _robustness_parser(sub) -> None:
    p = sub.add_parser("robustness", help="test accuracy under Gaussian noise x Gaussian blur (CoShNet's test; image "
                       "classification runs only)",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("run", help="run directory or checkpoint file")
    p.add_argument("--noise-var", default="0,10,25,50",
                   help="comma-separated noise variances on the 0-255 scale (std sqrt(var)/255 on [0, 1] images)")
    p.add_argument("--blur-sigma", default="0,0.25,0.5,0.75", help="comma-separated Gaussian blur sigmas in pixels")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--split", default=None, help="use this split's test part instead of the run's")
    p.add_argument("--limit-test", default=None, help="a seeded subset of this many test images (default: the run's)")
    p.add_argument("--seed", default="0", help="seed of the noise")
    p.add_argument("--out", default=None, help="directory for robustness.json/.csv/.png (default: the run's)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--threads", default=None, help="torch.set_num_threads")


def _number_list(option: str, text: str) -> list[float]:
    """'0,10,25' -> [0.0, 10.0, 25.0]; ValueError naming the option for bad syntax or negative values."""
    items = [t.strip() for t in text.split(",")]
    if not text.strip() or any(not t for t in items):
        raise ValueError(f"{option}: expected comma-separated numbers like 0,10,25, got {text!r}")
    values = []
    for t in items:
        try:
            v = float(t)
        except ValueError:
            raise ValueError(f"{option}: {t!r} is not a number (expected comma-separated numbers, "
                             f"got {text!r})") from None
        if not v >= 0 or v == float("inf"):
            raise ValueError(f"{option}: values must be finite and >= 0, got {t}")
        values.append(v)
    return values


def _integer(option: str, text: Optional[str], minimum: Optional[int] = None) -> Optional[int]:
    if text is None:
        return None
    try:
        v = int(text)
    except ValueError:
        raise ValueError(f"{option}: expected an integer, got {text!r}") from None
    if minimum is not None and v < minimum:
        raise ValueError(f"{option}: expected an integer >= {minimum}, got {v}")
    return v


def _run_robustness(args) -> int:
    from .train.robustness import format_table, robustness

    try:
        noise_vars = _number_list("--noise-var", args.noise_var)
        blur_sigmas = _number_list("--blur-sigma", args.blur_sigma)
        limit_test = _integer("--limit-test", args.limit_test, 1)
        seed = _integer("--seed", args.seed)
        threads = _integer("--threads", args.threads, 1)
        if threads:
            torch.set_num_threads(threads)
        result = robustness(args.run, noise_vars, blur_sigmas, data_dir=args.data_dir, split=args.split,
                            limit_test=limit_test, seed=seed, out=args.out, progress=not args.no_progress)
    except (FileNotFoundError, ValueError) as err:
        print(f"deepcomplex robustness: error: {err}", file=sys.stderr)
        return 2
    print(f"{result['model']} on {result['dataset']} ({result['split']}, {result['test_images']} test images), "
          f"epoch {result['epoch']}, seed {result['seed']}: test accuracy (%)")
    print(format_table(result))
    print(f"wrote robustness.json, robustness.csv, robustness.png in {result['out']}")
    return 0


def _run_export(args) -> int:
    from .export import to_onnx
    from .models import count_parameters, example_input
    from .train.runs import load_run_model

    try:
        shape = None if args.input_shape is None else \
            [_integer("--input-shape", t, 1) for t in args.input_shape.split(",")]
        cfg, model, image_shape = load_run_model(args.run)
        if shape is None and image_shape is not None:
            shape = list(image_shape)
        x = example_input(cfg.model, 1, **cfg.model_args)
        if shape is not None:
            if len(shape) != x.dim() - 1:
                raise ValueError(f"--input-shape: {cfg.model} takes {x.dim() - 1} dimensions after the batch "
                                 f"(its example input is {tuple(x.shape)}), got {args.input_shape!r}")
            x = torch.rand(1, *shape, dtype=x.dtype) if not x.is_complex() else torch.randn(1, *shape, dtype=x.dtype)
        path = to_onnx(model.eval(), x, args.out, dynamic_batch=not args.static_batch)
    except (FileNotFoundError, ValueError, ImportError, NotImplementedError) as err:
        print(f"deepcomplex export: error: {err}", file=sys.stderr)
        return 2
    kind = "complex64 as float (..., 2)" if x.is_complex() else str(x.dtype).replace("torch.", "")
    print(f"{cfg.model} ({count_parameters(model)} parameters) -> {path}: input_0 of shape "
          f"({'N' if not args.static_batch else 1}, {', '.join(map(str, x.shape[1:]))}) {kind}")
    return 0


def _run_generate(args) -> int:
    if args.utterances is not None and args.dataset != "timit":
        print("deepcomplex generate: error: --utterances is for timit", file=sys.stderr)
        return 2
    if args.dataset == "musicnet":
        from .data.synthetic import write_synthetic_musicnet

        kwargs = {k: v for k, v in (("n_train", args.size), ("seconds", args.seconds)) if v is not None}
        path = write_synthetic_musicnet(args.out, seed=args.seed, **kwargs)
    else:
        from .data.synthetic import write_synthetic_timit

        kwargs = {k: v for k, v in (("n_speakers", args.size), ("duration", args.seconds),
                                    ("utterances", args.utterances)) if v is not None}
        path = write_synthetic_timit(args.out, seed=args.seed, **kwargs)
    print(f"wrote a generated {args.dataset} look-alike in {path}; train on it with "
          f"deepcomplex train --task {args.dataset} --data-dir {args.out} ...")
    return 0


def _parse_model_args(items: list[str]) -> dict:
    """["shear=coshrem", "tt_rank=4"] -> {"shear": "coshrem", "tt_rank": 4} (Python literals, else strings)."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.isidentifier():
            raise ValueError(f"--model-arg expects KEY=VALUE with KEY a Python identifier, got {item!r}")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value
    return out


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="deepcomplex", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _train_parser(sub)
    e = sub.add_parser("eval", help="evaluate a run directory or checkpoint (any task: loss and its metric)")
    e.add_argument("run", help="run directory or checkpoint file")
    e.add_argument("--data-dir", default=None)
    e.add_argument("--split", default=None, help="evaluate on this split's test part instead of the run's")
    _robustness_parser(sub)
    x = sub.add_parser("export", help="export a trained run's model to ONNX (through real-layout internals)",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    x.add_argument("run", help="run directory or checkpoint file")
    x.add_argument("--out", required=True, help="the .onnx file to write (atomically)")
    x.add_argument("--input-shape", default=None,
                   help="comma-separated input shape without the batch dimension, e.g. 3,32,32 (default: the run's "
                        "images, or the model's example input)")
    x.add_argument("--static-batch", action="store_true", help="fix the batch size at 1 instead of leaving it free")
    g = sub.add_parser("generate", help="write a generated MusicNet or TIMIT look-alike in the real corpus's format",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    g.add_argument("dataset", choices=["musicnet", "timit"])
    g.add_argument("out", help="directory to write into")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--size", type=int, default=None,
                   help="MusicNet: training recordings (default 12); TIMIT: speakers per part (default 2)")
    g.add_argument("--seconds", type=float, default=None,
                   help="length of each recording (MusicNet, default 8) or utterance (TIMIT, default 0.8)")
    g.add_argument("--utterances", type=int, default=None,
                   help="TIMIT: SX/SI utterances per speaker besides SA1/SA2 (default 3)")
    b = sub.add_parser("build-ext", help="compile the optional CPU kernels (about a minute; once per torch version)")
    b.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)

    if args.command == "build-ext":
        from . import _extension
        try:
            path = _extension.build(verbose=args.verbose)
        except Exception as err:  # compiler missing or failing: say so, layers keep their pure-PyTorch paths
            print(f"deepcomplex build-ext: error: {err}", file=sys.stderr)
            return 1
        print(f"deepcomplex build-ext: kernels ready at {path}")
        return 0

    if args.command in ("train", "eval", "robustness"):
        from .train.runtime import tune_malloc

        tune_malloc()
    if args.command == "robustness":
        return _run_robustness(args)
    if args.command == "export":
        return _run_export(args)
    if args.command == "generate":
        return _run_generate(args)

    from .train import TrainConfig, evaluate_run, train
    from .train.recipes import RECIPES

    if args.command == "train":
        if args.threads:
            torch.set_num_threads(args.threads)
        try:
            recipe = dict(RECIPES[args.recipe])
            for key in ("epochs", "batch_size", "lr"):  # the command line wins over the recipe
                if getattr(args, key) is not None:
                    recipe[key] = getattr(args, key)
            cfg = TrainConfig(model=args.model, model_args=_parse_model_args(args.model_args), task=args.task,
                              dataset=args.dataset, split=args.split, seed=args.seed, out=args.out,
                              data_dir=args.data_dir, limit_train=args.limit_train, limit_test=args.limit_test,
                              **recipe)
            result = train(cfg, resume=args.resume, progress=not args.no_progress)
        except (FileNotFoundError, FileExistsError, ValueError) as err:
            print(f"deepcomplex train: error: {err}", file=sys.stderr)
            return 2
        from .train.runs import summarize_result

        print(summarize_result(result))
        return 0
    try:
        result = evaluate_run(args.run, args.data_dir, args.split)
    except (FileNotFoundError, ValueError) as err:
        print(f"deepcomplex eval: error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
