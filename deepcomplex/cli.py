"""The ``deepcomplex`` command: ``train`` and ``eval`` (``python -m deepcomplex`` works too)."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Optional

import torch


def _train_parser(sub) -> None:
    from .data import DATASETS, SPLITS
    from .models import list_models

    p = sub.add_parser("train", help="train a registered model", formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", default="resnet18", choices=list_models())
    p.add_argument("--dataset", default="fashion-mnist", choices=sorted(DATASETS))
    p.add_argument("--split", default="60k", choices=sorted(SPLITS),
                   help="60k: train 60k / test 10k; 10k20E: train on the 10k test split, test on the 60k")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default="runs/run", help="run directory (metrics.csv, checkpoint.pt, result.json, curves.png)")
    p.add_argument("--data-dir", default=None, help="directory with the dataset's IDX files (default: Debian's package)")
    p.add_argument("--limit-train", type=int, default=None, help="train on a seeded subset of this many images")
    p.add_argument("--limit-test", type=int, default=None, help="evaluate on a seeded subset of this many images")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="deepcomplex", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _train_parser(sub)
    e = sub.add_parser("eval", help="evaluate a run directory or checkpoint")
    e.add_argument("run", help="run directory or checkpoint file")
    e.add_argument("--data-dir", default=None)
    e.add_argument("--split", default=None, help="evaluate on this split's test part instead of the run's")
    args = parser.parse_args(argv)

    from .train import TrainConfig, evaluate_run, train

    if args.command == "train":
        if args.threads:
            torch.set_num_threads(args.threads)
        cfg = TrainConfig(model=args.model, dataset=args.dataset, split=args.split, epochs=args.epochs,
                          batch_size=args.batch_size, lr=args.lr, seed=args.seed, out=args.out, data_dir=args.data_dir,
                          limit_train=args.limit_train, limit_test=args.limit_test)
        try:
            result = train(cfg, resume=args.resume, progress=not args.no_progress)
        except (FileNotFoundError, FileExistsError, ValueError) as err:
            print(f"deepcomplex train: error: {err}", file=sys.stderr)
            return 2
        print(f"{cfg.model} on {cfg.dataset} ({cfg.split}), {cfg.epochs} epochs: test accuracy "
              f"{100 * result['test_accuracy']:.2f}%, {result['parameters']} parameters, "
              f"{result['seconds_per_epoch']:.1f} s/epoch; wrote {cfg.out}/result.json")
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
