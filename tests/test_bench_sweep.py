"""Smoke test of benchmarks/bench_sweep.py: --quick sweeps every layer along its axes and writes a complete JSON
report and the PNG chart, with ratios that are ours / real of the recorded times and peak memory."""
from __future__ import annotations

import json
import math

import pytest
import torch

from conftest import PNG_MAGIC, load_benchmark


def _load():
    return load_benchmark("bench_sweep")


def _positive_finite(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v) and v > 0


def _run(bench, argv: list[str]) -> dict:
    threads = torch.get_num_threads()
    try:
        return bench.main(argv)
    finally:
        torch.set_num_threads(threads)  # main() sets the thread count; leave the session as it was


def test_quick_sweep_writes_json_and_png(tmp_path, capsys):
    bench = _load()
    out = tmp_path / "reports"
    returned = _run(bench, ["--quick", "--threads", "1", "--out-dir", str(out)])

    assert {p.name for p in out.iterdir()} == {"bench_sweep.json", "benchmarks_sweep.png"}, \
        "missing reports or temporary files left"
    data = json.loads((out / "bench_sweep.json").read_text())
    assert data == json.loads(json.dumps(returned))
    assert data["config"]["quick"] is True and data["machine"]["torch_threads"] == 1
    assert _positive_finite(data["process_maxrss_mib"])
    assert set(data["layers"]) == {"conv2d", "linear", "batchnorm", "modrelu"}

    for name, lay in data["layers"].items():
        expected_axes = {"batch", "channels"} | ({"spatial"} if name != "linear" else set())
        assert set(lay["axes"]) == expected_axes, name
        assert lay["skipped"] == []
        base_points = []
        for axis, ax in lay["axes"].items():
            assert len(ax["points"]) == 2 and ax["values"] == [p["value"] for p in ax["points"]], (name, axis)
            assert ax["values"][0] < ax["values"][1]
            for p in ax["points"]:
                # one axis varies, the others stay at the base point
                assert p[axis] == p["value"]
                assert all(p[a] == v for a, v in lay["base"].items() if a != axis), (name, axis, p)
                assert p["repeats"] >= 1
                for c in p["contenders"].values():
                    assert _positive_finite(c["median_ms"]) and c["iqr_ms"] >= 0
                    assert _positive_finite(c["peak_mib"]), (name, axis, p["value"])
                assert set(p["series"]) == set(lay["series"])
                for s in p["series"].values():
                    ours, real = p["contenders"][s["ours"]], p["contenders"][s["real"]]
                    assert s["ours"] != s["real"]
                    assert math.isclose(s["time_ratio"], ours["median_ms"] / real["median_ms"], rel_tol=1e-9)
                    assert math.isclose(s["mem_ratio"], ours["peak_mib"] / real["peak_mib"], rel_tol=1e-9)
                if all(p[a] == v for a, v in lay["base"].items()):
                    base_points.append(p)
            for label in lay["series"]:
                d = lay["drift"][label][axis]["time_ratio"]
                ratios = [p["series"][label]["time_ratio"] for p in ax["points"]]
                assert d["min"] == min(ratios) and d["max"] == max(ratios)
        # the base point is measured once and shared by every axis
        assert len(base_points) == len(expected_axes)
        assert all(p["contenders"] == base_points[0]["contenders"] for p in base_points)
    # the convolution's and batch norm's series are NCHW and channels-last input against the same real layer
    conv = data["layers"]["conv2d"]["axes"]["batch"]["points"][0]["series"]
    assert conv["NCHW input"]["real"] == conv["channels-last input"]["real"] == "real"

    png = (out / "benchmarks_sweep.png").read_bytes()
    assert png.startswith(PNG_MAGIC)
    matplotlib = pytest.importorskip("matplotlib")
    import matplotlib.image  # noqa: F401

    img = matplotlib.image.imread(out / "benchmarks_sweep.png")
    assert img.shape[0] > 400 and img.shape[1] > 800
    printed = capsys.readouterr().out
    assert "ComplexConv2d 3x3" in printed and "features" in printed and "wrote" in printed


def test_sweep_skips_points_over_the_input_cap_and_rejects_unknown_layers(tmp_path):
    bench = _load()
    # linear's quick base point: batch 2 x 4 features x 8 bytes = 64 B; doubling either axis exceeds 1e-4 MiB
    data = _run(bench, ["--quick", "--threads", "1", "--only", "linear", "--max-input-mib", "1e-4",
                        "--out-dir", str(tmp_path)])
    lay = data["layers"]["linear"]
    assert set(data["layers"]) == {"linear"}
    assert {ax: v["values"] for ax, v in lay["axes"].items()} == {"batch": [2], "channels": [4]}
    assert sorted((p["batch"], p["channels"]) for p in lay["skipped"]) == [(2, 8), (4, 4)]
    with pytest.raises(SystemExit):
        bench.parse_args(["--only", "conv7d"])
