"""complextorch (2.1.1): torch layers with a complex dtype wrapped in its own modules (.conv, .linear), whitening
normalizations with (2, 2, C) gamma matrices, and its activations and pools."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from benchmarks.harness import crandn, leaf

from ..mapping import ComposedCoShNet, copy_, gamma_matrix, network_impl, set_torch
from ..spec import ActivationCase, CoShNetCase, ConvCase, EPS, Factory, Impl, LinearCase, NormCase, PoolCase

LIBRARY = "complextorch"
DISTRIBUTION = "complextorch"
MODULES = ("complextorch", "complextorch.nn")
COLOR = "#55a868"  # its bars in the chart


def conv(case: ConvCase) -> Factory:
    def factory(m: dict) -> Impl:
        # complextorch ConvNd wraps torch.nn.ConvNd(dtype=cfloat) as .conv: the same complex weight and bias.
        layer = getattr(m["complextorch.nn"], f"Conv{case.nd}d")(case.cin, case.cout, case.k, padding=case.k // 2)
        set_torch(layer.conv, case.w, case.b)
        return Impl(f"complextorch.nn.Conv{case.nd}d", layer, list(layer.parameters()), note="conv.weight/bias = W/b")
    return factory


def linear(case: LinearCase) -> Factory:
    def factory(m: dict) -> Impl:
        # complextorch Linear wraps torch.nn.Linear(dtype=cfloat) as .linear.
        layer = m["complextorch.nn"].Linear(case.fin, case.fout)
        set_torch(layer.linear, case.w, case.b)
        return Impl("complextorch.nn.Linear", layer, list(layer.parameters()), note="linear.weight/bias = W/b")
    return factory


def batchnorm(case: NormCase) -> Factory:
    def factory(m: dict) -> Impl:
        # BatchNorm2d: weight (2, 2, C) = [[g_rr, g_ri], [g_ri, g_ii]], bias (2, C) = [Re, Im] beta.
        layer = m["complextorch.nn"].BatchNorm2d(case.features, eps=EPS)
        copy_(layer.weight, gamma_matrix(case.gamma).permute(1, 2, 0))
        copy_(layer.bias, torch.view_as_real(case.beta).T)
        return Impl("complextorch.nn.BatchNorm2d", layer, list(layer.parameters()),
                    note="weight (2, 2, C) = gamma matrix; bias (2, C) = (Re, Im) beta")
    return factory


def layernorm(case: NormCase) -> Factory:
    def factory(m: dict) -> Impl:
        # LayerNorm: weight (2, 2, D) = per-feature gamma matrices, bias (2, D) = [Re, Im] beta.
        layer = m["complextorch.nn"].LayerNorm(case.features, eps=EPS)
        copy_(layer.weight, gamma_matrix(case.gamma).permute(1, 2, 0))
        copy_(layer.bias, torch.view_as_real(case.beta).T)
        return Impl("complextorch.nn.LayerNorm", layer, list(layer.parameters()),
                    note="weight (2, 2, D) = gamma matrices; bias (2, D) = (Re, Im) beta")
    return factory


def working_crelu(m: dict) -> Impl:
    """complextorch's CReLU, or CReLU(inplace=False) where the default in-place one fails on an input needing grad."""
    mod = m["complextorch.nn"]
    probe = crandn(2, 2, 2, 2, seed=5)
    try:
        mod.CReLU()(leaf(probe))
        return Impl("complextorch.nn.CReLU()", mod.CReLU())
    except Exception as e:
        inner = leaf(probe) * 1  # a non-leaf input, as inside a network
        before = inner.detach().clone()
        mod.CReLU()(inner)
        overwritten = not torch.equal(inner.detach(), before)
        return Impl("complextorch.nn.CReLU(inplace=False)", mod.CReLU(inplace=False),
                    defect="CReLU() defaults to inplace=True, applying nn.ReLU(inplace=True) to the views input.real "
                           f"and input.imag: it raises {type(e).__name__} ({e}) on an input that requires grad"
                           + (" and silently overwrites a non-leaf input (e.g. the previous layer's output) with "
                              "its result" if overwritten else "")
                           + "; CReLU(inplace=False) is timed")


