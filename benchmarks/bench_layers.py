"""Forward + backward timing of deepcomplex layers against native torch complex ops and real layers of the same size.

    python benchmarks/bench_layers.py [--repeats N] [--warmup N] [--threads N] [--quick] [--only GROUPS] [--out PATH]

Every timed call is one forward and one backward, ``y = layer(x); y.backward(g)``, with ``x`` (and all parameters)
requiring grad and ``g`` a fixed random gradient of the output's shape and dtype; gradients are cleared outside the
timed region. Within each repeat the contenders of a layer run round-robin (the starting contender rotates from
repeat to repeat), after a warm-up, so drifting machine load hits them alike. Reported: median and IQR per contender.

Contenders per layer:
  ours    deepcomplex.nn layer on an NCHW-contiguous complex input (the layout a user hands in; the layer converts it)
  ours-cl the same layer on a channels-last complex input with a channels-last output gradient (the steady state
          inside a network, since deepcomplex convolutions return channels-last outputs); convolutions and average
          pooling only
  native  torch's own complex op with the same weights (F.conv*d / F.linear on complex tensors), where torch has one
  real    a real layer with the same channel counts on a real input of the same shape (for element-wise ops and
          pooling: the real op on the real tensor with the same number of scalars, i.e. 2x the complex element count)

Columns: native/ours > 1 means ours is faster than torch's complex path; ours/real is the cost of going complex.
Memory: after the timed repeats, one more forward + backward of each contender under torch.profiler
(harness.peak_alloc_mib: the peak of torch's CPU allocator above what existed before the call); the columns give ours'
and the real layer's peak MiB and mem o/r = their ratio (the aim: at most 2.5x). Not measured for the export
rows, whose onnxruntime contender allocates outside torch.
The export rows time inference only (benchmarks/layers_export.py): ours = the model exported with
deepcomplex.export.to_onnx, run in onnxruntime, native = the same model in torch eager.
The compile rows time training steps (benchmarks/layers_compile.py): ours = the model under torch.compile (with the
default, then with deepcomplex.backends.trace_layers = True), native = the same model in eager mode; the JSON rows
also give the first call's seconds (compile_s).
The timing machinery (Contender, run_interleaved, summary, inputs, machine info, atomic JSON) is benchmarks/harness.py;
this script holds the layer groups, the table and the command line. Adding a layer group: a ``*_group`` function that
returns (rows, contenders) and its entry, with quick and full sizes, in :func:`groups`. benchmarks/bench_sweep.py
sweeps the conv2d, linear, batch norm and ModReLU groups along batch, channels and spatial size.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from pathlib import Path
from typing import Callable, Optional

import torch
import torch.nn.functional as F
from torch import nn

if __package__ in (None, ""):  # run as a script: make `benchmarks` (and deepcomplex, if not installed) importable
    sys.path.append(str(Path(__file__).resolve().parents[1]))

import deepcomplex.backends  # noqa: E402
import deepcomplex.functional as CF  # noqa: E402,F401  (public API; imported so a broken install fails early)
import deepcomplex.nn as cnn  # noqa: E402
from benchmarks.layers_compile import compile_group  # noqa: E402
from benchmarks.layers_export import export_group  # noqa: E402
from benchmarks.layers_norm import norm_rows_group  # noqa: E402
from benchmarks.layers_resampling import resampling_group  # noqa: E402
from benchmarks.harness import (CDTYPE, RDTYPE, Contender, InferenceContender, NativeCoShNetBase,  # noqa: E402
                                channels_last, crandn, leaf, load_average, machine_info, peak_alloc_mib,
                                pure_pytorch, rrandn, run_interleaved, summary, write_json)

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "bench_layers.json"
MEMORY_AIM = 2.5  # issue 26: ours' peak memory at most 2.5x the real layer's on every row
Group = tuple[list[dict], dict[str, Contender]]  # (row metadata, contenders by name)


def _check_same(name: str, a: torch.Tensor, b: torch.Tensor) -> None:
    """Make sure the contenders compute the same thing before timing them."""
    err = (a - b).abs().max().item()
    scale = max(1.0, b.abs().max().item())
    if not err <= 1e-3 * scale:
        raise RuntimeError(f"{name}: ours and native disagree (max abs error {err:.3e})")


# ----------------------------------------------------------------------------------------------------------------------
# Benchmark groups: each returns (rows metadata, contenders)
# ----------------------------------------------------------------------------------------------------------------------

def conv_group(nd: int, batch: int, cin: int, cout: int, size: int, k: int, padding: int) -> Group:
    ours_cls = {1: cnn.ComplexConv1d, 2: cnn.ComplexConv2d, 3: cnn.ComplexConv3d}[nd]
    real_cls = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[nd]
    native_fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nd]
    spatial = (size,) * nd
    torch.manual_seed(0)
    layer = ours_cls(cin, cout, k, padding=padding)
    with torch.no_grad():
        layer.bias.normal_()  # a non-zero bias so the bias path is exercised like the others'
    real = real_cls(cin, cout, k, padding=padding)
    w = leaf(layer.weight)
    b = leaf(layer.bias)
    x = crandn(batch, cin, *spatial, seed=1)
    x_nchw, x_cl, x_nat = leaf(x), leaf(channels_last(x)), leaf(x)
    x_real = leaf(rrandn(batch, cin, *spatial, seed=2))
    with torch.no_grad():
        _check_same(ours_cls.__name__, layer(x), native_fn(x, w, b, padding=padding))
    c = {
        "ours": Contender(lambda: layer(x_nchw), [x_nchw, *layer.parameters()]),
        "ours-cl": Contender(lambda: layer(x_cl), [x_cl, *layer.parameters()], grad_like=channels_last),
        "native": Contender(lambda: native_fn(x_nat, w, b, padding=padding), [x_nat, w, b]),
        "real": Contender(lambda: real(x_real), [x_real, *real.parameters()]),
    }
    name = ours_cls.__name__
    shape = f"N={batch} {cin}->{cout} {'x'.join(map(str, spatial))} k{k}"
    rows = [
        {"layer": name, "variant": "NCHW input", "shape": shape, "ours": "ours", "native": "native", "real": "real"},
        {"layer": name, "variant": "channels-last input", "shape": shape, "ours": "ours-cl", "native": "native",
         "real": "real"},
    ]
    if nd == 2:  # the alternatives to our block kernel that the conv2d ratio target invites: measured, not used
        x_g, w_g, b_g = leaf(x), leaf(layer.weight), leaf(layer.bias)
        x_rcl = leaf(channels_last(x_real))
        with torch.no_grad():
            _check_same("Gauss-form conv2d", gauss_conv2d(x, w_g, b_g, padding), native_fn(x, w, b, padding=padding))
        c["gauss"] = Contender(lambda: gauss_conv2d(x_g, w_g, b_g, padding), [x_g, w_g, b_g])
        c["real-cl"] = Contender(lambda: real(x_rcl), [x_rcl, *real.parameters()], grad_like=channels_last)
        rows += [
            {"layer": name, "variant": "Gauss form, 3 real convs (not used)", "shape": shape, "ours": "gauss",
             "native": "native", "real": "real"},
            {"layer": "nn.Conv2d (real)", "variant": "channels-last input", "shape": shape, "ours": "real-cl",
             "native": None, "real": "real"},
        ]
    return rows, c


def gauss_conv2d(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, padding: int) -> torch.Tensor:
    """Complex conv2d by Gauss's 3-multiplication form on channels-last real parts: A x - B y + i((A + B)(x + y) -
    A x - B y) for W = A + iB, z = x + iy; 3/4 of the block kernel's multiply-adds, plus the splitting and combining
    passes."""
    xr, xi = channels_last(x.real), channels_last(x.imag)
    p1 = F.conv2d(xr, w.real, padding=padding)
    p2 = F.conv2d(xi, w.imag, padding=padding)
    p3 = F.conv2d(xr + xi, w.real + w.imag, padding=padding)
    return torch.complex(p1 - p2 + b.real.view(-1, 1, 1), p3 - p1 - p2 + b.imag.view(-1, 1, 1))


def linear_group(batch: int, fin: int, fout: int) -> Group:
    torch.manual_seed(0)
    layer = cnn.ComplexLinear(fin, fout)
    with torch.no_grad():
        layer.bias.normal_()
    real = nn.Linear(fin, fout)
    w, b = leaf(layer.weight), leaf(layer.bias)
    x = crandn(batch, fin, seed=1)
    x_ours, x_nat = leaf(x), leaf(x)
    x_real = leaf(rrandn(batch, fin, seed=2))
    with torch.no_grad():
        _check_same("ComplexLinear", layer(x), F.linear(x, w, b))
    c = {
        "ours": Contender(lambda: layer(x_ours), [x_ours, *layer.parameters()]),
        "native": Contender(lambda: F.linear(x_nat, w, b), [x_nat, w, b]),
        "real": Contender(lambda: real(x_real), [x_real, *real.parameters()]),
    }
    rows = [{"layer": "ComplexLinear", "variant": "", "shape": f"N={batch} {fin}->{fout}", "ours": "ours",
             "native": "native", "real": "real"}]
    return rows, c


def activation_group(shape: tuple[int, ...]) -> Group:
    torch.manual_seed(0)
    x = crandn(*shape, seed=1)
    layers = {
        "CReLU": cnn.CReLU(),
        "ModReLU": cnn.ModReLU(shape[1], init=-0.5),
        "ZReLU": cnn.ZReLU(),
        "CardioidReLU": cnn.CardioidReLU(),
    }
    c, rows = {}, []
    for name, layer in layers.items():
        xi = leaf(x)
        c[name] = Contender(lambda layer=layer, xi=xi: layer(xi), [xi, *layer.parameters()])
        rows.append({"layer": name, "variant": "", "shape": "x".join(map(str, shape)), "ours": name, "native": None,
                     "real": "real-relu"})
    x_real = leaf(torch.view_as_real(x).clone())  # same number of scalars as the complex tensor
    c["real-relu"] = Contender(lambda: torch.relu(x_real), [x_real])
    return rows, c


def pool_group(shape: tuple[int, ...], k: int) -> Group:
    torch.manual_seed(0)
    n, ch, h, w_ = shape
    x = crandn(*shape, seed=1)
    avg, mx = cnn.ComplexAvgPool2d(k), cnn.ComplexMaxPool2d(k)
    xa, xa_cl, xm = leaf(x), leaf(channels_last(x)), leaf(x)
    x_real = leaf(rrandn(n, 2 * ch, h, w_, seed=2))
    x_real2 = leaf(x_real)
    c = {
        "avg": Contender(lambda: avg(xa), [xa]),
        "avg-cl": Contender(lambda: avg(xa_cl), [xa_cl], grad_like=channels_last),
        "real-avg": Contender(lambda: F.avg_pool2d(x_real, k), [x_real]),
        "max": Contender(lambda: mx(xm), [xm]),
        "real-max": Contender(lambda: F.max_pool2d(x_real2, k), [x_real2]),
    }
    s = "x".join(map(str, shape)) + f" k{k}"
    rows = [
        {"layer": "ComplexAvgPool2d", "variant": "NCHW input", "shape": s, "ours": "avg", "native": None,
         "real": "real-avg"},
        {"layer": "ComplexAvgPool2d", "variant": "channels-last input", "shape": s, "ours": "avg-cl", "native": None,
         "real": "real-avg"},
        {"layer": "ComplexMaxPool2d", "variant": "NCHW input", "shape": s, "ours": "max", "native": None,
         "real": "real-max"},
    ]
    return rows, c


def norm_group(shape: tuple[int, ...]) -> Group:
    """ComplexBatchNorm2d (training) vs torch.nn.BatchNorm2d on 2C real channels of the same number of scalars."""
    torch.manual_seed(0)
    n, ch, h, w_ = shape
    x = crandn(*shape, seed=1)
    bn, naive, real = cnn.ComplexBatchNorm2d(ch), cnn.NaiveComplexBatchNorm2d(ch), nn.BatchNorm2d(2 * ch)
    xb, xb_cl, xn = leaf(x), leaf(channels_last(x)), leaf(x)
    x_real = leaf(rrandn(n, 2 * ch, h, w_, seed=2))
    c = {
        "bn": Contender(lambda: bn(xb), [xb, *bn.parameters()]),
        "bn-torch": Contender(lambda: pure_pytorch(bn, xb_cl), [xb_cl, *bn.parameters()], grad_like=channels_last),
        "bn-cl": Contender(lambda: bn(xb_cl), [xb_cl, *bn.parameters()], grad_like=channels_last),
        "naive": Contender(lambda: naive(xn), [xn, *naive.parameters()]),
        "real-bn": Contender(lambda: real(x_real), [x_real, *real.parameters()]),
    }
    s = "x".join(map(str, shape))
    rows = [
        {"layer": "ComplexBatchNorm2d", "variant": "NCHW input", "shape": s, "ours": "bn", "native": None,
         "real": "real-bn"},
        {"layer": "ComplexBatchNorm2d", "variant": "channels-last input", "shape": s, "ours": "bn-cl", "native": None,
         "real": "real-bn"},
        {"layer": "ComplexBatchNorm2d", "variant": "CL, pure PyTorch", "shape": s, "ours": "bn-torch",
         "native": None, "real": "real-bn"},
        {"layer": "NaiveComplexBatchNorm2d", "variant": "NCHW input", "shape": s, "ours": "naive", "native": None,
         "real": "real-bn"},
    ]
    return rows, c


def convlstm_group(batch: int, steps: int, hidden: int, width: int, k: int, layers: int) -> Group:
    """ComplexConvLSTM1d (TIMIT's spectrum predictor's core) vs a real ConvLSTM of the same channel counts."""
    from deepcomplex.layers import ConvLSTM1d

    torch.manual_seed(0)
    ours = cnn.ComplexConvLSTM1d(1, hidden, k, layers, batch_first=True)
    real = ConvLSTM1d(1, hidden, k, layers, batch_first=True)
    x = leaf(crandn(batch, steps, 1, width, seed=1))
    x_real = leaf(rrandn(batch, steps, 1, width, seed=2))
    c = {
        "ours": Contender(lambda: ours(x)[0], [x, *ours.parameters()]),
        "real": Contender(lambda: real(x_real)[0], [x_real, *real.parameters()]),
    }
    rows = [{"layer": "ComplexConvLSTM1d", "variant": f"{layers} layers, k={k}",
             "shape": f"N={batch} T={steps} 1->{hidden}x{width}", "ours": "ours", "native": None, "real": "real"}]
    return rows, c


def coshnet_group(batch: int) -> Group:
    """One CoShNet training step (forward, cross-entropy, backward) on a batch of Fashion-MNIST-sized images."""
    from deepcomplex.models import create_model

    torch.manual_seed(0)
    x = torch.rand(batch, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    y = torch.randint(0, 10, (batch,), generator=torch.Generator().manual_seed(2))
    base, tiny = create_model("coshnet_base"), create_model("coshnet_tiny")
    native = NativeCoShNetBase(base)
    with torch.no_grad():
        _check_same("coshnet_base", base(x), native(x))
    step = lambda model: (lambda: F.cross_entropy(model(x), y))
    one = torch.ones(())
    c = {
        "base": Contender(step(base), list(base.parameters()), grad=one),
        "base-native": Contender(step(native), list(native.params), grad=one),
        "tiny": Contender(step(tiny), list(tiny.parameters()), grad=one),
    }
    shape = f"N={batch} 1x28x28"
    rows = [{"layer": "coshnet_base training step", "variant": "", "shape": shape, "ours": "base",
             "native": "base-native", "real": None},
            {"layer": "coshnet_tiny training step", "variant": "", "shape": shape, "ours": "tiny", "native": None,
             "real": None}]
    return rows, c


def mha_group(batch: int, heads: int, embed: int, seqs: tuple[int, ...]) -> Group:
    """ComplexMultiheadAttention(E, H) self-attention (need_weights=False: the fused path) vs the real floor
    nn.MultiheadAttention(2E, H) (the same real FLOPs; torch has no complex MultiheadAttention)."""
    torch.manual_seed(0)
    ours = cnn.ComplexMultiheadAttention(embed, heads, batch_first=True)
    real = nn.MultiheadAttention(2 * embed, heads, batch_first=True)
    c, rows = {}, []
    for s in seqs:
        x, x_real = leaf(crandn(batch, s, embed, seed=1)), leaf(rrandn(batch, s, 2 * embed, seed=2))
        c[f"ours-{s}"] = Contender(lambda x=x: ours(x, x, x, need_weights=False)[0], [x, *ours.parameters()])
        c[f"real-{s}"] = Contender(lambda x=x_real: real(x, x, x, need_weights=False)[0], [x_real, *real.parameters()])
        rows.append({"layer": "ComplexMultiheadAttention", "variant": f"{heads} heads, L={s}",
                     "shape": f"N={batch} L={s} E={embed}", "ours": f"ours-{s}", "native": None,
                     "real": f"real-{s}"})
    return rows, c


def encoder_layer_group(batch: int, seq: int, embed: int, heads: int, ff: int) -> Group:
    """ComplexTransformerEncoderLayer(E, H, F) vs torch's real nn.TransformerEncoderLayer(2E, H, 2F) of twice the width
    (the same real FLOPs in the linear maps), pre-norm, no dropout, batch first."""
    torch.manual_seed(0)
    ours = cnn.ComplexTransformerEncoderLayer(embed, heads, ff, dropout=0.0, batch_first=True, norm_first=True)
    real = nn.TransformerEncoderLayer(2 * embed, heads, 2 * ff, dropout=0.0, batch_first=True, norm_first=True)
    x, x_real = leaf(crandn(batch, seq, embed, seed=1)), leaf(rrandn(batch, seq, 2 * embed, seed=2))
    c = {"ours": Contender(lambda: ours(x), [x, *ours.parameters()]),
         "real": Contender(lambda: real(x_real), [x_real, *real.parameters()])}
    rows = [{"layer": "ComplexTransformerEncoderLayer", "variant": f"{heads} heads, FF {ff}, pre-norm",
             "shape": f"N={batch} L={seq} E={embed}", "ours": "ours", "native": None, "real": "real"}]
    return rows, c


def vit_group(batch: int) -> Group:
    """One training step (forward, cross-entropy, backward) of complex_vit_tiny and of its real twin (parameter counts
    within 2 %), and of coshvit_tiny, on a batch of Fashion-MNIST-sized images."""
    from deepcomplex.models import create_model

    torch.manual_seed(0)
    x = torch.rand(batch, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    y = torch.randint(0, 10, (batch,), generator=torch.Generator().manual_seed(2))
    models = {name: create_model(name) for name in ("complex_vit_tiny", "complex_vit_tiny_real", "coshvit_tiny")}
    one = torch.ones(())
    c = {name: Contender(lambda m=m: F.cross_entropy(m(x), y), list(m.parameters()), grad=one)
         for name, m in models.items()}
    shape = f"N={batch} 1x28x28"
    rows = [{"layer": "complex_vit_tiny training step", "variant": "", "shape": shape, "ours": "complex_vit_tiny",
             "native": None, "real": "complex_vit_tiny_real"},
            {"layer": "coshvit_tiny training step", "variant": "", "shape": shape, "ours": "coshvit_tiny",
             "native": None, "real": None}]
    return rows, c


def groups(quick: bool) -> list[tuple[str, Callable[[], Group]]]:
    if quick:
        return [
            ("conv2d", lambda: conv_group(2, 2, 2, 4, 8, 3, 1)),
            ("conv1d", lambda: conv_group(1, 2, 2, 4, 16, 3, 1)),
            ("conv3d", lambda: conv_group(3, 1, 2, 2, 4, 3, 1)),
            ("linear", lambda: linear_group(4, 8, 8)),
            ("activations", lambda: activation_group((2, 4, 4, 4))),
            ("pooling", lambda: pool_group((2, 4, 4, 4), 2)),
            ("resampling", lambda: resampling_group(2, 4, 4, 2)),
            ("batchnorm", lambda: norm_group((2, 4, 4, 4))),
            ("layernorm", lambda: norm_rows_group((2, 3, 8), (2, 4, 4, 4))),
            ("convlstm", lambda: convlstm_group(2, 3, 2, 8, 3, 1)),
            ("coshnet", lambda: coshnet_group(2)),
            ("mha", lambda: mha_group(2, 2, 8, (16,))),
            ("encoder_layer", lambda: encoder_layer_group(2, 8, 8, 2, 16)),
            ("vit", lambda: vit_group(2)),
            ("export", lambda: export_group(2)),
            ("compile", lambda: compile_group(2, ("coshnet_tiny",), traced=False)),
        ]
    return [
        ("conv2d", lambda: conv_group(2, 64, 16, 32, 32, 3, 1)),
        ("conv1d", lambda: conv_group(1, 64, 16, 32, 1024, 3, 1)),
        ("conv3d", lambda: conv_group(3, 8, 8, 16, 16, 3, 1)),
        ("linear", lambda: linear_group(256, 512, 512)),
        ("activations", lambda: activation_group((64, 32, 32, 32))),
        ("pooling", lambda: pool_group((64, 32, 32, 32), 2)),
        ("resampling", lambda: resampling_group(32, 32, 32, 16)),
        ("batchnorm", lambda: norm_group((64, 32, 32, 32))),
        ("layernorm", lambda: norm_rows_group((64, 64, 256), (4, 32, 64, 64))),
        ("convlstm", lambda: convlstm_group(16, 50, 16, 129, 5, 2)),
        ("coshnet", lambda: coshnet_group(128)),
        ("mha", lambda: mha_group(32, 8, 128, (256, 1024))),
        ("encoder_layer", lambda: encoder_layer_group(32, 128, 128, 8, 256)),
        ("vit", lambda: vit_group(128)),
        ("export", lambda: export_group(128)),
        ("compile", lambda: compile_group(128)),
    ]


# ----------------------------------------------------------------------------------------------------------------------
# Reporting
# ----------------------------------------------------------------------------------------------------------------------

def _fmt(v: Optional[float], spec: str = "8.2f") -> str:
    return format(v, spec) if v is not None else " " * (int(spec.split(".")[0]) - 1) + "-"


def _mib(v: Optional[float], width: int = 8) -> str:
    """MiB with 2 decimals below 10, 1 below 100, none above (quick runs' tiny tensors still show a value)."""
    return _fmt(v, f"{width}.{2 if v is not None and v < 10 else 1 if v is not None and v < 100 else 0}f")


def _ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a is not None and b else None


def format_table(rows: list[dict]) -> str:
    head = (f"{'layer':<40} {'ours ms':>8} {'±IQR':>6} {'native ms':>9} {'real ms':>8} {'native/ours':>11} "
            f"{'ours/real':>9} {'ours MiB':>8} {'real MiB':>8} {'mem o/r':>7}")
    lines = [head, "-" * len(head)]
    for r in rows:
        name = r["layer"] + (f" [{r['variant']}]" if r["variant"] else "")
        lines.append(
            f"{name:<40} {r['ours_ms']:8.2f} {r['ours_iqr_ms']:6.2f} {_fmt(r['native_ms'], '9.2f')} "
            f"{_fmt(r['real_ms'])} {_fmt(r['native_over_ours'], '11.2f')} {_fmt(r['ours_over_real'], '9.2f')} "
            f"{_mib(r['ours_peak_mib'])} {_mib(r['real_peak_mib'])} "
            f"{_fmt(r['ours_over_real_mem'], '7.2f')}")
    return "\n".join(lines)


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=None, help="timed calls per contender (default 30, --quick 3)")
    p.add_argument("--warmup", type=int, default=None, help="untimed calls per contender first (default 3, --quick 1)")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--quick", action="store_true", help="tiny shapes and few repeats (smoke test)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON output (default {DEFAULT_OUT})")
    p.add_argument("--only", default=None,
                   help="comma-separated groups to run: conv2d,conv1d,conv3d,linear,activations,pooling,batchnorm,"
                        "layernorm,convlstm,coshnet,mha,encoder_layer,vit,export,compile")
    p.add_argument("--tune-malloc", action="store_true",
                   help="keep freed memory in the process as `deepcomplex train` does (deepcomplex.train.runtime)")
    a = p.parse_args(argv)
    a.repeats = a.repeats if a.repeats is not None else (3 if a.quick else 30)
    a.warmup = a.warmup if a.warmup is not None else (1 if a.quick else 3)
    if a.repeats < 1 or a.warmup < 0 or a.threads < 1:
        p.error("--repeats and --threads must be >= 1, --warmup >= 0")
    return a


