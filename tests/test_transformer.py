"""Complex transformer layers (ComplexTransformerEncoderLayer/Encoder/DecoderLayer/Decoder/Transformer) against a
float64 NumPy reference written from the formulas: complex linear maps, attention with scores Re(Q K^H) / sqrt(d)
and a real softmax (Eilers & Jiang, ICASSP 2023), 2x2-whitening layer norm (Trabelsi et al., Eq. 11), CReLU."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck

import deepcomplex.functional as CF
import deepcomplex.nn as cnn
from conftest import assert_matches, crandn, to_numpy

# ----------------------------------------------------------------------------------------------------------------------
# NumPy references (complex128), one sample at a time: x is (L, E)
# ----------------------------------------------------------------------------------------------------------------------


def np_linear(x, w, b):
    y = x @ w.T
    return y if b is None else y + b


def np_layer_norm(x, weight, bias, eps):
    """Whitening over the last axis: (V + eps I)^{-1/2} (x - mean) by an eigendecomposition of the 2x2 covariance,
    then the symmetric 2x2 gamma [[g_rr, g_ri], [g_ri, g_ii]] per element and the complex beta."""
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        c = x[i] - x[i].mean()
        pts = np.stack([c.real, c.imag])  # (2, E)
        cov = pts @ pts.T / c.size + eps * np.eye(2)
        vals, vecs = np.linalg.eigh(cov)
        white = (vecs @ np.diag(vals ** -0.5) @ vecs.T) @ pts
        g = weight  # (E, 3)
        re = g[:, 0] * white[0] + g[:, 1] * white[1]
        im = g[:, 1] * white[0] + g[:, 2] * white[1]
        out[i] = re + 1j * im + bias
    return out


def np_softmax(s):
    s = s - s.max(-1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(-1, keepdims=True)


def np_mha(xq, xkv, p, nhead, mask=None):
    """Multi-head attention of one sample; ``mask`` (Lq, Lk) real additive (0 or -inf); ``p`` the module's tensors."""
    e = xq.shape[-1]
    w, b = p["in_proj_weight"], p["in_proj_bias"]
    q, k, v = np_linear(xq, w[:e], b[:e]), np_linear(xkv, w[e:2 * e], b[e:2 * e]), np_linear(xkv, w[2 * e:], b[2 * e:])
    d = e // nhead
    heads = []
    for h in range(nhead):
        sl = slice(h * d, (h + 1) * d)
        scores = (q[:, sl] @ k[:, sl].conj().T).real / math.sqrt(d)
        if mask is not None:
            scores = scores + mask
        heads.append(np_softmax(scores) @ v[:, sl])
    return np_linear(np.concatenate(heads, -1), p["out_proj.weight"], p["out_proj.bias"])


def np_crelu(x):
    return np.maximum(x.real, 0) + 1j * np.maximum(x.imag, 0)


def _params(module, prefix=""):
    return {k[len(prefix):]: to_numpy(v) for k, v in module.state_dict().items() if k.startswith(prefix)}


def np_encoder_layer(x, layer, nhead, mask=None):
    p = {k: to_numpy(v) for k, v in layer.state_dict().items()}
    sa = {k[len("self_attn."):]: v for k, v in p.items() if k.startswith("self_attn.")}
    eps = layer.norm1.eps
    norm1 = lambda t: np_layer_norm(t, p["norm1.weight"], p["norm1.bias"], eps)  # noqa: E731
    norm2 = lambda t: np_layer_norm(t, p["norm2.weight"], p["norm2.bias"], eps)  # noqa: E731
    ff = lambda t: np_linear(np_crelu(np_linear(t, p["linear1.weight"], p["linear1.bias"])),  # noqa: E731
                             p["linear2.weight"], p["linear2.bias"])
    if layer.norm_first:
        h = x + np_mha(norm1(x), norm1(x), sa, nhead, mask)
        return h + ff(norm2(h))
    h = norm1(x + np_mha(x, x, sa, nhead, mask))
    return norm2(h + ff(h))


