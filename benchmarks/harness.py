"""The timing harness shared by the benchmark scripts (bench_layers.py, bench_sweep.py, bench_peers.py,
bench_step.py).

- Timing: a :class:`Contender` is one forward + backward closure (an :class:`InferenceContender` one forward only);
  :func:`run_interleaved` times the contenders of one comparison round-robin (the starting contender rotates from
  repeat to repeat) after a warm-up, with the garbage collector off, so drifting machine load hits them alike;
  :func:`summary` reduces the samples to median and IQR.
- Memory: :func:`peak_alloc_mib`, the peak of torch's CPU allocator during one forward + backward of a contender
  (torch.profiler's memory events), taken outside the timed calls.
- Inputs: seeded complex / real normal tensors (:func:`crandn`, :func:`rrandn`, :func:`randn_like`), leaf copies
  and the channels-last layout.
- Reports: :func:`machine_info` (torch, CPU, threads, load, whether deepcomplex's compiled kernels are loaded) and
  atomic writes of JSON and other report files through :mod:`deepcomplex.io`.
- CoShNet on plain torch: :func:`fft_frontend` (CoShNet's fixed front end as ifft2(fft2(x) * kernel)) and
  :class:`NativeCoShNetBase`, the base network written directly on torch's complex ops; bench_layers.py times it
  against deepcomplex's model and bench_peers.py composes every peer's CoShNet behind the same front end.
"""
from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import BinaryIO, Callable, Optional

import torch
import torch.nn.functional as F
from torch import nn

import deepcomplex.backends
from deepcomplex.io import atomic_write

CDTYPE, RDTYPE = torch.complex64, torch.float32


# ----------------------------------------------------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------------------------------------------------

class Contender:
    """One forward+backward closure: ``fn()`` returns the output; ``leaves`` get their .grad cleared before each call.

    ``grad`` is the output gradient (default: :func:`randn_like` of the output, passed through ``grad_like``).
    """

    def __init__(self, fn: Callable[[], torch.Tensor], leaves: list[torch.Tensor], grad: Optional[torch.Tensor] = None,
                 grad_like: Optional[Callable[[torch.Tensor], torch.Tensor]] = None) -> None:
        self.fn, self.leaves = fn, [t for t in leaves if t is not None and t.requires_grad]
        y = fn()
        if grad is None:
            grad = randn_like(y)
            if grad_like is not None:
                grad = grad_like(grad)
        if grad.shape != y.shape or grad.dtype != y.dtype:
            raise ValueError(f"gradient of shape {tuple(grad.shape)}/{grad.dtype} for output "
                             f"{tuple(y.shape)}/{y.dtype}")
        self.grad = grad
        self.samples: list[float] = []

    def clear(self) -> None:
        for t in self.leaves:
            t.grad = None

    def step(self) -> None:
        self.fn().backward(self.grad)

    def timed(self) -> float:
        self.clear()
        t0 = time.perf_counter()
        self.step()
        return time.perf_counter() - t0


class InferenceContender(Contender):
    """One forward call and no backward: ``fn()`` runs inference (a model in eval mode without gradients, an
    onnxruntime session); timed like a :class:`Contender`."""

    def __init__(self, fn: Callable[[], object]) -> None:
        self.fn, self.leaves, self.grad = fn, [], None
        fn()
        self.samples: list[float] = []

    def step(self) -> None:
        self.fn()


def run_interleaved(contenders: dict[str, Contender], repeats: int, warmup: int) -> None:
    """``warmup`` untimed steps of each contender, then ``repeats`` timed rounds, round-robin with a rotating start."""
    names = list(contenders)
    for _ in range(warmup):
        for n in names:
            contenders[n].clear()
            contenders[n].step()
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for r in range(repeats):
            k = r % len(names)
            for n in names[k:] + names[:k]:  # round-robin, rotating the starting contender
                contenders[n].samples.append(contenders[n].timed())
    finally:
        if was_enabled:
            gc.enable()


def summary(samples: list[float]) -> dict:
    """Median, IQR (inclusive quartiles), quartiles and minimum of ``samples`` (seconds) in ms, and their count."""
    ms = sorted(s * 1e3 for s in samples)
    if len(ms) >= 2:
        q1, _, q3 = statistics.quantiles(ms, n=4, method="inclusive")
    else:
        q1 = q3 = ms[0]
    return {"median_ms": statistics.median(ms), "iqr_ms": q3 - q1, "q1_ms": q1, "q3_ms": q3,
            "min_ms": ms[0], "n": len(ms)}


def peak_alloc_mib(c: Contender) -> Optional[float]:
    """Peak MiB torch's CPU allocator holds above its starting level during one forward + backward of ``c``.

    ``torch.profiler.profile(profile_memory=True)`` records the allocation and free events of torch's CPU allocator;
    summed in time order, their running maximum is the peak above what existed before the call: outputs, saved
    activations, temporaries and .grad tensors count; inputs, weights and the output gradient do not, nor oneDNN's
    internal scratch space or memory outside torch (onnxruntime). None (with a warning) where the profiler fails.
    """
    c.clear()  # (no gc.collect here: tensors are freed by reference counting, and a collection costs ~0.1 s)
    try:
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], profile_memory=True) as prof:
            c.step()
        events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    except Exception as e:  # the profiler's result API is semi-private; a memory column of "-" beats a crash
        print(f"warning: memory profile failed ({type(e).__name__}: {e})", file=sys.stderr)
        return None
    finally:
        c.clear()
    cur = peak = 0
    for e in sorted(events, key=lambda e: e.start_ns()):
        cur += e.nbytes()
        peak = max(peak, cur)
    return peak / 2 ** 20