def crelu(case: ActivationCase) -> Factory:
    return working_crelu


def modrelu(case: ActivationCase) -> Factory:
    def factory(m: dict) -> Impl:
        layer = m["complextorch.nn"].modReLU(bias=case.bias, learnable=True)  # ReLU(|z| + b) z / |z|
        return Impl("complextorch.nn.modReLU(learnable=True)", layer, list(layer.parameters()),
                    note="activation_mag.bias = b")
    return factory


def zrelu(case: ActivationCase) -> Factory:
    return lambda m: Impl("complextorch.nn.zReLU", m["complextorch.nn"].zReLU())


def zabsrelu(case: ActivationCase) -> Factory:
    return lambda m: Impl("complextorch.nn.zAbsReLU(a_init=1)", m["complextorch.nn"].zAbsReLU(a_init=case.radius))


def maxpool2d(case: PoolCase) -> Factory:
    return lambda m: Impl(f"complextorch.nn.MagMaxPool2d({case.k})", m["complextorch.nn"].MagMaxPool2d(case.k))


def avgpool2d(case: PoolCase) -> Factory:
    return lambda m: Impl(f"complextorch.nn.AvgPool2d({case.k})", m["complextorch.nn"].AvgPool2d(case.k))


def coshnet(case: CoShNetCase) -> Factory:
    def factory(m: dict) -> Impl:
        mod = m["complextorch.nn"]

        def conv(w: torch.Tensor, b: torch.Tensor) -> nn.Module:
            layer = mod.Conv2d(w.shape[1], w.shape[0], w.shape[-1])
            set_torch(layer.conv, w, b)
            return layer

        def linear(w: torch.Tensor, b: torch.Tensor) -> nn.Module:
            layer = mod.Linear(w.shape[1], w.shape[0])
            set_torch(layer.linear, w, b)
            return layer

        net, crelu, defect = ComposedCoShNet(case.ours, conv, linear, mod.CReLU(), mod.AvgPool2d(2)), "CReLU()", ""
        try:  # one image through the network with the default CReLU, which works in place
            F.cross_entropy(net(case.x[:1]), case.labels[:1]).backward()
        except Exception as e:
            net.crelu, crelu = mod.CReLU(inplace=False), "CReLU(inplace=False)"
            defect = (f"its default CReLU() (nn.ReLU(inplace=True) on input.real, then on input.imag) breaks backward "
                      f"in this network ({type(e).__name__}: {str(e).split(' Hint:')[0]}); CReLU(inplace=False) is "
                      "timed")
        net.zero_grad(set_to_none=True)
        return network_impl(net, f"complextorch.nn Conv2d, {crelu}, AvgPool2d(2), Linear",
                            "conv.weight/bias and linear.weight/bias = W/b", lambda: net.conv1.conv.weight.grad,
                            defect)
    return factory


LAYERS = {"conv": conv, "linear": linear, "batchnorm": batchnorm, "layernorm": layernorm, "crelu": crelu,
          "modrelu": modrelu, "zrelu": zrelu, "zabsrelu": zabsrelu, "maxpool2d": maxpool2d, "avgpool2d": avgpool2d,
          "coshnet": coshnet}


def default_linear(m: dict, fin: int, fout: int) -> tuple[str, torch.Tensor, torch.Tensor]:
    """Its default Linear as complex (W, b): the wrapped torch.nn.Linear's."""
    layer = m["complextorch.nn"].Linear(fin, fout)
    return type(layer).__name__, layer.linear.weight.detach(), layer.linear.bias.detach()


def default_batchnorm(m: dict, x: torch.Tensor) -> tuple[str, torch.Tensor, float]:
    """Its default BatchNorm2d on ``x``: (layer, output, gamma's first diagonal entry; weight is (2, 2, C))."""
    layer = m["complextorch.nn"].BatchNorm2d(x.shape[1])
    y = layer(x)
    return type(layer).__name__, torch.complex(y.real, y.imag), layer.weight.detach()[0, 0, 0].item()
