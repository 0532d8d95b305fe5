"""Train the small complex CNN (complex_cnn_small) on scikit-learn's 8x8 digits and print its test accuracy.

    python examples/train_digits.py [--epochs 30] [--seed 0] [--out runs/digits]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from torch import nn
from tqdm import tqdm

import deepcomplex
from deepcomplex.models import count_parameters, create_model
from deepcomplex.train.io import save_json


def load_digits_split(seed: int):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    x = torch.tensor(data.images, dtype=torch.float32).unsqueeze(1) / 16.0
    y = torch.tensor(data.target, dtype=torch.long)
    idx_train, idx_test = train_test_split(range(len(y)), test_size=0.2, random_state=seed, stratify=data.target)
    return x[idx_train], y[idx_train], x[idx_test], y[idx_test]


def main(argv=None) -> float:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/digits")
    args = p.parse_args(argv)

    torch.manual_seed(args.seed)
    xtr, ytr, xte, yte = load_digits_split(args.seed)
    model = create_model("complex_cnn_small")
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    n_params = count_parameters(model)
    print(f"deepcomplex {deepcomplex.__version__}: complex CNN, {n_params} real parameters, "
          f"{len(ytr)} train / {len(yte)} test images")
    gen = torch.Generator().manual_seed(args.seed)
    start = time.time()
    for epoch in (bar := tqdm(range(args.epochs), desc="epochs")):
        model.train()
        perm = torch.randperm(len(ytr), generator=gen)
        total = 0.0
        for i in range(0, len(perm), args.batch_size):
            b = perm[i:i + args.batch_size]
            loss = loss_fn(model(xtr[b]), ytr[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(b)
        bar.set_postfix(loss=f"{total / len(ytr):.4f}")
    model.eval()
    with torch.no_grad():
        acc = (model(xte).argmax(1) == yte).float().mean().item()
    seconds = time.time() - start
    print(f"test accuracy: {100 * acc:.2f}% ({seconds:.1f} s for {args.epochs} epochs)")
    save_json(Path(args.out) / "result.json", {
        "task": "sklearn-digits", "test_accuracy": acc, "train_loss": total / len(ytr), "epochs": args.epochs,
        "seed": args.seed, "parameters": n_params, "seconds": seconds, "torch": torch.__version__,
        "deepcomplex": deepcomplex.__version__,
    })
    return acc


if __name__ == "__main__":
    main()
