"""Complex attention (scaled dot-product in three score conventions, ComplexMultiheadAttention) against float64 NumPy
references, torch's real nn.MultiheadAttention on real inputs, torchcvnn's MultiheadAttention, gradcheck, the fused
path, dropout, state_dict, bad input, torch.compile and ONNX export."""
from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd import gradcheck

import deepcomplex.functional as CF
from deepcomplex.nn import ComplexMultiheadAttention
from conftest import assert_matches, crandn, to_numpy


# ----------------------------------------------------------------------------------------------------------------
# NumPy references (float64 / complex128, explicit formulas)
# ----------------------------------------------------------------------------------------------------------------

def np_softmax(x):
    x = x - np.max(x, -1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def np_attention(q, k, v, add=None, scale=None, softmax="real"):
    """(weights, output) of attention on (..., L, E) / (..., S, E): scores Q K^H * scale, ``add`` an additive mask."""
    scale = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
    s = np.einsum("...le,...se->...ls", q, np.conj(k)) * scale
    add = 0.0 if add is None else add
    if softmax == "real":
        w = np_softmax(s.real + add)
    elif softmax == "abs":
        w = np_softmax(np.abs(s) + add)
    else:
        w = np_softmax(s.real + add) + 1j * np_softmax(s.imag + add)
    return w, w @ v


def np_bool_to_add(mask, true_means_masked):
    keep = ~mask if true_means_masked else mask
    return np.where(keep, 0.0, -np.inf)


def np_causal(length, source):
    return np_bool_to_add(np.tril(np.ones((length, source), dtype=bool)), False)


def np_mha(m: ComplexMultiheadAttention, q, k, v, kpm=None, attn_mask=None, causal=False):
    """torch's multi-head attention semantics in NumPy, on (L, N, E) inputs, with the module's parameters."""
    p = {name: to_numpy(t) for name, t in m.named_parameters()}
    e, h = m.embed_dim, m.num_heads
    if "in_proj_weight" in p:
        wq, wk, wv = np.split(p["in_proj_weight"], 3)
    else:
        wq, wk, wv = p["q_proj_weight"], p["k_proj_weight"], p["v_proj_weight"]
    bq, bk, bv = np.split(p["in_proj_bias"], 3) if "in_proj_bias" in p else (0.0, 0.0, 0.0)
    Q, K, V = q @ wq.T + bq, k @ wk.T + bk, v @ wv.T + bv
    length, n, _ = Q.shape
    add = np.zeros((n, h, length, K.shape[0]))
    if attn_mask is not None:
        am = np_bool_to_add(attn_mask, True) if attn_mask.dtype == bool else attn_mask
        add = add + (am.reshape(n, h, length, -1) if am.ndim == 3 else am)
    if kpm is not None:
        km = np_bool_to_add(kpm, True) if kpm.dtype == bool else kpm
        add = add + km[:, None, None, :]
    if causal:
        add = add + np_causal(length, K.shape[0])
    extra = []
    if "bias_k" in p:
        extra.append((np.broadcast_to(p["bias_k"], (1, n, e)), np.broadcast_to(p["bias_v"], (1, n, e))))
    if m.add_zero_attn:
        extra.append((np.zeros((1, n, e)), np.zeros((1, n, e))))
    for bk_, bv_ in extra:
        K, V = np.concatenate([K, bk_]), np.concatenate([V, bv_])
        add = np.concatenate([add, np.zeros(add.shape[:-1] + (1,))], -1)
    heads = [t.reshape(t.shape[0], n, h, e // h).transpose(1, 2, 0, 3) for t in (Q, K, V)]
    w, out = np_attention(*heads, add=add, softmax=m.softmax)
    out = out.transpose(2, 0, 1, 3).reshape(length, n, e) @ p["out_proj.weight"].T + p.get("out_proj.bias", 0.0)
    return out, w


def _mask(kind, shape_l, shape_s, torch_convention=True):
    """A mask of ``kind`` ("bool", "additive") for (L, S) with no fully masked row; bool True = attend (SDPA's)."""
    g = torch.Generator().manual_seed(3)
    if kind == "bool":
        m = torch.rand(shape_l, shape_s, generator=g) > 0.4
        m[:, 0] = True
        return m
    return torch.randn(shape_l, shape_s, generator=g, dtype=torch.float64)


# ----------------------------------------------------------------------------------------------------------------
# functional.scaled_dot_product_attention
# ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("softmax", ["real", "abs", "split"])
@pytest.mark.parametrize("mask", [None, "bool", "additive", "causal"])
def test_sdpa_matches_numpy(softmax, mask):
    q, k, v = crandn(2, 3, 5, 4), crandn(2, 3, 6, 4), crandn(2, 3, 6, 3)
    attn_mask = _mask(mask, 5, 6) if mask in ("bool", "additive") else None
    out = CF.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=mask == "causal", softmax=softmax)
    if mask == "bool":
        add = np_bool_to_add(attn_mask.numpy(), False)
    elif mask == "additive":
        add = attn_mask.numpy()
    else:
        add = np_causal(5, 6) if mask == "causal" else None
    assert_matches(out, np_attention(to_numpy(q), to_numpy(k), to_numpy(v), add, softmax=softmax)[1])


@pytest.mark.parametrize("softmax", ["real", "split"])
def test_sdpa_complex64_and_explicit_scale(softmax):
    q, k, v = (crandn(3, 7, 8, dtype=torch.complex64) for _ in range(3))
    out = CF.scaled_dot_product_attention(q, k, v, scale=0.3, softmax=softmax)
    assert out.dtype == torch.complex64
    assert_matches(out, np_attention(to_numpy(q), to_numpy(k), to_numpy(v), scale=0.3, softmax=softmax)[1])


def test_sdpa_real_mode_is_one_real_sdpa_call(monkeypatch):
    """The default convention runs as exactly one call of torch's real kernel, with head dim 2E and scale 1/sqrt(E)."""
    calls = []
    real_sdpa = F.scaled_dot_product_attention

    def spy(q, k, v, **kw):
        calls.append((q.dtype, q.shape, kw["scale"]))
        return real_sdpa(q, k, v, **kw)

    monkeypatch.setattr(F, "scaled_dot_product_attention", spy)
    q = crandn(2, 5, 4)
    CF.scaled_dot_product_attention(q, q, q)
    assert calls == [(torch.float64, torch.Size([2, 5, 8]), 0.5)]
    CF.scaled_dot_product_attention(q, q, q, softmax="abs")
    assert len(calls) == 1  # "abs" materialises its scores


def test_sdpa_dropout_is_one_mask_on_re_and_im():
    """With dropout, the fused call equals the real attention of [Re q | Im q], [Re k | Im k] applied to Re v and to
    Im v apart under the same random state: one dropout mask on the real weights serves both parts."""
    q, k, v = crandn(2, 6, 4), crandn(2, 7, 4), crandn(2, 7, 3)
    torch.manual_seed(5)
    out = CF.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    qq, kk = torch.cat([q.real, q.imag], -1), torch.cat([k.real, k.imag], -1)
    parts = []
    for part in (v.real, v.imag):
        torch.manual_seed(5)
        parts.append(F.scaled_dot_product_attention(qq, kk, part.contiguous(), dropout_p=0.5, scale=0.5))
    assert_matches(out, to_numpy(torch.complex(*parts)))
    torch.manual_seed(5)
    plain = CF.scaled_dot_product_attention(q, k, v)
    assert (out - plain).abs().max() > 1e-3  # dropout did act


@pytest.mark.parametrize("softmax", ["real", "abs", "split"])
def test_sdpa_gradcheck(softmax):
    q, k, v = (crandn(2, 4, 3, requires_grad=True) for _ in range(3))
    mask = _mask("bool", 4, 4)
    assert gradcheck(lambda a, b, c: CF.scaled_dot_product_attention(a, b, c, attn_mask=mask, softmax=softmax),
                     (q, k, v))
    if softmax == "real":
        assert gradcheck(lambda a, b, c: CF.scaled_dot_product_attention(a, b, c, is_causal=True), (q, k, v))


def test_sdpa_bad_input():
    q = crandn(2, 4, 3)
    with pytest.raises(TypeError, match="scaled_dot_product_attention .query. expects a complex tensor"):
        CF.scaled_dot_product_attention(q.real, q, q)
    with pytest.raises(TypeError, match="one dtype"):
        CF.scaled_dot_product_attention(q, q.to(torch.complex64), q)
    with pytest.raises(ValueError, match="same feature size"):
        CF.scaled_dot_product_attention(q, crandn(2, 4, 5), q)
    with pytest.raises(ValueError, match="softmax must be one of"):
        CF.scaled_dot_product_attention(q, q, q, softmax="phase")
    with pytest.raises(ValueError, match=r"broadcastable to \(..., L, S\)"):
        CF.scaled_dot_product_attention(q, q, q, attn_mask=torch.ones(3, 4, dtype=torch.bool))
    with pytest.raises(TypeError, match="bool or real floating"):
        CF.scaled_dot_product_attention(q, q, q, attn_mask=torch.ones(4, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="not both"):
        CF.scaled_dot_product_attention(q, q, q, attn_mask=torch.ones(4, 4, dtype=torch.bool), is_causal=True)


# ----------------------------------------------------------------------------------------------------------------
# ComplexMultiheadAttention
# ----------------------------------------------------------------------------------------------------------------

def _mha(**kw) -> ComplexMultiheadAttention:
    torch.manual_seed(1)
    m = ComplexMultiheadAttention(kw.pop("e", 8), kw.pop("h", 2), dtype=torch.complex128, **kw)
    with torch.no_grad():
        for p in m.parameters():  # non-zero biases, so that every mapping shows
            if p.dim() == 1 or p.shape[:2] == (1, 1):
                p.copy_(crandn(*p.shape) * 0.3)
    return m


CONFIGS = {
    "plain": ({}, {}),
    "batch_first+kpm": ({"batch_first": True}, {"kpm": "bool"}),
    "kpm-float+attn-bool": ({}, {"kpm": "float", "attn": "bool2"}),
    "attn-float-3d": ({}, {"attn": "float3"}),
    "causal": ({}, {"causal": True}),
    "causal+kpm": ({"batch_first": True}, {"causal": True, "kpm": "bool"}),
    "kdim/vdim": ({"kdim": 5, "vdim": 3}, {"kpm": "bool"}),
    "bias_kv+zero_attn": ({"add_bias_kv": True, "add_zero_attn": True}, {"kpm": "bool", "attn": "bool2"}),
    "no-bias": ({"bias": False}, {}),
    "abs": ({"softmax": "abs"}, {"kpm": "bool"}),
    "split": ({"softmax": "split"}, {"attn": "float3"}),
}


def _inputs(m, n=3, length=4, source=5, self_attn=False):
    q = crandn(length, n, m.embed_dim)
    k, v = (q, q) if self_attn else (crandn(source, n, m.kdim), crandn(source, n, m.vdim))
    return q, k, v


def _masks(spec, m, n, length, source):
    g = torch.Generator().manual_seed(4)
    kpm = attn = None
    if spec.get("kpm") == "bool":
        kpm = torch.zeros(n, source, dtype=torch.bool)
        kpm[1, -2:] = True
    elif spec.get("kpm") == "float":
        kpm = torch.randn(n, source, generator=g, dtype=torch.float64)
    if spec.get("attn") == "bool2":
        attn = torch.rand(length, source, generator=g) > 0.6
        attn[:, 0] = False
    elif spec.get("attn") == "float3":
        attn = torch.randn(n * m.num_heads, length, source, generator=g, dtype=torch.float64)
    return kpm, attn


@pytest.mark.parametrize("config", list(CONFIGS))
def test_mha_matches_numpy_fused_and_materialised(config):
    ctor, spec = CONFIGS[config]
    m = _mha(**ctor)
    causal = spec.get("causal", False)
    self_attn = causal or config == "plain"
    q, k, v = _inputs(m, length=5 if causal else 4, source=5, self_attn=self_attn)
    kpm, attn = _masks(spec, m, 3, q.shape[0], k.shape[0])
    ref_out, ref_w = np_mha(m, *(to_numpy(t) for t in (q, k, v)), kpm=None if kpm is None else kpm.numpy(),
                            attn_mask=None if attn is None else attn.numpy(), causal=causal)
    args = (q, k, v) if not m.batch_first else tuple(t.transpose(0, 1) for t in (q, k, v))
    if self_attn:
        args = (args[0],) * 3
    back = (lambda t: t.transpose(0, 1)) if m.batch_first else (lambda t: t)
    for need in (True, False):
        out, w = m(*args, key_padding_mask=kpm, attn_mask=attn, need_weights=need, average_attn_weights=False,
                   is_causal=causal)
        assert_matches(back(out), ref_out)
        if need:
            assert_matches(w, ref_w)
        else:
            assert w is None
    _, w_avg = m(*args, key_padding_mask=kpm, attn_mask=attn, is_causal=causal)
    assert_matches(w_avg, ref_w.mean(1))


def test_mha_unbatched_matches_batched():
    m = _mha(h=4)
    x = crandn(6, 8)
    kpm = torch.tensor([False] * 4 + [True] * 2)
    out, w = m(x, x, x, key_padding_mask=kpm)
    ref_out, ref_w = m(x[:, None], x[:, None], x[:, None], key_padding_mask=kpm[None])
    assert out.shape == (6, 8) and w.shape == (6, 6)
    assert_matches(out, to_numpy(ref_out[:, 0]))
    assert_matches(w, to_numpy(ref_w[0]))


@pytest.mark.parametrize("ctor", [{}, {"add_bias_kv": True, "add_zero_attn": True}, {"kdim": 5, "vdim": 3}])
def test_mha_equals_torch_on_real_inputs(ctor):
    """With real weights and inputs, Re(Q K^H) = Q K^T and everything is torch's nn.MultiheadAttention, masks
    included (bool and float, key padding, 3-D attn_mask), returned weights too."""
    torch.manual_seed(2)
    theirs = nn.MultiheadAttention(8, 2, dtype=torch.float64, **ctor)
    ours = ComplexMultiheadAttention(8, 2, dtype=torch.complex128, **ctor)
    with torch.no_grad():
        for p in theirs.parameters():
            p.normal_()
        ours.load_state_dict({name: t.to(torch.complex128) for name, t in theirs.state_dict().items()})
    q, k, v = (torch.randn(4, 3, d, dtype=torch.float64) for d in (8, ours.kdim, ours.vdim))
    kpm = torch.zeros(3, 4, dtype=torch.bool)
    kpm[2, -1] = True
    attn = torch.randn(3 * 2, 4, 4, dtype=torch.float64)
    for masks in ({"key_padding_mask": kpm}, {"attn_mask": attn}, {"attn_mask": attn[0] > 1.0}):
        y, w = theirs(q, k, v, **masks, average_attn_weights=False)
        yc, wc = ours(*(t.to(torch.complex128) for t in (q, k, v)), **masks, average_attn_weights=False)
        assert_matches(yc, to_numpy(y))
        assert_matches(wc, to_numpy(w))


def test_mha_need_weights_false_takes_the_fused_path(monkeypatch):
    calls = []
    real_sdpa = F.scaled_dot_product_attention
    monkeypatch.setattr(F, "scaled_dot_product_attention", lambda *a, **kw: calls.append(kw) or real_sdpa(*a, **kw))
    m = _mha(batch_first=True)
    x = crandn(3, 5, 8)
    kpm = torch.zeros(3, 5, dtype=torch.bool)
    m(x, x, x, need_weights=False, key_padding_mask=kpm)
    m(x, x, x, need_weights=False, is_causal=True)
    assert len(calls) == 2 and calls[1]["is_causal"] and calls[1]["attn_mask"] is None
    m(x, x, x)  # need_weights=True materialises
    assert len(calls) == 2


def test_mha_gradcheck():
    m = _mha(e=4, h=2)
    x = crandn(3, 2, 4, requires_grad=True)
    w = m.in_proj_weight.detach().clone().requires_grad_()
    wo = m.out_proj.weight.detach().clone().requires_grad_()
    kpm = torch.tensor([[False, False, True], [False, False, False]])

    def fn(x, w, wo):
        return CF.multi_head_attention_forward(x, x, x, 4, 2, w, m.in_proj_bias.detach(), None, None, False, 0.0, wo,
                                               m.out_proj.bias.detach(), key_padding_mask=kpm, need_weights=False)[0]

    assert gradcheck(fn, (x, w, wo))


def test_mha_dropout_train_and_eval():
    m = _mha(dropout=0.5, batch_first=True)
    x = crandn(2, 6, 8)
    m.train()
    out, w = m(x, x, x, average_attn_weights=False)
    assert ((w == 0) | (w > 0)).all() and (w == 0).any()  # dropped weights, the others scaled by 2
    kept = w.sum(-1)
    assert not torch.allclose(kept, torch.ones_like(kept))
    # the output is the dropped weights times the projected values (the materialised path is self-consistent)
    v = F.linear(x, *[t.chunk(3)[2] for t in (m.in_proj_weight, m.in_proj_bias)]).unflatten(-1, (2, 4)).transpose(1, 2)
    ref = F.linear((w.to(v.dtype) @ v).transpose(1, 2).flatten(-2), m.out_proj.weight, m.out_proj.bias)
    assert_matches(out, to_numpy(ref))
    assert (m(x, x, x, need_weights=False)[0] - m(x, x, x, need_weights=False)[0]).abs().max() > 1e-6
    m.eval()
    ref = _mha(batch_first=True)  # the same parameters (seeded), no dropout
    assert_matches(m(x, x, x, need_weights=False)[0], to_numpy(ref(x, x, x)[0]))


def test_mha_state_dict_round_trip_and_torch_names():
    for kw in ({}, {"kdim": 6, "vdim": 5, "add_bias_kv": True}):
        m = _mha(**kw)
        names = set(nn.MultiheadAttention(8, 2, **kw).state_dict())
        assert set(m.state_dict()) == names
        fresh = ComplexMultiheadAttention(8, 2, dtype=torch.complex128, **kw)
        fresh.load_state_dict(m.state_dict())
        q, k, v = _inputs(m)
        assert_matches(fresh(q, k, v)[0], to_numpy(m(q, k, v)[0]))
    assert m.to(torch.float32).out_proj.weight.dtype == torch.complex64  # precision changes, never the kind


def test_mha_default_init():
    torch.manual_seed(0)
    m = ComplexMultiheadAttention(256, 8)
    for block in m.in_proj_weight.detach().chunk(3):  # complex Glorot: Var(Re) = Var(Im) = 1 / (2E)
        assert abs(float(block.real.var()) * 512 - 1) < 0.05 and abs(float(block.imag.var()) * 512 - 1) < 0.05
    assert float(m.in_proj_bias.detach().abs().max()) == 0.0 == float(m.out_proj.bias.detach().abs().max())
    assert abs(float(m.out_proj.weight.detach().real.var()) * 512 - 1) < 0.05


def test_mha_agrees_with_torchcvnn():
    """torchcvnn's MultiheadAttention (Eilers & Jiang's real score, torch-style in_proj_weight), its q/k norms off."""
    tv = pytest.importorskip("torchcvnn.nn")
    m = _mha(h=2)
    theirs = tv.MultiheadAttention(8, 2, norm_layer=lambda d: nn.Identity(), dtype=torch.complex128)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(m.in_proj_weight), theirs.in_proj_bias.copy_(m.in_proj_bias)
        theirs.out_proj.weight.copy_(m.out_proj.weight), theirs.out_proj.bias.copy_(m.out_proj.bias)
    x = crandn(5, 3, 8)
    y, w = theirs(x, x, x)
    ours, ours_w = m(x, x, x)
    assert_matches(ours, to_numpy(y))
    assert_matches(ours_w, to_numpy(w))


def _raises(exc, match, fn):
    with pytest.raises(exc, match=match):
        fn()


def test_mha_bad_input():
    m = _mha(batch_first=True)
    x = crandn(2, 5, 8)
    name = "ComplexMultiheadAttention"
    _raises(ValueError, f"{name}: embed_dim \\(10\\) must be divisible by num_heads \\(4\\)",
            lambda: ComplexMultiheadAttention(10, 4))
    _raises(TypeError, f"{name} parameters must be", lambda: ComplexMultiheadAttention(8, 2, dtype=torch.float32))
    _raises(ValueError, f"{name}: softmax must be", lambda: ComplexMultiheadAttention(8, 2, softmax="x"))
    _raises(TypeError, rf"{name} \(query\) expects a complex tensor, got torch.float64", lambda: m(x.real, x, x))
    _raises(TypeError, rf"{name} \(key\) expects input of dtype torch.complex128",
            lambda: m(x, x.to(torch.complex64), x))
    _raises(ValueError, f"{name} expects query with 8 features", lambda: m(crandn(2, 5, 6), x, x))
    _raises(ValueError, f"{name} expects key with 8 features .kdim.", lambda: m(x, crandn(2, 5, 6), x))
    _raises(ValueError, f"{name} expects key and value of the same length", lambda: m(x, x, crandn(2, 4, 8)))
    _raises(ValueError, f"{name} expects query, key and value of one batch", lambda: m(x, crandn(3, 5, 8),
                                                                                          crandn(3, 5, 8)))
    _raises(ValueError, f"{name} expects query, key and value of one rank", lambda: m(x, x[0], x[0]))
    _raises(ValueError, f"{name} expects a 2D .unbatched. or 3D query", lambda: m(x[None], x[None], x[None]))
    _raises(ValueError, rf"{name} expects key_padding_mask of shape \(2, 5\), got \(5, 2\)",
            lambda: m(x, x, x, key_padding_mask=torch.zeros(5, 2, dtype=torch.bool)))
    _raises(ValueError, rf"{name} expects attn_mask of shape \(5, 5\) or \(4, 5, 5\)",
            lambda: m(x, x, x, attn_mask=torch.zeros(2, 5, 5)))
    _raises(TypeError, f"{name} expects attn_mask to be a bool or real floating tensor, got torch.int64",
            lambda: m(x, x, x, attn_mask=torch.zeros(5, 5, dtype=torch.long)))
    _raises(ValueError, f"{name} expects value with 3 features .vdim.",
            lambda: _mha(kdim=5, vdim=3)(crandn(4, 2, 8), crandn(6, 2, 5), crandn(6, 2, 4)))


def test_mha_torch_compile_matches_eager():
    torch._dynamo.reset()
    m = _mha(batch_first=True)
    x = crandn(2, 5, 8, requires_grad=True)
    fn = lambda t: m(t, t, t, need_weights=False, is_causal=True)[0]  # noqa: E731
    eager = fn(x)
    eager.abs().sum().backward()
    g, x.grad = x.grad.clone(), None
    out = torch.compile(fn, backend="aot_eager", dynamic=False)(x)
    out.abs().sum().backward()
    assert_matches(out, to_numpy(eager))
    assert_matches(x.grad, to_numpy(g))


def test_mha_exports_to_onnx(tmp_path):
    """The real-layout program needs no new lowering (view_as_real, real matmuls and softmax, view_as_complex) and its
    ONNX graph matches the module; the key padding mask travels as a bool input."""
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    from deepcomplex.export import real_inputs, to_onnx

    class Wrap(nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.attn = ComplexMultiheadAttention(8, 2, batch_first=True)

        def forward(self, x, kpm):
            return self.attn(x, x, x, key_padding_mask=kpm, need_weights=False)[0]

    model = Wrap().eval()
    x = crandn(2, 5, 8, dtype=torch.complex64)
    kpm = torch.tensor([[False] * 5, [False] * 3 + [True] * 2])
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = to_onnx(model, (x, kpm), tmp_path / "mha.onnx")
    session = ort.InferenceSession(str(path))
    out = session.run(None, {"input_0": real_inputs(x)[0].numpy(), "input_1": kpm.numpy()})[0]
    assert_matches(torch.view_as_complex(torch.from_numpy(out).contiguous()), to_numpy(model(x, kpm)))
