"""complextorch (2.1.1): torch layers with a complex dtype wrapped in its own modules (.conv, .linear), whitening
normalizations with (2, 2, C) gamma matrices, and its activations and pools."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from benchmarks.harness import crandn, leaf

from ..mapping import ComposedCoShNet, copy_, gamma_matrix, network_impl, set_torch
from ..spec import (ActivationCase, AttentionCase, CoShNetCase, ConvCase, EPS, Entry, Factory, Impl, LinearCase,
                    NormCase, PoolCase)

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


def mha(case: AttentionCase) -> Entry:
    e, h = case.embed, case.heads
    wq, wk, wv = case.in_w.chunk(3)

    def factory(m: dict) -> Impl:
        # MultiheadAttention(n_heads, d_model, d_k, d_v, softmax_on="real"): the score Re(Q K^H)/sqrt(d_k), real
        # softmax (its default, CVSoftMax, is the split softmax); bias-free w_q/w_k/w_v/fc, then its own residual and
        # LayerNorm(eps=1e-6); batch-first input.
        layer = m["complextorch.nn"].MultiheadAttention(h, e, e // h, e // h, dropout=0.0, softmax_on="real")
        for lin, w in ((layer.w_q, wq), (layer.w_k, wk), (layer.w_v, wv), (layer.fc, case.out_w)):
            copy_(lin.linear.weight, w)

        def fn(x: torch.Tensor) -> torch.Tensor:
            xb = x.transpose(0, 1)
            return layer(xb, xb, xb).transpose(0, 1)
        return Impl('complextorch.nn.MultiheadAttention(softmax_on="real")', fn, list(layer.parameters()),
                    note="w_q/w_k/w_v = blocks of in_proj_weight, fc = out_proj weight (it has no biases)")

    def convention(_: dict) -> Impl:
        import deepcomplex.nn as cnn

        ref = cnn.ComplexMultiheadAttention(e, h, bias=False)
        norm = cnn.ComplexLayerNorm(e, eps=1e-6)  # complextorch's default gamma 0.7071 I, beta 0: also ours
        copy_(ref.in_proj_weight, case.in_w), copy_(ref.out_proj.weight, case.out_w)
        return Impl("LayerNorm(x + attention without biases), eps 1e-6",
                    lambda x: norm(ref(x, x, x, need_weights=False)[0] + x))

    return Entry(factory, (
        "complextorch's MultiheadAttention (2.1.1) has no projection biases and applies its own residual and "
        "LayerNorm inside (out = LayerNorm(attention(x) + x), eps 1e-6); with softmax_on=\"real\" its score is "
        "Re(Q K^H)/sqrt(d_k), the same as ours (its default CVSoftMax is the split softmax, deepcomplex's "
        "softmax=\"split\").", convention))


LAYERS = {"conv": conv, "linear": linear, "batchnorm": batchnorm, "layernorm": layernorm, "crelu": crelu,
          "modrelu": modrelu, "zrelu": zrelu, "zabsrelu": zabsrelu, "maxpool2d": maxpool2d, "avgpool2d": avgpool2d,
          "coshnet": coshnet, "mha": mha}


# issue 23, part 3: RMSNorm, complex MSE loss, bilinear
from ..spec import BilinearCase, LossCase, RMSNormCase  # noqa: E402


def rmsnorm(case: RMSNormCase) -> Factory:
    def factory(m: dict) -> Impl:
        # RMSNorm: x / sqrt(mean |x|^2 + eps), then a (2, 2, D) real matrix on (Re, Im): diag(w, w) here.
        layer = m["complextorch.nn"].RMSNorm(case.features, eps=case.eps)
        weight = torch.zeros(2, 2, case.features)
        weight[0, 0] = weight[1, 1] = case.weight
        copy_(layer.weight, weight)
        return Impl("complextorch.nn.RMSNorm", layer, list(layer.parameters()),
                    note="weight (2, 2, D): [0, 0] = [1, 1] = w, off-diagonal 0")
    return factory


def mseloss(case: LossCase) -> Factory:
    def factory(m: dict) -> Impl:
        loss = m["complextorch.nn"].MSELoss(reduction="none")
        return Impl("complextorch.nn.MSELoss", lambda x: loss(x, case.target))
    return factory


def bilinear(case: BilinearCase) -> Factory:
    def factory(m: dict) -> Impl:
        layer = m["complextorch.nn"].Bilinear(case.in1, case.in2, case.out, conjugate=False)
        set_torch(layer, case.w, case.b)
        return Impl("complextorch.nn.Bilinear(conjugate=False)", lambda x: layer(x[..., :case.in1], x[..., case.in1:]),
                    list(layer.parameters()), note="weight/bias = A/b; its default conjugate=True conjugates x1")
    return factory


LAYERS.update({"rmsnorm": rmsnorm, "mseloss": mseloss, "bilinear": bilinear})


def default_linear(m: dict, fin: int, fout: int) -> tuple[str, torch.Tensor, torch.Tensor]:
    """Its default Linear as complex (W, b): the wrapped torch.nn.Linear's."""
    layer = m["complextorch.nn"].Linear(fin, fout)
    return type(layer).__name__, layer.linear.weight.detach(), layer.linear.bias.detach()


