"""Row builders of the peer benchmark for layers that peers ship in 1-d and 3-d forms (naive batch norm, channel
dropout), kept out of rows.py, whose :data:`~benchmarks.peers.rows.ROW_TABLE` takes :data:`SIZES` and :data:`TITLES`
from here: the cases they hand the adapters, and the builders (deepcomplex's layer, the input, the real layer of the
same size and every library's entry).

Dropout is random: on the agreement sizes every library's layer re-seeds torch's generator (``DROP_SEED``) before
each call, so that libraries drawing the mask the same way (one Bernoulli(1 - p) sample per (sample, channel) of the
real dtype, shared by Re and Im, scaled by 1 / (1 - p)) give the same output; a different mask convention would then
show as a disagreement. The timed sizes do not re-seed (it would add a host-side call to every step)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

import deepcomplex.nn as cnn
from benchmarks.harness import crandn, rrandn

from .spec import EPS, Factory, Impl, RowSpec

DROP_P = 0.5   # every library's channel dropout gets this p (torch's default)
DROP_SEED = 11  # the seed set before each dropout call on the agreement sizes

_1D = {"full": {"shape": (64, 32, 1024)}, "quick": {"shape": (2, 4, 8)}, "agree": {"shape": (8, 6, 36)}}
_3D = {"full": {"shape": (16, 32, 16, 16, 16)}, "quick": {"shape": (2, 4, 2, 3, 3)},
       "agree": {"shape": (4, 6, 3, 4, 6)}}  # full: 2M complex elements (as the batchnorm row); agree: 288 per channel
SIZES = {"naivebn1d": _1D, "naivebn3d": _3D, "dropout1d": _1D, "dropout3d": _3D}
TITLES = {"naivebn1d": "naive batch norm 1d (training)", "naivebn3d": "naive batch norm 3d (training)",
          "dropout1d": "channel dropout 1d", "dropout3d": "channel dropout 3d"}


@dataclass(frozen=True)
class NaiveNormCase:
    """A NaiveComplexBatchNorm{nd}d(features, eps) in training mode with deepcomplex's real ``weight`` and ``bias``
    (2 * features,), interleaved [re_0, im_0, re_1, im_1, ...]."""

    nd: int
    features: int
    weight: torch.Tensor
    bias: torch.Tensor
    eps: float


@dataclass(frozen=True)
class ChannelDropoutCase:
    """A ComplexDropout{nd}d(p) in training mode: whole complex channels (Re and Im together) zeroed."""

    nd: int
    p: float


def build(row: str, sh: dict, mode: str, assemble: Callable) -> RowSpec:
    """The RowSpec of ``row`` (a key of SIZES) at sizes ``sh``; ``assemble`` is rows.assemble."""
    nd = int(row[-2])
    if row.startswith("naivebn"):
        return naivebn_row(nd, sh, assemble)
    return dropout_row(nd, sh, assemble, seeded=(mode == "agree"))


def naivebn_row(nd: int, sh: dict, assemble: Callable) -> RowSpec:
    """NaiveComplexBatchNorm{nd}d (training mode, a non-trivial gamma and beta) against the peers' naive batch norms
    and the real BatchNorm{nd}d(2C) on the same number of scalars."""
    n, c, *spatial = sh["shape"]
    ours = {1: cnn.NaiveComplexBatchNorm1d, 3: cnn.NaiveComplexBatchNorm3d}[nd](c, eps=EPS)
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        ours.weight.copy_(0.5 + torch.rand(2 * c, generator=g))
        ours.bias.copy_(0.1 * torch.randn(2 * c, generator=g))
    real = {1: nn.BatchNorm1d, 3: nn.BatchNorm3d}[nd](2 * c, eps=EPS)
    case = NaiveNormCase(nd, c, ours.weight.detach().clone(), ours.bias.detach().clone(), EPS)
    impls, conventions, extra = assemble("naivebn", case,
                                         lambda _: Impl(f"NaiveComplexBatchNorm{nd}d({c})", ours,
                                                        list(ours.parameters())),
                                         "no naive (split Re / Im) batch norm")
    return RowSpec(f"naivebn{nd}d", "x".join(map(str, sh["shape"])), crandn(*sh["shape"], seed=1), impls,
                   Impl(f"torch.nn.BatchNorm{nd}d({2 * c})", real, list(real.parameters()), kind="real"),
                   rrandn(n, 2 * c, *spatial, seed=2), conventions, extra)


def _seeded(factory: Factory) -> Factory:
    """``factory`` whose layer re-seeds torch's generator with DROP_SEED before each call (a reason stays as is)."""
    if isinstance(factory, str):
        return factory

    def wrapped(m: dict) -> Impl:
        impl = factory(m)
        fn = impl.fn

        def run(x):
            torch.manual_seed(DROP_SEED)
            return fn(x)
        return dataclasses.replace(impl, fn=run)
    return wrapped


def dropout_row(nd: int, sh: dict, assemble: Callable, seeded: bool) -> RowSpec:
    """ComplexDropout{nd}d(p) in training mode against the peers' channel dropouts and the real Dropout{nd}d(p) on
    2C real channels (which drops Re and Im channels independently: the same work, not the same function). With
    ``seeded`` (the agreement sizes) every library re-seeds before each call, so the same mask convention agrees."""
    n, c, *spatial = sh["shape"]
    ours = {1: cnn.ComplexDropout1d, 3: cnn.ComplexDropout3d}[nd](DROP_P)
    real = {1: nn.Dropout1d, 3: nn.Dropout3d}[nd](DROP_P)
    impls, conventions, extra = assemble("channeldropout", ChannelDropoutCase(nd, DROP_P),
                                         lambda _: Impl(f"ComplexDropout{nd}d({DROP_P})", ours),
                                         f"no {nd}-d channel dropout")
    if seeded:
        impls = {lib: _seeded(f) for lib, f in impls.items()}
        conventions = {lib: (why, _seeded(f)) for lib, (why, f) in conventions.items()}
        extra = {lib: _seeded(f) for lib, f in extra.items()}
    return RowSpec(f"dropout{nd}d", "x".join(map(str, sh["shape"])) + f", p={DROP_P}", crandn(*sh["shape"], seed=1),
                   impls, Impl(f"torch.nn.Dropout{nd}d({DROP_P})", real, kind="real"),
                   rrandn(n, 2 * c, *spatial, seed=2), conventions, extra)
