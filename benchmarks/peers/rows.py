"""The rows of the peer benchmark, as data: :data:`ROW_TABLE` names each row's title, its sizes in every mode and the
builder that makes its :class:`~benchmarks.peers.spec.RowSpec` (deepcomplex's layer, the input, the real layer of the
same size, and every library's entry from its adapter).

Adding a row: an entry in :data:`ROW_TABLE` (and a builder here if no existing one fits); the libraries that have
the layer answer for its kind in their adapter, the others get the row's ``missing`` reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import torch
import torch.nn.functional as F
from torch import nn

import deepcomplex.nn as cnn
from benchmarks.harness import crandn, rrandn

from . import adapters, rows_extra, rows_parity, rows_recurrent, rows_resampling, rows_transformer
from .mapping import copy_, frontend_of
from .spec import (ActivationCase, AttentionCase, CoShNetCase, Convention, ConvCase, EPS, Factory, Impl, LinearCase,
                   NormCase, PoolCase, RowSpec)


@dataclass(frozen=True)
class Row:
    """One row: its title in the reports, its builder (sizes, mode) -> RowSpec and its sizes in each mode."""

    title: str
    build: Callable[[dict, str], RowSpec]
    full: dict
    quick: dict
    agree: dict  # agreement runs on these in every mode: small, yet with N*C > 1 planes and n = 288 samples per BN
    # channel, so indexing mistakes and a biased/unbiased covariance (a factor sqrt(n / (n - 1))) show above rounding
    timed: bool = True  # False: an agreement-only row, checked when the row ``with_row`` is selected
    with_row: Optional[str] = None


def assemble(kind: str, case: Any, ours: Factory, missing: str) -> tuple[dict[str, Factory], dict[str, Convention],
                                                                         dict[str, Factory]]:
    """(factories in LIBS order, conventions, agreement-only variants) for a row of ``kind``: deepcomplex's first."""
    impls: dict[str, Factory] = {"deepcomplex": ours}
    conventions: dict[str, Convention] = {}
    extra: dict[str, Factory] = {}
    for lib, entry in adapters.entries(kind, case, missing).items():
        impls[lib] = entry.factory
        if entry.convention is not None:
            conventions[lib] = entry.convention
        if entry.extra is not None:
            extra[lib] = entry.extra
    return impls, conventions, extra


