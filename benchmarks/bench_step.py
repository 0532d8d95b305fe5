"""Time of one training step of registered models (forward, cross-entropy, backward, Adam), this checkout against
another commit, with and without the allocator setting of the ``deepcomplex`` command.

    python benchmarks/bench_step.py [--against REV] [--models coshnet_tiny,coshnet_base] [--rounds 3] [--steps 30]

Each (checkout, allocator) configuration runs in its own process: glibc's setting applies to a whole process, and the
other commit's package must be imported instead of this one. The configurations alternate within each round, so
drifting machine load hits them alike; reported is the median over rounds of each process's median step time.
``--against`` checks REV out into a temporary git worktree (removed afterwards). Writes JSON next to this script.

The allocator setting is always this checkout's ``deepcomplex.train.runtime.tune_malloc`` (an old commit may not have
it): the child imports it from this checkout, applies it (it holds for the whole process), then forgets this
checkout's ``deepcomplex`` modules so that the package of the checkout under test is the one imported and timed.
"""
from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "bench_step.json"


def _tune_malloc_of_this_checkout() -> None:
    """Apply this checkout's ``deepcomplex.train.runtime.tune_malloc`` to the process, then drop every ``deepcomplex``
    module from ``sys.modules`` so that the next ``import deepcomplex`` loads the package of the checkout under test."""
    sys.path.insert(0, str(ROOT))
    try:
        runtime = importlib.import_module("deepcomplex.train.runtime")
        if not runtime.tune_malloc():
            raise RuntimeError("tune_malloc did not apply (not glibc, or DEEPCOMPLEX_MALLOC_TUNING=0)")
    finally:
        sys.path.remove(str(ROOT))
        for name in [n for n in sys.modules if n == "deepcomplex" or n.startswith("deepcomplex.")]:
            del sys.modules[name]


def _one(src: str, model: str, tune: bool, steps: int, batch: int, threads: int) -> float:
    """Runs in a child process: the median step time in ms of ``model`` imported from the checkout ``src``."""
    if tune:
        _tune_malloc_of_this_checkout()
    sys.path.insert(0, src)
    import torch

    import deepcomplex
    from deepcomplex.models import create_model

    if not Path(deepcomplex.__file__).resolve().is_relative_to(Path(src).resolve()):
        raise RuntimeError(f"imported {deepcomplex.__file__}, not the package in {src}")
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    m = create_model(model)
    opt = torch.optim.Adam(m.parameters(), 1e-3)
    x, y = torch.rand(batch, 1, 28, 28), torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(m(x), y).backward()
        opt.step()

    for _ in range(5):
        step()
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def main(argv: Optional[list[str]] = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--against", default=None, help="a git revision to compare with (default: this checkout only)")
    p.add_argument("--models", default="coshnet_tiny,coshnet_base")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--child", nargs=3, metavar=("SRC", "MODEL", "TUNE"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        print(_one(a.child[0], a.child[1], a.child[2] == "1", a.steps, a.batch, a.threads))
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        checkouts = {"current": str(ROOT)}
        if a.against:
            other = os.path.join(tmp, "other")
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", other, a.against], check=True,
                           capture_output=True)
            checkouts[a.against] = other
        try:
            samples: dict[str, list[float]] = {}
            for r in range(a.rounds):
                for model in a.models.split(","):
                    for name, src in checkouts.items():
                        for tune in (False, True):
                            key = f"{model} | {name} | {'tuned' if tune else 'glibc default'}"
                            out = subprocess.run(
                                [sys.executable, __file__, "--child", src, model, str(int(tune)), "--steps",
                                 str(a.steps), "--batch", str(a.batch), "--threads", str(a.threads)],
                                check=True, capture_output=True, text=True).stdout
                            samples.setdefault(key, []).append(float(out.strip().splitlines()[-1]))
                            print(f"round {r + 1}: {key}: {samples[key][-1]:.1f} ms", file=sys.stderr, flush=True)
        finally:
            if a.against:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", checkouts[a.against]],
                               capture_output=True)
    result = {"config": {k: v for k, v in vars(a).items() if k not in ("out", "child")},
              "median_ms": {k: statistics.median(v) for k, v in samples.items()}, "rounds_ms": samples}
    for k, v in result["median_ms"].items():
        print(f"{k:<50} {v:8.1f} ms")
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    from benchmarks.harness import write_json  # here, not above: a child must not import deepcomplex before its own

    write_json(a.out, result)
    print(f"wrote {a.out}")
    return result


if __name__ == "__main__":
    main()
