"""The ``deepcomplex`` command: ``train``, ``eval``, ``robustness``, ``export``, ``generate`` and ``build-ext``
(``python -m deepcomplex`` works too).

Every number on the command line is checked where it is parsed (the ``type=`` functions below): a value out of range
ends the command with exit status 2 and one line naming the flag and the range, before anything runs.
"""
from __future__ import annotations

import argparse
import ast
import json
import math
import sys
from typing import Callable, Optional

import torch

from . import __version__

DESCRIPTION = ("deepcomplex: complex-valued deep learning for PyTorch. Train a registered model, evaluate a run, test "
               "its robustness, export it to ONNX. 'deepcomplex COMMAND --help' describes each command.")
SEED_MAX = 2 ** 32 - 1  # seeds as NumPy takes them; torch takes more, but the per-epoch seeds derived from it must fit


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (``deepcomplex train: error: argument --limit-train: expected an
    integer >= 1, got '0'``) pointing at ``--help``, instead of the usage block followed by the error."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _HelpFormatter(argparse.HelpFormatter):
    """Shows an option's default once: ``(default: X)`` is added unless the help already speaks of its default or
    there is none to show (None, False, an empty list)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if ("default" in text or not action.option_strings or default is None or default is False
                or default == [] or default is argparse.SUPPRESS):
            return text
        return f"{text} (default: %(default)s)" if text else "default: %(default)s"


def _integer(minimum: int, maximum: Optional[int] = None) -> Callable[[str], int]:
    """An argparse ``type=``: an integer in [minimum, maximum]; ArgumentTypeError naming the range otherwise."""
    wanted = f"an integer >= {minimum}" if maximum is None else f"an integer from {minimum} to {maximum}"

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        if v < minimum or (maximum is not None and v > maximum):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return v

    return parse


def _positive_float(text: str) -> float:
    """An argparse ``type=``: a finite number > 0."""
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return v


def _fraction(text: str) -> float:
    """A number in (0, 1] (argparse type)."""
    value = _positive_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in (0, 1], got {text!r}")
    return value


def _number_list(text: str) -> list[float]:
    """An argparse ``type=``: '0,10,25' -> [0.0, 10.0, 25.0], each a finite number >= 0."""
    items = [t.strip() for t in text.split(",")]
    if not text.strip() or any(not t for t in items):
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers like 0,10,25, got {text!r}")
    values = []
    for t in items:
        try:
            v = float(t)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{t!r} is not a number (expected comma-separated numbers >= 0, got "
                                             f"{text!r})") from None
        if not (math.isfinite(v) and v >= 0):
            raise argparse.ArgumentTypeError(f"values must be finite and >= 0, got {t}")
        values.append(v)
    return values


def _shape(text: str) -> list[int]:
    """An argparse ``type=``: '3,32,32' -> [3, 32, 32], each an integer >= 1."""
    parse = _integer(1)
    try:
        return [parse(t.strip()) for t in text.split(",")]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers >= 1 like 3,32,32, got {text!r}") \
            from None


def _train_parser(sub) -> None:
    from .data import AUDIO_DATASETS, DATASETS, RECONSTRUCTION_DATASETS, SPLITS
    from .data.mri import MASK_TYPES
    from .models import list_models
    from .train.config import TrainConfig
    from .train.recipes import DEFAULT_RECIPE, RECIPES, recipes_help
    from .train.tasks import TASKS

    p = sub.add_parser("train", help="train a registered model", description="Train a registered model; writes "
                       "metrics.csv, checkpoint.pt (every epoch), result.json and curves.png into --out.",
                       formatter_class=_HelpFormatter)
    p.add_argument("--model", default=None, choices=list_models(), metavar="MODEL",
                   help=f"a registered model: {', '.join(list_models())} (default: the task's: "
                        f"{', '.join(f'{t.default_model} for {n}' for n, t in TASKS.items())})")
    p.add_argument("--model-arg", action="append", default=[], metavar="KEY=VALUE", dest="model_args",
                   help="keyword argument of the model's constructor, e.g. shear=coshrem (repeatable)")
    p.add_argument("--task", default="classification", choices=list(TASKS),
                   help="classification: images, cross-entropy, accuracy; musicnet: note transcription (multi-label, "
                        "binary cross-entropy, micro average precision); timit: next-frame spectrum prediction "
                        "(log-magnitude MSE); reconstruction: MRI from undersampled k-space (complex L1; PSNR, NMSE, "
                        "SSIM, phase error)")
    p.add_argument("--dataset", default=None, choices=sorted(DATASETS + AUDIO_DATASETS + RECONSTRUCTION_DATASETS),
                   help="default: the task's (classification: fashion-mnist; musicnet: musicnet; timit: timit; "
                        "reconstruction: mri-demo, the MNI152 template with synthetic phase; fastmri reads the "
                        "single-coil release's singlecoil_train/ and singlecoil_val/ in --data-dir)")
    p.add_argument("--split", default=None, choices=sorted(SPLITS),
                   help="60k: train 60k / test 10k; 10k20E: train on the 10k test split, test on the 60k; standard: "
                        "the dataset's train / test parts (the only split of musicnet and timit); default: the "
                        "dataset's (60k for the MNIST family, else standard)")
    p.add_argument("--epochs", type=_integer(1), default=None, help="default: the recipe's, else 20")
    p.add_argument("--batch-size", type=_integer(1), default=None, help="default: the recipe's, else 128")
    p.add_argument("--lr", type=_positive_float, default=None,
                   help="(base) learning rate, > 0; default: the recipe's, else 1e-3")
    p.add_argument("--eval-batch-size", type=_integer(1), default=None,
                   help="batch size of the test-set evaluation after each epoch (no effect on training); default: "
                        "the task's (256; 100 sequences for timit)")
    p.add_argument("--recipe", default=DEFAULT_RECIPE, choices=sorted(RECIPES),
                   help=recipes_help().replace("%", "%%"))
    p.add_argument("--seed", type=_integer(0, SEED_MAX), default=TrainConfig.seed,
                   help="seeds the initial weights, the batch order, the augmentation and the --limit-train / "
                        "--limit-test subsets: the same seed gives bit-identical runs")
    p.add_argument("--out", default=TrainConfig.out,
                   help="run directory (metrics.csv, checkpoint.pt, result.json, curves.png); one training process "
                        "at a time may write into it")
    p.add_argument("--data-dir", default=None,
                   help="directory with the dataset's files: IDX files (default: Debian's package), CIFAR/SVHN "
                        "archives, MusicNet's musicnet.npz or csv + wav tree, TIMIT's TRAIN/ and TEST/")
    p.add_argument("--limit-train", type=_integer(1), default=None,
                   help="train on a seeded subset of this many examples (images, windows, sequences)")
    p.add_argument("--limit-test", type=_integer(1), default=None,
                   help="evaluate on a seeded subset of this many examples")
    p.add_argument("--acceleration", type=_integer(1, 64), default=TrainConfig.acceleration,
                   help="reconstruction: undersampling factor of k-space (1 column in N kept on average)")
    p.add_argument("--center-fraction", type=_fraction, default=None,
                   help="reconstruction: fraction of the columns always kept at the centre of k-space, in (0, 1]; "
                        "default 0.08 at 4x, 0.04 at 8x (fastMRI's)")
    p.add_argument("--mask", default=TrainConfig.mask, choices=list(MASK_TYPES),
                   help="reconstruction: fastMRI's Cartesian line mask")
    p.add_argument("--loss", default=None, choices=["l1", "mse", "magnitude-phase"],
                   help="reconstruction: complex L1 (default), complex MSE, or magnitude error plus squared wrapped "
                        "phase error")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--threads", type=_integer(1), default=None, help="torch.set_num_threads; default: torch's")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--tensorboard", action="store_true",
                   help="also log each epoch's metrics and learning rate as TensorBoard events in --out (view with "
                        "tensorboard --logdir of its parent); needs pip install 'deepcomplex[tensorboard]'")


def _robustness_parser(sub) -> None:
    p = sub.add_parser("robustness", help="a trained run under perturbed test data: images under Gaussian noise x "
                       "blur (CoShNet's test), reconstructions at other accelerations and under k-space noise",
                       description="Test a trained run under perturbed test data; writes robustness.json, .csv and "
                       ".png. Image classification: accuracy under Gaussian noise x Gaussian blur (CoShNet's "
                       "robustness test). Reconstruction: NMSE, PSNR, SSIM and phase error at each acceleration x "
                       "k-space noise, beside zero-filling's.", formatter_class=_HelpFormatter)
    p.add_argument("run", help="run directory or checkpoint file")
    p.add_argument("--noise-var", type=_number_list, default=None,
                   help="classification: comma-separated noise variances >= 0 on the 0-255 scale (std "
                        "sqrt(var)/255 on [0, 1] images); default 0,10,25,50")
    p.add_argument("--blur-sigma", type=_number_list, default=None,
                   help="classification: comma-separated Gaussian blur sigmas >= 0 in pixels; default "
                        "0,0.25,0.5,0.75")
    p.add_argument("--acceleration", type=_number_list, default=None,
                   help="reconstruction: comma-separated accelerations (integers >= 1); default 4,8")
    p.add_argument("--kspace-noise", type=_number_list, default=None,
                   help="reconstruction: comma-separated k-space noise levels >= 0 (std as a multiple of the RMS of "
                        "each slice's k-space); default 0,0.05,0.1")
    p.add_argument("--data-dir", default=None, help="directory with the dataset's files (default: the run's)")
    p.add_argument("--split", default=None, help="classification: use this split's test part instead of the run's")
    p.add_argument("--limit-test", type=_integer(1), default=None,
                   help="a seeded subset of this many test examples (default: the run's)")
    p.add_argument("--seed", type=_integer(0, SEED_MAX), default=0,
                   help="seed of the noise (reconstruction: of the masks and the noise; 0 is the one training "
                        "tests on)")
    p.add_argument("--out", default=None, help="directory for robustness.json/.csv/.png (default: the run's)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--threads", type=_integer(1), default=None, help="torch.set_num_threads; default: torch's")


def _run_robustness(args) -> int:
    from .train.runs import run_config

    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        task = run_config(args.run).task
        if task == "reconstruction":
            return _run_reconstruction_robustness(args)
        if args.acceleration is not None or args.kspace_noise is not None:
            raise ValueError(f"--acceleration and --kspace-noise are for reconstruction runs; this is a {task} run")
        from .train.robustness import format_table, robustness

        result = robustness(args.run, args.noise_var or [0, 10, 25, 50], args.blur_sigma or [0, 0.25, 0.5, 0.75],
                            data_dir=args.data_dir, split=args.split, limit_test=args.limit_test, seed=args.seed,
                            out=args.out, progress=not args.no_progress)
    except (FileNotFoundError, ValueError, ImportError) as err:
        print(f"deepcomplex robustness: error: {err}", file=sys.stderr)
        return 2
    print(f"{result['model']} on {result['dataset']} ({result['split']}, {result['test_images']} test images), "
          f"epoch {result['epoch']}, trained with seed {result['run_seed']}, noise seed {result['seed']}: "
          f"test accuracy (%)")
    print(format_table(result))
    print(f"wrote robustness.json, robustness.csv, robustness.png in {result['out']}")
    return 0


def _run_reconstruction_robustness(args) -> int:
    """``deepcomplex robustness`` of a reconstruction run (errors propagate to :func:`_run_robustness`)."""
    from .train.robustness_mri import format_reconstruction_table, reconstruction_robustness

    if args.noise_var is not None or args.blur_sigma is not None or args.split is not None:
        raise ValueError("--noise-var, --blur-sigma and --split are for image classification runs; a reconstruction "
                         "run takes --acceleration and --kspace-noise")
    accelerations = args.acceleration or [4, 8]
    if any(a != int(a) or a < 1 for a in accelerations):
        raise ValueError(f"--acceleration takes integers >= 1, got {','.join(f'{a:g}' for a in accelerations)}")
    result = reconstruction_robustness(args.run, [int(a) for a in accelerations],
                                       args.kspace_noise or [0.0, 0.05, 0.1], data_dir=args.data_dir,
                                       limit_test=args.limit_test, seed=args.seed, out=args.out,
                                       progress=not args.no_progress)
    print(f"{result['model']} on {result['dataset']} ({result['test_slices']} test slices), epoch {result['epoch']}, "
          f"trained at {result['trained_acceleration']}x with seed {result['run_seed']}:")
    print(format_reconstruction_table(result))
    print(f"wrote robustness.json, robustness.csv, robustness.png in {result['out']}")
    return 0


def _fits(model: torch.nn.Module, x: torch.Tensor) -> bool:
    """Whether ``model`` (in eval mode) runs on ``x``."""
    try:
        with torch.no_grad():
            model(x)
    except (RuntimeError, ValueError, TypeError, IndexError):
        return False
    return True


def _run_export(args) -> int:
    from .export import to_onnx
    from .models import count_parameters, example_input
    from .train.runs import load_run_model

    try:
        cfg, model, image_shape = load_run_model(args.run)
        model.eval()
        x = example_input(cfg.model, 1, **cfg.model_args)
        if image_shape is not None:
            x = torch.rand(1, *image_shape, dtype=x.dtype)
        expected = tuple(x.shape[1:])
        source = f"the run's {cfg.dataset} images" if image_shape is not None else "its example input"
        if args.input_shape is not None and tuple(args.input_shape) != expected:
            given = torch.rand(1, *args.input_shape, dtype=x.dtype) if not x.is_complex() else \
                torch.randn(1, *args.input_shape, dtype=x.dtype)
            if len(args.input_shape) != len(expected) or not _fits(model, given):
                raise ValueError(f"--input-shape {','.join(map(str, args.input_shape))}: {cfg.model} takes inputs "
                                 f"of shape (N, {', '.join(map(str, expected))}) ({source}; N is the batch), and "
                                 f"does not run on (N, {', '.join(map(str, args.input_shape))})")
            x = given
        path = to_onnx(model, x, args.out, dynamic_batch=not args.static_batch)
    except (FileNotFoundError, ValueError, ImportError, NotImplementedError) as err:
        print(f"deepcomplex export: error: {err}", file=sys.stderr)
        return 2
    kind = "complex64 as float (..., 2)" if x.is_complex() else str(x.dtype).replace("torch.", "")
    print(f"{cfg.model} ({count_parameters(model):,} parameters) -> {path}: input_0 of shape "
          f"({'N' if not args.static_batch else 1}, {', '.join(map(str, x.shape[1:]))}) {kind}")
    return 0


def _run_generate(args) -> int:
    if args.utterances is not None and args.dataset != "timit":
        print("deepcomplex generate: error: --utterances is for timit", file=sys.stderr)
        return 2
    if args.seconds is not None and args.dataset == "fastmri":
        print("deepcomplex generate: error: --seconds is for musicnet and timit", file=sys.stderr)
        return 2
    try:
        if args.dataset == "fastmri":
            from .data.synthetic import write_synthetic_fastmri

            path = write_synthetic_fastmri(args.out, seed=args.seed,
                                           **({"n_train": args.size} if args.size is not None else {}))
        elif args.dataset == "musicnet":
            from .data.synthetic import write_synthetic_musicnet

            kwargs = {k: v for k, v in (("n_train", args.size), ("seconds", args.seconds)) if v is not None}
            path = write_synthetic_musicnet(args.out, seed=args.seed, **kwargs)
        else:
            from .data.synthetic import write_synthetic_timit

            kwargs = {k: v for k, v in (("n_speakers", args.size), ("duration", args.seconds),
                                        ("utterances", args.utterances)) if v is not None}
            path = write_synthetic_timit(args.out, seed=args.seed, **kwargs)
    except (ValueError, ImportError) as err:
        print(f"deepcomplex generate: error: {err}", file=sys.stderr)
        return 2
    task = "reconstruction --dataset fastmri" if args.dataset == "fastmri" else args.dataset
    print(f"wrote a generated {args.dataset} look-alike in {path}; train on it with "
          f"deepcomplex train --task {task} --data-dir {args.out} ...")
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
    parser = _Parser(prog="deepcomplex", description=DESCRIPTION, formatter_class=_HelpFormatter)
    parser.add_argument("--version", action="version", version=f"deepcomplex {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _train_parser(sub)
    e = sub.add_parser("eval", help="evaluate a run directory or checkpoint (any task: loss and its metric)",
                       description="Evaluate a run directory or checkpoint on its test set (or another split's); "
                       "prints JSON.", formatter_class=_HelpFormatter)
    e.add_argument("run", help="run directory or checkpoint file")
    e.add_argument("--data-dir", default=None,
                   help="directory with the dataset's files, if not where the run read them (default: the run's "
                        "--data-dir)")
    e.add_argument("--split", default=None, help="evaluate on this split's test part instead of the run's")
    _robustness_parser(sub)
    x = sub.add_parser("export", help="export a trained run's model to ONNX (through real-layout internals)",
                       description="Export a trained run's model to ONNX, complex tensors as float (..., 2) [Re, Im] "
                       "pairs.", formatter_class=_HelpFormatter)
    x.add_argument("run", help="run directory or checkpoint file")
    x.add_argument("--out", required=True, help="the .onnx file to write (atomically)")
    x.add_argument("--input-shape", type=_shape, default=None,
                   help="comma-separated input shape without the batch dimension, e.g. 3,32,32 (default: the run's "
                        "images, or the model's example input)")
    x.add_argument("--static-batch", action="store_true", help="fix the batch size at 1 instead of leaving it free")
    g = sub.add_parser("generate", help="write a generated MusicNet, TIMIT or fastMRI look-alike in the real data's "
                       "format", description="Write a generated MusicNet, TIMIT or fastMRI (single-coil knee) "
                       "look-alike in the real data's format, to train the audio and reconstruction tasks without "
                       "the real data.", formatter_class=_HelpFormatter)
    g.add_argument("dataset", choices=["musicnet", "timit", "fastmri"])
    g.add_argument("out", help="directory to write into")
    g.add_argument("--seed", type=_integer(0, SEED_MAX), default=0, help="seed of the generated signals")
    g.add_argument("--size", type=_integer(1), default=None,
                   help="MusicNet: training recordings (default 12); TIMIT: speakers per part (default 2); fastMRI: "
                        "training volumes (default 2; 1 validation volume, 4 slices each)")
    g.add_argument("--seconds", type=_positive_float, default=None,
                   help="length of each recording (MusicNet, default 8) or utterance (TIMIT, at least 0.3, "
                        "default 0.8)")
    g.add_argument("--utterances", type=_integer(1), default=None,
                   help="TIMIT: SX/SI utterances per speaker besides SA1/SA2 (default 3)")
    b = sub.add_parser("build-ext", help="compile the optional CPU kernels (about a minute; once per torch version)",
                       formatter_class=_HelpFormatter)
    b.add_argument("--verbose", action="store_true", help="show the compiler's output")
    from . import predict  # `deepcomplex predict`: its parser and code live in deepcomplex/predict.py
    predict.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "predict":
        return predict.run(args)

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
                              eval_batch_size=args.eval_batch_size, acceleration=args.acceleration,
                              center_fraction=args.center_fraction, mask=args.mask, loss=args.loss,
                              recipe=args.recipe, **recipe)
            result = train(cfg, resume=args.resume, progress=not args.no_progress, tensorboard=args.tensorboard)
        except (FileNotFoundError, FileExistsError, ValueError, ImportError) as err:
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
