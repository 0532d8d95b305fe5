"""The sections of docs/BENCHMARKS.md that come from ``make bench`` rather than from the peer run: each layer beside
the real layer of the same size against the aims of docs/performance.md, the compile and ONNX rows, where a
coshnet_tiny training step spends its time, the size sweep and the peak resident memory of training. Each reads the
JSON its benchmark left in benchmarks/results/; a missing file leaves its section out with a line saying so."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

# (layer, variant) of benchmarks/bench_layers.py -> the aim for ours / real layer (time), from docs/performance.md
TIME_AIMS = {
    ("ComplexConv2d", "NCHW input"): 3.0, ("ComplexConv1d", "NCHW input"): 2.6, ("ComplexLinear", ""): 3.1,
    ("ComplexLayerNorm", "fused kernel"): 2.5, ("ModReLU", ""): 2.5, ("ZReLU", ""): 1.5,
    ("ComplexAvgPool2d", "NCHW input"): 1.1,
}
MEMORY_AIM = 2.5


def _load(path: Path) -> Optional[dict]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _f(v: Optional[float], spec: str = ".2f") -> str:
    return "–" if v is None else format(v, spec)


def _met(value: Optional[float], aim: Optional[float]) -> str:
    if value is None or aim is None:
        return "–"
    return f"≤ {aim:g}: {'met' if value <= aim else 'not met'}"


def _run_line(data: dict, command: str) -> str:
    m = data.get("machine", {})
    threads = m.get("torch_threads", "?")
    took = f"; {data['elapsed_s']:.0f} s" if data.get("elapsed_s") is not None else ""
    load = ", ".join(f"{v:.2f}" for v in m.get("load_average_start") or []) or "?"
    return f"`{command}` (torch threads: {threads}; load average at start {load}{took})."


def _layer_table(data: dict) -> list[str]:
    out = ["", "## Beside the real layer (`make bench`)", "", _run_line(data, "python benchmarks/bench_layers.py"),
           "Time is forward + backward (median of interleaved repeats); memory is the peak of torch's allocator in one "
           "more forward + backward. The aims, and what limits the rows that miss them: docs/performance.md, \"Aims and "
           "what limits them\".", "",
           "| row | shape | ours ms | real ms | ours / real (time) | aim | ours / real (memory) |", "|---|---|---|---|---|---|---|"]
    for r in data["rows"]:
        if r["real_ms"] is None:
            continue
        name = r["layer"] + (f" [{r['variant']}]" if r["variant"] else "")
        mem = r.get("ours_over_real_mem")
        mem_cell = _f(mem) + (" (above 2.5)" if mem is not None and mem > MEMORY_AIM else "")
        out.append(f"| {name} | {r['shape']} | {r['ours_ms']:.2f} | {r['real_ms']:.2f} | {r['ours_over_real']:.2f} | "
                   f"{_met(r['ours_over_real'], TIME_AIMS.get((r['layer'], r['variant'])))} | {mem_cell} |")
    other = [r for r in data["rows"] if r["real_ms"] is None and r["native_ms"] is not None
             and (r["variant"].startswith("torch.compile") or r["variant"] == "onnxruntime")]
    if other:
        out += ["", "### torch.compile and ONNX export", "",
                "Compile rows: a training step under `torch.compile` (ours) against eager (native); export rows: "
                "inference in onnxruntime from `deepcomplex.export.to_onnx` (ours) against eager. eager / ours >= 1: "
                "no slower than eager.", "",
                "| row | shape | ours ms | eager ms | eager / ours | first call (compile) |", "|---|---|---|---|---|---|"]
        for r in other:
            first = f"{r['compile_s']:.1f} s" if r.get("compile_s") is not None else "–"
            out.append(f"| {r['layer']} [{r['variant']}] | {r['shape']} | {r['ours_ms']:.2f} | {r['native_ms']:.2f} | "
                       f"{r['native_over_ours']:.2f} | {first} |")
    return out


def _profile(data: dict) -> list[str]:
    stages = data["stages"]
    out = ["", f"## Where a {data['model']} training step goes", "",
           _run_line(data, f"python benchmarks/profile_step.py --model {data['model']}") +
           f" Batch {data['batch']}; one whole step (forward, cross-entropy, backward, Adam): "
           f"{data['step_ms']:.1f} ms. Each stage is timed alone, forward + backward, on the input it sees in the "
           "model.", "", "| stage | ms | share of the sum |", "|---|---|---|"]
    total = sum(s["ms"] for s in stages)
    out += [f"| {s['stage']} | {s['ms']:.2f} | {s['ms'] / total:.1%} |" for s in stages]
    out += [f"| sum of the stages | {total:.2f} | |", "", "Operators with the most self CPU time over whole steps:", "",
            "| operator | ms per step | calls per step | share |", "|---|---|---|---|"]
    out += [f"| `{o['op']}` | {o['ms_per_step']:.2f} | {o['calls_per_step']:g} | {o['share']:.1%} |"
            for o in data["operators"]]
    e = data.get("epoch")
    if e:
        out += ["", f"Per epoch: {e['steps_per_epoch']} steps x {data['step_ms']:.1f} ms = "
                f"{e['steps_per_epoch'] * data['step_ms'] / 1e3:.1f} s of training, {e['draw_batches_s']:.2f} s drawing "
                f"the batches from memory, {e['test_s']:.1f} s testing on {e['test_images']} images."]
    return out


def _sweep(data: dict, png_rel: Optional[str]) -> list[str]:
    out = ["", "## How the ratio to the real layer grows with size (`make bench`)", "",
           _run_line(data, "python benchmarks/bench_sweep.py") + " docs/performance.md explains the shapes of the "
           "curves."]
    if png_rel:
        out += ["", f"![ratio to the real layer along batch, channels and spatial size]({png_rel})"]
    return out


def _memory(data: dict) -> list[str]:
    cfg = data.get("config", {})
    out = ["", "## Peak resident memory of training (`make bench`)", "",
           f"`python benchmarks/bench_step.py --memory`: batch {cfg.get('batch', '?')}, {cfg.get('steps', '?')} steps "
           "after 5 warm-up steps, one process per model and allocator setting (ru_maxrss).", "",
           "| model, allocator | before training (MiB) | peak (MiB) | added by training (MiB) |", "|---|---|---|---|"]
    out += [f"| {k} | {v['peak_before_mib']:.0f} | {v['peak_mib']:.0f} | {v['training_mib']:.0f} |"
            for k, v in data["runs"].items()]
    return out


def layers_sections(results: Path, md_path: Path) -> list[str]:
    """The make-bench sections of the report written to ``md_path``, from the JSON files in ``results``."""
    out: list[str] = []
    missing = []
    for name, build in (("bench_layers.json", _layer_table), ("profile_coshnet_tiny.json", _profile),
                        ("bench_memory.json", _memory)):
        data = _load(results / name)
        out += build(data) if data else []
        missing += [] if data else [name]
    sweep = _load(results / "bench_sweep.json")
    png = results.parent.parent / "docs" / "benchmarks_sweep.png"
    if sweep:
        out += _sweep(sweep, os.path.relpath(png, md_path.parent) if png.is_file() else None)
    else:
        missing.append("bench_sweep.json")
    if missing:
        out += ["", f"(Not in this report: {', '.join(missing)} not found in benchmarks/results/; `make bench` and "
                "`python benchmarks/profile_step.py` write them.)"]
    return out
