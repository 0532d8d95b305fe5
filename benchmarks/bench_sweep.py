"""How the cost of going complex grows with size: forward + backward time and peak memory of deepcomplex layers
against the real layer of the same size, one axis at a time around a base point.

    python benchmarks/bench_sweep.py [--quick] [--only LAYERS] [--threads N] [--seconds S] [--out-dir DIR]

Layers: ComplexConv2d (3x3, padding 1, C -> C channels), ComplexLinear (F -> F features), ComplexBatchNorm2d
(training) and ModReLU. Each is built by the group of the same layer in bench_layers.py, so "ours" and "the real
layer" are exactly that script's rows: nn.Conv2d / nn.Linear with the same channel counts on a real input of the same
shape, nn.BatchNorm2d(2C) on the real view's scalars, ReLU on a real tensor of 2x the complex element count; the
convolution and batch norm are timed on NCHW input and on channels-last input (the steady state inside a network), both
against the same real layer. Axes, varied one at a time with the others at the base point (full sizes; linear has no
spatial size and sweeps its features further, to 1,024, where its GEMMs are compute-bound):

    batch     8, 16, 32, 64, 128, 256        (base 16; linear 64)
    channels  16, 32, 64, 128, 256           (base 32; linear: features 16 ... 1,024, base 256)
    spatial   16, 32, 64, 128 (H = W)        (base 32)

At each point the layer's contenders run interleaved (harness.run_interleaved) for about ``--seconds`` (at least
``--min-repeats``, at most ``--max-repeats`` rounds, after ``--warmup`` untimed ones), then one profiled call each
gives the peak of torch's allocator (harness.peak_alloc_mib). The biggest point holds a 64 MiB complex input; points
whose input would exceed ``--max-input-mib`` are skipped and listed. An estimated 5 minutes on 2 idle cores.

Writes benchmarks/results/bench_sweep.json (per layer and axis: every point's times, peak memory and ratios, and the
spread of each ratio along the axis) and docs/benchmarks_sweep.png (ratio to the real layer against each axis, log2;
top row time, bottom row peak memory), or both into ``--out-dir``; prints the ratios per axis.
"""
from __future__ import annotations

import argparse
import math
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import torch

