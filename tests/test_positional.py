"""Complex positional encodings: the sinusoidal e^{i w t} against Vaswani et al.'s sin/cos table, the rotary embedding
against RoFormer's 2x2 rotations of real feature pairs, and RoPE's relative-position property under Re(Q K^H) scores."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck

import deepcomplex.functional as CF
import deepcomplex.nn as cnn
from conftest import assert_matches, crandn, to_numpy


def np_vaswani_table(length, d_model, base=10000.0, offset=0):
    """The real table of Vaswani et al. (2017), Sec. 3.5: PE(t, 2i) = sin(t / base^(2i/d)), PE(t, 2i+1) = cos(...)."""
    pe = np.zeros((length, d_model))
    t = np.arange(offset, offset + length)[:, None]
    div = base ** (np.arange(0, d_model, 2) / d_model)
    pe[:, 0::2], pe[:, 1::2] = np.sin(t / div), np.cos(t / div)
    return pe


def np_roformer(x_real, positions, base=10000.0):
    """RoFormer (Su et al., 2021), Eq. 34: each real pair (x_{2i}, x_{2i+1}) rotated by the angle p * theta_i,
    theta_i = base^(-2i/d), d the real width."""
    d = x_real.shape[-1]
    theta = base ** (-np.arange(0, d, 2) / d)
    out = np.empty_like(x_real)
    for j, p in enumerate(positions):
        c, s = np.cos(p * theta), np.sin(p * theta)
        a, b = x_real[..., j, 0::2], x_real[..., j, 1::2]
        out[..., j, 0::2], out[..., j, 1::2] = a * c - b * s, a * s + b * c
    return out


def _interleave(z):
    """Complex (..., d) -> real (..., 2d) [Re z_0, Im z_0, Re z_1, ...] (RoFormer's pairs)."""
    return torch.view_as_real(z).flatten(-2)


@pytest.mark.parametrize("offset", [0, 7])
def test_sinusoidal_is_vaswanis_table_as_complex_pairs(offset):
    pe = CF.sinusoidal_positional_encoding(30, 8, offset=offset, dtype=torch.complex128)
    table = np_vaswani_table(30, 16, offset=offset)
    assert_matches(pe, table[:, 1::2] + 1j * table[:, 0::2])  # Re = cos, Im = sin of one frequency
    np.testing.assert_allclose(to_numpy(CF.positional_frequencies(4, base=16.0)), [1, 0.5, 0.25, 0.125])
    assert CF.sinusoidal_positional_encoding(3, 2).dtype == torch.complex64


def test_sinusoidal_shift_is_a_rotation_of_each_feature():
    pe = CF.sinusoidal_positional_encoding(20, 6, base=100.0, dtype=torch.complex128)
    w = CF.positional_frequencies(6, base=100.0)
    torch.testing.assert_close(pe[5:], pe[:-5] * torch.polar(torch.ones(6, dtype=torch.float64), 5 * w))


@pytest.mark.parametrize("batch_first", [False, True])
def test_sinusoidal_module_adds_the_table(batch_first):
    m = cnn.ComplexSinusoidalPositionalEncoding(8, max_len=12, scale=0.5, batch_first=batch_first,
                                                dtype=torch.complex128)
    x = crandn(3, 10, 8) if batch_first else crandn(10, 3, 8)
    table = np_vaswani_table(10, 16)
    pe = table[:, 1::2] + 1j * table[:, 0::2]
    want = to_numpy(x) + 0.5 * (pe[None] if batch_first else pe[:, None])
    assert_matches(m(x), want)
    assert_matches(m(x[0] if batch_first else x[:, 0]), to_numpy(x[0] if batch_first else x[:, 0]) + 0.5 * pe)
    assert "pe" in m.state_dict() and not list(m.parameters())  # a fixed buffer


def test_sinusoidal_module_state_and_precision():
    m = cnn.ComplexSinusoidalPositionalEncoding(4, max_len=6)
    other = cnn.ComplexSinusoidalPositionalEncoding(4, max_len=6)
    other.load_state_dict(m.state_dict())
    assert torch.equal(m.pe, other.pe) and m.pe.dtype == torch.complex64
    m.to(torch.float64)
    assert m.pe.dtype == torch.complex128
    torch.testing.assert_close(m.pe, CF.sinusoidal_positional_encoding(6, 4, dtype=torch.complex128))


def test_sinusoidal_bad_input():
    m = cnn.ComplexSinusoidalPositionalEncoding(4, max_len=6, batch_first=True)
    with pytest.raises(ValueError, match="ComplexSinusoidalPositionalEncoding: the sequence has 7 positions, more "
                                         "than max_len=6"):
        m(torch.zeros(2, 7, 4, dtype=torch.complex64))
    with pytest.raises(TypeError, match="ComplexSinusoidalPositionalEncoding expects a complex tensor"):
        m(torch.zeros(2, 5, 4))
    with pytest.raises(TypeError, match="expects input of dtype torch.complex64"):
        m(torch.zeros(2, 5, 4, dtype=torch.complex128))
    with pytest.raises(ValueError, match=r"expects a \(N, L, d\) or \(L, d\) input with d = 4"):
        m(torch.zeros(2, 5, 3, dtype=torch.complex64))
    with pytest.raises(ValueError, match="ComplexSinusoidalPositionalEncoding: base must be a finite number > 1"):
        cnn.ComplexSinusoidalPositionalEncoding(4, base=1.0)
    with pytest.raises(ValueError, match="max_len must be a positive int"):
        cnn.ComplexSinusoidalPositionalEncoding(4, max_len=0)
    with pytest.raises(TypeError, match="dtype must be torch.complex64 or torch.complex128"):
        CF.sinusoidal_positional_encoding(3, 2, dtype=torch.float32)


@pytest.mark.parametrize("base", [10000.0, 50.0])
def test_rotary_is_roformers_pairwise_rotation(base):
    x = crandn(2, 3, 7, 6)
    positions = torch.tensor([0, 1, 2, 5, 9, 100, 3])
    y = CF.rotary_embedding(x, positions, base)
    want = np_roformer(to_numpy(_interleave(x)), positions.numpy(), base)
    assert_matches(_interleave(y), want)
    assert_matches(cnn.ComplexRotaryEmbedding(6, base)(x, positions), to_numpy(y))
    torch.testing.assert_close(CF.rotary_embedding(x), CF.rotary_embedding(x, torch.arange(7)))


def test_rotary_scores_depend_only_on_the_relative_position():
    """Re(q_m conj(k_n)) with q rotated at m and k at n equals Re(q conj(k) e^{i (m - n) theta}): the same for every
    (m + s, n + s); and complex attention on rotated queries and keys is invariant under a shift of all positions."""
    q, k = crandn(16), crandn(16)
    rope = cnn.ComplexRotaryEmbedding(16)

    def score(m, n):
        qm = rope(q[None], torch.tensor([m], dtype=torch.float64))
        kn = rope(k[None], torch.tensor([n], dtype=torch.float64))
        return (qm * kn.conj()).sum().real

    theta = CF.positional_frequencies(16)
    for m, n in [(0, 0), (3, 1), (1, 3), (10, 4)]:
        expected = (q * k.conj() * torch.polar(torch.ones(16, dtype=torch.float64), (m - n) * theta)).sum().real
        for s in (0, 5, 123):
            torch.testing.assert_close(score(m + s, n + s), expected, rtol=1e-9, atol=1e-9)
    assert not torch.isclose(score(3, 1), score(1, 3))  # it does depend on m - n, sign included
    qs, ks, vs = crandn(2, 2, 9, 8), crandn(2, 2, 9, 8), crandn(2, 2, 9, 8)
    rope8 = cnn.ComplexRotaryEmbedding(8)
    out = [CF.scaled_dot_product_attention(rope8(qs, torch.arange(9) + s), rope8(ks, torch.arange(9) + s), vs,
                                           is_causal=True) for s in (0, 40)]
    torch.testing.assert_close(out[0], out[1], rtol=1e-9, atol=1e-9)
    plain = CF.scaled_dot_product_attention(qs, ks, vs, is_causal=True)
    assert not torch.allclose(out[0], plain)


def test_rotary_gradcheck_and_broadcast_positions():
    x = crandn(2, 5, 4, requires_grad=True)
    p = torch.rand(2, 5, dtype=torch.float64) * 10
    assert gradcheck(lambda x: CF.rotary_embedding(x, p, 100.0), (x,))
    y = CF.rotary_embedding(x, p)
    for i in range(2):
        torch.testing.assert_close(y[i], CF.rotary_embedding(x[i], p[i]))
    assert torch.allclose(y.abs(), x.abs())
    assert CF.rotary_embedding(x.detach().to(torch.complex64)).dtype == torch.complex64


def test_rotary_bad_input():
    rope = cnn.ComplexRotaryEmbedding(4)
    with pytest.raises(TypeError, match="ComplexRotaryEmbedding expects a complex tensor"):
        rope(torch.zeros(3, 4))
    with pytest.raises(ValueError, match=r"ComplexRotaryEmbedding expects an input of shape \(\*, L, 4\)"):
        rope(torch.zeros(3, 5, dtype=torch.complex64))
    with pytest.raises(TypeError, match="rotary_embedding expects real or integer positions, got torch.complex64"):
        rope(torch.zeros(3, 4, dtype=torch.complex64), torch.zeros(3, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"positions of shape \(4,\) do not broadcast"):
        rope(torch.zeros(3, 4, dtype=torch.complex64), torch.arange(4))
    with pytest.raises(ValueError, match="ComplexRotaryEmbedding: base must be a finite number > 1"):
        cnn.ComplexRotaryEmbedding(4, base=math.inf)
    with pytest.raises(ValueError, match="dim must be a positive int"):
        cnn.ComplexRotaryEmbedding(0)