def np_decoder_layer(x, mem, layer, nhead, tgt_mask=None, mem_mask=None):
    p = {k: to_numpy(v) for k, v in layer.state_dict().items()}
    sa = {k[len("self_attn."):]: v for k, v in p.items() if k.startswith("self_attn.")}
    ca = {k[len("multihead_attn."):]: v for k, v in p.items() if k.startswith("multihead_attn.")}
    eps = layer.norm1.eps
    norm = lambda i, t: np_layer_norm(t, p[f"norm{i}.weight"], p[f"norm{i}.bias"], eps)  # noqa: E731
    ff = lambda t: np_linear(np_crelu(np_linear(t, p["linear1.weight"], p["linear1.bias"])),  # noqa: E731
                             p["linear2.weight"], p["linear2.bias"])
    if layer.norm_first:
        h = x + np_mha(norm(1, x), norm(1, x), sa, nhead, tgt_mask)
        h = h + np_mha(norm(2, h), mem, ca, nhead, mem_mask)
        return h + ff(norm(3, h))
    h = norm(1, x + np_mha(x, x, sa, nhead, tgt_mask))
    h = norm(2, h + np_mha(h, mem, ca, nhead, mem_mask))
    return norm(3, h + ff(h))


def _perturb(module, scale=0.3):
    """Non-trivial biases and norm parameters (they start at 0 and at the identity scale)."""
    with torch.no_grad():
        for p in module.parameters():
            p.add_(scale * torch.randn_like(p))
    return module


def _additive(bool_mask):
    """torch's boolean attention mask (True = not attended) as the reference's additive mask."""
    return np.where(to_numpy(bool_mask) > 0, -np.inf, 0.0)


# ----------------------------------------------------------------------------------------------------------------------
# Forward against the references
# ----------------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_matches_numpy(norm_first, batch_first):
    e, nhead, n, length = 8, 2, 3, 5
    layer = _perturb(cnn.ComplexTransformerEncoderLayer(e, nhead, 12, dropout=0.3, batch_first=batch_first,
                                                        norm_first=norm_first, dtype=torch.complex128)).eval()
    x = crandn(n, length, e) if batch_first else crandn(length, n, e)
    attn = torch.rand(length, length) < 0.3
    attn.fill_diagonal_(False)  # every query keeps a key
    padding = torch.zeros(n, length, dtype=torch.bool)
    padding[1, -2:] = True
    out = layer(x, src_mask=attn, src_key_padding_mask=padding)
    xs = to_numpy(x if batch_first else x.transpose(0, 1))
    want = np.stack([np_encoder_layer(xs[i], layer, nhead, _additive(attn | padding[i][None, :])) for i in range(n)])
    assert_matches(out if batch_first else out.transpose(0, 1), want)
    # unbatched input is one sample
    assert_matches(layer(x[0] if batch_first else x[:, 0]), np_encoder_layer(xs[0], layer, nhead))


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_numpy(norm_first):
    e, nhead, n, t, s = 8, 4, 2, 4, 6
    layer = _perturb(cnn.ComplexTransformerDecoderLayer(e, nhead, 10, batch_first=True, norm_first=norm_first,
                                                        dtype=torch.complex128)).eval()
    tgt, mem = crandn(n, t, e), crandn(n, s, e)
    mem_mask = torch.zeros(t, s)
    mem_mask[:, 0] = -1.5  # a float mask is added to the scores
    out = layer(tgt, mem, memory_mask=mem_mask, tgt_is_causal=True)
    causal = np.triu(np.full((t, t), -np.inf), 1)
    want = np.stack([np_decoder_layer(to_numpy(tgt[i]), to_numpy(mem[i]), layer, nhead, causal, to_numpy(mem_mask))
                     for i in range(n)])
    assert_matches(out, want)


def test_transformer_is_encoder_then_decoder_with_final_norms():
    e, nhead = 8, 2
    model = _perturb(cnn.ComplexTransformer(e, nhead, 1, 1, 12, batch_first=True, dtype=torch.complex128)).eval()
    src, tgt = crandn(2, 5, e), crandn(2, 3, e)
    mask = model.generate_square_subsequent_mask(3, dtype=torch.float64)
    assert torch.equal(mask, torch.tensor([[0, -math.inf, -math.inf], [0, 0, -math.inf], [0, 0, 0]],
                                          dtype=torch.float64))
    out = model(src, tgt, tgt_mask=mask)
    enc, dec = model.encoder, model.decoder
    want = []
    for i in range(2):
        m = np_encoder_layer(to_numpy(src[i]), enc.layers[0], nhead)
        m = np_layer_norm(m, to_numpy(enc.norm.weight), to_numpy(enc.norm.bias), enc.norm.eps)
        y = np_decoder_layer(to_numpy(tgt[i]), m, dec.layers[0], nhead, to_numpy(mask))
        want.append(np_layer_norm(y, to_numpy(dec.norm.weight), to_numpy(dec.norm.bias), dec.norm.eps))
    assert_matches(out, np.stack(want))