def conv_row(nd: int, sh: dict) -> RowSpec:
    """ComplexConv{nd}d against torch's complex conv, the peers' complex convolutions and a real ConvNd."""
    n, cin, cout, size, k = sh["n"], sh["cin"], sh["cout"], sh["size"], sh["k"]
    spatial = (size,) * nd
    torch.manual_seed(0)
    ours = {1: cnn.ComplexConv1d, 2: cnn.ComplexConv2d, 3: cnn.ComplexConv3d}[nd](cin, cout, k, padding=k // 2)
    with torch.no_grad():
        ours.bias.normal_()  # a non-zero bias, so that the bias mappings are checked too
    real = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[nd](cin, cout, k, padding=k // 2)
    impls, conventions, extra = assemble(
        "conv", ConvCase(nd, cin, cout, k, ours.weight.detach(), ours.bias.detach()),
        lambda _: Impl(type(ours).__name__, ours, list(ours.parameters())), "no such layer")
    return RowSpec(f"conv{nd}d", f"N={n} {cin}->{cout} {'x'.join(map(str, spatial))} k{k}",
                   crandn(n, cin, *spatial, seed=1), impls, Impl(f"torch.nn.Conv{nd}d({cin}, {cout})", real,
                                                                 list(real.parameters()), kind="real"),
                   rrandn(n, cin, *spatial, seed=2), conventions, extra)


def linear_row(sh: dict) -> RowSpec:
    """ComplexLinear against torch's complex F.linear, the peers' linear layers and a real nn.Linear."""
    n, fin, fout = sh["n"], sh["fin"], sh["fout"]
    torch.manual_seed(0)
    ours = cnn.ComplexLinear(fin, fout)
    with torch.no_grad():
        ours.bias.normal_()
    real = nn.Linear(fin, fout)
    impls, conventions, extra = assemble("linear", LinearCase(fin, fout, ours.weight.detach(), ours.bias.detach()),
                                         lambda _: Impl("ComplexLinear", ours, list(ours.parameters())),
                                         "no such layer")
    return RowSpec("linear", f"N={n} {fin}->{fout}", crandn(n, fin, seed=1), impls,
                   Impl(f"torch.nn.Linear({fin}, {fout})", real, list(real.parameters()), kind="real"),
                   rrandn(n, fin, seed=2), conventions, extra)


def affine_params(shape: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """A non-trivial whitening affine: gamma (*shape, 3) = [g_rr, g_ri, g_ii] (positive definite) and complex beta."""
    g = torch.Generator().manual_seed(3)
    u = torch.rand(*shape, 3, generator=g)
    gamma = torch.stack([0.6 + 0.3 * u[..., 0], 0.2 * (u[..., 1] - 0.5), 0.6 + 0.3 * u[..., 2]], -1)
    beta = 0.1 * torch.view_as_complex(torch.randn(*shape, 2, generator=g))
    return gamma, beta


def batchnorm_row(sh: dict) -> RowSpec:
    """ComplexBatchNorm2d (whitening, training mode) against the peers' whitening batch norms and BatchNorm2d(2C)."""
    n, c, h, w_ = sh["shape"]
    gamma, beta = affine_params((c,))
    ours = cnn.ComplexBatchNorm2d(c, eps=EPS)
    copy_(ours.weight, gamma), copy_(ours.bias, beta)
    real = nn.BatchNorm2d(2 * c)
    impls, conventions, extra = assemble("batchnorm", NormCase(c, gamma, beta, count=n * h * w_),
                                         lambda _: Impl("ComplexBatchNorm2d", ours, list(ours.parameters())),
                                         "no batch norm")
    return RowSpec("batchnorm", "x".join(map(str, sh["shape"])), crandn(*sh["shape"], seed=1), impls,
                   Impl(f"torch.nn.BatchNorm2d({2 * c})", real, list(real.parameters()), kind="real"),
                   rrandn(n, 2 * c, h, w_, seed=2), conventions, extra)


def layernorm_row(sh: dict) -> RowSpec:
    """ComplexLayerNorm over the last dimension against the peers' whitening layer norms and nn.LayerNorm(2D)."""
    n, length, d = sh["shape"]
    gamma, beta = affine_params((d,))
    ours = cnn.ComplexLayerNorm(d, eps=EPS)
    copy_(ours.weight, gamma), copy_(ours.bias, beta)
    real = nn.LayerNorm(2 * d)
    impls, conventions, extra = assemble("layernorm", NormCase(d, gamma, beta),
                                         lambda _: Impl("ComplexLayerNorm", ours, list(ours.parameters())),
                                         "no layer norm")
    return RowSpec("layernorm", f"{n}x{length}x{d} over ({d},)", crandn(*sh["shape"], seed=1), impls,
                   Impl(f"torch.nn.LayerNorm({2 * d})", real, list(real.parameters()), kind="real"),
                   rrandn(n, length, 2 * d, seed=2), conventions, extra)


def axis_zeros(x: torch.Tensor) -> torch.Tensor:
    """Put exact zeros in Re or Im of a quarter of the elements each, as a preceding (C/z)ReLU leaves them."""
    xr = torch.view_as_real(x).clone()
    flat = xr.reshape(-1, 2)
    flat[0::4, 0] = 0.0
    flat[1::4, 1] = 0.0
    flat[2::4] = flat[2::4].abs()  # and some in the first quadrant, so zeros on its boundary rays are kept by zReLU
    flat[2::8, 0] = 0.0
    flat[6::8, 1] = 0.0
    return torch.view_as_complex(xr).contiguous()


def activation_row(row: str, sh: dict, boundary: bool = False) -> RowSpec:
    """CReLU / modReLU / zReLU against the peers' versions and a real ReLU on the same number of scalars."""
    shape = sh["shape"]
    x = crandn(*shape, seed=1)
    if boundary:
        x = axis_zeros(x)
    x_real = torch.view_as_real(x).clone()  # a real tensor with the same scalars, 2x the complex element count
    case = ActivationCase()  # one shared learned modReLU bias b = -0.5 (torchcvnn's and complextorch's hold a scalar)
    if row == "crelu":
        crelu = cnn.CReLU()
        ours: Factory = lambda _: Impl("CReLU", crelu)
    elif row == "modrelu":
        modrelu = cnn.ModReLU(1, init=case.bias)
        ours = lambda _: Impl("ModReLU(1)", modrelu, list(modrelu.parameters()))
    elif row == "zrelu":
        zrelu = cnn.ZReLU()
        ours = lambda _: Impl("ZReLU", zrelu)
    else:
        raise ValueError(row)
    impls, conventions, extra = assemble(row, case, ours, "no such activation")
    return RowSpec(row, "x".join(map(str, shape)) + (" (with zeros on the axes)" if boundary else ""), x, impls,
                   Impl("torch.relu (2x elements)", torch.relu, kind="real"), x_real, conventions, extra)


def zabsrelu_row(sh: dict) -> RowSpec:
    """Agreement only: the peers' zAbsReLU against its documented formula z [|z| >= a] (deepcomplex has none)."""
    case = ActivationCase()
    a = case.radius
    x = crandn(*sh["shape"], seed=1)
    impls, conventions, extra = assemble(
        "zabsrelu", case, lambda _: Impl("formula z [|z| >= a], a = 1", lambda z: z * (z.abs() >= a)), "no zAbsReLU")
    return RowSpec("zabsrelu", "x".join(map(str, sh["shape"])), x, impls, Impl("-", torch.relu, kind="real"),
                   torch.view_as_real(x).clone(), conventions, extra, reference="formula (docstrings of both peers)")


def pool_row(row: str, sh: dict) -> RowSpec:
    """ComplexMaxPool2d (by modulus) / ComplexAvgPool2d against the peers' pools and the real pool on 2C channels."""
    shape, k = sh["shape"], sh["k"]
    n, c, h, w_ = shape
    x = crandn(*shape, seed=1)
    if row == "maxpool2d":
        pool = cnn.ComplexMaxPool2d(k)
        ours: Factory = lambda _: Impl(f"ComplexMaxPool2d({k})", pool)
        real = Impl(f"F.max_pool2d on {2 * c} channels", lambda t: F.max_pool2d(t, k), kind="real")
    elif row == "avgpool2d":
        pool = cnn.ComplexAvgPool2d(k)
        ours = lambda _: Impl(f"ComplexAvgPool2d({k})", pool)
        real = Impl(f"F.avg_pool2d on {2 * c} channels", lambda t: F.avg_pool2d(t, k), kind="real")
    else:
        raise ValueError(row)
    impls, conventions, extra = assemble(row, PoolCase(k), ours, "no such pooling")
    return RowSpec(row, "x".join(map(str, shape)) + f" k{k}", x, impls, real, rrandn(n, 2 * c, h, w_, seed=2),
                   conventions, extra)


def coshnet_row(sh: dict) -> RowSpec:
    """One CoShNet-base training step: deepcomplex's model, NativeCoShNetBase, CoShNet-base composed from each peer's
    own layers with deepcomplex's weights, and a real network of the same layer sizes."""
    from deepcomplex.models import create_model

    n = sh["n"]
    torch.manual_seed(0)
    ours = create_model("coshnet_base")
    x = torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    labels = torch.randint(0, 10, (n,), generator=torch.Generator().manual_seed(2))
    w1, w2, f1, f2 = (m.weight for m in (ours.features[0], ours.features[3], ours.classifier[1], ours.classifier[3]))
    sizes = [(w1.shape[1], w1.shape[0], w1.shape[-1]), (w2.shape[1], w2.shape[0], w2.shape[-1]),
             (f1.shape[1], f1.shape[0]), (f2.shape[1], f2.shape[0]), (f2.shape[0], f2.shape[0])]
    real = nn.Sequential(nn.Conv2d(*sizes[0]), nn.ReLU(), nn.AvgPool2d(2), nn.Conv2d(*sizes[1]), nn.ReLU(),
                         nn.AvgPool2d(2), nn.Flatten(), nn.Linear(*sizes[2]), nn.ReLU(), nn.Linear(*sizes[3]),
                         nn.ReLU(), nn.Linear(*sizes[4]))
    frontend = frontend_of(ours)
    real_impl = Impl("real network of the same layer sizes on |front end|: "
                     f"Conv2d{sizes[0]}, ReLU, AvgPool2d(2), Conv2d{sizes[1]}, ReLU, AvgPool2d(2), Linear{sizes[2]}, "
                     f"ReLU, Linear{sizes[3]}, ReLU, Linear{sizes[4]}", lambda t: real(frontend(t).abs()),
                     list(real.parameters()), kind="real", grad_of=lambda: real[0].weight.grad)
    impls, conventions, extra = assemble(
        "coshnet", CoShNetCase(ours, x, labels),
        lambda _: Impl('create_model("coshnet_base") (fused shearlet front end and first conv)', ours,
                       list(ours.parameters()), kind="real", grad_of=lambda: ours.features[0].weight.grad),
        "no such network")
    return RowSpec("coshnet", f"N={n} 1x28x28, cross-entropy", x, impls, real_impl, x, conventions, extra,
                   loss=lambda logits: F.cross_entropy(logits, labels), grad_name="first conv weight")


def mha_row(sh: dict) -> RowSpec:
    """ComplexMultiheadAttention self-attention (need_weights=False: the fused path) on (L, N, E) against the peers'
    multi-head attentions with the same weights and the real nn.MultiheadAttention(2E, H), the floor. Full mode runs
    batch 8 (bench_layers.py's mha group runs the issue's batch 32 for ours and the real layer): the peers keep the
    (N H, L, L) scores, about 9 GiB at batch 8 and L = 1,024, four times that at batch 32."""
    n, heads, e, length = sh["n"], sh["heads"], sh["embed"], sh["seq"]
    torch.manual_seed(0)
    ours = cnn.ComplexMultiheadAttention(e, heads)
    with torch.no_grad():
        ours.in_proj_bias.normal_(), ours.out_proj.bias.normal_()  # non-zero biases, so their mappings are checked
    real = nn.MultiheadAttention(2 * e, heads)
    case = AttentionCase(e, heads, ours.in_proj_weight.detach(), ours.in_proj_bias.detach(),
                         ours.out_proj.weight.detach(), ours.out_proj.bias.detach())
    impls, conventions, extra = assemble(
        "mha", case, lambda _: Impl(f"ComplexMultiheadAttention({e}, {heads}), need_weights=False",
                                    lambda x: ours(x, x, x, need_weights=False)[0], list(ours.parameters())),
        "no multi-head attention")
    return RowSpec("mha", f"L={length} N={n} E={e} H={heads}, self-attention", crandn(length, n, e, seed=1), impls,
                   Impl(f"torch.nn.MultiheadAttention({2 * e}, {heads}), need_weights=False",
                        lambda x: real(x, x, x, need_weights=False)[0], list(real.parameters()), kind="real"),
                   rrandn(length, n, 2 * e, seed=2), conventions, extra)


# ----------------------------------------------------------------------------------------------------------------------
# The table
# ----------------------------------------------------------------------------------------------------------------------

def _conv(nd: int) -> Callable[[dict, str], RowSpec]:
    return lambda sh, mode: conv_row(nd, sh)


def _activation(row: str) -> Callable[[dict, str], RowSpec]:
    # zReLU's agreement input has exact zeros on the axes, where the peers' conventions differ
    return lambda sh, mode: activation_row(row, sh, boundary=(mode == "agree" and row == "zrelu"))


def _pool(row: str) -> Callable[[dict, str], RowSpec]:
    return lambda sh, mode: pool_row(row, sh)


ACT = {"full": {"shape": (64, 32, 32, 32)}, "quick": {"shape": (2, 4, 4, 4)}, "agree": {"shape": (4, 6, 5, 5)}}
POOL = {"full": {"shape": (64, 32, 32, 32), "k": 2}, "quick": {"shape": (2, 4, 4, 4), "k": 2},
        "agree": {"shape": (3, 4, 8, 8), "k": 2}}

ROW_TABLE: dict[str, Row] = {
    "conv1d": Row("conv1d", _conv(1), full={"n": 64, "cin": 16, "cout": 32, "size": 1024, "k": 3},
                  quick={"n": 2, "cin": 2, "cout": 4, "size": 16, "k": 3},
                  agree={"n": 4, "cin": 4, "cout": 6, "size": 20, "k": 3}),
    "conv2d": Row("conv2d", _conv(2), full={"n": 64, "cin": 16, "cout": 32, "size": 32, "k": 3},
                  quick={"n": 2, "cin": 2, "cout": 4, "size": 8, "k": 3},
                  agree={"n": 4, "cin": 4, "cout": 6, "size": 10, "k": 3}),
    "conv3d": Row("conv3d", _conv(3), full={"n": 8, "cin": 8, "cout": 16, "size": 16, "k": 3},
                  quick={"n": 1, "cin": 2, "cout": 2, "size": 4, "k": 3},
                  agree={"n": 2, "cin": 3, "cout": 4, "size": 6, "k": 3}),
    "linear": Row("linear", lambda sh, mode: linear_row(sh), full={"n": 256, "fin": 512, "fout": 512},
                  quick={"n": 4, "fin": 8, "fout": 8}, agree={"n": 8, "fin": 12, "fout": 10}),
    "batchnorm": Row("batch norm (training)", lambda sh, mode: batchnorm_row(sh), full={"shape": (64, 32, 32, 32)},
                     quick={"shape": (2, 4, 4, 4)}, agree={"shape": (8, 6, 6, 6)}),
    "layernorm": Row("layer norm", lambda sh, mode: layernorm_row(sh), full={"shape": (64, 64, 256)},
                     quick={"shape": (2, 3, 8)}, agree={"shape": (4, 5, 16)}),
    "crelu": Row("CReLU", _activation("crelu"), **ACT),
    "modrelu": Row("modReLU", _activation("modrelu"), **ACT),
    "zrelu": Row("zReLU", _activation("zrelu"), **ACT),
    "maxpool2d": Row("max pool 2d", _pool("maxpool2d"), **POOL),
    "avgpool2d": Row("avg pool 2d", _pool("avgpool2d"), **POOL),
    "zabsrelu": Row("zAbsReLU", lambda sh, mode: zabsrelu_row(sh), **ACT, timed=False, with_row="zrelu"),
    "coshnet": Row("CoShNet-base training step", lambda sh, mode: coshnet_row(sh), full={"n": 128},
                   quick={"n": 2}, agree={"n": 4}),
    "mha": Row("multi-head attention", lambda sh, mode: mha_row(sh),
               full={"n": 8, "heads": 8, "embed": 128, "seq": 1024}, quick={"n": 2, "heads": 2, "embed": 8, "seq": 16},
               agree={"n": 3, "heads": 2, "embed": 8, "seq": 7}),
}
ROW_TABLE.update({name: Row(rows_resampling.TITLES[name],  # issue 23: resampling and pooling (rows_resampling.py)
                            (lambda row: lambda sh, mode: rows_resampling.resampling_row(row, sh, assemble))(name),
                            **sizes) for name, sizes in rows_resampling.SIZES.items()})
ROW_TABLE.update({name: Row(rows_extra.TITLES[name],  # issue 23: RMSNorm, complex MSE loss, bilinear (rows_extra.py)
                            (lambda row: lambda sh, mode: rows_extra.build(row, sh, assemble))(name),
                            **sizes) for name, sizes in rows_extra.SIZES.items()})
ROW_TABLE.update({name: Row(rows_recurrent.TITLES[name],  # issue 23: GRU and activations (rows_recurrent.py)
                            (lambda row: lambda sh, mode: rows_recurrent.build(row, sh, mode, assemble))(name),
                            **sizes) for name, sizes in rows_recurrent.SIZES.items()})
ROW_TABLE.update({name: Row(rows_transformer.TITLES[name],  # issue 22: encoder layer (rows_transformer.py)
                            (lambda row: lambda sh, mode: rows_transformer.build(row, sh, assemble))(name),
                            **sizes) for name, sizes in rows_transformer.SIZES.items()})
ROW_TABLE.update({name: Row(rows_parity.TITLES[name],  # 1-d / 3-d naive batch norm and channel dropout (rows_parity.py)
                            (lambda row: lambda sh, mode: rows_parity.build(row, sh, mode, assemble))(name),
                            **sizes) for name, sizes in rows_parity.SIZES.items()})
ROWS = tuple(name for name, r in ROW_TABLE.items() if r.timed)
TITLES = {name: r.title for name, r in ROW_TABLE.items()}


def build_row(row: str, mode: str) -> RowSpec:
    """The RowSpec of ``row`` at the shapes of ``mode`` ("full", "quick" or "agree")."""
    r = ROW_TABLE[row]
    return r.build(getattr(r, mode), mode)


def agreement_rows(rows: list[str]) -> list[str]:
    """The rows whose agreement is checked for a run of ``rows``: those, then the agreement-only rows they bring."""
    return rows + [name for name, r in ROW_TABLE.items() if not r.timed and r.with_row in rows]
