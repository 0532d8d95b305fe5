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


# issue 23, part 3: RMSNorm, complex MSE loss, bilinear
from ..spec import BilinearCase, Entry, LossCase, RMSNormCase  # noqa: E402


def rmsnorm(case: RMSNormCase) -> Entry:
    d, w, eps = case.features, case.weight, case.eps

    def factory(_: dict) -> Impl:
        wn = w.clone()
        return Impl("F.rms_norm (complex)", lambda x: F.rms_norm(x, (d,), wn, eps), [])

    return Entry(factory, (
        "torch's rms_norm runs on complex input but squares z without conjugation: it divides by "
        "sqrt(mean(z^2) + eps), a complex number, so it rotates the phase and is not the RMS of |z|.",
        lambda _: Impl("z / sqrt(mean(z^2) + eps) * w", lambda x: x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps)
                       * w)))


def mseloss(case: LossCase) -> Factory:
    return refused(lambda x: F.mse_loss(x, case.target, reduction="none"))


def bilinear(case: BilinearCase) -> Factory:
    # F.bilinear's forward accepts complex tensors, its backward (_trilinear) raises for complex outputs
    return refused(lambda x: F.bilinear(x[..., :case.in1], x[..., case.in1:], case.w, case.b))


LAYERS.update({"rmsnorm": rmsnorm, "mseloss": mseloss, "bilinear": bilinear})


def default_linear(_: dict, fin: int, fout: int) -> tuple[str, torch.Tensor, torch.Tensor]:
    """torch's complex Linear as default-constructed: (layer, complex W, complex b) for the initialisation table."""
    nat = nn.Linear(fin, fout, dtype=torch.complex64)
    return "torch.nn.Linear(dtype=complex64)", nat.weight.detach(), nat.bias.detach()


# --- issue 23: resampling and pooling rows (benchmarks/peers/rows_resampling.py) ------------------------------------
from ..rows_resampling import ResampleCase  # noqa: E402  (the case those rows hand over)


def _refused(op: Callable, case: ResampleCase) -> Factory:
    return refused(lambda z: op(z, **case.kwargs))


LAYERS.update({
    "upsample2d": lambda case: _refused(F.interpolate, case),
    "upsample2d_polar": lambda case: "no polar interpolation in torch",
    "maxpool1d": lambda case: _refused(F.max_pool1d, case),
    "maxpool3d": lambda case: _refused(F.max_pool3d, case),
    "adaptiveavgpool3d": lambda case: _refused(F.adaptive_avg_pool3d, case),
    "spectralpool3d": lambda case: "no spectral pooling op in torch",
})


# --- issue 23, part 2: GRU and activations (benchmarks/peers/rows_recurrent.py) -----------------------------------
from ..rows_recurrent import GRUCase, SlopeCase, gru_reference  # noqa: E402  (the cases those rows hand over)


def gru(case: GRUCase) -> Entry:
    def factory(_: dict) -> Impl:
        layer = nn.GRU(case.fin, case.hidden, case.layers, bidirectional=case.bidirectional, dtype=torch.complex64)
        with torch.no_grad():
            for p, src in zip(layer._flat_weights, [t for params in case.params for t in params]):
                p.copy_(src)
        return Impl("torch.nn.GRU(dtype=complex64)", lambda x: layer(x)[0], list(layer.parameters()),
                    note="weight_ih_l{k}, ... = deepcomplex's (same names and layout)")

    return Entry(factory, (
        "torch.nn.GRU with a complex dtype runs the same equations with the holomorphic sigmoid 1 / (1 + exp(-z)) "
        "and tanh(z) of complex arguments (unbounded, with poles) where deepcomplex, complextorch and the complex "
        "LSTMs of Trabelsi et al. use the split ones, sigma(Re a) + i sigma(Im a) and tanh(Re a) + i tanh(Im a).",
        lambda _: Impl("torch.nn.GRU's equations with torch.sigmoid / torch.tanh of complex arguments",
                       gru_reference(case.params, case.bidirectional, torch.sigmoid, torch.tanh))))


def cprelu(case: SlopeCase) -> Factory:
    return refused(lambda z: F.prelu(z, torch.tensor([case.slope])))


LAYERS.update({"gru": gru, "ctanh": lambda case: "no split tanh in torch (torch.tanh of a complex tensor is the "
                                                 "holomorphic tanh, with poles)",
               "cprelu": cprelu, "zleakyrelu": lambda case: "no zLeakyReLU op in torch",
               "modtanh": lambda case: "no modulus tanh op in torch"})


# --- 1-d / 3-d naive batch norm and channel dropout (benchmarks/peers/rows_parity.py) ------------------------------
LAYERS.update({"naivebn": lambda case: refused(lambda x: F.batch_norm(x, None, None, training=True)),
               "channeldropout": lambda case: refused(lambda x: {1: F.dropout1d, 3: F.dropout3d}[case.nd](x, case.p))})
