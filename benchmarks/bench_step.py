"""Time of one training step of registered models (forward, cross-entropy, backward, Adam), this checkout against
another commit, with and without the allocator setting of the ``deepcomplex`` command.

    python benchmarks/bench_step.py [--against REV] [--models coshnet_tiny,coshnet_base] [--rounds 3] [--steps 30]

Each (checkout, allocator) configuration runs in its own process: glibc's setting applies to a whole process, and the
other commit's package must be imported instead of this one. The configurations alternate within each round, so
drifting machine load hits them alike; reported is the median over rounds of each process's median step time.
``--against`` checks REV out into a temporary git worktree (removed afterwards). Writes JSON next to this script.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "bench_step.json"


def _one(src: str, model: str, tune: bool, steps: int, batch: int, threads: int) -> float:
    """Runs in a child process: the median step time in ms of ``model`` imported from the checkout ``src``."""
    if tune:  # this checkout's setting, loaded by path: an old commit's package may not have it
        import importlib.util

        spec = importlib.util.spec_from_file_location("_runtime", ROOT / "deepcomplex" / "train" / "runtime.py")
        runtime = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(runtime)
        if not runtime.tune_malloc():
            raise RuntimeError("tune_malloc did not apply (not glibc, or DEEPCOMPLEX_MALLOC_TUNING=0)")
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


def main(argv=None) -> dict:
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
    a.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = a.out.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(result, indent=2) + "\n")
    os.replace(tmp_out, a.out)
    print(f"wrote {a.out}")
    return result


if __name__ == "__main__":
    main()
