"""Smoke test of benchmarks/bench_peers.py (the package benchmarks/peers): --quick writes JSON, Markdown and PNG
reports; a missing peer is named."""
from __future__ import annotations

import dataclasses
import json
import math
import sys

import pytest
import torch

from conftest import PNG_MAGIC, load_benchmark


def _load():
    return load_benchmark("peers")


def _block(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    """Make ``import package`` (and its submodules) fail, as if it were not installed."""
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")] + [package]:
        monkeypatch.setitem(sys.modules, name, None)


def _positive_finite(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v) and v > 0


@pytest.fixture(scope="module")
def bench():
    return _load()


def test_load_peers_never_raises(bench, monkeypatch):
    for package in bench.PEERS:
        _block(monkeypatch, package)
    peers = bench.load_peers()
    assert set(peers) == set(bench.PEERS)
    for p in peers.values():
        assert p["status"] == "unavailable" and p["reason"]


def test_quick_run_writes_reports(bench, tmp_path, monkeypatch, capsys):
    _block(monkeypatch, "torchcvnn")  # simulate a peer that does not import
    threads = torch.get_num_threads()
    out = tmp_path / "reports"
    try:
        returned = bench.main(["--quick", "--repeats", "2", "--warmup", "1", "--threads", "1", "--out-dir", str(out)])
    finally:
        torch.set_num_threads(threads)  # main() sets the thread count; leave the session as it was

    files = {p.name for p in out.iterdir()}
    assert files == {"bench_peers.json", "BENCHMARKS.md", "benchmarks.png"}, "missing reports or temporary files left"

    data = json.loads((out / "bench_peers.json").read_text())
    assert data["rows"] == json.loads(json.dumps(returned["rows"]))
    assert data["config"]["quick"] is True and data["config"]["repeats"] == 2
    assert data["machine"]["torch_threads"] == 1

    # The blocked peer is reported, not raised, and every row says so.
    assert data["peers"]["torchcvnn"]["status"] == "unavailable" and data["peers"]["torchcvnn"]["reason"]
    assert [r["row"] for r in data["rows"]] == list(bench.ROWS)
    for r in data["rows"]:
        res = r["results"]
        assert set(res) == set(bench.LIBS), r["row"]
        assert res["torchcvnn"]["status"] in ("unavailable", "n/a"), r["row"]
        ours = res["deepcomplex"]
        assert ours["status"] == "ok" and _positive_finite(ours["median_ms"]) and ours["iqr_ms"] >= 0, r["row"]
        assert _positive_finite(r["real"]["median_ms"]), r["row"]
        assert math.isclose(r["ours_over_real_time"], ours["median_ms"] / r["real"]["median_ms"], rel_tol=1e-9)
        for lib, x in res.items():
            assert x["status"] in ("ok", "n/a", "unavailable", "error"), (r["row"], lib)
            if x["status"] == "ok":
                assert _positive_finite(x["median_ms"]), (r["row"], lib)
                assert math.isclose(x["time_over_ours"], x["median_ms"] / ours["median_ms"], rel_tol=1e-9)
                assert x["peak_mib"] is None or x["peak_mib"] >= 0
            else:
                assert x["reason"], (r["row"], lib)
        assert len(data["raw_ms"][r["row"]]["deepcomplex"]) == 2
    # native torch: timed where torch has a complex op, refused (with torch's reason) elsewhere
    native = {r["row"]: r["results"]["native"] for r in data["rows"]}
    for row in ("conv1d", "conv2d", "conv3d", "linear", "coshnet"):
        assert native[row]["status"] == "ok" and _positive_finite(native[row]["median_ms"]), row
    assert native["batchnorm"]["status"] == "n/a" and "ComplexFloat" in native["batchnorm"]["reason"]

    # Agreement: native torch matches deepcomplex; the blocked peer is absent or unavailable, never compared.
    agreement = data["agreement"]
    nat = [a for a in agreement if a["library"] == "native"]
    same_op = {"conv1d", "conv2d", "conv3d", "linear", "coshnet"}
    # torch's own complex GRU (unbounded complex sigmoid/tanh gates) and F.rms_norm (mean of z^2, no conjugate) compute
    # other functions: compared, found different, and the difference confirmed against a reference in torch's convention
    other_convention = {"gru", "rmsnorm"}
    assert {a["row"] for a in nat} == same_op | other_convention
    assert all(a["status"] == "ok" and a["agree"] for a in nat if a["row"] in same_op)
    assert all(a["status"] == "ok" and not a["agree"] and a["confirmed"] for a in nat if a["row"] in other_convention)
    assert all(a["status"] == "unavailable" for a in agreement if a["library"] == "torchcvnn")
    for a in agreement:
        if a["status"] == "ok":
            assert a["out_max_abs"] >= 0 and a["grad_max_abs"] >= 0 and isinstance(a["agree"], bool)
            if not a["agree"]:
                assert a["explanation"]

    # CoShNet: whole training steps, timed and profiled; native's network agrees on logits and the first conv's grad.
    (cosh,) = [r for r in data["rows"] if r["row"] == "coshnet"]
    for name, x in (("deepcomplex", cosh["results"]["deepcomplex"]), ("native", cosh["results"]["native"]),
                    ("real", cosh["real"])):
        assert x["status"] == "ok" and _positive_finite(x["median_ms"]) and _positive_finite(x["peak_mib"]), name
    assert "coshnet_base" in cosh["results"]["deepcomplex"]["layer"] and "Conv2d" in cosh["real"]["layer"]
    (a,) = [a for a in agreement if a["row"] == "coshnet" and a["library"] == "native"]
    assert a["grad_of"] == "first conv weight" and a["out_max_abs"] <= a["tol"] and a["grad_max_abs"] <= a["tol"]

    md = (out / "BENCHMARKS.md").read_text()
    assert md.startswith("# Benchmarks")
    for heading in ("## Machine", "## Forward + backward time", "## Ratio view", "## Peak memory",
                    "## Output agreement", "## Unavailable peers"):
        assert heading in md, heading
    assert "torchcvnn" in md.split("## Unavailable peers")[1]
    assert "python benchmarks/bench_peers.py --quick" in md and "](benchmarks.png)" in md
    timing = md.split("## Forward + backward time")[1].split("## Ratio view")[0]
    table = [line for line in timing.splitlines() if line.startswith("| conv2d")]
    assert len(table) == 1 and table[0].count("|") == len(bench.LIBS) + 4
    for section in ("## Forward + backward time", "## Ratio view", "## Peak memory"):
        assert f"| {bench.TITLES['coshnet']} |" in md.split(section)[1].split("\n## ")[0], section
    assert "| CoShNet-base training step | native |" in md and "(first conv weight) | agree |" in md

    png = (out / "benchmarks.png").read_bytes()
    assert png[:8] == PNG_MAGIC and len(png) > 1000
    import matplotlib.image
    img = matplotlib.image.imread(out / "benchmarks.png")
    assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100

    printed = capsys.readouterr().out
    assert "deepcomplex" in printed and "agreement:" in printed

    # --render-only rebuilds the same report from the saved JSON, timing nothing (the chart is kept)
    (out / "BENCHMARKS.md").write_text("stale")
    assert bench.main(["--render-only", "--out-dir", str(out)])["rows"] == data["rows"]
    assert (out / "BENCHMARKS.md").read_text() == md and {p.name for p in out.iterdir()} == files
    with pytest.raises(SystemExit, match="--render-only needs"):
        bench.main(["--render-only", "--out-dir", str(tmp_path / "empty")])


@pytest.mark.parametrize("row", ["conv2d", "coshnet"])
def test_peer_that_fails_to_build_is_an_error_not_a_crash(bench, row):
    """A peer whose layer raises while being built is reported as status "error" with the exception."""
    spec = bench.build_row(row, "agree")

    def broken(_: dict):
        raise RuntimeError("boom")

    spec.impls["complextorch"] = broken
    peers = {lib: {"status": "ok", "modules": {}} for lib in bench.PEERS}
    out = bench.instantiate(spec, peers)
    assert out["complextorch"] == {"status": "error", "reason": "building it raised RuntimeError: boom"}
    assert isinstance(out["deepcomplex"], bench.Impl)


@pytest.mark.parametrize("mistake", ["bias", "gradient"])
def test_coshnet_agreement_catches_a_wrong_network(bench, monkeypatch, mistake):
    """The CoShNet comparison sees one wrong weight (in the logits) or a conjugated weight gradient (its gradient)."""
    build = bench.rows.coshnet_row

    def with_broken_native(sh: dict):
        spec = build(sh)
        make = spec.impls["native"]

        def broken(m: dict):
            impl = make(m)
            if mistake == "bias":  # conj(b) for the first convolution: a sign slip in Im b
                with torch.no_grad():
                    impl.params[1].copy_(impl.params[1].conj())
                return impl
            grad = impl.grad_of  # dW_re - i dW_im instead of dW_re + i dW_im
            return dataclasses.replace(impl, grad_of=lambda: grad().conj())
        spec.impls["native"] = broken
        return spec

    monkeypatch.setattr(bench.rows, "coshnet_row", with_broken_native)
    peers = {lib: {"status": "unavailable", "reason": "not needed here"} for lib in bench.PEERS}
    (a,) = [a for a in bench.agreement_row("coshnet", peers) if a["library"] == "native"]
    assert a["status"] == "ok" and a["agree"] is False
    if mistake == "bias":
        assert a["out_max_abs"] > a["tol"]
    else:
        assert a["out_max_abs"] <= a["tol"] < a["grad_max_abs"]
    assert a["explanation"].startswith("unexplained")


def _complextorch(bench) -> dict:
    pytest.importorskip("complextorch")
    peers = bench.load_peers()
    if peers["complextorch"]["status"] != "ok":
        pytest.skip(f"complextorch does not import: {peers['complextorch']['reason']}")
    return peers


def test_complextorch_encoder_layer_row_is_explained_and_confirmed(bench):
    """complextorch's encoder layer is timed in the row and, given deepcomplex's weights, differs only as its
    convention says (bias-free attention, first norm's eps 1e-6): confirmed against the reference in it."""
    peers = _complextorch(bench)
    (a,) = [a for a in bench.agreement_row("encoder_layer", peers) if a["library"] == "complextorch"]
    assert a["status"] == "ok" and "TransformerEncoderLayer" in a["layer"]
    assert a["agree"] is False and a["out_max_abs"] > a["tol"]  # the row's attention biases are non-zero
    assert a["confirmed"] is True and a["confirm_max_abs"] <= a["tol"], a
    assert "no biases" in a["explanation"] and "1e-06" in a["explanation"]
    impl = bench.instantiate(bench.build_row("encoder_layer", "quick"), peers)["complextorch"]
    assert isinstance(impl, bench.Impl) and "in_proj_bias and out_proj.bias are dropped" in impl.note


def test_complextorch_encoder_layer_mapping(bench):
    """Where the architectures match (attention without biases, norm1 eps 1e-6) the mapped complextorch layer
    computes deepcomplex's output and input gradient; the eps it is given is checked by an input small enough for the
    eps to matter (eps 1e-4 in ours then disagrees)."""
    import deepcomplex.nn as cnn
    from benchmarks.harness import crandn
    from benchmarks.peers.adapters import complextorch as adapter
    from benchmarks.peers.measure import forward_backward
    from benchmarks.peers.rows_transformer import EncoderLayerCase

    peers = _complextorch(bench)
    torch.manual_seed(0)
    ours = cnn.ComplexTransformerEncoderLayer(8, 2, 12, dropout=0.0, layer_norm_eps=1e-4)
    with torch.no_grad():
        for name, p in ours.named_parameters():
            if name.endswith("bias") or name.startswith("norm"):
                p.add_(0.2 * torch.randn_like(p))
        ours.self_attn.in_proj_bias.zero_(), ours.self_attn.out_proj.bias.zero_()
    entry = adapter.encoder_layer(EncoderLayerCase(ours, 8, 2, 12, 1e-4))
    theirs = entry.factory(peers["complextorch"]["modules"])
    x, g = 0.01 * crandn(6, 3, 8, seed=1), crandn(6, 3, 8, seed=2)  # per-token variance ~2e-4, near the eps
    y, gx = forward_backward(theirs, x, g)
    ours_impl = bench.Impl("ours", ours, list(ours.parameters()))
    ours.norm1.eps = adapter.ATTENTION_NORM_EPS
    y_ref, g_ref = forward_backward(ours_impl, x, g)
    tol = 1e-4 * max(1.0, y_ref.abs().max().item())
    assert (y - y_ref).abs().max() <= tol and (gx - g_ref).abs().max() <= 1e-4 * max(1.0, g_ref.abs().max().item())
    ours.norm1.eps = 1e-4
    y_other, _ = forward_backward(ours_impl, x, g)
    assert (y - y_other).abs().max() > 100 * tol


def test_make_bench_sections_of_the_report(tmp_path):
    """report_layers turns the JSON that make bench leaves into the report's sections: each row against its aim
    (met or not), memory above 2.5x flagged, the compile rows apart, and a line for every missing file."""
    import json

    from conftest import load_benchmark

    report_layers = load_benchmark("peers.report_layers")
    row = {"layer": "ComplexConv2d", "variant": "NCHW input", "shape": "N=64", "ours_ms": 3.3, "real_ms": 1.0,
           "native_ms": 5.0, "ours_over_real": 3.3, "native_over_ours": 5.0 / 3.3, "ours_over_real_mem": 2.0}
    rows = [row, dict(row, variant="channels-last input", ours_ms=2.9, ours_over_real=2.9, ours_over_real_mem=2.6),
            dict(row, layer="ZReLU", variant="", ours_ms=1.2, ours_over_real=1.2),
            {"layer": "coshnet_tiny compiled training step", "variant": "torch.compile", "shape": "N=128",
             "ours_ms": 100.0, "real_ms": None, "native_ms": 101.0, "ours_over_real": None, "native_over_ours": 1.01,
             "compile_s": 0.2}]
    results = tmp_path / "benchmarks" / "results"
    results.mkdir(parents=True)
    (results / "bench_layers.json").write_text(json.dumps({"machine": {"torch_threads": 2}, "rows": rows}))
    text = "\n".join(report_layers.layers_sections(results, tmp_path / "docs" / "BENCHMARKS.md"))
    assert "| ComplexConv2d [NCHW input] | N=64 | 3.30 | 1.00 | 3.30 | ≤ 3: not met | 2.00 |" in text
    assert "| ComplexConv2d [channels-last input] | N=64 | 2.90 | 1.00 | 2.90 | – | 2.60 (above 2.5) |" in text
    assert "| ZReLU | N=64 | 1.20 | 1.00 | 1.20 | ≤ 1.5: met | 2.00 |" in text
    assert "| coshnet_tiny compiled training step [torch.compile] | N=128 | 100.00 | 101.00 | 1.01 | 0.2 s |" in text
    assert "profile_coshnet_tiny.json, bench_memory.json, bench_sweep.json not found" in text
