"""The command line of the peer benchmark (``python benchmarks/bench_peers.py``): time every row, check agreement
and initialisation, and write the JSON, Markdown and PNG reports."""
from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Optional

import torch

from benchmarks.harness import load_average, machine_info, write_json, write_text

from .adapters import load_peers, version
from .agreement import agreement_row, init_checks
from .chart import write_png
from .measure import time_row
from .report import format_markdown, summary_table
from .report_layers import layers_sections
from .rows import ROWS, agreement_rows, build_row
from .spec import EPS, RTOL

BENCHMARKS = Path(__file__).resolve().parents[1]
ROOT = BENCHMARKS.parent
DEFAULT_JSON = BENCHMARKS / "results" / "bench_peers.json"
DEFAULT_MD = ROOT / "docs" / "BENCHMARKS.md"
DEFAULT_PNG = ROOT / "docs" / "benchmarks.png"
DESCRIPTION = "Side-by-side benchmark of deepcomplex against native torch complex and peer complex-valued libraries."


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=DESCRIPTION)
    p.add_argument("--quick", action="store_true", help="tiny shapes and few repeats (smoke test)")
    p.add_argument("--repeats", type=int, default=None, help="timed calls per contender (default 30, --quick 3)")
    p.add_argument("--warmup", type=int, default=None, help="untimed calls per contender first (default 3, --quick 1)")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--only", default=None, help=f"comma-separated rows to run, from {','.join(ROWS)}")
    p.add_argument("--out-dir", type=Path, default=None,
                   help=f"write bench_peers.json, BENCHMARKS.md and benchmarks.png there (default: {DEFAULT_JSON}, "
                        f"{DEFAULT_MD}, {DEFAULT_PNG})")
    p.add_argument("--note", default=None, help="a remark for the report, e.g. what else ran on the machine")
    p.add_argument("--render-only", action="store_true",
                   help="time nothing: rebuild BENCHMARKS.md from the last bench_peers.json and the make-bench JSON in "
                        "benchmarks/results/ (after `make bench`, to fold its results in without rerunning the peers)")
    a = p.parse_args(argv)
    a.repeats = a.repeats if a.repeats is not None else (3 if a.quick else 30)
    a.warmup = a.warmup if a.warmup is not None else (1 if a.quick else 3)
    if a.repeats < 1 or a.warmup < 0 or a.threads < 1:
        p.error("--repeats and --threads must be >= 1, --warmup >= 0")
    if a.only:
        a.rows = [r.strip() for r in a.only.split(",") if r.strip()]
        unknown = sorted(set(a.rows) - set(ROWS))
        if unknown:
            p.error(f"unknown row(s) {unknown}; choose from {', '.join(ROWS)}")
        a.rows = [r for r in ROWS if r in a.rows]
    else:
        a.rows = list(ROWS)
    return a


def _paths(out_dir: Optional[Path]) -> tuple[Path, Path, Path]:
    if out_dir is None:
        return DEFAULT_JSON, DEFAULT_MD, DEFAULT_PNG
    return out_dir / "bench_peers.json", out_dir / "BENCHMARKS.md", out_dir / "benchmarks.png"


def render(out_dir: Optional[Path]) -> dict:
    """BENCHMARKS.md again from the saved bench_peers.json (its chart kept) and the current make-bench JSON files."""
    json_path, md_path, png_path = _paths(out_dir)
    if not json_path.is_file():
        raise SystemExit(f"bench_peers: --render-only needs {json_path}; run the benchmark first")
    result = json.loads(json_path.read_text())
    png_rel = os.path.relpath(png_path, md_path.parent) if png_path.is_file() else None
    write_text(md_path, format_markdown(result, png_rel, layers_sections(BENCHMARKS / "results", md_path)))
    print(f"wrote {md_path} from {json_path}")
    return result


def command(argv: Optional[list[str]]) -> str:
    """The command line of this run, as the report shows it."""
    args = sys.argv[1:] if argv is None else argv
    return shlex.join(["python", "benchmarks/bench_peers.py", *args])


def main(argv: Optional[list[str]] = None) -> dict:
    """Run the benchmark, print a summary and write the JSON, Markdown and PNG reports; returns the JSON data."""
    args = parse_args(argv)
    if args.render_only:
        return render(args.out_dir)
    torch.set_num_threads(args.threads)
    info = machine_info(args.threads)
    start = time.perf_counter()
    peers = load_peers()
    for lib, p in peers.items():
        if p["status"] != "ok":
            print(f"note: {lib} unavailable ({p['reason']}); skipped", file=sys.stderr)
    mode = "quick" if args.quick else "full"
    rows, raw = [], {}
    for row in args.rows:
        spec = build_row(row, mode)
        results, real, samples = time_row(spec, peers, args.repeats, args.warmup)
        ours = results["deepcomplex"]
        rows.append({
            "row": row, "shape": spec.shape, "results": results, "real": real,
            "ours_over_real_time": ours["median_ms"] / real["median_ms"] if ours["status"] == "ok" else None,
            "ours_over_real_mem": (ours["peak_mib"] / real["peak_mib"]
                                   if ours["status"] == "ok" and ours["peak_mib"] and real["peak_mib"] else None),
        })
        raw[row] = samples
        print(f"  {row}: done ({time.perf_counter() - start:.1f} s)", file=sys.stderr, flush=True)
    agreement: list[dict] = []
    for row in agreement_rows(args.rows):
        agreement += agreement_row(row, peers)
    init = init_checks(peers, args.rows)
    elapsed = time.perf_counter() - start
    result = {
        "benchmark": "deepcomplex vs native torch complex and peer libraries: forward + backward time, peak memory, "
                     "output agreement",
        "command": command(argv),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "note": args.note,
        "machine": info,
        "config": {"repeats": args.repeats, "warmup": args.warmup, "threads": args.threads, "quick": args.quick,
                   "rows": args.rows, "dtype": "complex64", "real_dtype": "float32", "agreement_rtol": RTOL,
                   "eps": EPS},
        "deepcomplex_version": version("deepcomplex"),
        "peers": {lib: {k: v for k, v in p.items() if k != "modules"} for lib, p in peers.items()},
        "elapsed_s": elapsed,
        "load_average_end": load_average(),
        "rows": rows,
        "agreement": agreement,
        "init": init,
        "raw_ms": raw,
    }
    json_path, md_path, png_path = _paths(args.out_dir)
    write_json(json_path, result)
    write_png(result, png_path)
    png_rel = os.path.relpath(png_path, md_path.parent)
    write_text(md_path, format_markdown(result, png_rel, layers_sections(BENCHMARKS / "results", md_path)))
    print(summary_table(result))
    print(f"wrote {json_path}, {md_path}, {png_path} ({elapsed:.1f} s)")
    return result
