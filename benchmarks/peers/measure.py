"""Timing and peak memory of every library on a row, with the harness of benchmarks/harness.py.

Time: one forward + one backward per timed call (Contender, run_interleaved, summary): the contenders of a row run
round-robin with a rotating start after a warm-up; median and IQR. Peak memory (harness.peak_alloc_mib):
torch.profiler.profile(profile_memory=True) around one forward + backward; the allocation and free events of torch's
CPU allocator are summed in time order and the running maximum is the peak (MiB) above what was allocated before
the call (inputs, weights and the output gradient are not counted; outputs, saved activations, temporaries and the
.grad tensors are). oneDNN's internal scratch space, if any, is outside torch's allocator.
"""
from __future__ import annotations

import warnings
from typing import Callable, Optional, Union

import torch

from benchmarks.harness import Contender, leaf, peak_alloc_mib, randn_like, run_interleaved, summary

from .adapters import LIBS, PEERS, modules_of
from .spec import Impl, RowSpec


class SplitContender(Contender):
    """A Contender whose closure returns (re, im) real tensors, as cplxmodule's Cplx: backward on both parts."""

    def __init__(self, fn: Callable[[], tuple[torch.Tensor, torch.Tensor]], leaves: list[torch.Tensor]) -> None:
        self.fn, self.leaves = fn, [t for t in leaves if t is not None and t.requires_grad]
        re, im = fn()
        g = randn_like(torch.complex(re.detach(), im.detach()))  # the same gradient the complex contenders get
        self.grad = (g.real.contiguous(), g.imag.contiguous())
        self.samples: list[float] = []

    def step(self) -> None:
        re, im = self.fn()
        torch.autograd.backward([re, im], list(self.grad))


def bind(impl: Impl, x: torch.Tensor) -> tuple[Callable, list[torch.Tensor], Callable[[], torch.Tensor]]:
    """(run, leaves, input_grad) for ``impl`` on a fresh leaf copy of ``x`` (on ``x`` itself where impl.grad_of)."""
    if impl.grad_of is not None:
        return (lambda: impl.fn(x)), list(impl.params), impl.grad_of
    if impl.kind == "cplx":
        xr, xi = leaf(x.real.contiguous()), leaf(x.imag.contiguous())

        def run():
            y = impl.fn(impl.pair(xr, xi))
            return y.real, y.imag
        return run, [xr, xi, *impl.params], lambda: torch.complex(xr.grad, xi.grad)
    xl = leaf(x)
    return (lambda: impl.fn(xl)), [xl, *impl.params], lambda: xl.grad


def make_contender(impl: Impl, x: torch.Tensor,
                   loss: Optional[Callable[[torch.Tensor], torch.Tensor]] = None) -> Contender:
    """A timed contender for ``impl`` on its own copy of ``x``; with ``loss``, backward from loss(output) (a scalar)."""
    run, leaves, _ = bind(impl, x)
    if loss is not None:
        return Contender(lambda: loss(run()), leaves, grad=torch.ones(()))
    return SplitContender(run, leaves) if impl.kind == "cplx" else Contender(run, leaves)


def forward_backward(impl: Impl, x: torch.Tensor, g: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Output (detached) and input gradient (or impl.grad_of's) of ``impl`` on ``x`` with output gradient ``g``."""
    for p in impl.params:
        p.grad = None
    run, _, xgrad = bind(impl, x)
    y = run()
    if impl.kind == "cplx":
        torch.autograd.backward(list(y), [g.real.contiguous(), g.imag.contiguous()])
        y = torch.complex(y[0].detach(), y[1].detach())
    else:
        y.backward(g)
        y = y.detach()
    return y, xgrad()


def instantiate(spec: RowSpec, peers: dict, extra: bool = False) -> dict[str, Union[Impl, dict]]:
    """Impl per library, or {"status": "n/a" | "unavailable" | "error", "reason"}; never raises for a peer."""
    out: dict[str, Union[Impl, dict]] = {}
    factories = spec.extra if extra else spec.impls
    for lib, factory in factories.items():
        if isinstance(factory, str):
            out[lib] = {"status": "n/a", "reason": factory}
            continue
        if lib in PEERS and peers[lib]["status"] != "ok":
            out[lib] = {"status": "unavailable", "reason": peers[lib]["reason"]}
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[lib] = factory(modules_of(lib, peers))
        except Exception as e:
            out[lib] = {"status": "error", "reason": f"building it raised {type(e).__name__}: {e}"}
    return out


def time_row(spec: RowSpec, peers: dict, repeats: int, warmup: int) -> tuple[dict, dict, dict]:
    """Time every available library and the real layer on ``spec``; returns (results per lib, real, raw samples)."""
    impls = instantiate(spec, peers)
    contenders: dict[str, Contender] = {}
    results: dict[str, dict] = {}
    for lib in LIBS:
        impl = impls.get(lib, {"status": "n/a", "reason": "not listed"})
        if isinstance(impl, dict):
            results[lib] = impl
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                contenders[lib] = make_contender(impl, spec.x, spec.loss)
        except Exception as e:
            status = "n/a" if lib == "native" else "error"
            results[lib] = {"status": status, "layer": impl.layer, "reason": f"{type(e).__name__}: {e}"}
            continue
        results[lib] = {"status": "ok", "layer": impl.layer, "note": impl.note, "defect": impl.defect}
    contenders["real"] = make_contender(spec.real, spec.x_real, loss=spec.loss)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_interleaved(contenders, repeats, warmup)
        mem = {name: peak_alloc_mib(c) for name, c in contenders.items()}
    stats = {name: summary(c.samples) for name, c in contenders.items()}
    for name in contenders:
        entry = results[name] if name != "real" else {"status": "ok", "layer": spec.real.layer}
        entry.update({"median_ms": stats[name]["median_ms"], "iqr_ms": stats[name]["iqr_ms"],
                      "min_ms": stats[name]["min_ms"], "n": stats[name]["n"], "peak_mib": mem[name]})
        results[name] = entry
    real = results.pop("real")
    ours = results["deepcomplex"]
    for lib, r in results.items():
        if r["status"] == "ok" and ours.get("status") == "ok":
            r["time_over_ours"] = r["median_ms"] / ours["median_ms"]
            r["mem_over_ours"] = (r["peak_mib"] / ours["peak_mib"]
                                  if r["peak_mib"] is not None and ours["peak_mib"] else None)
    raw = {name: [s * 1e3 for s in c.samples] for name, c in contenders.items()}
    return results, real, raw
