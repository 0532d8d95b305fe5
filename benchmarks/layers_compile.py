"""The compile group of benchmarks/bench_layers.py: one training step (forward, cross-entropy, backward) of registered
models wrapped in ``torch.compile`` against the same model in eager mode, one row per model. ``ours`` is the compiled
model with deepcomplex's default (``deepcomplex.backends.trace_layers = False``: its modules run eagerly behind a
graph break) and ``native`` the eager model, so native/ours >= 1 means compiling costs nothing. With ``traced=True``
a second row per model times the compiled model with ``trace_layers = True``, the real-view graphs inductor builds
when it traces into the layers. The first call's time (the compilation) goes into each row as ``compile_s``."""
from __future__ import annotations

import time
from typing import Callable

import torch
import torch.nn.functional as F

from deepcomplex import backends

from benchmarks.harness import Contender

MODELS = ("coshnet_tiny", "coshnet_base", "complex_vit_tiny")


def _tracing(model: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[torch.Tensor], torch.Tensor]:
    """``model`` called with ``deepcomplex.backends.trace_layers`` set (dynamo guards on the flag, so the compiled code
    of each setting is kept apart); the flag is set outside the compiled call."""
    def call(x: torch.Tensor) -> torch.Tensor:
        before, backends.trace_layers = backends.trace_layers, True
        try:
            return model(x)
        finally:
            backends.trace_layers = before

    return call


def compile_group(batch: int, models: tuple[str, ...] = MODELS, traced: bool = True):
    """(rows, contenders): for each model an eager and a compiled training step on ``batch`` images (and with
    ``traced`` a compiled one that traces the layers), all checked to give the eager loss."""
    from deepcomplex.models import create_model, example_input

    contenders, rows = {}, []
    one = torch.ones(())
    for name in models:
        torch.manual_seed(0)
        model = create_model(name)
        x = example_input(name, batch)
        with torch.no_grad():
            classes = model(x).shape[-1]
        y = torch.randint(0, classes, (batch,), generator=torch.Generator().manual_seed(2))
        want = F.cross_entropy(model(x), y).item()
        kinds = {"eager": model, "compiled": torch.compile(model)}
        if traced:
            kinds["traced"] = _tracing(torch.compile(model))
        compile_s = {}
        for kind, m in kinds.items():
            start = time.perf_counter()
            got = F.cross_entropy(m(x), y).item()  # the first call compiles
            compile_s[kind] = time.perf_counter() - start
            if abs(got - want) > 1e-4 * max(1.0, abs(want)):
                raise RuntimeError(f"{name}: the {kind} model's loss {got} differs from eager's {want}")
            contenders[f"{name}-{kind}"] = Contender(lambda m=m: F.cross_entropy(m(x), y), list(model.parameters()),
                                                     grad=one)
        shape = f"N={batch} {'x'.join(map(str, x.shape[1:]))}"
        for kind in kinds:
            if kind != "eager":
                rows.append({"layer": f"{name} compiled training step", "shape": shape, "ours": f"{name}-{kind}",
                             "variant": "torch.compile" + (", trace_layers=True" if kind == "traced" else ""),
                             "native": f"{name}-eager", "real": None, "compile_s": round(compile_s[kind], 2)})
    return rows, contenders
