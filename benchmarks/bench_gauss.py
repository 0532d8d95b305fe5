"""Gauss's three-product form against the four-product form, forward + backward, per shape: the measurements behind the
rule in deepcomplex/functional/gauss.py (``deepcomplex.backends.gauss = "auto"``).

    python benchmarks/bench_gauss.py [--threads N] [--repeats N] [--quick] [--forward-only]

Each row times one call ``y = f(x, w, b); y.backward(g)`` of the public function (deepcomplex.functional.conv2d ...)
with ``deepcomplex.backends.gauss`` forced to ``False`` (four products: the block kernel for convolutions, torch's
complex GEMM for linear) and to ``True`` (Gauss), round-robin after a warm-up; it prints the medians, their ratio
(Gauss / four-product, < 1: Gauss is faster) and what "auto" picks. Inputs are channels-last complex64, as inside a
network. With one thread (the default) the clock is the CPU time of that thread (``time.thread_time``), which does
not count the time it waits for a core: on a loaded machine wall times swing 2-3x, CPU times a few per cent. With
more threads it is the wall clock. Needs the compiled kernels (``python -m deepcomplex build-ext``): "auto" only
picks Gauss with them.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

import torch

if __package__ in (None, ""):  # run as a script: make deepcomplex importable from a checkout
    sys.path.append(str(Path(__file__).resolve().parents[1]))

import deepcomplex.backends  # noqa: E402
import deepcomplex.functional as CF  # noqa: E402
from deepcomplex.functional.gauss import gauss_wanted  # noqa: E402

# (name, function, input shape, weight shape, keyword arguments)
CONV = [
    ("conv2d N=64 16->32 32x32 k3", CF.conv2d, (64, 16, 32, 32), (32, 16, 3, 3), dict(padding=1)),
    ("conv1d N=64 16->32 L=1024 k3", CF.conv1d, (64, 16, 1024), (32, 16, 3), dict(padding=1)),
    ("conv2d N=32 32->32 32x32 k3", CF.conv2d, (32, 32, 32, 32), (32, 32, 3, 3), dict(padding=1)),
    ("conv2d N=16 32->128 16x16 k3", CF.conv2d, (16, 32, 16, 16), (128, 32, 3, 3), dict(padding=1)),
    ("conv2d N=16 128->32 16x16 k3", CF.conv2d, (16, 128, 16, 16), (32, 128, 3, 3), dict(padding=1)),
    ("conv2d N=32 64->64 16x16 k3", CF.conv2d, (32, 64, 16, 16), (64, 64, 3, 3), dict(padding=1)),
    ("conv2d N=16 64->64 32x32 k3", CF.conv2d, (16, 64, 32, 32), (64, 64, 3, 3), dict(padding=1)),
    ("conv1d N=16 64->64 L=512 k3", CF.conv1d, (16, 64, 512), (64, 64, 3), dict(padding=1)),
    ("conv2d N=16 64->128 16x16 k3", CF.conv2d, (16, 64, 16, 16), (128, 64, 3, 3), dict(padding=1)),
    ("conv2d N=16 128->128 16x16 k1", CF.conv2d, (16, 128, 16, 16), (128, 128, 1, 1), {}),
    ("conv_transpose2d N=16 128->64 k4 s2", CF.conv_transpose2d, (16, 128, 16, 16), (128, 64, 4, 4),
     dict(stride=2, padding=1)),
    ("conv2d N=16 96->96 16x16 k3", CF.conv2d, (16, 96, 16, 16), (96, 96, 3, 3), dict(padding=1)),
    ("conv2d N=16 96->96 16x16 k5", CF.conv2d, (16, 96, 16, 16), (96, 96, 5, 5), dict(padding=2)),
    ("conv2d N=16 128->128 16x16 k3", CF.conv2d, (16, 128, 16, 16), (128, 128, 3, 3), dict(padding=1)),
    ("conv2d N=8 128->128 32x32 k3", CF.conv2d, (8, 128, 32, 32), (128, 128, 3, 3), dict(padding=1)),
    ("conv2d N=2 128->128 8x8 k3", CF.conv2d, (2, 128, 8, 8), (128, 128, 3, 3), dict(padding=1)),
    ("conv2d N=8 256->256 8x8 k3", CF.conv2d, (8, 256, 8, 8), (256, 256, 3, 3), dict(padding=1)),
    ("conv2d N=16 256->256 16x16 k3 g2", CF.conv2d, (16, 256, 16, 16), (256, 128, 3, 3), dict(padding=1, groups=2)),
    ("conv1d N=16 128->128 L=256 k3", CF.conv1d, (16, 128, 256), (128, 128, 3), dict(padding=1)),
    ("conv1d N=16 256->256 L=128 k3", CF.conv1d, (16, 256, 128), (256, 256, 3), dict(padding=1)),
    ("conv3d N=4 128->128 8^3 k3", CF.conv3d, (4, 128, 8, 8, 8), (128, 128, 3, 3, 3), dict(padding=1)),
    ("conv3d N=8 32->64 8^3 k3", CF.conv3d, (8, 32, 8, 8, 8), (64, 32, 3, 3, 3), dict(padding=1)),
]
LINEAR = [(256, 512, 512), (1024, 256, 256), (1024, 512, 512), (64, 1024, 1024), (32, 512, 512), (256, 128, 128)]
QUICK_CONV = [("conv2d N=2 8->8 6x6 k3", CF.conv2d, (2, 8, 6, 6), (8, 8, 3, 3), dict(padding=1))]
QUICK_LINEAR = [(4, 8, 8)]


def _crandn(*shape: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.complex(torch.randn(shape, generator=g), torch.randn(shape, generator=g))


def _channels_last(x: torch.Tensor) -> torch.Tensor:
    return x.movedim(1, -1).contiguous().movedim(-1, 1) if x.dim() >= 3 else x


def _step(fn, inputs, grad, forward_only: bool):
    leaves = [t.detach().clone(memory_format=torch.preserve_format).requires_grad_(not forward_only) for t in inputs]

    def step():
        for t in leaves:
            t.grad = None
        if forward_only:
            with torch.no_grad():
                fn(*leaves)
        else:
            fn(*leaves).backward(grad)
    return step


def compare(fn, inputs, repeats: int, clock, forward_only: bool) -> tuple[float, float]:
    """Median seconds of the four-product form and of Gauss's, interleaved (the first form alternates)."""
    with torch.no_grad():
        y = fn(*inputs)
    grad = _channels_last(_crandn(*y.shape, seed=9))
    steps = {}
    for mode in (False, True):
        deepcomplex.backends.gauss = mode
        steps[mode] = _step(fn, inputs, grad, forward_only)
    times = {False: [], True: []}
    try:
        for r in range(repeats + 2):
            for mode in ((False, True) if r % 2 else (True, False)):
                deepcomplex.backends.gauss = mode
                gc.disable()
                t0 = clock()
                steps[mode]()
                t = clock() - t0
                gc.enable()
                if r >= 2:  # two warm-up rounds
                    times[mode].append(t)
    finally:
        deepcomplex.backends.gauss = "auto"
    return statistics.median(times[False]), statistics.median(times[True])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="tiny shapes, a smoke test of the script")
    parser.add_argument("--forward-only", action="store_true", help="time inference (no backward)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    clock = time.thread_time if args.threads == 1 else time.perf_counter
    print(f"torch {torch.__version__}, {args.threads} thread(s), clock {clock.__name__}, kernels "
          f"{deepcomplex.backends.extension_available()}, {'forward' if args.forward_only else 'forward + backward'}, "
          f"median of {args.repeats}")
    print(f"{'shape':40s} {'4-product ms':>12s} {'Gauss ms':>9s} {'Gauss/4':>8s}  auto")
    for name, fn, xs, ws, kw in QUICK_CONV if args.quick else CONV:
        x, w = _channels_last(_crandn(*xs, seed=1)), _crandn(*ws, seed=2) / (ws[1] * ws[2]) ** 0.5
        transposed = fn in (CF.conv_transpose1d, CF.conv_transpose2d, CF.conv_transpose3d)
        b = _crandn(ws[1] * kw.get("groups", 1) if transposed else ws[0], seed=3)
        four, three = compare(lambda x, w, b: fn(x, w, b, **kw), (x, w, b), args.repeats, clock, args.forward_only)
        w2 = w.unsqueeze(2) if w.dim() == 3 else w  # the rule sees 1-D convolutions as 2-D of height 1
        auto = "Gauss" if gauss_wanted("conv", x, w2, kw.get("groups", 1), transposed) else "4"
        print(f"{name:40s} {four * 1e3:12.2f} {three * 1e3:9.2f} {three / four:8.3f}  {auto}", flush=True)
    for n, fin, fout in QUICK_LINEAR if args.quick else LINEAR:
        x, w, b = _crandn(n, fin, seed=1), _crandn(fout, fin, seed=2) / fin ** 0.5, _crandn(fout, seed=3)
        four, three = compare(CF.linear, (x, w, b), args.repeats, clock, args.forward_only)
        auto = "Gauss" if gauss_wanted("linear", x, w) else "4"
        print(f"{f'linear N={n} {fin}->{fout}':40s} {four * 1e3:12.2f} {three * 1e3:9.2f} {three / four:8.3f}  {auto}",
              flush=True)


if __name__ == "__main__":
    main()