def test_encoder_stacks_copies_and_transformer_draws_each_layer():
    layer = cnn.ComplexTransformerEncoderLayer(8, 2, 12, dtype=torch.complex128)
    encoder = cnn.ComplexTransformerEncoder(layer, 3, norm=cnn.ComplexLayerNorm(8, dtype=torch.complex128)).eval()
    assert all(torch.equal(l.linear1.weight, layer.linear1.weight) for l in encoder.layers)  # torch's copies
    assert encoder.layers[0].linear1.weight is not encoder.layers[1].linear1.weight
    x = crandn(5, 2, 8)
    h = x
    for l in encoder.layers:
        h = l(h)
    torch.testing.assert_close(encoder(x), encoder.norm(h))
    model = cnn.ComplexTransformer(8, 2, 2, 2, 12)
    w = [l.self_attn.in_proj_weight for l in model.encoder.layers] + [l.linear2.weight for l in model.decoder.layers]
    assert not torch.equal(w[0], w[1]) and not torch.equal(w[2], w[3])


def test_is_causal_equals_the_causal_mask():
    layer = _perturb(cnn.ComplexTransformerEncoderLayer(8, 2, 12, batch_first=True, dtype=torch.complex128)).eval()
    x = crandn(2, 6, 8)
    mask = cnn.ComplexTransformer.generate_square_subsequent_mask(6, dtype=torch.float64)
    torch.testing.assert_close(layer(x, is_causal=True), layer(x, src_mask=mask), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(layer(x, src_mask=mask, is_causal=True), layer(x, src_mask=mask))
    # a later position does not change the outputs before it
    y = x.clone()
    y[:, -1] += 1
    torch.testing.assert_close(layer(y, is_causal=True)[:, :-1], layer(x, is_causal=True)[:, :-1])


@pytest.mark.parametrize("activation", ["zrelu", "cardioid", "modrelu", CF.crelu, cnn.CReLU()])
def test_activation_options(activation):
    layer = cnn.ComplexTransformerEncoderLayer(8, 2, 12, activation=activation, dtype=torch.complex128).eval()
    if activation == "modrelu":
        assert isinstance(layer.activation, cnn.ModReLU) and layer.activation.bias.dtype == torch.float64
        assert "activation.bias" in layer.state_dict()
    x = crandn(4, 2, 8)
    h = layer.linear1(layer.norm1(x + layer.self_attn(x, x, x, need_weights=False)[0]))
    act = {"zrelu": CF.zrelu, "cardioid": CF.cardioid}.get(activation, layer.activation)
    want = layer.norm2(layer.norm1(x + layer.self_attn(x, x, x, need_weights=False)[0]) + layer.linear2(act(h)))
    torch.testing.assert_close(layer(x), want)


# ----------------------------------------------------------------------------------------------------------------------
# Gradients, modes, state, errors
# ----------------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("norm_first", [False, True])
def test_gradcheck_encoder_and_decoder_layers(norm_first):
    kw = dict(dropout=0.0, norm_first=norm_first, activation="cardioid", layer_norm_eps=1e-3, dtype=torch.complex128)
    enc = _perturb(cnn.ComplexTransformerEncoderLayer(4, 2, 6, **kw))
    dec = _perturb(cnn.ComplexTransformerDecoderLayer(4, 2, 6, **kw))
    x, mem = crandn(3, 2, 4, requires_grad=True), crandn(2, 2, 4, requires_grad=True)
    w = enc.linear1.weight
    assert gradcheck(lambda x, w: torch.func.functional_call(enc, {"linear1.weight": w}, (x,), {"is_causal": True}),
                     (x, w), atol=1e-6)
    assert gradcheck(lambda x, m: dec(x, m, tgt_is_causal=True), (x, mem), atol=1e-6)


def test_dropout_in_training_only():
    layer = cnn.ComplexTransformerEncoderLayer(8, 2, 12, dropout=0.5, dtype=torch.complex128)
    x = crandn(5, 2, 8)
    torch.manual_seed(1)
    a = layer(x)
    torch.manual_seed(2)
    assert not torch.allclose(a, layer(x))
    layer.eval()
    plain = cnn.ComplexTransformerEncoderLayer(8, 2, 12, dropout=0.0, dtype=torch.complex128).eval()
    plain.load_state_dict(layer.state_dict())
    torch.testing.assert_close(layer(x), plain(x), rtol=0, atol=0)


def test_state_dict_round_trip_and_double_precision():
    a = _perturb(cnn.ComplexTransformer(8, 2, 1, 1, 12, norm_first=True)).eval()
    b = cnn.ComplexTransformer(8, 2, 1, 1, 12, norm_first=True).eval()
    b.load_state_dict(a.state_dict())
    src, tgt = crandn(5, 2, 8, dtype=torch.complex64), crandn(3, 2, 8, dtype=torch.complex64)
    torch.testing.assert_close(a(src, tgt), b(src, tgt), rtol=0, atol=0)
    a.to(torch.float64)  # precision changes, kind stays: complex64 -> complex128, real gammas float32 -> float64
    assert a.encoder.layers[0].linear1.weight.dtype == torch.complex128
    assert a.encoder.layers[0].norm1.weight.dtype == torch.float64
    assert a(src.to(torch.complex128), tgt.to(torch.complex128)).dtype == torch.complex128


def test_bad_input_names_the_layer():
    layer = cnn.ComplexTransformerEncoderLayer(8, 2, 12)
    with pytest.raises(TypeError, match=r"ComplexTransformerEncoderLayer \(src\) expects a complex tensor"):
        layer(torch.randn(5, 2, 8))
    with pytest.raises(TypeError, match="ComplexTransformerEncoderLayer.*complex64.*got torch.complex128"):
        layer(crandn(5, 2, 8))
    with pytest.raises(ValueError, match="ComplexTransformerEncoderLayer expects .* 8 features"):
        layer(crandn(5, 2, 6, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"d_model \(8\) must be divisible by nhead \(3\)"):
        cnn.ComplexTransformerEncoderLayer(8, 3)
    with pytest.raises(ValueError, match="ComplexTransformerDecoderLayer: dropout must be in"):
        cnn.ComplexTransformerDecoderLayer(8, 2, dropout=1.5)
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        cnn.ComplexTransformerEncoderLayer(8, 2, activation="gelu")
    with pytest.raises(TypeError, match="activation must be a name, a module or a callable"):
        cnn.ComplexTransformerEncoderLayer(8, 2, activation=3)
    with pytest.raises(TypeError, match="ComplexTransformerEncoderLayer parameters must be"):
        cnn.ComplexTransformerEncoderLayer(8, 2, dtype=torch.float32)
    with pytest.raises(ValueError, match="attn_mask of shape"):
        layer(crandn(5, 2, 8, dtype=torch.complex64), src_mask=torch.zeros(4, 4, dtype=torch.bool))
    with pytest.raises(TypeError, match="attn_mask to be a bool or real floating tensor"):
        layer(crandn(5, 2, 8, dtype=torch.complex64), src_mask=torch.zeros(5, 5, dtype=torch.long))
    dec = cnn.ComplexTransformerDecoderLayer(8, 2, 12)
    with pytest.raises(ValueError, match=r"ComplexTransformerDecoderLayer expects .* memory with 8 features"):
        dec(crandn(5, 2, 8, dtype=torch.complex64), crandn(5, 2, 4, dtype=torch.complex64))
    model = cnn.ComplexTransformer(8, 2, 1, 1, 12, batch_first=True)
    with pytest.raises(ValueError, match="the batch number of src and tgt must be equal"):
        model(crandn(2, 5, 8, dtype=torch.complex64), crandn(3, 5, 8, dtype=torch.complex64))
    with pytest.raises(ValueError, match="ComplexTransformerEncoder: num_layers must be a positive int"):
        cnn.ComplexTransformerEncoder(layer, 0)


def test_bias_false_drops_linear_and_attention_biases():
    layer = cnn.ComplexTransformerEncoderLayer(8, 2, 12, bias=False)
    assert layer.linear1.bias is None and layer.linear2.bias is None and layer.self_attn.in_proj_bias is None
    assert layer(crandn(3, 1, 8, dtype=torch.complex64)).shape == (3, 1, 8)


def test_causal_encoder_layer_in_real_layout():
    """The export path (real_layout, then ONNX) of a causal layer; the registered ViTs cover the unmasked one and
    torch.compile (tests/test_models.py and tests/test_export.py run every registered model)."""
    from deepcomplex.export import real_layout

    layer = _perturb(cnn.ComplexTransformerEncoderLayer(8, 2, 12, batch_first=True, norm_first=True)).eval()
    x = crandn(2, 5, 8, dtype=torch.complex64)
    causal = layer(x, is_causal=True)

    class Causal(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = layer

        def forward(self, z):
            return self.layer(z, is_causal=True)

    program = real_layout(Causal().eval(), x)
    torch.testing.assert_close(torch.view_as_complex(program(torch.view_as_real(x))), causal, rtol=1e-5, atol=1e-5)
