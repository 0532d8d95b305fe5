"""Row builders of the peer benchmark for the GRU and the split / phase-keeping activations (issue 23, part 2), kept
out of rows.py, whose :data:`~benchmarks.peers.rows.ROW_TABLE` takes :data:`SIZES` and :data:`TITLES` from here: the
cases they hand the adapters, and the builders (deepcomplex's layer, the input, the real layer of the same size and
every library's entry)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

import deepcomplex.nn as cnn
from benchmarks.harness import crandn, rrandn

from .spec import Factory, Impl, RowSpec


_ACT = {"full": {"shape": (64, 32, 32, 32)}, "quick": {"shape": (2, 4, 4, 4)}, "agree": {"shape": (4, 6, 5, 5)}}
SIZES = {
    "gru": {"full": {"n": 32, "length": 64, "fin": 64, "hidden": 128, "layers": 1, "bi": True},
            "quick": {"n": 2, "length": 4, "fin": 4, "hidden": 4, "layers": 1, "bi": True},
            "agree": {"n": 3, "length": 6, "fin": 5, "hidden": 4, "layers": 2, "bi": True}},
    "ctanh": _ACT, "cprelu": _ACT, "zleakyrelu": _ACT, "modtanh": _ACT,
}
TITLES = {"gru": "GRU (bidirectional)", "ctanh": "split tanh", "cprelu": "CPReLU", "zleakyrelu": "leaky zReLU",
          "modtanh": "modulus tanh"}


def build(row: str, sh: dict, mode: str, assemble: Callable) -> RowSpec:
    """The RowSpec of ``row`` (a key of SIZES) at sizes ``sh``; ``assemble`` is rows.assemble. The leaky zReLU's
    agreement input has exact zeros on the axes, where the peers' conventions differ (as the zReLU row's)."""
    if row == "gru":
        return gru_row(sh, assemble)
    return activation_row(row, sh, assemble, boundary=(mode == "agree" and row == "zleakyrelu"))


@dataclass(frozen=True)
class GRUCase:
    """A ComplexGRU(fin, hidden, layers, bidirectional=...) with deepcomplex's parameters: (weight_ih, weight_hh,
    bias_ih, bias_hh) per layer and direction, in torch's order (layer 0, its reverse, layer 1, ...)."""

    fin: int
    hidden: int
    layers: int
    bidirectional: bool
    params: tuple


@dataclass(frozen=True)
class SlopeCase:
    """The activations' parameter: the slope of CPReLU (one shared) and of the leaky zReLU."""

    slope: float = 0.2


def gru_row(sh: dict, assemble: Callable) -> RowSpec:
    """ComplexGRU (forward + backward over the sequence) against the peers' GRUs, torch.nn.GRU with a complex dtype
    and a real torch.nn.GRU of the same sizes."""
    n, length, fin, hidden, layers, bi = sh["n"], sh["length"], sh["fin"], sh["hidden"], sh["layers"], sh["bi"]
    torch.manual_seed(0)
    ours = cnn.ComplexGRU(fin, hidden, layers, bidirectional=bi)
    with torch.no_grad():
        for name, p in ours.named_parameters():
            if name.startswith("bias"):
                p.copy_(0.3 * torch.randn_like(p))  # non-zero biases, so that the bias mappings are checked too
    params = tuple(tuple(getattr(ours, f"{p}_l{k}{s}").detach() for p in ("weight_ih", "weight_hh", "bias_ih",
                                                                           "bias_hh"))
                   for k in range(layers) for s in (("", "_reverse") if bi else ("",)))
    real = nn.GRU(fin, hidden, layers, bidirectional=bi)
    impls, conventions, extra = assemble(
        "gru", GRUCase(fin, hidden, layers, bi, params),
        lambda _: Impl(f"ComplexGRU({fin}, {hidden}, {layers}{', bidirectional' if bi else ''})",
                       lambda x: ours(x)[0], list(ours.parameters())), "no GRU")
    return RowSpec("gru", f"L={length} N={n} {fin}->{hidden}, {layers} layer(s){', bidirectional' if bi else ''}",
                   crandn(length, n, fin, seed=1), impls,
                   Impl(f"torch.nn.GRU({fin}, {hidden}, {layers}{', bidirectional' if bi else ''})",
                        lambda x: real(x)[0], list(real.parameters()), kind="real"),
                   rrandn(length, n, fin, seed=2), conventions, extra)


def activation_row(row: str, sh: dict, assemble: Callable, boundary: bool = False) -> RowSpec:
    """A split or phase-keeping activation against the peers' versions and a real activation on the same scalars."""
    from .rows import axis_zeros  # rows imports this module

    case = SlopeCase()
    x = crandn(*sh["shape"], seed=1)
    if boundary:
        x = axis_zeros(x)
    layers: dict[str, tuple[str, nn.Module, Callable]] = {
        "ctanh": ("ComplexTanh", cnn.ComplexTanh(), torch.tanh),
        "cprelu": ("CPReLU(1)", cnn.CPReLU(1, init=case.slope), nn.PReLU(1, init=case.slope)),
        "zleakyrelu": (f"ZLeakyReLU({case.slope})", cnn.ZLeakyReLU(case.slope), nn.LeakyReLU(case.slope)),
        "modtanh": ("ModTanh", cnn.ModTanh(), torch.tanh),
    }
    name, layer, real = layers[row]
    ours: Factory = lambda _: Impl(name, layer, list(layer.parameters()))
    impls, conventions, extra = assemble(row, case, ours, "no such activation")
    real_name = {"ctanh": "torch.tanh", "cprelu": "nn.PReLU(1)", "zleakyrelu": "nn.LeakyReLU",
                 "modtanh": "torch.tanh"}[row]
    real_params = list(real.parameters()) if isinstance(real, nn.Module) else []
    return RowSpec(row, "x".join(map(str, sh["shape"])) + (" (with zeros on the axes)" if boundary else ""), x,
                   impls, Impl(f"{real_name} (2x elements)", real, real_params, kind="real"),
                   torch.view_as_real(x).clone(), conventions, extra)


def gru_reference(params: tuple, bidirectional: bool, sigmoid: Callable, tanh: Callable) -> Callable:
    """torch.nn.GRU's equations (gate order r, z, n; torch's stacking) with the given activations, written out step
    by step: the reference a peer's convention is checked against."""
    def fn(x: torch.Tensor) -> torch.Tensor:
        dirs = 2 if bidirectional else 1
        for k in range(len(params) // dirs):
            outs = []
            for d in range(dirs):
                w_ih, w_hh, b_ih, b_hh = params[k * dirs + d]
                hidden = w_hh.shape[1]
                h = x.new_zeros(x.shape[1], hidden)
                hs = [None] * x.shape[0]
                for t in (range(x.shape[0] - 1, -1, -1) if d else range(x.shape[0])):
                    gi, gh = x[t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
                    r = sigmoid(gi[:, :hidden] + gh[:, :hidden])
                    z = sigmoid(gi[:, hidden:2 * hidden] + gh[:, hidden:2 * hidden])
                    n = tanh(gi[:, 2 * hidden:] + r * gh[:, 2 * hidden:])
                    h = (1 - z) * n + z * h
                    hs[t] = h
                outs.append(torch.stack(hs))
            x = torch.cat(outs, -1)
        return x
    return fn
