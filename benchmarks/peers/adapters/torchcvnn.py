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
from ..spec import (ActivationCase, AttentionCase, CoShNetCase, ConvCase, EPS, Entry, Factory, Impl, LinearCase,
                    NormCase, PoolCase)

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


def mha(case: AttentionCase) -> Factory:
    def factory(m: dict) -> Impl:
        # MultiheadAttention: the same score Re(Q K^H)/sqrt(d) and torch-style in_proj_weight (3E, E), in_proj_bias,
        # out_proj (a complex torch.nn.Linear); its q/k norms (norm_layer, LayerNorm by default) are turned off.
        layer = m["torchcvnn.nn"].MultiheadAttention(case.embed, case.heads, norm_layer=lambda d: nn.Identity())
        copy_(layer.in_proj_weight, case.in_w), copy_(layer.in_proj_bias, case.in_b)
        set_torch(layer.out_proj, case.out_w, case.out_b)
        # with need_weights=False it returns the output alone (not a tuple), and it still materialises the weights
        return Impl("torchcvnn.nn.MultiheadAttention(norm_layer=Identity), need_weights=False",
                    lambda x: layer(x, x, x, need_weights=False), list(layer.parameters()),
                    note="in_proj_weight/in_proj_bias/out_proj = ours; q/k norms off",
                    defect="with batch_first=True its forward returns the output alone even when need_weights=True "
                           "(the weights are dropped); (L, N, E) input is used here")
    return factory


LAYERS = {"conv": conv, "linear": linear, "batchnorm": batchnorm, "layernorm": layernorm, "crelu": crelu,
          "modrelu": modrelu, "zrelu": zrelu, "zabsrelu": zabsrelu, "maxpool2d": maxpool2d, "avgpool2d": avgpool2d,
          "coshnet": coshnet, "mha": mha}


# issue 23, part 3: RMSNorm, complex MSE loss
from ..spec import LossCase, RMSNormCase  # noqa: E402


def rmsnorm(case: RMSNormCase) -> Entry:
    d, w, eps = case.features, case.weight, case.eps

    def factory(m: dict) -> Impl:
        # RMSNorm: weight (D, 2, 2) real matrices, here diag(w, w)
        layer = m["torchcvnn.nn"].RMSNorm(d, eps=eps)
        weight = torch.zeros(d, 2, 2)
        weight[:, 0, 0] = weight[:, 1, 1] = w
        copy_(layer.weight, weight)
        return Impl("torchcvnn.nn.RMSNorm", layer, list(layer.parameters()), note="weight (D, 2, 2) = diag(w, w)")

    return Entry(factory, (
        "torchcvnn's RMSNorm is not the RMS of |z| per sample: as its LayerNorm it reshapes to (D, samples) and, for "
        "each of the D features, multiplies (Re, Im) by the inverse square root of their uncentred 2x2 second-moment "
        "matrix over all samples of the batch (divided by n - 1), then by the 2x2 weight.",
        lambda _: Impl("per-feature (M + eps I)^(-1/2) [Re z, Im z], M the uncentred 2x2 moment over all samples / "
                       "(n - 1)", lambda x: _second_moment_whitening(x, w, eps))))


def _second_moment_whitening(x: torch.Tensor, w: torch.Tensor, eps: float) -> torch.Tensor:
    """w (M + eps I)^(-1/2) [Re x, Im x] with M = sum over all leading dims of [Re, Im][Re, Im]^T / (n - 1)."""
    re, im = x.real.reshape(-1, x.shape[-1]), x.imag.reshape(-1, x.shape[-1])
    n = re.shape[0]
    vrr, vii, vri = (re * re).sum(0) / (n - 1) + eps, (im * im).sum(0) / (n - 1) + eps, (re * im).sum(0) / (n - 1)
    s = (vrr * vii - vri * vri).sqrt()
    inv = 1.0 / (s * (vrr + vii + 2 * s).sqrt())
    wrr, wri, wii = (vii + s) * inv, -vri * inv, (vrr + s) * inv
    return torch.complex(w * (wrr * x.real + wri * x.imag), w * (wri * x.real + wii * x.imag))


def mseloss(case: LossCase) -> Factory:
    def factory(m: dict) -> Impl:
        loss = m["torchcvnn.nn"].ComplexMSELoss(reduction="none")
        return Impl("torchcvnn.nn.ComplexMSELoss", lambda x: loss(x, case.target))
    return factory


LAYERS.update({"rmsnorm": rmsnorm, "mseloss": mseloss})


def default_batchnorm(m: dict, x: torch.Tensor) -> tuple[str, torch.Tensor, float]:
    """Its default BatchNorm2d on ``x``: (layer, output, gamma's first diagonal entry; weight is (C, 2, 2))."""
    layer = m["torchcvnn.nn"].BatchNorm2d(x.shape[1])
    y = layer(x)
    return type(layer).__name__, torch.complex(y.real, y.imag), layer.weight.detach()[0, 0, 0].item()


# --- issue 23: resampling and pooling rows (benchmarks/peers/rows_resampling.py) ------------------------------------
from ..rows_resampling import ResampleCase  # noqa: E402  (the case those rows hand over)


def upsample2d(case: ResampleCase) -> Factory:
    return lambda m: Impl("torchcvnn.nn.Upsample", m["torchcvnn.nn"].Upsample(**case.kwargs))


