"""Export a trained image-classification run to ONNX and compare onnxruntime with PyTorch on the run's whole test set.

    python examples/onnx_check.py runs/tiny-exact-60k-s1 [--out tiny.onnx]

Prints the largest logit difference, both accuracies and how often the predicted classes agree; needs onnxruntime.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch

from deepcomplex.export import to_onnx
from deepcomplex.train import load_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="run directory or checkpoint of an image-classification run")
    parser.add_argument("--out", default=None, help="where to keep the .onnx file (default: a temporary file)")
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    import onnxruntime as ort

    run = load_run(args.run)
    cfg, model, x, y = run.config, run.model, run.x_test, run.y_test
    if cfg.task != "classification":
        raise SystemExit(f"{args.run} is a {cfg.task} run; this check is for image classification")
    model.eval()
    with tempfile.TemporaryDirectory() as tmp:
        path = to_onnx(model, x[:2], args.out or Path(tmp) / "model.onnx")
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        got, want = [], []
        with torch.no_grad():
            for i in range(0, len(y), args.batch):
                xb = x[i:i + args.batch]
                got.append(session.run(None, {"input_0": xb.numpy()})[0])
                want.append(model(xb).numpy())
    got, want, labels = np.concatenate(got), np.concatenate(want), y.numpy()
    print(f"{cfg.model} on {len(labels)} {cfg.dataset} test images: largest |logit difference| "
          f"{np.abs(got - want).max():.3g}; accuracy onnxruntime {100 * (got.argmax(1) == labels).mean():.2f} %, "
          f"PyTorch {100 * (want.argmax(1) == labels).mean():.2f} %; predicted classes agree on "
          f"{100 * (got.argmax(1) == want.argmax(1)).mean():.2f} %")


if __name__ == "__main__":
    main()
