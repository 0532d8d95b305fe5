"""torchcvnn (0.10.0): no convolution or linear layer of its own (its models use torch.nn's with a complex dtype, the
native column), whitening normalizations with (C, 2, 2) gamma matrices, activations and pools.

Four of its layers disagree with deepcomplex; each has a convention below, a sentence and a reference written in
torchcvnn's own convention that the agreement check confirms it against.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from benchmarks.harness import crandn

from ..mapping import ComposedCoShNet, copy_, gamma_matrix, network_impl, set_torch, whiten_reference
from ..spec import ActivationCase, CoShNetCase, ConvCase, EPS, Entry, Factory, Impl, LinearCase, NormCase, PoolCase

LIBRARY = "torchcvnn"
DISTRIBUTION = "torchcvnn"
MODULES = ("torchcvnn", "torchcvnn.nn")
COLOR = "#c44e52"  # its bars in the chart


def conv(case: ConvCase) -> Factory:
    return f"no Conv{case.nd}d (it uses torch.nn.Conv{case.nd}d with a complex dtype: the native column)"


def linear(case: LinearCase) -> Factory:
    return "no Linear (it uses torch.nn.Linear with a complex dtype: the native column)"


def batchnorm(case: NormCase) -> Entry:
    c, gamma, beta, count = case.features, case.gamma, case.beta, case.count

    def factory(m: dict) -> Impl:
        # BatchNorm2d: weight (C, 2, 2) = gamma matrix, bias complex (C,).
        layer = m["torchcvnn.nn"].BatchNorm2d(c, eps=EPS)
        copy_(layer.weight, gamma_matrix(gamma)), copy_(layer.bias, beta)
        return Impl("torchcvnn.nn.BatchNorm2d", layer, list(layer.parameters()),
                    note="weight (C, 2, 2) = gamma matrix; bias = beta")

    def convention(_: dict) -> Impl:
        return Impl("whitening with the unbiased covariance",
                    lambda x: whiten_reference(x, (0, 2, 3), gamma, beta, (1, c, 1, 1), EPS, unbiased=True))

    return Entry(factory, (
        "torchcvnn whitens with the unbiased batch covariance (divides by n - 1, batch_cov) where the paper, "
        "torch.nn.BatchNorm2d and deepcomplex normalize with the biased one (n), so its whitened output is smaller "
        f"by sqrt((n - 1) / n) (n = N*H*W = {count} here: a relative {1 - math.sqrt((count - 1) / count):.1e}).",
        convention))


def layernorm(case: NormCase) -> Entry:
    d, gamma, beta = case.features, case.gamma, case.beta

    def factory(m: dict) -> Impl:
        # LayerNorm: weight (D, 2, 2) = per-feature gamma matrices, bias complex (D,).
        layer = m["torchcvnn.nn"].LayerNorm(d, eps=EPS)
        copy_(layer.weight, gamma_matrix(gamma)), copy_(layer.bias, beta)
        return Impl("torchcvnn.nn.LayerNorm", layer, list(layer.parameters()),
                    note="weight (D, 2, 2) = gamma matrices; bias = beta")

    def convention(_: dict) -> Impl:
        return Impl("per-feature whitening over all samples, unbiased",
                    lambda x: whiten_reference(x, (0, 1), gamma, beta, (d,), EPS, unbiased=True))

    return Entry(factory, (
        "torchcvnn's LayerNorm reshapes to z.view(-1, D).transpose(0, 1) and takes the mean and covariance of "
        "each of the D features over all samples (batch statistics, with the unbiased covariance), so it is a "
        "batch norm over the leading dimensions rather than a per-sample layer norm over the last D.",
        convention))


def crelu(case: ActivationCase) -> Factory:
    return lambda m: Impl("torchcvnn.nn.CReLU", m["torchcvnn.nn"].CReLU())


def modrelu(case: ActivationCase) -> Factory:
    def factory(m: dict) -> Impl:
        layer = m["torchcvnn.nn"].modReLU()  # ReLU(|z| + b) exp(i angle z)
        copy_(layer.b, torch.tensor(case.bias))
        return Impl("torchcvnn.nn.modReLU", layer, list(layer.parameters()), note="b = b")
    return factory


def zrelu(case: ActivationCase) -> Entry:
    return Entry(lambda m: Impl("torchcvnn.nn.zReLU", m["torchcvnn.nn"].zReLU()), (
        "torchcvnn's zReLU keeps z only where Re z > 0 and Im z > 0 (strict), so it zeroes the boundary rays "
        "arg z = 0 and pi/2 that zReLU's definition (arg z in [0, pi/2], Trabelsi et al. Eq. 6) keeps; this only "
        "shows on inputs with an exactly zero real or imaginary part, as a preceding CReLU leaves them.",
        lambda _: Impl("z [Re z > 0 and Im z > 0]", lambda x: x * ((x.real > 0) & (x.imag > 0)))))


def zabsrelu(case: ActivationCase) -> Entry:
    a = case.radius

    def factory(m: dict) -> Impl:
        layer = m["torchcvnn.nn"].zAbsReLU()  # its threshold a is initialised to 1
        return Impl("torchcvnn.nn.zAbsReLU (a = 1)", layer, list(layer.parameters()))

    return Entry(factory, (
        "torchcvnn's zAbsReLU computes mask = |z| < a and so keeps the values inside the circle of radius a and "
        "zeroes those outside, the opposite of its own docstring (z if |z| >= a, else 0) and of complextorch's.",
        lambda _: Impl("z [|z| < a]", lambda z: z * (z.abs() < a))))


def maxpool2d(case: PoolCase) -> Entry:
    k = case.k

    def convention(_: dict) -> Impl:
        def fn(z: torch.Tensor) -> torch.Tensor:
            _, idx = F.max_pool2d(z.abs(), k, return_indices=True)
            return z.flatten()[idx]
        return Impl("z.flatten()[per-plane indices]", fn)

    return Entry(lambda m: Impl(f"torchcvnn.nn.MaxPool2d({k})", m["torchcvnn.nn"].MaxPool2d(k)), (
        "torchcvnn's MaxPool2d gathers with z.flatten()[indices], but the indices max_pool2d returns are flat "
        "positions within each (H, W) plane, so every output element is read from the first plane (sample 0, "
        "channel 0); it is right only when N*C = 1.", convention))


def avg_pool(m: dict, k: int) -> Impl:
    """torchcvnn's AvgPool2d(k), or AvgPool2d(k, stride=k) where the default stride fails on a probe."""
    mod = m["torchcvnn.nn"]
    try:
        layer = mod.AvgPool2d(k)
        layer(crandn(2, 2, 2 * k, 2 * k, seed=5))
        return Impl(f"torchcvnn.nn.AvgPool2d({k})", layer)
    except Exception as e:
        return Impl(f"torchcvnn.nn.AvgPool2d({k}, stride={k})", mod.AvgPool2d(k, stride=k),
                    defect=f"AvgPool2d({k}) with the default stride=None raises {type(e).__name__}: {e} (its "
                         "constructor sets self.stride only for an int or tuple), so stride is given")


