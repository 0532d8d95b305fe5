"""Time of one training step of registered models (forward, cross-entropy, backward, Adam), this checkout against
another commit, with and without the allocator setting of the ``deepcomplex`` command.

    python benchmarks/bench_step.py [--against REV] [--models coshnet_tiny,coshnet_base] [--rounds 3] [--steps 30]
    python benchmarks/bench_step.py --memory [--models ...] [--steps 30] [--batch 128]

Each (checkout, allocator) configuration runs in its own process: glibc's setting applies to a whole process, and the
other commit's package must be imported instead of this one. The configurations alternate within each round, so
drifting machine load hits them alike; reported is the median over rounds of each process's median step time.
``--against`` checks REV out into a temporary git worktree (removed afterwards). Writes JSON next to this script.

The allocator setting is always this checkout's ``deepcomplex.train.runtime.tune_malloc`` (an old commit may not have
it): the child imports it from this checkout, applies it (it holds for the whole process), then forgets this
checkout's ``deepcomplex`` modules so that the package of the checkout under test is the one imported and timed.

``--memory`` reports instead the peak resident memory (``resource.getrusage().ru_maxrss``) of 5 + ``--steps``
training steps of each model of this checkout, one process per (model, allocator setting) so that no
two runs share a peak: the peak once the model, optimizer and batch exist (imports included), the peak after the
steps, and their difference, what training added. Models: registered names, plus the twins of coshnet_base the
benchmarks compare it with: ``coshnet_base:native`` (harness.NativeCoShNetBase, the same network on torch's complex
ops) and ``coshnet_base:real`` (the peer benchmark's real network of the same layer sizes on the modulus of the same
front end). Writes results/bench_memory.json next to this script.
"""
from __future__ import annotations

import argparse
import importlib
import json
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
DEFAULT_MEMORY_OUT = Path(__file__).resolve().parent / "results" / "bench_memory.json"
MEMORY_MODELS = "coshnet_tiny,coshnet_base,coshnet_base:native,coshnet_base:real"


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


def _maxrss_mib() -> float:
    """This process's peak resident memory so far, in MiB (ru_maxrss is in KiB on Linux, bytes on macOS)."""
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2 ** 20 if sys.platform == "darwin" else rss / 2 ** 10


def _memory_one(model: str, tune: bool, steps: int, batch: int, threads: int) -> dict:
    """Runs in a child process: peak RSS before and after ``steps`` training steps (Adam) of ``model`` (a registered
    name, or coshnet_base:native / coshnet_base:real) of this checkout."""
    if tune:
        _tune_malloc_of_this_checkout()
    sys.path.insert(0, str(ROOT))
    import torch
    import torch.nn.functional as F

    from deepcomplex.models import create_model

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = torch.rand(batch, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    y = torch.randint(0, 10, (batch,), generator=torch.Generator().manual_seed(2))
    name, _, twin = model.partition(":")
    if twin and name != "coshnet_base":
        raise ValueError(f"{model}: the benchmarks have native and real twins of coshnet_base only")
    if twin == "native":
        from benchmarks.harness import NativeCoShNetBase

        net = NativeCoShNetBase(create_model(name))
        forward, params = net, list(net.params)
    elif twin == "real":
        from benchmarks.peers.rows import coshnet_row

        real = coshnet_row({"n": batch}).real
        forward, params = real.fn, list(real.params)
    elif twin:
        raise ValueError(f"{model}: unknown twin {twin!r} (native or real)")
    else:
        net = create_model(name)
        forward, params = net, list(net.parameters())
    opt = torch.optim.Adam(params, 1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(forward(x), y).backward()
        opt.step()

    before = _maxrss_mib()
    for _ in range(5 + steps):
        step()
    after = _maxrss_mib()
    return {"peak_before_mib": before, "peak_mib": after, "training_mib": after - before}


def _memory(a: argparse.Namespace) -> dict:
    """--memory: one child process per (model, allocator setting), run in turn; the peak RSS of each."""
    settings = {"tuned": (True,), "default": (False,), "both": (False, True)}[a.allocator]
    results: dict[str, dict] = {}
    for model in a.models.split(","):
        for tune in settings:
            key = f"{model} | {'tuned' if tune else 'glibc default'}"
            out = subprocess.run(
                [sys.executable, __file__, "--memory-child", model, str(int(tune)), "--steps", str(a.steps),
                 "--batch", str(a.batch), "--threads", str(a.threads)],
                check=True, capture_output=True, text=True).stdout
            results[key] = json.loads(out.strip().splitlines()[-1])
            print(f"{key}: peak {results[key]['peak_mib']:.0f} MiB", file=sys.stderr, flush=True)
    result = {"benchmark": "peak resident memory (ru_maxrss) of training steps (forward, cross-entropy, backward, "
                           "Adam), one process per model and allocator setting",
              "config": {k: v for k, v in vars(a).items() if k not in ("out", "child", "memory_child", "against",
                                                                       "rounds")},
              "runs": results}
    print(f"{'model | allocator':<40} {'before MiB':>10} {'peak MiB':>9} {'training MiB':>12}")
    for k, v in results.items():
        print(f"{k:<40} {v['peak_before_mib']:10.0f} {v['peak_mib']:9.0f} {v['training_mib']:12.0f}")
    return result


def main(argv: Optional[list[str]] = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--against", default=None, help="a git revision to compare with (default: this checkout only)")
    p.add_argument("--models", default=None, help="comma-separated (default coshnet_tiny,coshnet_base; with "
                                                  f"--memory {MEMORY_MODELS})")
    p.add_argument("--memory", action="store_true", help="peak resident memory of training instead of step time")
    p.add_argument("--allocator", choices=("both", "tuned", "default"), default="both",
                   help="--memory: glibc's default allocator, the deepcomplex command's tuned one, or both")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", type=Path, default=None, help=f"JSON report (default {DEFAULT_OUT}; with --memory "
                                                          f"{DEFAULT_MEMORY_OUT})")
    p.add_argument("--child", nargs=3, metavar=("SRC", "MODEL", "TUNE"), help=argparse.SUPPRESS)
    p.add_argument("--memory-child", nargs=2, metavar=("MODEL", "TUNE"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        print(_one(a.child[0], a.child[1], a.child[2] == "1", a.steps, a.batch, a.threads))
        return {}
    if a.memory_child:
        print(json.dumps(_memory_one(a.memory_child[0], a.memory_child[1] == "1", a.steps, a.batch, a.threads)))
        return {}
    a.models = a.models or (MEMORY_MODELS if a.memory else "coshnet_tiny,coshnet_base")
    a.out = a.out or (DEFAULT_MEMORY_OUT if a.memory else DEFAULT_OUT)
    if a.memory:
        if a.against:
            p.error("--memory measures this checkout only (no --against)")
        result = _memory(a)
        if str(ROOT) not in sys.path:
            sys.path.append(str(ROOT))
        from benchmarks.harness import write_json

        write_json(a.out, result)
        print(f"wrote {a.out}")
        return result
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
    skip = ("out", "child", "memory_child", "memory", "allocator")
    result = {"config": {k: v for k, v in vars(a).items() if k not in skip},
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
