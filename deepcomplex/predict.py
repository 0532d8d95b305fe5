"""``deepcomplex predict``: images in, classes out, with the shipped pretrained weights or a trained run.

Inputs are read as the run's dataset feeds them to the model in training (``deepcomplex.train.tasks``: uint8 images
divided by 255, float (N, C, H, W) in [0, 1]). A PNG or JPEG file (Pillow) of any size is made grey (or RGB for a
3-channel dataset) and fitted into the dataset's size as Fashion-MNIST's images were made (Xiao, Rasul and Vollgraf,
2017, "Fashion-MNIST", Sec. 2: the longest edge resized to 28 pixels, the shorter one extended to 28 around the
centre); ``--invert`` negates it first, as their pipeline did, for a dark object on a light background (Fashion-MNIST's
images are light objects on black). A ``.npy`` file holds one image (H, W) or a batch (N, H, W) / (N, C, H, W), uint8
(0-255) or float in [0, 1]. A file that is missing, empty, not an image or of the wrong shape is a
:class:`PredictInputError` naming it (the command: one line, exit status 2).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np
import torch
from torch import nn

PathLike = Union[str, os.PathLike]

# the class names of each image dataset, in label order
CLASS_NAMES = {
    "fashion-mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                      "Ankle boot"),
    "mnist": tuple(str(d) for d in range(10)),
    "svhn": tuple(str(d) for d in range(10)),
    "cifar10": ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
}

__all__ = ["CLASS_NAMES", "PredictInputError", "add_parser", "class_names", "load_inputs", "predict", "read_image",
           "read_npy", "run"]


class PredictInputError(ValueError):
    """An input file that cannot be read as images of the expected shape (the message names the file)."""


def class_names(dataset: str, num_classes: int) -> tuple[str, ...]:
    """The names of ``dataset``'s classes ("class 0", ... where none are recorded)."""
    names = CLASS_NAMES.get(dataset)
    return names if names is not None and len(names) == num_classes else tuple(f"class {i}" for i in range(num_classes))


def read_image(path: PathLike, shape: Sequence[int] = (1, 28, 28), invert: bool = False) -> torch.Tensor:
    """One PNG/JPEG file as float (C, H, W) in [0, 1], fitted into ``shape`` as Fashion-MNIST's images were.

    Args:
        path: the image file.
        shape: (C, H, W) the model takes: C = 1 makes it grey, C = 3 RGB.
        invert: negate the intensities first (for a dark object on a light background).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    channels, height, width = shape
    try:
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im)
            if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:  # as a viewer shows it: over white
                im = Image.alpha_composite(Image.new("RGBA", im.size, "white"), im.convert("RGBA"))
            im = im.convert("L" if channels == 1 else "RGB")
    except UnidentifiedImageError:
        raise PredictInputError(f"{path}: not an image Pillow can read (expected PNG or JPEG, or a .npy array)") \
            from None
    except (OSError, ValueError, Image.DecompressionBombError) as err:
        raise PredictInputError(f"{path}: cannot read the image ({err})") from None
    if invert:
        im = ImageOps.invert(im)
    # the longest edge to the target size, then extended around the centre with the image's background (the median
    # of its border pixels: black for Fashion-MNIST's own images)
    scale = min(width / im.width, height / im.height)
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    a = np.asarray(im)
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]]).reshape(-1, channels)
    background = tuple(int(v) for v in np.median(border, axis=0))
    canvas = Image.new(im.mode, (width, height), background[0] if channels == 1 else background)
    canvas.paste(im.resize(size, Image.Resampling.LANCZOS), ((width - size[0]) // 2, (height - size[1]) // 2))
    x = torch.from_numpy(np.array(canvas, dtype=np.uint8))
    x = x.unsqueeze(0) if channels == 1 else x.permute(2, 0, 1)
    return x.float().div_(255.0)


def read_npy(path: PathLike, shape: Sequence[int] = (1, 28, 28)) -> torch.Tensor:
    """A ``.npy`` file of one image (H, W) / (C, H, W) or a batch (N, H, W) / (N, C, H, W) as float (N, C, H, W) in
    [0, 1]: uint8 (or integers in 0-255) divided by 255, floats taken as they are (they must lie in [0, 1])."""
    return _read_npy(path, shape)[0]


def _read_npy(path: PathLike, shape: Sequence[int]) -> tuple[torch.Tensor, bool]:
    """(images (N, C, H, W), whether the file holds a batch rather than one image)."""
    channels, height, width = shape
    try:
        a = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise PredictInputError(f"{path}: not a readable .npy array ({err})") from None
    if not isinstance(a, np.ndarray):
        raise PredictInputError(f"{path}: expected one array in a .npy file, got {type(a).__name__}")
    expected = (f"(N, {height}, {width}), ({height}, {width}) or (N, {channels}, {height}, {width})"
                if channels == 1 else f"(N, {channels}, {height}, {width}) or ({channels}, {height}, {width})")
    if a.shape[-2:] != (height, width) or a.ndim not in (2, 3, 4) or \
            (channels != 1 and a.ndim == 2) or (a.ndim == 4 and a.shape[1] != channels) or \
            (channels != 1 and a.ndim == 3 and a.shape[0] != channels):
        raise PredictInputError(f"{path}: expected an array of shape {expected}, got {a.shape}")
    if a.size == 0:
        raise PredictInputError(f"{path}: the array holds no images (shape {a.shape})")
    if a.dtype.kind in "iu":
        if a.min() < 0 or a.max() > 255:
            raise PredictInputError(f"{path}: integer images must lie in 0-255, got {a.min()}..{a.max()}")
        x = torch.from_numpy(a.astype(np.float32) / 255.0)
    elif a.dtype.kind == "f":
        if not np.isfinite(a).all() or a.min() < 0 or a.max() > 1:
            raise PredictInputError(f"{path}: float images must lie in [0, 1] (uint8 ones are divided by 255), got "
                                    f"{np.nanmin(a):g}..{np.nanmax(a):g}")
        x = torch.from_numpy(a.astype(np.float32))
    else:
        raise PredictInputError(f"{path}: expected uint8 or float images, got dtype {a.dtype}")
    batch = a.ndim == 4 or (a.ndim == 3 and channels == 1)
    return x.reshape(-1, channels, height, width), batch


def load_inputs(paths: Sequence[PathLike], shape: Sequence[int] = (1, 28, 28),
                invert: bool = False) -> tuple[torch.Tensor, list[str]]:
    """The images of ``paths`` (PNG/JPEG files one each, ``.npy`` files a batch each) as float (N, C, H, W) in [0, 1],
    and a name for each: the file's path, ``path[i]`` for the i-th image of a batch."""
    images, names = [], []
    for path in paths:
        p = Path(path)
        if not p.is_file():
            raise PredictInputError(f"{path}: no such file" if not p.exists() else f"{path}: not a file")
        if p.stat().st_size == 0:
            raise PredictInputError(f"{path}: the file is empty")
        if p.suffix.lower() == ".npy":
            x, batch = _read_npy(p, shape)
            images.append(x)
            names.extend([f"{path}[{i}]" for i in range(len(x))] if batch else [str(path)])
        else:
            images.append(read_image(p, shape, invert).unsqueeze(0))
            names.append(str(path))
    return torch.cat(images), names


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, top_k: int = 3, batch_size: int = 256) -> tuple[torch.Tensor, ...]:
    """(probabilities (N, k), class indices (N, k)) of the ``top_k`` most likely classes, the model in eval mode."""
    model.eval()
    probs = torch.cat([torch.softmax(model(x[i:i + batch_size]).float(), dim=1) for i in range(0, len(x), batch_size)])
    return probs.topk(min(top_k, probs.shape[1]), dim=1)


