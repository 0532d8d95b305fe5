"""Where a training step of a registered model spends its time: per stage, per operator, and the epoch around it.

    python benchmarks/profile_step.py [--model coshnet_tiny] [--batch 128] [--threads 2] [--steps 20] [--out PATH]

- **Stages** (CoShNet models): the forward + backward of each stage on its own, on the input the stage sees in the
  model, as in training (the image batch does not require grad; every later stage's input does): the stem
  (preprocessing, shearlet front end, first convolution, CReLU, pooling: ``model.stem``), then each layer of
  ``features[3:]`` and of ``classifier``, the loss, and Adam's step. Their sum is set beside one whole step.
- **Operators**: torch.profiler over ``--steps`` whole steps (forward, cross-entropy, backward, Adam); the operators
  with the most self CPU time, in ms per step.
- **Epoch**: drawing the batches of one epoch from the training tensor (as ``deepcomplex train`` does, without
  augmentation) and testing on the test set (eval mode, no gradients, the task's evaluation batch size); needs
  Fashion-MNIST (``make data``).

Writes JSON (default benchmarks/results/profile_<model>.json) and prints Markdown tables for docs/BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable, Optional

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import machine_info, summary, write_json  # noqa: E402


def _median_ms(fn: Callable[[], object], steps: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return summary(times)["median_ms"]


def stage_times(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int) -> list[dict]:
    """Forward + backward of each stage alone (median ms), then the loss and Adam's step."""
    if not all(hasattr(model, a) for a in ("stem", "features", "classifier")):
        raise SystemExit(f"stage times need a CoShNet model (stem, features, classifier); got {type(model).__name__}")
    stages = [("stem (preprocess, front end, conv 1, CReLU, pool)", model.stem)]
    stages += [(f"features.{i} {type(m).__name__}", m) for i, m in enumerate(model.features) if i >= 3]
    stages += [(f"classifier.{i} {type(m).__name__}", m) for i, m in enumerate(model.classifier)]
    rows, h = [], x
    for name, stage in stages:
        with torch.no_grad():
            out = stage(h)
        grad = torch.randn_like(out)
        inp = h if h is x else h.detach().requires_grad_()

        def step(stage=stage, inp=inp, grad=grad):
            stage(inp).backward(grad)

        rows.append({"stage": name, "ms": _median_ms(step, steps)})
        h = out
    logits = h.detach().requires_grad_()
    rows.append({"stage": "cross-entropy", "ms": _median_ms(lambda: F.cross_entropy(logits, y).backward(), steps)})
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    F.cross_entropy(model(x), y).backward()
    rows.append({"stage": "Adam step", "ms": _median_ms(opt.step, steps)})
    return rows


def whole_step(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> Callable[[], None]:
    opt = torch.optim.Adam(model.parameters(), 1e-3)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def operator_table(step: Callable[[], None], steps: int, top: int) -> list[dict]:
    """The ``top`` operators by self CPU time over ``steps`` steps, in ms per step, with their share."""
    from torch.profiler import ProfilerActivity, profile

    step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    events = [e for e in prof.key_averages() if e.self_cpu_time_total > 0]
    total = sum(e.self_cpu_time_total for e in events)
    events.sort(key=lambda e: e.self_cpu_time_total, reverse=True)
    return [{"op": e.key, "ms_per_step": e.self_cpu_time_total / 1e3 / steps, "calls_per_step": e.count / steps,
             "share": e.self_cpu_time_total / total} for e in events[:top]]


def epoch_costs(name: str, model: torch.nn.Module, batch: int) -> Optional[dict]:
    """Seconds to draw one epoch's batches and to test once, as ``deepcomplex train`` does; None without the data."""
    from deepcomplex.train.config import TrainConfig, load_data
    from deepcomplex.train.tasks import get_task

    cfg = TrainConfig(model=name, batch_size=batch)
    try:
        xtr, _, xte, yte = load_data(cfg)
    except (FileNotFoundError, RuntimeError, OSError) as err:
        print(f"  epoch costs skipped: {err}", file=sys.stderr)
        return None
    order = torch.randperm(len(xtr))
    start = time.perf_counter()
    for i in range(0, len(xtr), batch):
        xtr[order[i:i + batch]].contiguous()
    draw = time.perf_counter() - start
    task = get_task(cfg.task)
    start = time.perf_counter()
    task.evaluate_all(model, xte, yte, cfg.eval_batch_size)
    test = time.perf_counter() - start
    model.train()
    return {"train_images": len(xtr), "test_images": len(xte), "eval_batch_size": cfg.eval_batch_size,
            "draw_batches_s": draw, "test_s": test, "steps_per_epoch": -(-len(xtr) // batch)}


def main(argv: Optional[list[str]] = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="coshnet_tiny")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=20, help="timed steps per stage and profiled steps (default 20)")
    p.add_argument("--top", type=int, default=15, help="operators listed (default 15)")
    p.add_argument("--no-epoch", action="store_true", help="skip the data-drawing and testing costs")
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args(argv)
    if args.batch < 1 or args.threads < 1 or args.steps < 1 or args.top < 1:
        p.exit(2, "profile_step: --batch, --threads, --steps and --top must be positive\n")
    from deepcomplex.models import create_model
    from deepcomplex.train.runtime import tune_malloc

    tune_malloc()  # as the deepcomplex command does
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = create_model(args.model)
    x = torch.rand(args.batch, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        classes = model(x).shape[-1]
    y = torch.randint(0, classes, (args.batch,), generator=torch.Generator().manual_seed(2))
    step = whole_step(model, x, y)
    start = time.perf_counter()
    result = {"model": args.model, "batch": args.batch, "machine": machine_info(args.threads),
              "step_ms": _median_ms(step, args.steps), "stages": stage_times(model, x, y, args.steps),
              "operators": operator_table(step, args.steps, args.top),
              "epoch": None if args.no_epoch else epoch_costs(args.model, model, args.batch)}
    result["elapsed_s"] = time.perf_counter() - start
    out = args.out or ROOT / "benchmarks" / "results" / f"profile_{args.model}.json"
    write_json(out, result)
    print(f"{args.model}, batch {args.batch}, {args.threads} threads: one training step {result['step_ms']:.1f} ms "
          f"(median of {args.steps})\n\n| stage | fwd+bwd ms |\n|---|---|")
    for r in result["stages"]:
        print(f"| {r['stage']} | {r['ms']:.2f} |")
    print(f"| sum of the stages | {sum(r['ms'] for r in result['stages']):.2f} |\n\n"
          "| operator | ms per step | calls per step | share of self CPU |\n|---|---|---|---|")
    for r in result["operators"]:
        print(f"| `{r['op']}` | {r['ms_per_step']:.2f} | {r['calls_per_step']:g} | {r['share']:.1%} |")
    e = result["epoch"]
    if e:
        train_s = e["steps_per_epoch"] * result["step_ms"] / 1e3
        print(f"\nepoch: {e['steps_per_epoch']} steps x {result['step_ms']:.1f} ms = {train_s:.1f} s of training, "
              f"{e['draw_batches_s']:.2f} s drawing batches, {e['test_s']:.1f} s testing {e['test_images']} images")
    print(f"wrote {out}")
    return result


if __name__ == "__main__":
    main()
