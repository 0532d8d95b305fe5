"""complexPyTorch (0.4): pairs of real torch layers combined by apply_complex, functions in complexFunctions.

Its layers: ComplexConv2d (no 1-d or 3-d), ComplexLinear, ComplexBatchNorm2d, ComplexReLU, ComplexMaxPool2d and
ComplexAvgPool2d; no layer norm, modReLU or zReLU.
"""
from __future__ import annotations

import torch
from torch import nn

from benchmarks.harness import crandn

from ..mapping import ComposedCoShNet, copy_, network_impl, set_split
from ..spec import ActivationCase, CoShNetCase, ConvCase, EPS, Factory, Impl, LinearCase, NormCase, PoolCase

LIBRARY = "complexPyTorch"
DISTRIBUTION = "complexPyTorch"
MODULES = ("complexPyTorch", "complexPyTorch.complexLayers", "complexPyTorch.complexFunctions")
COLOR = "#dd8452"  # its bars in the chart
SPLIT_NOTE = "biases b_r = (Re b + Im b)/2, b_i = (Im b - Re b)/2"


def conv(case: ConvCase) -> Factory:
    if case.nd != 2:
        return f"no Conv{case.nd}d (only ComplexConv2d)"

    def factory(m: dict) -> Impl:
        # ComplexConv2d holds two real Conv2d, conv_r and conv_i: conv_r.weight = Re W, conv_i.weight = Im W, and the
        # biases split by split_bias (each real conv adds its bias to both output parts).
        layer = m["complexPyTorch.complexLayers"].ComplexConv2d(case.cin, case.cout, case.k, padding=case.k // 2)
        set_split(layer.conv_r, layer.conv_i, case.w, case.b)
        return Impl("complexPyTorch.ComplexConv2d", layer, list(layer.parameters()),
                    note=f"conv_r/conv_i weight = Re/Im W; {SPLIT_NOTE}")
    return factory


def linear(case: LinearCase) -> Factory:
    def factory(m: dict) -> Impl:
        # ComplexLinear holds two real Linear, fc_r and fc_i: weights Re W and Im W, biases as for the convolution.
        layer = m["complexPyTorch.complexLayers"].ComplexLinear(case.fin, case.fout)
        set_split(layer.fc_r, layer.fc_i, case.w, case.b)
        return Impl("complexPyTorch.ComplexLinear", layer, list(layer.parameters()),
                    note=f"fc_r/fc_i weight = Re/Im W; {SPLIT_NOTE}")
    return factory


def batchnorm(case: NormCase) -> Factory:
    def factory(m: dict) -> Impl:
        # ComplexBatchNorm2d: weight (C, 3) ordered [g_rr, g_ii, g_ri] (ours is [g_rr, g_ri, g_ii]) and bias (C, 2) =
        # [Re beta, Im beta]; eps is added to Crr and Cii as ours.
        layer = m["complexPyTorch.complexLayers"].ComplexBatchNorm2d(case.features, eps=EPS)
        copy_(layer.weight, case.gamma[:, [0, 2, 1]]), copy_(layer.bias, torch.view_as_real(case.beta))
        return Impl("complexPyTorch.ComplexBatchNorm2d", layer, list(layer.parameters()),
                    note="weight[:, (0, 1, 2)] = (g_rr, g_ii, g_ri); bias = (Re, Im) beta")
    return factory


def layernorm(case: NormCase) -> Factory:
    return "no layer norm"


def crelu(case: ActivationCase) -> Factory:
    return lambda m: Impl("complexPyTorch.ComplexReLU", m["complexPyTorch.complexLayers"].ComplexReLU())


def modrelu(case: ActivationCase) -> Factory:
    return "no modReLU"


def zrelu(case: ActivationCase) -> Factory:
    return "no zReLU"


def maxpool2d(case: PoolCase) -> Factory:
    k = case.k
    return lambda m: Impl(f"complexPyTorch.ComplexMaxPool2d({k})",
                          m["complexPyTorch.complexLayers"].ComplexMaxPool2d(k))


def avg_pool(m: dict, k: int) -> Impl:
    """complexPyTorch's ComplexAvgPool2d(k), or its functional form where the module fails on a probe."""
    layer = m["complexPyTorch.complexLayers"].ComplexAvgPool2d(k)
    try:
        layer(crandn(2, 2, 2 * k, 2 * k, seed=5))
        return Impl(f"complexPyTorch.ComplexAvgPool2d({k})", layer)
    except Exception as e:
        fn = m["complexPyTorch.complexFunctions"].complex_avg_pool2d
        return Impl(f"complexPyTorch.complexFunctions.complex_avg_pool2d(x, {k})", lambda z: fn(z, k),
                    defect=f"its ComplexAvgPool2d module raises {type(e).__name__}: {e} (it passes dilation "
                         "and return_indices to F.avg_pool2d), so its functional form is timed")


def avgpool2d(case: PoolCase) -> Factory:
    return lambda m: avg_pool(m, case.k)


def coshnet(case: CoShNetCase) -> Factory:
    def factory(m: dict) -> Impl:
        mod = m["complexPyTorch.complexLayers"]

        def conv(w: torch.Tensor, b: torch.Tensor) -> nn.Module:
            layer = mod.ComplexConv2d(w.shape[1], w.shape[0], w.shape[-1])
            set_split(layer.conv_r, layer.conv_i, w, b)
            return layer

        def linear(w: torch.Tensor, b: torch.Tensor) -> nn.Module:
            layer = mod.ComplexLinear(w.shape[1], w.shape[0])
            set_split(layer.fc_r, layer.fc_i, w, b)
            return layer

        pool = avg_pool(m, 2)
        net = ComposedCoShNet(case.ours, conv, linear, mod.ComplexReLU(), pool.fn)
        return network_impl(net, f"complexPyTorch ComplexConv2d, ComplexReLU, {pool.layer}, ComplexLinear",
                            "conv_r/conv_i and fc_r/fc_i weight = Re/Im W, biases split as in conv2d",
                            lambda: torch.complex(net.conv1.conv_r.weight.grad, net.conv1.conv_i.weight.grad),
                            pool.defect)
    return factory


LAYERS = {"conv": conv, "linear": linear, "batchnorm": batchnorm, "layernorm": layernorm, "crelu": crelu,
          "modrelu": modrelu, "zrelu": zrelu, "maxpool2d": maxpool2d, "avgpool2d": avgpool2d, "coshnet": coshnet}


def default_linear(m: dict, fin: int, fout: int) -> tuple[str, torch.Tensor, torch.Tensor]:
    """Its default ComplexLinear as complex (W, b): b is the effective bias (b_r - b_i) + i (b_r + b_i)."""
    layer = m["complexPyTorch.complexLayers"].ComplexLinear(fin, fout)
    with torch.no_grad():
        w = torch.complex(layer.fc_r.weight, layer.fc_i.weight)
        b = torch.complex(layer.fc_r.bias - layer.fc_i.bias, layer.fc_r.bias + layer.fc_i.bias)
    return type(layer).__name__, w.detach(), b.detach()


def default_batchnorm(m: dict, x: torch.Tensor) -> tuple[str, torch.Tensor, float]:
    """Its default ComplexBatchNorm2d on ``x``: (layer, output, gamma's first diagonal entry; weight is [g_rr, ...])."""
    layer = m["complexPyTorch.complexLayers"].ComplexBatchNorm2d(x.shape[1])
    y = layer(x)
    return type(layer).__name__, torch.complex(y.real, y.imag), layer.weight.detach()[0, 0].item()


# --- issue 23: resampling and pooling rows (benchmarks/peers/rows_resampling.py) ------------------------------------
from ..rows_resampling import ResampleCase  # noqa: E402  (the case those rows hand over)


def upsample2d(case: ResampleCase) -> Factory:
    return lambda m: Impl("complexPyTorch.complexFunctions.complex_upsample",
                          lambda z: m["complexPyTorch.complexFunctions"].complex_upsample(z, **case.kwargs))


def upsample2d_polar(case: ResampleCase) -> Factory:
    # complex_upsample2 (its magnitude-and-phase upsampling) multiplies the interpolated magnitude by cos/sin of the
    # input's phase, not of the interpolated one, so it raises on any size change: the report shows that error.
    return lambda m: Impl("complexPyTorch.complexFunctions.complex_upsample2",
                          lambda z: m["complexPyTorch.complexFunctions"].complex_upsample2(z, **case.kwargs))


LAYERS.update({"upsample2d": upsample2d, "upsample2d_polar": upsample2d_polar})


# --- 1-d / 3-d naive batch norm and channel dropout (benchmarks/peers/rows_parity.py) ------------------------------
from ..rows_parity import NaiveNormCase  # noqa: E402  (the case the naive batch norm rows hand over)


def naivebn(case: NaiveNormCase) -> Factory:
    if case.nd != 1:
        return f"no NaiveComplexBatchNorm{case.nd}d (1d and 2d only)"

    def factory(m: dict) -> Impl:
        # NaiveComplexBatchNorm1d: bn_r and bn_i, two BatchNorm1d(C) on Re and Im; ours is one over the 2C
        # interleaved channels [re_0, im_0, ...], so bn_r takes the even entries and bn_i the odd ones.
        layer = m["complexPyTorch.complexLayers"].NaiveComplexBatchNorm1d(case.features, eps=case.eps)
        copy_(layer.bn_r.weight, case.weight[0::2]), copy_(layer.bn_i.weight, case.weight[1::2])
        copy_(layer.bn_r.bias, case.bias[0::2]), copy_(layer.bn_i.bias, case.bias[1::2])
        return Impl("complexPyTorch.NaiveComplexBatchNorm1d", layer, list(layer.parameters()),
                    note="bn_r.weight/bias = weight/bias[0::2], bn_i.weight/bias = weight/bias[1::2]")
    return factory


LAYERS.update({"naivebn": naivebn,
               "channeldropout": lambda case: f"no {case.nd}-d channel dropout (ComplexDropout2d only)"})