# ----------------------------------------------------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------------------------------------------------

def randn_like(y: torch.Tensor) -> torch.Tensor:
    """A fixed (seed 1) standard normal tensor of ``y``'s shape and dtype: the output gradient every contender gets."""
    g = torch.Generator().manual_seed(1)
    if y.is_complex():
        r = torch.randn((*y.shape, 2), generator=g, dtype=y.real.dtype)
        return torch.view_as_complex(r).contiguous()
    return torch.randn(y.shape, generator=g, dtype=y.dtype)


def crandn(*shape: int, seed: int = 0) -> torch.Tensor:
    """complex64 tensor with independent standard normal real and imaginary parts, from its own generator."""
    g = torch.Generator().manual_seed(seed)
    return torch.view_as_complex(torch.randn(*shape, 2, generator=g, dtype=RDTYPE)).contiguous()


def rrandn(*shape: int, seed: int = 0) -> torch.Tensor:
    """float32 standard normal tensor from its own generator."""
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=RDTYPE)


def channels_last(x: torch.Tensor) -> torch.Tensor:
    """Dimension 1 innermost in memory (torch.channels_last / channels_last_3d for 4-D / 5-D), any rank >= 3."""
    return x.movedim(1, -1).contiguous().movedim(-1, 1)


def leaf(x: torch.Tensor) -> torch.Tensor:
    """A detached copy of ``x`` in the same memory layout that requires grad."""
    return x.detach().clone(memory_format=torch.preserve_format).requires_grad_(True)


def pure_pytorch(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``module(x)`` on its pure-PyTorch path, the compiled kernels off (the path of a GPU, or of a machine without
    the build)."""
    with deepcomplex.backends.extension_disabled():
        return module(x)


# ----------------------------------------------------------------------------------------------------------------------
# Reports
# ----------------------------------------------------------------------------------------------------------------------

def load_average() -> Optional[list[float]]:
    """The 1, 5 and 15 minute load averages, or None where the platform has none."""
    return list(os.getloadavg()) if hasattr(os, "getloadavg") else None


def machine_info(threads: int) -> dict:
    """The facts a timing depends on: versions, platform, CPU count, torch threads, oneDNN, kernels, current load."""
    return {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": threads,
        "torch_interop_threads": torch.get_num_interop_threads(),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "deepcomplex_kernels": deepcomplex.backends.extension_available(),
        "load_average_start": load_average(),
    }


def write_file(path: Path, write: Callable[[BinaryIO], object]) -> Path:
    """Write a report through ``write(f)`` on a binary temp file renamed over ``path``
    (:func:`deepcomplex.io.atomic_write`), with a plain file's permissions (0666 less the umask), not mkstemp's 0600."""
    def with_mode(f: BinaryIO) -> None:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(f.fileno(), 0o666 & ~umask)
        write(f)
    return atomic_write(path, with_mode)


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically, as :func:`write_file`."""
    return write_file(path, lambda f: f.write(text.encode("utf-8")))


def write_json(path: Path, data: dict) -> Path:
    """Write ``data`` as indented JSON and a final newline to ``path`` atomically, as :func:`write_file`."""
    return write_text(path, json.dumps(data, indent=2) + "\n")


# ----------------------------------------------------------------------------------------------------------------------
# CoShNet on torch's own complex ops
# ----------------------------------------------------------------------------------------------------------------------

def fft_frontend(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """CoShNet's fixed front end the straightforward way: ifft2(fft2(preprocessed x) * kernel), ``model``'s kernel."""
    return torch.fft.ifft2(torch.fft.fft2(model.preprocess(x)) * model.frontend.kernel)


class NativeCoShNetBase(nn.Module):
    """CoShNet base (Ko et al., 2022) written directly on torch's complex ops, with the weights of one of our models:
    the front end as ifft2(fft2(x) * kernel), then complex F.conv2d / F.linear, CReLU and average pooling on Re and
    Im; the straightforward PyTorch implementation a user would write."""

    def __init__(self, ours: nn.Module) -> None:
        super().__init__()
        self.ours = ours  # for preprocess and the front end's kernel only; its parameters are copied below
        conv1, conv2, fc1, fc2, head = ours.features[0], ours.features[3], ours.classifier[1], ours.classifier[3], \
            ours.classifier[6]
        self.params = nn.ParameterList([nn.Parameter(t.detach().clone()) for t in (
            conv1.weight, conv1.bias, conv2.weight, conv2.bias, fc1.weight, fc1.bias, fc2.weight, fc2.bias,
            head.weight, head.bias)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w1, b1, w2, b2, f1, g1, f2, g2, hw, hb = self.params
        crelu = lambda z: torch.complex(F.relu(z.real), F.relu(z.imag))
        pool = lambda z: torch.complex(F.avg_pool2d(z.real, 2), F.avg_pool2d(z.imag, 2))
        c = fft_frontend(self.ours, x)
        h = pool(crelu(F.conv2d(c, w1, b1)))
        h = pool(crelu(F.conv2d(h, w2, b2)))
        h = crelu(F.linear(crelu(F.linear(h.flatten(1), f1, g1)), f2, g2))
        return F.linear(torch.cat((h.real, h.imag), 1), hw, hb)
