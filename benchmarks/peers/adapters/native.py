"""Native torch: torch's own complex ops with deepcomplex's weights (F.conv*d / F.linear on complex tensors, CoShNet
as harness.NativeCoShNetBase); for the other layers the op torch refuses complex input for, so the report can show
torch's reason."""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from benchmarks.harness import NativeCoShNetBase, leaf

from ..mapping import FRONT_END
from ..spec import ActivationCase, CoShNetCase, ConvCase, Factory, Impl, LinearCase, NormCase, PoolCase

LIBRARY = "native"
DISTRIBUTION = None  # torch itself: always there
MODULES: tuple[str, ...] = ()
COLOR = "#4c72b0"  # its bars in the chart


def refused(op: Callable[[torch.Tensor], torch.Tensor]) -> Factory:
    """A factory that tries torch's op on a complex tensor; the driver records why torch refuses it."""
    def factory(_: dict) -> Impl:
        return Impl("torch op on complex", op)
    return factory


def conv(case: ConvCase) -> Factory:
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[case.nd]

    def factory(_: dict) -> Impl:
        wn, bn_ = leaf(case.w), leaf(case.b)
        return Impl(f"F.conv{case.nd}d (complex)", lambda x: fn(x, wn, bn_, padding=case.k // 2), [wn, bn_])
    return factory


def linear(case: LinearCase) -> Factory:
    def factory(_: dict) -> Impl:
        wn, bn_ = leaf(case.w), leaf(case.b)
        return Impl("F.linear (complex)", lambda x: F.linear(x, wn, bn_), [wn, bn_])
    return factory


def batchnorm(case: NormCase) -> Factory:
    return refused(lambda x: F.batch_norm(x, None, None, training=True))


def layernorm(case: NormCase) -> Factory:
    return refused(lambda x: F.layer_norm(x, (case.features,)))


def crelu(case: ActivationCase) -> Factory:
    return refused(torch.relu)


def modrelu(case: ActivationCase) -> Factory:
    return "no modReLU op in torch"


def zrelu(case: ActivationCase) -> Factory:
    return "no zReLU op in torch"


def maxpool2d(case: PoolCase) -> Factory:
    return refused(lambda z: F.max_pool2d(z, case.k))


def avgpool2d(case: PoolCase) -> Factory:
    return refused(lambda z: F.avg_pool2d(z, case.k))


def coshnet(case: CoShNetCase) -> Factory:
    def factory(_: dict) -> Impl:
        net = NativeCoShNetBase(case.ours)
        return Impl("bench_layers.NativeCoShNetBase: " + FRONT_END + "complex F.conv2d / F.linear, CReLU and "
                    "F.avg_pool2d on Re and Im", net, list(net.params), kind="real",
                    note="deepcomplex's parameters copied", grad_of=lambda: net.params[0].grad)
    return factory


LAYERS = {"conv": conv, "linear": linear, "batchnorm": batchnorm, "layernorm": layernorm, "crelu": crelu,
          "modrelu": modrelu, "zrelu": zrelu, "maxpool2d": maxpool2d, "avgpool2d": avgpool2d, "coshnet": coshnet}


def default_linear(_: dict, fin: int, fout: int) -> tuple[str, torch.Tensor, torch.Tensor]:
    """torch's complex Linear as default-constructed: (layer, complex W, complex b) for the initialisation table."""
    nat = nn.Linear(fin, fout, dtype=torch.complex64)
    return "torch.nn.Linear(dtype=complex64)", nat.weight.detach(), nat.bias.detach()
