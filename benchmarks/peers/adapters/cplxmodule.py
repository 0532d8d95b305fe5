"""cplxmodule (2022.6): complex values as its own Cplx pair of real tensors; layers hold CplxParameter pairs
(.real, .imag), and torch's real modules apply to both parts through CplxToCplx[...].

Its inputs are Cplx(Re x, Im x) pairs of real leaf tensors (Impl kind "cplx"). Its modReLU takes a threshold
tau = -b (the convention below), so the agreement check also runs it with b copied unchanged (the extra variant).
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

import deepcomplex.functional as CF

from ..mapping import ComposedCoShNet, copy_, gamma_matrix, network_impl, set_cplx
from ..spec import ActivationCase, CoShNetCase, ConvCase, EPS, Entry, Factory, Impl, LinearCase, NormCase, PoolCase

LIBRARY = "cplxmodule"
DISTRIBUTION = "cplxmodule"
MODULES = ("cplxmodule", "cplxmodule.cplx", "cplxmodule.nn")
COLOR = "#8172b3"  # its bars in the chart


def pair(m: dict) -> Callable[[torch.Tensor, torch.Tensor], object]:
    """cplxmodule's Cplx(re, im)."""
    return m["cplxmodule.cplx"].Cplx


def conv(case: ConvCase) -> Factory:
    def factory(m: dict) -> Impl:
        # CplxConvNd holds weight and bias as CplxParameter pairs (.real, .imag) of real tensors.
        layer = getattr(m["cplxmodule.nn"], f"CplxConv{case.nd}d")(case.cin, case.cout, case.k, padding=case.k // 2)
        set_cplx(layer, case.w, case.b)
        return Impl(f"cplxmodule.nn.CplxConv{case.nd}d", layer, list(layer.parameters()), kind="cplx", pair=pair(m),
                    note="weight.real/imag = Re/Im W, bias.real/imag = Re/Im b; input as a Cplx(Re x, Im x) pair")
    return factory


def linear(case: LinearCase) -> Factory:
    def factory(m: dict) -> Impl:
        layer = m["cplxmodule.nn"].CplxLinear(case.fin, case.fout)
        set_cplx(layer, case.w, case.b)
        return Impl("cplxmodule.nn.CplxLinear", layer, list(layer.parameters()), kind="cplx", pair=pair(m),
                    note="weight.real/imag = Re/Im W, bias.real/imag = Re/Im b")
    return factory


def batchnorm(case: NormCase) -> Factory:
    def factory(m: dict) -> Impl:
        # CplxBatchNorm2d: weight (2, 2, C) and bias (2, C) as complextorch's (it is where those came from).
        layer = m["cplxmodule.nn"].CplxBatchNorm2d(case.features, eps=EPS)
        copy_(layer.weight, gamma_matrix(case.gamma).permute(1, 2, 0))
        copy_(layer.bias, torch.view_as_real(case.beta).T)
        return Impl("cplxmodule.nn.CplxBatchNorm2d", layer, list(layer.parameters()), kind="cplx", pair=pair(m),
                    note="weight (2, 2, C) = gamma matrix; bias (2, C) = (Re, Im) beta")
    return factory


def layernorm(case: NormCase) -> Factory:
    return "no layer norm"


def crelu(case: ActivationCase) -> Factory:
    return lambda m: Impl("cplxmodule.nn.CplxToCplx[torch.nn.ReLU]", m["cplxmodule.nn"].CplxToCplx[nn.ReLU](),
                          kind="cplx", pair=pair(m))


def modrelu(case: ActivationCase) -> Entry:
    b0 = case.bias

    def with_threshold(threshold: float) -> Factory:
        # cplxmodule's modrelu(z, tau) = ReLU(|z| - tau) z / |z|: its threshold tau is minus our bias. A float
        # threshold is a fixed constant, so the learnable CplxAdaptiveModReLU(1) is used with tau = -b.
        def factory(m: dict) -> Impl:
            layer = m["cplxmodule.nn"].CplxAdaptiveModReLU(1)
            copy_(layer.threshold, torch.tensor([threshold]))
            return Impl("cplxmodule.nn.CplxAdaptiveModReLU(1)", layer, list(layer.parameters()), kind="cplx",
                        pair=pair(m), note=f"threshold tau = {threshold:g} (= -b)" if threshold == -b0 else
                        f"threshold tau = {threshold:g} (= b, no sign flip)")
        return factory

    return Entry(with_threshold(-b0), (
        "cplxmodule's modrelu(z, tau) = ReLU(|z| - tau) z / |z| flips the sign of the bias (its docstring says "
        "so: tau is a soft threshold), so tau = -b reproduces modReLU; copying b unchanged gives a different map.",
        lambda _: Impl("ReLU(|z| - b) z / |z|", lambda x: CF.modrelu(x, torch.tensor([-b0])))),
        extra=with_threshold(b0))


def zrelu(case: ActivationCase) -> Factory:
    return "no zReLU"


def maxpool2d(case: PoolCase) -> Factory:
    return lambda m: Impl(f"cplxmodule.nn.CplxMaxPool2d({case.k})", m["cplxmodule.nn"].CplxMaxPool2d(case.k),
                          kind="cplx", pair=pair(m))


def avgpool2d(case: PoolCase) -> Factory:
    return "no average pooling"


def coshnet(case: CoShNetCase) -> Factory:
    def factory(m: dict) -> Impl:
        mod, cplx = m["cplxmodule.nn"], pair(m)

        def conv(w: torch.Tensor, b: torch.Tensor) -> nn.Module:
            layer = mod.CplxConv2d(w.shape[1], w.shape[0], w.shape[-1])
            set_cplx(layer, w, b)
            return layer

        def linear(w: torch.Tensor, b: torch.Tensor) -> nn.Module:
            layer = mod.CplxLinear(w.shape[1], w.shape[0])
            set_cplx(layer, w, b)
            return layer

        net = ComposedCoShNet(case.ours, conv, linear, mod.CplxToCplx[nn.ReLU](), mod.CplxToCplx[nn.AvgPool2d](2),
                              wrap=lambda z: cplx(z.real, z.imag))
        return network_impl(net, "cplxmodule.nn CplxConv2d, CplxToCplx[ReLU], CplxToCplx[AvgPool2d](2), CplxLinear",
                            "weight.real/imag = Re/Im W, bias.real/imag = Re/Im b; cplxmodule has no average pooling, "
                            "so CplxToCplx[torch.nn.AvgPool2d] applies torch's to Re and Im; the front end's output "
                            "enters as Cplx(Re, Im)",
                            lambda: torch.complex(net.conv1.weight.real.grad, net.conv1.weight.imag.grad))
    return factory


LAYERS = {"conv": conv, "linear": linear, "batchnorm": batchnorm, "layernorm": layernorm, "crelu": crelu,
          "modrelu": modrelu, "zrelu": zrelu, "maxpool2d": maxpool2d, "avgpool2d": avgpool2d, "coshnet": coshnet}


# issue 23, part 3: bilinear
from ..spec import BilinearCase  # noqa: E402


def bilinear(case: BilinearCase) -> Factory:
    def factory(m: dict) -> Impl:
        # CplxBilinear(conjugate=False): x1^T A x2 + b; its default conjugate=True conjugates x1
        layer = m["cplxmodule.nn"].CplxBilinear(case.in1, case.in2, case.out, conjugate=False)
        set_cplx(layer, case.w, case.b)
        return Impl("cplxmodule.nn.CplxBilinear(conjugate=False)",
                    lambda x: layer(x[..., :case.in1], x[..., case.in1:]), list(layer.parameters()), kind="cplx",
                    pair=pair(m), note="weight.real/imag = Re/Im A, bias.real/imag = Re/Im b")
    return factory


LAYERS.update({"bilinear": bilinear})


def default_linear(m: dict, fin: int, fout: int) -> tuple[str, torch.Tensor, torch.Tensor]:
    """Its default CplxLinear as complex (W, b)."""
    layer = m["cplxmodule.nn"].CplxLinear(fin, fout)
    with torch.no_grad():
        w = torch.complex(layer.weight.real, layer.weight.imag)
        b = torch.complex(layer.bias.real, layer.bias.imag)
    return type(layer).__name__, w.detach(), b.detach()


def default_batchnorm(m: dict, x: torch.Tensor) -> tuple[str, torch.Tensor, float]:
    """Its default CplxBatchNorm2d on Cplx(Re x, Im x): (layer, output, gamma's first diagonal entry; (2, 2, C))."""
    layer = m["cplxmodule.nn"].CplxBatchNorm2d(x.shape[1])
    y = layer(pair(m)(x.real, x.imag))
    return type(layer).__name__, torch.complex(y.real, y.imag), layer.weight.detach()[0, 0, 0].item()


# --- issue 23: resampling and pooling rows (benchmarks/peers/rows_resampling.py) ------------------------------------
from ..rows_resampling import ResampleCase  # noqa: E402  (the case those rows hand over)


def _max_pool(nd: int, case: ResampleCase) -> Factory:
    return lambda m: Impl(f"cplxmodule.nn.CplxMaxPool{nd}d", getattr(m["cplxmodule.nn"], f"CplxMaxPool{nd}d")(
        **case.kwargs), kind="cplx", pair=pair(m))


LAYERS.update({"maxpool1d": lambda case: _max_pool(1, case), "maxpool3d": lambda case: _max_pool(3, case)})


# --- 1-d / 3-d naive batch norm and channel dropout (benchmarks/peers/rows_parity.py) ------------------------------
LAYERS.update({"naivebn": lambda case: "no naive (split Re / Im) batch norm (whitening CplxBatchNorm{1,2,3}d only)",
               "channeldropout": lambda case: "no channel dropout (CplxDropout zeroes single elements)"})