def avgpool2d(case: PoolCase) -> Factory:
    return lambda m: avg_pool(m, case.k)


def coshnet(case: CoShNetCase) -> Factory:
    def factory(m: dict) -> Impl:
        # torchcvnn has no complex convolution or linear layer: its own modules (transformer, ViT) use torch.nn's with a
        # complex dtype, so a torchcvnn CoShNet is those plus its CReLU and AvgPool2d (native plus its activation/pool).
        def conv(w: torch.Tensor, b: torch.Tensor) -> nn.Module:
            layer = nn.Conv2d(w.shape[1], w.shape[0], w.shape[-1], dtype=torch.complex64)
            set_torch(layer, w, b)
            return layer

        def linear(w: torch.Tensor, b: torch.Tensor) -> nn.Module:
            layer = nn.Linear(w.shape[1], w.shape[0], dtype=torch.complex64)
            set_torch(layer, w, b)
            return layer

        pool = avg_pool(m, 2)
        net = ComposedCoShNet(case.ours, conv, linear, m["torchcvnn.nn"].CReLU(), pool.fn)
        return network_impl(net, "torch.nn.Conv2d / Linear (complex64; torchcvnn has none of its own), "
                            f"torchcvnn.nn.CReLU, {pool.layer}", "weight/bias = W/b", lambda: net.conv1.weight.grad,
                            pool.defect)
    return factory


LAYERS = {"conv": conv, "linear": linear, "batchnorm": batchnorm, "layernorm": layernorm, "crelu": crelu,
          "modrelu": modrelu, "zrelu": zrelu, "zabsrelu": zabsrelu, "maxpool2d": maxpool2d, "avgpool2d": avgpool2d,
          "coshnet": coshnet}


def default_batchnorm(m: dict, x: torch.Tensor) -> tuple[str, torch.Tensor, float]:
    """Its default BatchNorm2d on ``x``: (layer, output, gamma's first diagonal entry; weight is (C, 2, 2))."""
    layer = m["torchcvnn.nn"].BatchNorm2d(x.shape[1])
    y = layer(x)
    return type(layer).__name__, torch.complex(y.real, y.imag), layer.weight.detach()[0, 0, 0].item()
