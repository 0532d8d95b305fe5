"""Smoke test of benchmarks/bench_layers.py: --quick runs end to end and writes a complete, sane JSON report (times
and peak memory); and of benchmarks/bench_step.py (step times against another checkout; peak RSS of training)."""
from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_layers.py"

EXPECTED_ROWS = {
    ("ComplexConv2d", "NCHW input"), ("ComplexConv2d", "channels-last input"),
    ("ComplexConv2d", "Gauss form, 3 real convs (not used)"), ("nn.Conv2d (real)", "channels-last input"),
    ("ComplexConv1d", "NCHW input"), ("ComplexConv1d", "channels-last input"),
    ("ComplexConv3d", "NCHW input"), ("ComplexConv3d", "channels-last input"),
    ("ComplexLinear", ""),
    ("CReLU", ""), ("ModReLU", ""), ("ZReLU", ""), ("CardioidReLU", ""),
    ("ComplexAvgPool2d", "NCHW input"), ("ComplexAvgPool2d", "channels-last input"),
    ("ComplexMaxPool2d", "NCHW input"),
    ("ComplexBatchNorm2d", "NCHW input"), ("ComplexBatchNorm2d", "channels-last input"),
    ("ComplexBatchNorm2d", "CL, pure PyTorch"),
    ("NaiveComplexBatchNorm2d", "NCHW input"),
    ("ComplexLayerNorm", "fused kernel"), ("ComplexLayerNorm", "pure PyTorch"),
    ("ComplexGroupNorm", "fused kernel"), ("ComplexGroupNorm", "pure PyTorch"),
    ("ComplexConvLSTM1d", "1 layers, k=3"),
    ("coshnet_base training step", ""), ("coshnet_tiny training step", ""),
    ("ComplexUpsample", "NCHW input"), ("ComplexUpsample(polar=True)", "NCHW input"),
    ("ComplexPixelShuffle", "NCHW input"), ("ComplexMaxPool1d", "NCHW input"), ("ComplexMaxPool3d", "NCHW input"),
    ("ComplexAdaptiveAvgPool3d", "NCHW input"), ("ComplexAdaptiveMaxPool2d", "NCHW input"),
    ("SpectralPool3d", "NCHW input"),
    ("ComplexMultiheadAttention", "2 heads, L=16"), ("ComplexTransformerEncoderLayer", "2 heads, FF 16, pre-norm"),
    ("complex_vit_tiny training step", ""), ("coshvit_tiny training step", ""),
    ("coshnet_tiny inference", "onnxruntime"), ("coshnet_base inference", "onnxruntime"),
    ("coshnet_tiny compiled training step", "torch.compile"),
}
EXPORT = {"coshnet_tiny inference", "coshnet_base inference"}  # ours: onnxruntime; native: torch eager
COMPILE = {"coshnet_tiny compiled training step"}  # ours: torch.compile; native: eager
HAS_NATIVE = ({"ComplexConv1d", "ComplexConv2d", "ComplexConv3d", "ComplexLinear", "coshnet_base training step"}
              | EXPORT | COMPILE)
NO_REAL = {"coshnet_base training step", "coshnet_tiny training step", "SpectralPool3d",
           "coshvit_tiny training step"} | EXPORT | COMPILE


