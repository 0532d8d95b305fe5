"""Classify Fashion-MNIST test images with the pretrained CoShNet shipped in the package, or with a run you trained.

    python examples/pretrained_predict.py                # the shipped coshnet_tiny
    python examples/pretrained_predict.py --run runs/tiny # a run directory of `deepcomplex train`

Prints the first images' predicted and true classes, then the accuracy on the first 2,000 test images.
"""
from __future__ import annotations

import argparse

import torch

import deepcomplex
from deepcomplex.data import load_split
from deepcomplex.predict import CLASS_NAMES


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="coshnet_tiny", help="a model with pretrained weights")
    parser.add_argument("--run", default=None, help="a trained run directory instead of the shipped weights")
    args = parser.parse_args(argv)

    if args.run:
        model, config, result = deepcomplex.load_run(args.run)           # model in eval mode, no data read
    else:
        model = deepcomplex.create_model(args.model, pretrained=True).eval()  # checksum verified
    names = CLASS_NAMES["fashion-mnist"]
    _, _, images, labels = load_split("fashion-mnist", train=False)     # uint8 (10000, 28, 28), int64 labels
    x = images[:8].unsqueeze(1).float() / 255                           # (8, 1, 28, 28) in [0, 1], as in training
    with torch.no_grad():
        probs = model(x).softmax(dim=1)
    for p, y in zip(probs, labels[:8]):
        print(f"{names[p.argmax()]:<12} {p.max():6.1%}   (true: {names[y]})")
    accuracy = deepcomplex.evaluate(model, "fashion-mnist", limit=2000)["accuracy"]
    print(f"accuracy on the first 2,000 test images: {accuracy:.2%}")
    return accuracy


if __name__ == "__main__":
    main()