if __package__ in (None, ""):  # run as a script: make `benchmarks` (and deepcomplex, if not installed) importable
    sys.path.append(str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_layers import Group, activation_group, conv_group, linear_group, norm_group  # noqa: E402
from benchmarks.harness import (load_average, machine_info, peak_alloc_mib, run_interleaved, summary,  # noqa: E402
                                write_file, write_json)

BENCHMARKS = Path(__file__).resolve().parent
DEFAULT_JSON = BENCHMARKS / "results" / "bench_sweep.json"
DEFAULT_PNG = BENCHMARKS.parent / "docs" / "benchmarks_sweep.png"
AXES = ("batch", "channels", "spatial")
MEMORY_AIM = 2.5  # issue 26: peak memory at most 2.5x the real layer's


@dataclass(frozen=True)
class Layer:
    """One swept layer: its bench_layers group as a function of (batch, channels, spatial) and its series, each a
    label -> (ours contender, real contender) in that group."""

    title: str
    build: Callable[[int, int, Optional[int]], Group]
    series: dict[str, tuple[str, str]]
    spatial: bool = True
    channels: str = "channels"  # what the channel axis is called for this layer


LAYERS: dict[str, Layer] = {
    "conv2d": Layer("ComplexConv2d 3x3, C -> C", lambda n, c, s: conv_group(2, n, c, c, s, 3, 1),
                    {"NCHW input": ("ours", "real"), "channels-last input": ("ours-cl", "real")}),
    "linear": Layer("ComplexLinear, F -> F", lambda n, c, s: linear_group(n, c, c), {"": ("ours", "real")},
                    spatial=False, channels="features"),
    "batchnorm": Layer("ComplexBatchNorm2d (training)", lambda n, c, s: norm_group((n, c, s, s)),
                       {"NCHW input": ("bn", "real-bn"), "channels-last input": ("bn-cl", "real-bn")}),
    "modrelu": Layer("ModReLU", lambda n, c, s: activation_group((n, c, s, s)), {"": ("ModReLU", "real-relu")}),
}


def sizes(layer: str, quick: bool) -> tuple[dict[str, int], dict[str, tuple[int, ...]]]:
    """(base point, values per axis) of ``layer``; linear has no spatial axis."""
    if quick:
        base = {"batch": 2, "channels": 4 if layer == "linear" else 2, "spatial": 4}
        axes = {"batch": (2, 4), "channels": (base["channels"], 2 * base["channels"]), "spatial": (4, 8)}
    elif layer == "linear":  # its features go on to 1,024, where its GEMMs are compute-bound
        base = {"batch": 64, "channels": 256}
        axes = {"batch": (8, 16, 32, 64, 128, 256), "channels": (16, 32, 64, 128, 256, 512, 1024)}
    else:
        base = {"batch": 16, "channels": 32, "spatial": 32}
        axes = {"batch": (8, 16, 32, 64, 128, 256), "channels": (16, 32, 64, 128, 256), "spatial": (16, 32, 64, 128)}
    if not LAYERS[layer].spatial:
        base.pop("spatial", None)
        axes.pop("spatial", None)
    return base, axes


def input_mib(point: dict[str, int]) -> float:
    """Size of the complex64 input at ``point`` in MiB."""
    return point["batch"] * point["channels"] * point.get("spatial", 1) ** 2 * 8 / 2 ** 20


def measure(layer: Layer, point: dict[str, int], args: argparse.Namespace) -> dict:
    """Time ours and the real layer at ``point`` (interleaved, about args.seconds), then one profiled call each."""
    rows, contenders = layer.build(point["batch"], point["channels"], point.get("spatial"))
    names = list(dict.fromkeys(name for pair in layer.series.values() for name in pair))
    chosen = {n: contenders[n] for n in names}
    del contenders  # the group's other contenders (native, Gauss form, ...) are not swept: free them
    t0 = time.perf_counter()
    for c in chosen.values():  # the first warm-up round, timed to size the repeats
        c.clear()
        c.step()
    round_s = time.perf_counter() - t0
    repeats = min(args.max_repeats, max(args.min_repeats, math.ceil(args.seconds / max(round_s, 1e-9))))
    run_interleaved(chosen, repeats, max(args.warmup - 1, 0))
    stats = {n: summary(c.samples) for n, c in chosen.items()}
    mem = {n: peak_alloc_mib(c) for n, c in chosen.items()}
    series = {}
    for label, (ours, real) in layer.series.items():
        series[label] = {"ours": ours, "real": real,
                         "time_ratio": stats[ours]["median_ms"] / stats[real]["median_ms"],
                         "mem_ratio": mem[ours] / mem[real] if mem[ours] is not None and mem[real] else None}
    return {**point, "shape": rows[0]["shape"], "input_mib": input_mib(point), "repeats": repeats,
            "contenders": {n: {"median_ms": stats[n]["median_ms"], "iqr_ms": stats[n]["iqr_ms"], "peak_mib": mem[n]}
                           for n in names},
            "series": series}


def spread(points: list[dict], label: str, key: str) -> Optional[dict]:
    """Min, max and max/min of one series' ``key`` ratio along an axis (None where a value is missing)."""
    vals = [p["series"][label][key] for p in points]
    if not vals or any(v is None for v in vals):
        return None
    return {"min": min(vals), "max": max(vals), "max_over_min": max(vals) / min(vals)}


def sweep(name: str, args: argparse.Namespace, start: float) -> dict:
    """Every axis of one layer; each distinct point is measured once (the base point serves every axis)."""
    layer = LAYERS[name]
    base, axes = sizes(name, args.quick)
    measured: dict[tuple, dict] = {}
    out = {"title": layer.title, "channel_axis": layer.channels, "base": base, "series": list(layer.series),
           "axes": {}, "skipped": [], "drift": {}}
    for axis, values in axes.items():
        points = []
        for v in values:
            point = {**base, axis: v}
            key = tuple(sorted(point.items()))
            if input_mib(point) > args.max_input_mib:
                out["skipped"].append(point)
                continue
            if key not in measured:
                measured[key] = measure(layer, point, args)
            points.append({"value": v, **measured[key]})
        out["axes"][axis] = {"values": [p["value"] for p in points], "points": points}
        for label in layer.series:
            out["drift"].setdefault(label, {})[axis] = {
                "time_ratio": spread(points, label, "time_ratio"), "mem_ratio": spread(points, label, "mem_ratio")}
        print(f"  {name} {axis}: done ({time.perf_counter() - start:.1f} s)", file=sys.stderr, flush=True)
    return out


def format_table(layers: dict) -> str:
    """Per layer, series and axis: time and memory ratio to the real layer (ours / real) at every value."""
    lines = ["ours / real, time and peak memory, at each value of the axis (the others at the base point)"]
    for name, lay in layers.items():
        base = ", ".join(f"{lay['channel_axis'] if a == 'channels' else a} {v}" for a, v in lay["base"].items())
        lines.append(f"{lay['title']} (base: {base})")
        for label in lay["series"]:
            for axis, ax in lay["axes"].items():
                cells = []
                for p in ax["points"]:
                    s = p["series"][label]
                    mem = f"{s['mem_ratio']:.2f}" if s["mem_ratio"] is not None else "-"
                    cells.append(f"{p['value']}: {s['time_ratio']:.2f} / {mem}")
                axis_name = lay["channel_axis"] if axis == "channels" else axis
                lines.append(f"  {label or '':<20} {axis_name:<9} " + "   ".join(cells))
    return "\n".join(lines)


def write_png(res: dict, path: Path) -> None:
    """Ratio to the real layer against each axis (log2), top row time, bottom row peak memory; a line per series."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    layers = res["layers"]
    colors = dict(zip(LAYERS, ("#4c72b0", "#dd8452", "#55a868", "#c44e52")))
    fig, axes = plt.subplots(2, len(AXES), figsize=(15, 8.5), squeeze=False)
    for row, (key, ylabel) in enumerate((("time_ratio", "time, ours / real layer"),
                                         ("mem_ratio", "peak memory, ours / real layer"))):
        for col, axis in enumerate(AXES):
            ax = axes[row][col]
            ticks: set[int] = set()
            for name, lay in layers.items():
                if axis not in lay["axes"]:
                    continue
                pts = lay["axes"][axis]["points"]
                for j, label in enumerate(lay["series"]):
                    xs = [p["value"] for p in pts if p["series"][label][key]]
                    ys = [p["series"][label][key] for p in pts if p["series"][label][key]]
                    ticks.update(xs)
                    ax.plot(xs, ys, marker="o", markersize=4, color=colors.get(name), linestyle=("-", "--")[j % 2],
                            label=lay["title"] + (f" [{label}]" if label else ""))
            ax.axhline(1.0, color="black", linewidth=0.8)
            if key == "mem_ratio":
                ax.axhline(MEMORY_AIM, color="#c44e52", linewidth=0.8, linestyle=":")
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(sorted(ticks)))
            ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%d"))
            ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
            lo, hi = ax.get_ylim()
            fine = hi / lo < 12
            steps = (0.5, 0.7, 1, 1.5, 2, 2.5, 3, 4, 5, 7) if fine else (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
            ax.yaxis.set_major_locator(matplotlib.ticker.FixedLocator([t for t in steps if lo <= t <= hi]))
            ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
            ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            ax.grid(which="major", alpha=0.3)
            xlabel = {"batch": "batch N", "channels": "channels C (linear: features F)", "spatial": "H = W"}[axis]
            ax.set_xlabel(xlabel + " (log2)")
            if col == 0:
                ax.set_ylabel(ylabel + " (log)")
    bases = "; ".join(f"{name}: " + ", ".join(f"{lay['channel_axis'] if a == 'channels' else a} {v}"
                                                for a, v in lay["base"].items()) for name, lay in layers.items())
    m = res["machine"]
    fig.suptitle(f"Cost of going complex: ours / the real layer of the same size, forward + backward, along each axis "
                 f"with the others at the base point; torch {m['torch']}, {m['torch_threads']} thread(s)"
                 f"{', quick sizes' if res['config']['quick'] else ''}\nbase points: {bases}; dotted: the "
                 f"{MEMORY_AIM:g}x memory aim", fontsize=10)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9)
    fig.tight_layout(rect=(0, 0.08, 1, 0.95))
    write_file(path, lambda f: fig.savefig(f, format="png", dpi=100))
    plt.close(fig)


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="tiny sizes, one or two repeats (smoke test)")
    p.add_argument("--only", default=None, help=f"comma-separated layers, from {','.join(LAYERS)}")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--seconds", type=float, default=None, help="timed seconds per point (default 2, --quick 0)")
    p.add_argument("--min-repeats", type=int, default=None, help="timed rounds per point at least (default 3, "
                                                                     "--quick 1)")
    p.add_argument("--max-repeats", type=int, default=None, help="timed rounds per point at most (default 40, "
                                                                     "--quick 2)")
    p.add_argument("--warmup", type=int, default=1, help="untimed rounds per point first (default 1)")
    p.add_argument("--max-input-mib", type=float, default=256.0,
                   help="skip points whose complex input exceeds this (default 256; the full sweep's biggest is 64)")
    p.add_argument("--out-dir", type=Path, default=None,
                   help=f"write bench_sweep.json and benchmarks_sweep.png there (default: {DEFAULT_JSON}, "
                        f"{DEFAULT_PNG})")
    a = p.parse_args(argv)
    a.seconds = a.seconds if a.seconds is not None else (0.0 if a.quick else 2.0)
    a.min_repeats = a.min_repeats if a.min_repeats is not None else (1 if a.quick else 3)
    a.max_repeats = a.max_repeats if a.max_repeats is not None else (2 if a.quick else 40)
    if a.min_repeats < 1 or a.max_repeats < a.min_repeats or a.warmup < 1 or a.threads < 1 or a.seconds < 0:
        p.error("need 1 <= --min-repeats <= --max-repeats, --warmup >= 1, --threads >= 1, --seconds >= 0")
    a.layers = list(LAYERS)
    if a.only:
        wanted = [s.strip() for s in a.only.split(",") if s.strip()]
        unknown = sorted(set(wanted) - set(LAYERS))
        if unknown:
            p.error(f"unknown layer(s) {unknown}; choose from {', '.join(LAYERS)}")
        a.layers = [name for name in LAYERS if name in wanted]
    return a


def main(argv: Optional[list[str]] = None) -> dict:
    """Run the sweep, print the ratios and write the JSON and PNG reports; returns the JSON data."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    info = machine_info(args.threads)
    start = time.perf_counter()
    layers = {name: sweep(name, args, start) for name in args.layers}
    elapsed = time.perf_counter() - start
    result = {
        "benchmark": "deepcomplex layers against the real layer of the same size along batch, channels and spatial "
                     "size: forward + backward time (median over interleaved repeats) and peak allocator memory",
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": info,
        "config": {"quick": args.quick, "threads": args.threads, "seconds": args.seconds,
                   "min_repeats": args.min_repeats, "max_repeats": args.max_repeats, "warmup": args.warmup,
                   "max_input_mib": args.max_input_mib, "layers": args.layers, "memory_aim": MEMORY_AIM,
                   "dtype": "complex64", "real_dtype": "float32"},
        "elapsed_s": elapsed,
        "load_average_end": load_average(),
        "process_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # Linux: KiB
        "layers": layers,
    }
    json_path, png_path = ((args.out_dir / "bench_sweep.json", args.out_dir / "benchmarks_sweep.png")
                           if args.out_dir is not None else (DEFAULT_JSON, DEFAULT_PNG))
    write_json(json_path, result)
    write_png(result, png_path)
    print(format_table(layers))
    skipped = [(name, p) for name, lay in layers.items() for p in lay["skipped"]]
    if skipped:
        print(f"skipped (input over {args.max_input_mib:g} MiB): {skipped}")
    print(f"wrote {json_path}, {png_path} ({elapsed:.1f} s; process peak RSS "
          f"{result['process_maxrss_mib']:.0f} MiB)")
    return result


if __name__ == "__main__":
    main()