def _load():
    spec = importlib.util.spec_from_file_location("bench_layers", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _positive_finite(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v) and v > 0


def test_bench_quick_writes_json(tmp_path, capsys):
    bench = _load()
    threads = torch.get_num_threads()
    out = tmp_path / "nested" / "bench.json"
    try:
        returned = bench.main(["--quick", "--repeats", "3", "--threads", "1", "--out", str(out)])
    finally:
        torch.set_num_threads(threads)  # main() sets the thread count; leave the session as it was

    assert out.is_file()
    assert not [p for p in out.parent.iterdir() if p != out], "temporary files left next to the report"
    data = json.loads(out.read_text())
    assert data["rows"] == json.loads(json.dumps(returned["rows"]))

    machine = data["machine"]
    assert machine["torch"] == torch.__version__
    assert machine["torch_threads"] == 1 and machine["cpu_count"] >= 1 and machine["platform"]
    assert data["config"]["quick"] is True and data["config"]["repeats"] == 3

    rows = {(r["layer"], r["variant"]): r for r in data["rows"]}
    assert set(rows) == EXPECTED_ROWS
    for key, r in rows.items():
        assert _positive_finite(r["ours_ms"]), key
        assert r["ours_iqr_ms"] >= 0, key
        if key[0] in NO_REAL:
            assert r["real_ms"] is None and r["ours_over_real"] is None, key
        else:
            assert _positive_finite(r["real_ms"]), key
            assert _positive_finite(r["ours_over_real"]), key
            assert math.isclose(r["ours_over_real"], r["ours_ms"] / r["real_ms"], rel_tol=1e-9), key
        if key[0] in HAS_NATIVE:
            assert _positive_finite(r["native_ms"]), key
            assert math.isclose(r["native_over_ours"], r["native_ms"] / r["ours_ms"], rel_tol=1e-9), key
        else:
            assert r["native_ms"] is None and r["native_over_ours"] is None, key
        # peak memory of one more forward + backward: ours and the real layer beside it, and their ratio; none for
        # the export rows, whose onnxruntime contender allocates outside torch
        if key[0] in COMPILE:
            assert _positive_finite(r["compile_s"]), key  # the first call: dynamo's trace and inductor's build
        if key[0] in EXPORT:
            assert r["ours_peak_mib"] is None and r["ours_over_real_mem"] is None, key
            continue
        assert _positive_finite(r["ours_peak_mib"]), key
        if key[0] in NO_REAL:
            assert r["real_peak_mib"] is None and r["ours_over_real_mem"] is None, key
        else:
            assert _positive_finite(r["real_peak_mib"]), key
            assert math.isclose(r["ours_over_real_mem"], r["ours_peak_mib"] / r["real_peak_mib"], rel_tol=1e-9), key
        assert (r["native_peak_mib"] is not None) == (key[0] in HAS_NATIVE), key

    # Every contender was timed `repeats` times.
    for group, contenders in data["raw_ms"].items():
        for name, samples in contenders.items():
            assert len(samples) == 3 and all(_positive_finite(s) for s in samples), (group, name)

    printed = capsys.readouterr().out
    assert "native/ours" in printed and "ComplexConv2d [NCHW input]" in printed and "CardioidReLU" in printed
    assert "mem o/r" in printed and "real MiB" in printed
    assert data["config"]["memory_aim"] == 2.5


def test_bench_step_compares_checkouts(tmp_path):
    """benchmarks/bench_step.py runs every (checkout, allocator) configuration in its own process and reports each."""
    import subprocess
    import sys

    import pytest

    root = SCRIPT.parents[1]
    if subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True).returncode != 0:
        pytest.skip("not a git checkout")
    out = tmp_path / "step.json"
    proc = subprocess.run([sys.executable, str(root / "benchmarks" / "bench_step.py"), "--against", "HEAD",
                           "--models", "coshnet_tiny", "--rounds", "1", "--steps", "1", "--batch", "2",
                           "--threads", "1", "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert set(data["median_ms"]) == {f"coshnet_tiny | {c} | {t}" for c in ("current", "HEAD")
                                      for t in ("tuned", "glibc default")}
    assert all(_positive_finite(v) for v in data["median_ms"].values())
    worktrees = subprocess.run(["git", "-C", str(root), "worktree", "list"], capture_output=True, text=True).stdout
    assert str(tmp_path) not in worktrees and "/other" not in worktrees  # the temporary worktree is gone


def test_bench_step_memory_reports_peak_rss_per_process(tmp_path):
    """bench_step.py --memory: one process per model (a registered one and the real twin of coshnet_base) and
    allocator setting; the peak RSS after the training steps is at least the peak before them."""
    import subprocess
    import sys

    root = SCRIPT.parents[1]
    out = tmp_path / "memory.json"
    proc = subprocess.run([sys.executable, str(root / "benchmarks" / "bench_step.py"), "--memory", "--models",
                           "coshnet_tiny,coshnet_base:real", "--allocator", "default", "--steps", "1", "--batch", "2",
                           "--threads", "1", "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert set(data["runs"]) == {"coshnet_tiny | glibc default", "coshnet_base:real | glibc default"}
    for key, v in data["runs"].items():
        assert _positive_finite(v["peak_before_mib"]) and v["peak_mib"] >= v["peak_before_mib"], key
        assert math.isclose(v["training_mib"], v["peak_mib"] - v["peak_before_mib"], rel_tol=1e-9, abs_tol=1e-9), key
    assert "coshnet_base:real | glibc default" in proc.stdout
    bad = subprocess.run([sys.executable, str(root / "benchmarks" / "bench_step.py"), "--memory", "--against", "HEAD"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "--memory measures this checkout only" in bad.stderr


def test_profile_step_breaks_a_training_step_down(tmp_path, capsys):
    """benchmarks/profile_step.py: a time for every stage of coshnet_tiny (stem, the later layers, loss, Adam), the
    operators with their share of self CPU time, JSON beside the Markdown tables; bad numbers exit 2."""
    from conftest import load_benchmark

    profile_step = load_benchmark("profile_step")
    threads = torch.get_num_threads()
    out = tmp_path / "profile.json"
    try:
        result = profile_step.main(["--batch", "4", "--steps", "2", "--threads", "1", "--top", "5", "--no-epoch",
                                    "--out", str(out)])
    finally:
        torch.set_num_threads(threads)
    data = json.loads(out.read_text())
    stages = [r["stage"] for r in data["stages"]]
    assert stages[0].startswith("stem") and stages[-2:] == ["cross-entropy", "Adam step"]
    assert "features.3 SplitDCFConv2d" in stages and "classifier.1 SplitTTLinear" in stages
    assert all(_positive_finite(r["ms"]) for r in data["stages"]) and _positive_finite(data["step_ms"])
    assert len(data["operators"]) == 5 and 0 < sum(r["share"] for r in data["operators"]) <= 1 + 1e-9
    assert data["epoch"] is None and result["step_ms"] == data["step_ms"]
    assert "| sum of the stages |" in capsys.readouterr().out
    with pytest.raises(SystemExit) as bad:
        profile_step.main(["--steps", "0"])
    assert bad.value.code == 2