def default_batchnorm(m: dict, x: torch.Tensor) -> tuple[str, torch.Tensor, float]:
    """Its default BatchNorm2d on ``x``: (layer, output, gamma's first diagonal entry; weight is (2, 2, C))."""
    layer = m["complextorch.nn"].BatchNorm2d(x.shape[1])
    y = layer(x)
    return type(layer).__name__, torch.complex(y.real, y.imag), layer.weight.detach()[0, 0, 0].item()


# --- issue 23: resampling and pooling rows (benchmarks/peers/rows_resampling.py) ------------------------------------
from ..rows_resampling import ResampleCase  # noqa: E402  (the case those rows hand over)
from ..spec import Entry  # noqa: E402


def _layer(cls: str, case: ResampleCase) -> Factory:
    return lambda m: Impl(f"complextorch.nn.{cls}", getattr(m["complextorch.nn"], cls)(**case.kwargs))


def upsample2d_polar(case: ResampleCase) -> Entry:
    kw = case.kwargs

    def convention(_: dict) -> Impl:
        return Impl("|z| and the wrapped angle(z) interpolated apart",
                    lambda z: torch.polar(F.interpolate(z.abs(), **kw), F.interpolate(z.angle(), **kw)))

    return Entry(_layer("PolarUpsample", case), (
        "complextorch's PolarUpsample interpolates the wrapped phase angle(z) in (-pi, pi], so between neighbours "
        "on either side of the branch cut (phases near +pi and -pi) it interpolates through 0, the long way round; "
        "deepcomplex unwraps the phase first (Itoh's path), so a smooth phase is interpolated along itself. They "
        "agree where no neighbouring phases differ by more than pi.", convention))


LAYERS.update({
    "upsample2d": lambda case: _layer("Upsample", case),
    "upsample2d_polar": upsample2d_polar,
    "maxpool1d": lambda case: _layer("MagMaxPool1d", case),
    "maxpool3d": lambda case: _layer("MagMaxPool3d", case),
    "adaptiveavgpool3d": lambda case: _layer("AdaptiveAvgPool3d", case),
    "spectralpool3d": lambda case: _layer("SpectralPool3d", case),
})


# --- issue 23, part 2: GRU and activations (benchmarks/peers/rows_recurrent.py) -----------------------------------
from ..rows_recurrent import GRUCase, SlopeCase  # noqa: E402  (the cases those rows hand over)