LAYERS.update({"upsample2d": upsample2d})


# --- issue 23, part 2: activations (benchmarks/peers/rows_recurrent.py); torchcvnn has no recurrent layer ----------
from ..rows_recurrent import SlopeCase  # noqa: E402  (the case those rows hand over)


def cprelu(case: SlopeCase) -> Factory:
    def factory(m: dict) -> Impl:
        layer = m["torchcvnn.nn"].CPReLU()  # two nn.PReLU(): act_real on Re, act_imag on Im
        copy_(layer.act_real.weight, torch.tensor([case.slope])), copy_(layer.act_imag.weight,
                                                                          torch.tensor([case.slope]))
        return Impl("torchcvnn.nn.CPReLU", layer, list(layer.parameters()),
                    note="act_real.weight = act_imag.weight = a")
    return factory


def zleakyrelu(case: SlopeCase) -> Entry:
    def factory(m: dict) -> Impl:
        layer = m["torchcvnn.nn"].zLeakyReLU()  # learnable slope a, initialised to 0.2
        copy_(layer.a, torch.tensor([case.slope]))
        return Impl("torchcvnn.nn.zLeakyReLU", layer, list(layer.parameters()), note="a = slope")

    return Entry(factory, (
        "torchcvnn's zLeakyReLU passes z only where Re z > 0 and Im z > 0 (strict), so it scales the boundary rays "
        "arg z = 0 and pi/2 by the slope where deepcomplex (as its zReLU, Trabelsi et al. Eq. 6) keeps them; this "
        "only shows on inputs with an exactly zero real or imaginary part.",
        lambda _: Impl("z if Re z > 0 and Im z > 0, else a z",
                       lambda z: torch.where((z.real > 0) & (z.imag > 0), z, case.slope * z))))


LAYERS.update({"gru": lambda case: "no recurrent layer",
               "ctanh": lambda case: lambda m: Impl("torchcvnn.nn.CTanh", m["torchcvnn.nn"].CTanh()),
               "cprelu": cprelu, "zleakyrelu": zleakyrelu, "modtanh": lambda case: "no modulus tanh"})


# issue 22, part 2: transformer encoder layer (benchmarks/peers/rows_transformer.py)
def encoder_layer(case) -> Entry:
    ours, e = case.layer, case.embed
    sd = {k: v.detach() for k, v in ours.state_dict().items()}

    def factory(m: dict) -> Impl:
        # TransformerEncoderLayer: post-norm, CReLU, torch.nn.Linear (complex) feed-forward, its LayerNorm with (E, 2, 2)
        # gammas; its attention's q/k norms (norm_layer, LayerNorm by default) turned off through attn_module
        tn = m["torchcvnn.nn"]

        def attention(*args, **kwargs):
            return tn.MultiheadAttention(*args, norm_layer=lambda d: nn.Identity(), **kwargs)

        layer = tn.TransformerEncoderLayer(e, case.heads, case.ff, dropout=0.0, layer_norm_eps=case.eps,
                                           attn_module=attention)
        copy_(layer.self_attn.in_proj_weight, sd["self_attn.in_proj_weight"])
        copy_(layer.self_attn.in_proj_bias, sd["self_attn.in_proj_bias"])
        set_torch(layer.self_attn.out_proj, sd["self_attn.out_proj.weight"], sd["self_attn.out_proj.bias"])
        set_torch(layer.linear1, sd["linear1.weight"], sd["linear1.bias"])
        set_torch(layer.linear2, sd["linear2.weight"], sd["linear2.bias"])
        for i in (1, 2):
            norm = getattr(layer, f"norm{i}")
            copy_(norm.weight, gamma_matrix(sd[f"norm{i}.weight"])), copy_(norm.bias, sd[f"norm{i}.bias"])
        return Impl("torchcvnn.nn.TransformerEncoderLayer (q/k norms off)", layer, list(layer.parameters()),
                    note="attention, linear1/2 = ours; norm weight (E, 2, 2) = gamma matrices, bias = beta")

    def convention(_: dict) -> Impl:
        def reference(x: torch.Tensor) -> torch.Tensor:
            def norm(t, i):
                return whiten_reference(t, (0, 1), sd[f"norm{i}.weight"], sd[f"norm{i}.bias"], (e,), case.eps,
                                        unbiased=True)

            h = norm(x + ours.self_attn(x, x, x, need_weights=False)[0], 1)
            return norm(h + ours.linear2(ours.activation(ours.linear1(h))), 2)

        return Impl("deepcomplex's layer with per-feature whitening over all tokens (unbiased) as its norms", reference)

    return Entry(factory, (
        "torchcvnn's encoder layer normalizes with its LayerNorm, which takes the mean and covariance of each of the "
        "E features over all L*N tokens (batch statistics, unbiased) rather than per token over the E features, so "
        "a token's output depends on the other tokens and samples; its attention, CReLU feed-forward and residuals "
        "match deepcomplex's given the same weights.", convention))


LAYERS.update({"encoder_layer": encoder_layer})


# --- 1-d / 3-d naive batch norm and channel dropout (benchmarks/peers/rows_parity.py) ------------------------------
LAYERS.update({"naivebn": lambda case: "no naive (split Re / Im) batch norm (whitening BatchNorm1d/2d only)",
               "channeldropout": lambda case: f"no {case.nd}-d channel dropout (Dropout2d only)"})