def main(argv: Optional[list[str]] = None) -> dict:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    info = machine_info(args.threads)  # load average taken before the run
    if args.tune_malloc:
        from deepcomplex.train.runtime import tune_malloc

        info["malloc_tuned"] = tune_malloc()
    busy = info["load_average_start"] and info["load_average_start"][0] > 0.5
    if busy and not args.quick:
        print(f"note: 1-min load average {info['load_average_start'][0]:.2f} before starting; other processes "
              "compete for the CPU and inflate (interleaved, so mostly alike) timings", file=sys.stderr)
    start = time.perf_counter()
    rows, raw = [], {}
    selected = groups(args.quick)
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {g for g, _ in selected}
        if unknown:
            raise SystemExit(f"unknown group(s) {sorted(unknown)}; choose from {[g for g, _ in selected]}")
        selected = [(g, b) for g, b in selected if g in wanted]
    for gname, build in selected:
        meta, contenders = build()
        run_interleaved(contenders, args.repeats, args.warmup)
        stats = {n: summary(c.samples) for n, c in contenders.items()}
        # one profiled call per contender, outside the timing; onnxruntime's memory is invisible to torch's profiler
        mem = {n: None if isinstance(c, InferenceContender) else peak_alloc_mib(c) for n, c in contenders.items()}
        raw[gname] = {n: [s * 1e3 for s in c.samples] for n, c in contenders.items()}
        for m in meta:
            o = stats[m["ours"]]
            nat = stats[m["native"]] if m["native"] else None
            real = stats[m["real"]] if m["real"] else None
            rows.append({
                "layer": m["layer"], "variant": m["variant"], "shape": m["shape"], "group": gname,
                "ours_ms": o["median_ms"], "ours_iqr_ms": o["iqr_ms"],
                "native_ms": nat["median_ms"] if nat else None, "native_iqr_ms": nat["iqr_ms"] if nat else None,
                "real_ms": real["median_ms"] if real else None, "real_iqr_ms": real["iqr_ms"] if real else None,
                "native_over_ours": nat["median_ms"] / o["median_ms"] if nat else None,
                "ours_over_real": o["median_ms"] / real["median_ms"] if real else None,
                "ours_peak_mib": mem[m["ours"]], "native_peak_mib": mem[m["native"]] if m["native"] else None,
                "real_peak_mib": mem[m["real"]] if m["real"] else None,
                "ours_over_real_mem": _ratio(mem[m["ours"]], mem[m["real"]] if m["real"] else None),
                "contenders": {"ours": m["ours"], "native": m["native"], "real": m["real"]},
                **({"compile_s": m["compile_s"]} if "compile_s" in m else {}),
            })
        print(f"  {gname}: done ({time.perf_counter() - start:.1f} s)", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start
    result = {
        "benchmark": "deepcomplex layers, forward + backward, median over interleaved repeats",
        "machine": info,
        "config": {"repeats": args.repeats, "warmup": args.warmup, "threads": args.threads, "quick": args.quick,
                   "dtype": str(CDTYPE), "real_dtype": str(RDTYPE), "memory_aim": MEMORY_AIM},
        "elapsed_s": elapsed,
        "load_average_end": load_average(),
        "rows": rows,
        "raw_ms": raw,
    }
    kernels = deepcomplex.backends.extension_available()
    print(f"torch {torch.__version__}, {args.threads} threads, {os.cpu_count()} CPUs, {platform.platform()}; "
          f"forward+backward, median of {args.repeats} interleaved repeats (IQR = spread of ours); compiled kernels "
          f"{'loaded' if kernels else 'NOT built (python -m deepcomplex build-ext)'}; MiB = peak of torch's allocator "
          "in one more forward+backward")
    print(format_table(rows))
    over = [f"{r['layer']}" + (f" [{r['variant']}]" if r["variant"] else "") + f" {r['ours_over_real_mem']:.2f}x"
            for r in rows if r["ours_over_real_mem"] is not None and r["ours_over_real_mem"] > MEMORY_AIM]
    if over:
        print(f"peak memory above {MEMORY_AIM}x the real layer: {', '.join(over)}")
    bad = [r["layer"] for r in rows for k in ("ours_ms", "native_ms", "real_ms")
           if r[k] is not None and not (math.isfinite(r[k]) and r[k] > 0)]
    if bad:
        print(f"warning: non-positive or non-finite times in {bad}", file=sys.stderr)
    write_json(args.out, result)
    print(f"wrote {args.out} ({elapsed:.1f} s)")
    return result


if __name__ == "__main__":
    main()