def add_parser(sub) -> None:
    """The ``predict`` sub-command's arguments (on the ``deepcomplex`` command's sub-parsers)."""
    p = sub.add_parser("predict", help="classify images (PNG/JPEG or .npy) with pretrained weights or a trained run",
                       description="Classify images with a pretrained model (the weights shipped in the package) or a "
                                   "run you trained; prints the top-k classes with their probabilities.")
    p.add_argument("images", nargs="+", metavar="IMAGE",
                   help="PNG/JPEG files (any size: made grey and fitted into 28x28 as Fashion-MNIST's images) or .npy "
                        "arrays (N, 28, 28) / (28, 28), uint8 or float in [0, 1]")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--model", default=None,
                       help="a model with pretrained weights (deepcomplex.list_models(pretrained=True)); "
                            "default: coshnet_tiny")
    which.add_argument("--run", default=None, help="a run directory (or checkpoint) of deepcomplex train instead")
    p.add_argument("--top-k", type=int, default=3, help="how many classes to print per image (default: 3)")
    p.add_argument("--json", action="store_true", help="print JSON instead of one line per image")
    p.add_argument("--invert", action="store_true",
                   help="negate PNG/JPEG images first (a dark object on a light background; Fashion-MNIST's are light "
                        "on black)")


def run(args: argparse.Namespace) -> int:
    """Run ``deepcomplex predict``: 0, or 2 with one line on stderr for bad input."""
    from .api import load_run
    from .data import IMAGE_SHAPES, NUM_CLASSES
    from .models import create_model
    from .pretrained import pretrained_entry

    try:
        if args.top_k < 1:
            raise ValueError(f"--top-k: expected an integer >= 1, got {args.top_k}")
        if args.run is not None:
            model, cfg, _ = load_run(args.run)
            if cfg.task != "classification":
                raise ValueError(f"{args.run}: a {cfg.task} run; predict classifies images")
            source, dataset = f"run {args.run}", cfg.dataset
        else:
            name = args.model or "coshnet_tiny"
            model = create_model(name, pretrained=True)
            entry = pretrained_entry(name)
            source, dataset = f"{name}, pretrained", entry["dataset"]
        x, names = load_inputs(args.images, IMAGE_SHAPES[dataset], args.invert)
        probs, idx = predict(model, x, args.top_k)
    except (FileNotFoundError, ValueError) as err:
        print(f"deepcomplex predict: error: {err}", file=sys.stderr)
        return 2
    labels = class_names(dataset, NUM_CLASSES[dataset])
    if args.json:
        out = {"model": source, "dataset": dataset, "predictions": [
            {"input": n, "top": [{"class": labels[c], "index": int(c), "probability": round(float(q), 6)}
                                 for q, c in zip(p, i)]} for n, p, i in zip(names, probs, idx)]}
        print(json.dumps(out, indent=2))
        return 0
    width, wide = max(len(n) for n in names), max(len(c) for c in labels)
    print(f"{source} ({dataset}): top {probs.shape[1]} of {len(labels)} classes")
    for n, p, i in zip(names, probs, idx):
        print(f"{n:<{width}}  " + "  ".join(f"{labels[c]:<{wide}} {100 * float(q):5.1f} %" for q, c in zip(p, i)))
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    """``python -m deepcomplex.predict IMAGE...`` (the same as ``deepcomplex predict``)."""
    parser = argparse.ArgumentParser(prog="deepcomplex")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(["predict", *(sys.argv[1:] if argv is None else argv)]))


if __name__ == "__main__":
    sys.exit(main())