def gru(case: GRUCase) -> Factory:
    def factory(m: dict) -> Impl:
        # GRU stacks GRUCells (cells_fwd / cells_bwd), each six complex Linear (.linear = torch.nn.Linear(cfloat)):
        # w_ir, w_iz, w_in take the r, z, n row blocks of W_ih and b_ih; w_hr, w_hz, w_hn those of W_hh and b_hh.
        layer = m["complextorch.nn"].GRU(case.fin, case.hidden, case.layers, bidirectional=case.bidirectional)
        dirs = 2 if case.bidirectional else 1
        for j, (w_ih, w_hh, b_ih, b_hh) in enumerate(case.params):
            cell = (layer.cells_bwd if j % dirs else layer.cells_fwd)[j // dirs]
            for g, gate in enumerate("rzn"):
                rows = slice(g * case.hidden, (g + 1) * case.hidden)
                set_torch(getattr(cell, f"w_i{gate}").linear, w_ih[rows], b_ih[rows])
                set_torch(getattr(cell, f"w_h{gate}").linear, w_hh[rows], b_hh[rows])
        return Impl("complextorch.nn.GRU", lambda x: layer(x)[0], list(layer.parameters()),
                    note="cells_fwd/cells_bwd[k].w_{i,h}{r,z,n}.linear = r, z, n row blocks of W_ih/W_hh, b_ih/b_hh")
    return factory


def _polar_tanh(m: dict) -> Impl:
    return Impl("complextorch.nn.CVPolarTanh", m["complextorch.nn"].CVPolarTanh())


def cprelu(case: SlopeCase) -> Factory:
    def factory(m: dict) -> Impl:
        layer = m["complextorch.nn"].CPReLU()  # two nn.PReLU(): activation_r on Re, activation_i on Im
        copy_(layer.activation_r.weight, torch.tensor([case.slope])), copy_(layer.activation_i.weight,
                                                                              torch.tensor([case.slope]))
        return Impl("complextorch.nn.CPReLU", layer, list(layer.parameters()),
                    note="activation_r.weight = activation_i.weight = a")
    return factory


def zleakyrelu(case: SlopeCase) -> Entry:
    return Entry(lambda m: Impl(f"complextorch.nn.zLeakyReLU({case.slope})",
                                m["complextorch.nn"].zLeakyReLU(case.slope)), (
        "complextorch's zLeakyReLU passes z only where Re z > 0 and Im z > 0 (strict), so it scales the boundary "
        "rays arg z = 0 and pi/2 by the slope where deepcomplex (as its zReLU, Trabelsi et al. Eq. 6) keeps them; "
        "this only shows on inputs with an exactly zero real or imaginary part.",
        lambda _: Impl("z if Re z > 0 and Im z > 0, else a z",
                       lambda z: torch.where((z.real > 0) & (z.imag > 0), z, case.slope * z))))


LAYERS.update({"gru": gru, "ctanh": lambda case: lambda m: Impl("complextorch.nn.CTanh", m["complextorch.nn"].CTanh()),
               "cprelu": cprelu, "zleakyrelu": zleakyrelu, "modtanh": lambda case: _polar_tanh})


# --- 1-d / 3-d naive batch norm and channel dropout (benchmarks/peers/rows_parity.py) ------------------------------
from ..rows_parity import ChannelDropoutCase, NaiveNormCase  # noqa: E402  (the cases those rows hand over)


def naivebn(case: NaiveNormCase) -> Factory:
    def factory(m: dict) -> Impl:
        # NaiveBatchNorm{1,3}d: bn_r and bn_i, two BatchNorm{1,3}d(C) on Re and Im; ours is one over the 2C
        # interleaved channels [re_0, im_0, ...], so bn_r takes the even entries and bn_i the odd ones.
        layer = getattr(m["complextorch.nn"], f"NaiveBatchNorm{case.nd}d")(case.features, eps=case.eps)
        copy_(layer.bn_r.weight, case.weight[0::2]), copy_(layer.bn_i.weight, case.weight[1::2])
        copy_(layer.bn_r.bias, case.bias[0::2]), copy_(layer.bn_i.bias, case.bias[1::2])
        return Impl(f"complextorch.nn.NaiveBatchNorm{case.nd}d", layer, list(layer.parameters()),
                    note="bn_r.weight/bias = weight/bias[0::2], bn_i.weight/bias = weight/bias[1::2]")
    return factory


def channeldropout(case: ChannelDropoutCase) -> Factory:
    # Dropout{1,3}d draws the mask as deepcomplex does (torch.empty((N, C, 1, ...)) of the real dtype, bernoulli_(1 -
    # p), div_(1 - p), shared by Re and Im), so with the same seed the masks are the same
    return lambda m: Impl(f"complextorch.nn.Dropout{case.nd}d({case.p})",
                          getattr(m["complextorch.nn"], f"Dropout{case.nd}d")(case.p),
                          note="same mask draw as deepcomplex (one Bernoulli per (sample, channel), shared by Re, Im)")


LAYERS.update({"naivebn": naivebn, "channeldropout": channeldropout})


# --- issue 22: transformer encoder layer (benchmarks/peers/rows_transformer.py) -------------------------------------
ATTENTION_NORM_EPS = 1e-6  # complextorch's MultiheadAttention builds its LayerNorm with this eps, whatever the layer's


def _set_layer_norm(norm: nn.Module, gamma: torch.Tensor, beta: torch.Tensor) -> None:
    """complextorch's LayerNorm: weight (2, 2, E) = per-feature gamma matrices, bias (2, E) = (Re, Im) beta."""
    copy_(norm.weight, gamma_matrix(gamma).permute(1, 2, 0)), copy_(norm.bias, torch.view_as_real(beta).T)


def encoder_layer(case) -> Entry:
    ours, e, h = case.layer, case.embed, case.heads
    sd = {k: v.detach() for k, v in ours.state_dict().items()}

    def factory(m: dict) -> Impl:
        # TransformerEncoderLayer(softmax_on="real", activation="relu"): self_attn is its MultiheadAttention (bias-free
        # w_q/w_k/w_v/fc, then its own residual and LayerNorm(eps=1e-6)), ffn its Linear -> CReLU -> Linear with the
        # second residual and LayerNorm(layer_norm_eps); batch_first=False takes (L, N, E) and transposes inside.
        mod = m["complextorch.nn"]
        layer = mod.TransformerEncoderLayer(e, h, case.ff, dropout=0.0, activation="relu", layer_norm_eps=case.eps,
                                            batch_first=False, softmax_on="real")
        attn = layer.self_attn
        for lin, w in zip((attn.w_q, attn.w_k, attn.w_v), sd["self_attn.in_proj_weight"].chunk(3)):
            copy_(lin.linear.weight, w)
        copy_(attn.fc.linear.weight, sd["self_attn.out_proj.weight"])
        set_torch(layer.ffn.linear1.linear, sd["linear1.weight"], sd["linear1.bias"])
        set_torch(layer.ffn.linear2.linear, sd["linear2.weight"], sd["linear2.bias"])
        _set_layer_norm(attn.layer_norm, sd["norm1.weight"], sd["norm1.bias"])
        _set_layer_norm(layer.ffn.norm, sd["norm2.weight"], sd["norm2.bias"])
        crelu, defect = "CReLU()", ""
        try:  # a small batch through the layer with its default CReLU, which works in place
            layer(leaf(crandn(4, 2, e, seed=5))).abs().sum().backward()
        except Exception as err:
            layer.ffn.activation, crelu = mod.CReLU(inplace=False), "CReLU(inplace=False)"
            defect = (f"its activation=\"relu\" is CReLU() (nn.ReLU(inplace=True) on the views input.real, then "
                      f"input.imag), which breaks backward through its own encoder layer ({type(err).__name__}: "
                      f"{str(err).split(' Hint:')[0]}); ffn.activation is replaced by CReLU(inplace=False)")
        layer.zero_grad(set_to_none=True)
        return Impl(f'complextorch.nn.TransformerEncoderLayer(softmax_on="real", activation="relu"), {crelu}', layer,
                    list(layer.parameters()), defect=defect,
                    note="self_attn.w_q/w_k/w_v = blocks of in_proj_weight, self_attn.fc = out_proj weight; "
                         "ffn.linear1/linear2 = linear1/linear2; self_attn.layer_norm = norm1, ffn.norm = norm2 "
                         "(weight (2, 2, E) = gamma matrices, bias (2, E) = (Re, Im) beta). Not mapped: its attention "
                         "has no biases (in_proj_bias and out_proj.bias are dropped) and its first norm's eps is "
                         f"its fixed {ATTENTION_NORM_EPS:g} (layer_norm_eps = {case.eps:g} reaches norm2 only)")

    def convention(_: dict) -> Impl:
        import deepcomplex.nn as cnn

        attention = cnn.ComplexMultiheadAttention(e, h, bias=False)
        copy_(attention.in_proj_weight, sd["self_attn.in_proj_weight"])
        copy_(attention.out_proj.weight, sd["self_attn.out_proj.weight"])
        norm1 = cnn.ComplexLayerNorm(e, eps=ATTENTION_NORM_EPS)
        copy_(norm1.weight, sd["norm1.weight"]), copy_(norm1.bias, sd["norm1.bias"])

        def reference(x: torch.Tensor) -> torch.Tensor:
            y = norm1(x + attention(x, x, x, need_weights=False)[0])
            return ours.norm2(y + ours.linear2(ours.activation(ours.linear1(y))))

        return Impl(f"deepcomplex's layer with bias-free attention and norm1 eps {ATTENTION_NORM_EPS:g}", reference)

    return Entry(factory, (
        "complextorch's TransformerEncoderLayer (2.1.1) is post-norm with a CReLU feed-forward as ours, but its "
        "attention sub-block is its MultiheadAttention, whose q/k/v and output projections have no biases "
        "(deepcomplex's in_proj_bias and out_proj.bias have no counterpart) and which applies the first residual and "
        f"LayerNorm itself with eps fixed at {ATTENTION_NORM_EPS:g} (layer_norm_eps reaches only the feed-forward "
        f"norm): h = LN1(x + attention without biases(x)) with eps {ATTENTION_NORM_EPS:g}, out = LN2(h + FF(h)); "
        "its defaults softmax_on=\"complex\" (CVSoftMax, the split softmax: deepcomplex's softmax=\"split\") and "
        "activation=\"gelu\" are set to softmax_on=\"real\" (the score Re(Q K^H)/sqrt(d), ours) and \"relu\" "
        "(CReLU).", convention))


LAYERS.update({"encoder_layer": encoder_layer})
