"""Complex convolutions (deepcomplex.functional.conv*d / conv_transpose*d, deepcomplex.nn.ComplexConv*).

The reference is an independent float64 NumPy implementation written from the definition of (transposed)
cross-correlation; torch's own complex convolution is used only as an additional cross-check.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.autograd import gradcheck, gradgradcheck
from torch.func import functional_call

import deepcomplex.functional as CF
import deepcomplex.nn as cnn
from conftest import CUDA, DTYPES, assert_matches, crandn, to_numpy

CONV_FN = {1: CF.conv1d, 2: CF.conv2d, 3: CF.conv3d}
CONVT_FN = {1: CF.conv_transpose1d, 2: CF.conv_transpose2d, 3: CF.conv_transpose3d}
CONV_MOD = {1: cnn.ComplexConv1d, 2: cnn.ComplexConv2d, 3: cnn.ComplexConv3d}
CONVT_MOD = {1: cnn.ComplexConvTranspose1d, 2: cnn.ComplexConvTranspose2d, 3: cnn.ComplexConvTranspose3d}
REAL_CONV = {1: torch.nn.Conv1d, 2: torch.nn.Conv2d, 3: torch.nn.Conv3d}
REAL_CONVT = {1: torch.nn.ConvTranspose1d, 2: torch.nn.ConvTranspose2d, 3: torch.nn.ConvTranspose3d}
SPATIAL = {1: (9,), 2: (7, 6), 3: (5, 6, 4)}
SPATIAL_T = {1: (5,), 2: (4, 3), 3: (3, 4, 3)}
NP_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _tup(v, nd):
    return (v,) * nd if isinstance(v, int) else tuple(v)


def _pads(padding, kernel, dilation, nd):
    """(left, right) zero padding per spatial dim, with 'same' split as torch does (extra on the right)."""
    if padding == "valid":
        return [(0, 0)] * nd
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [(t // 2, t - t // 2) for t in totals]
    return [(p, p) for p in _tup(padding, nd)]


# ----------------------------------------------------------------------------------------------- NumPy references
def ref_conv(x, w, b, stride, pads, dilation, groups):
    """out[n, o, p] = b[o] + sum_{c, k} w[o, c, k] * xpad[n, g*Cg + c, p*stride + k*dilation] (float64, no conj)."""
    x, w = np.asarray(x, np.complex128), np.asarray(w, np.complex128)
    nd = w.ndim - 2
    stride, dilation = _tup(stride, nd), _tup(dilation, nd)
    n, c = x.shape[:2]
    o, cg = w.shape[:2]
    assert c == cg * groups
    og = o // groups
    ks = w.shape[2:]
    xp = np.pad(x, [(0, 0), (0, 0)] + list(pads))
    size = [(xp.shape[2 + i] - dilation[i] * (ks[i] - 1) - 1) // stride[i] + 1 for i in range(nd)]
    out = np.zeros((n, o, *size), np.complex128)
    for off in itertools.product(*(range(k) for k in ks)):
        # all output positions p at once: input index p*stride + off*dilation
        sl = tuple(slice(off[i] * dilation[i], off[i] * dilation[i] + stride[i] * (size[i] - 1) + 1, stride[i])
                   for i in range(nd))
        xs = xp[(slice(None), slice(None)) + sl]
        for g in range(groups):
            wk = w[(slice(g * og, (g + 1) * og), slice(None)) + off]  # (og, cg)
            out[:, g * og:(g + 1) * og] += np.einsum("oc,nc...->no...", wk, xs[:, g * cg:(g + 1) * cg])
    if b is not None:
        out += np.asarray(b, np.complex128).reshape(1, o, *([1] * nd))
    return out


def ref_conv_transpose(x, w, b, stride, padding, output_padding, groups, dilation):
    """Scatter definition: out[n, o, i*stride + k*dilation - padding] += x[n, c, i] * w[c, o, k] (no conj)."""
    x, w = np.asarray(x, np.complex128), np.asarray(w, np.complex128)
    nd = w.ndim - 2
    stride, padding = _tup(stride, nd), _tup(padding, nd)
    output_padding, dilation = _tup(output_padding, nd), _tup(dilation, nd)
    n, c = x.shape[:2]
    s_in = x.shape[2:]
    assert w.shape[0] == c
    cg, og = c // groups, w.shape[1]
    o = og * groups
    ks = w.shape[2:]
    full = [(s_in[i] - 1) * stride[i] + dilation[i] * (ks[i] - 1) + 1 for i in range(nd)]
    size = [full[i] - 2 * padding[i] + output_padding[i] for i in range(nd)]
    buf = np.zeros((n, o, *[max(full[i], padding[i] + size[i]) for i in range(nd)]), np.complex128)
    for off in itertools.product(*(range(k) for k in ks)):
        sl = tuple(slice(off[i] * dilation[i], off[i] * dilation[i] + stride[i] * (s_in[i] - 1) + 1, stride[i])
                   for i in range(nd))
        for g in range(groups):
            wk = w[(slice(g * cg, (g + 1) * cg), slice(None)) + off]  # (cg, og)
            buf[(slice(None), slice(g * og, (g + 1) * og)) + sl] += np.einsum("co,nc...->no...", wk,
                                                                               x[:, g * cg:(g + 1) * cg])
    out = buf[(slice(None), slice(None)) + tuple(slice(padding[i], padding[i] + size[i]) for i in range(nd))]
    if b is not None:
        out = out + np.asarray(b, np.complex128).reshape(1, o, *([1] * nd))
    return out


def test_reference_conv_by_hand():
    """The reference itself, on a case small enough to write out: 1-D, 1 channel, kernel [w0, w1], stride 1."""
    x = np.array([[[1 + 1j, 2, 3j]]])
    w = np.array([[[2, 1j]]])
    expected = np.array([[[(1 + 1j) * 2 + 2 * 1j, 2 * 2 + 3j * 1j]]])
    np.testing.assert_allclose(ref_conv(x, w, None, 1, [(0, 0)], 1, 1), expected)
    # transposed: scatter x[i] * w[k] to i + k
    expected_t = np.array([[[(1 + 1j) * 2, (1 + 1j) * 1j + 2 * 2, 2 * 1j + 3j * 2, 3j * 1j]]])
    np.testing.assert_allclose(ref_conv_transpose(x, w, None, 1, 0, 0, 1, 1), expected_t)


# --------------------------------------------------------------------------------------------- forward vs reference
# (nd, in, out, kernel, stride, padding, dilation, groups, bias)
CONV_CASES = [
    (1, 3, 4, 3, 1, 0, 1, 1, True),
    (1, 4, 6, 3, 2, 1, 1, 2, False),
    (1, 3, 2, 2, 1, "same", 1, 1, True),        # even kernel: extra pad on the right
    (1, 3, 2, 3, 1, "same", 2, 1, True),        # odd kernel + dilation
    (1, 2, 4, 2, 1, "same", 3, 1, True),        # even kernel + dilation, odd total
    (1, 2, 3, 4, 1, "same", 1, 1, False),
    (1, 3, 3, 3, 1, "valid", 1, 1, True),
    (1, 3, 3, 3, 3, 2, 2, 3, True),             # depthwise, stride 3, dilation 2
    (2, 3, 4, (3, 2), 1, 0, 1, 1, True),
    (2, 4, 6, 3, (2, 1), (1, 2), 1, 2, True),
    (2, 3, 5, (2, 3), 1, "same", 1, 1, True),
    (2, 2, 3, (2, 4), 1, "same", (3, 1), 1, False),
    (2, 3, 3, 3, 1, "same", 2, 1, True),
    (2, 3, 2, 3, 2, "valid", 1, 1, False),
    (2, 4, 4, 3, 1, 1, (2, 1), 4, True),
    (3, 2, 3, 2, 1, 0, 1, 1, True),
    (3, 4, 2, (2, 3, 2), (2, 1, 1), (1, 0, 1), (1, 1, 2), 2, True),
    (3, 2, 2, (2, 3, 2), 1, "same", (1, 1, 2), 1, False),
    (3, 2, 3, 3, 1, "valid", 1, 1, True),
]


def _conv_id(case):
    return "-".join(str(v).replace(" ", "") for v in case)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_CASES, ids=_conv_id)
def test_functional_conv_matches_reference(case, dtype):
    nd, cin, cout, k, stride, padding, dilation, groups, bias = case
    ks = _tup(k, nd)
    x = crandn(2, cin, *SPATIAL[nd], dtype=dtype)
    w = crandn(cout, cin // groups, *ks, dtype=dtype)
    b = crandn(cout, dtype=dtype) if bias else None
    out = CONV_FN[nd](x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    assert out.dtype == dtype
    expected = ref_conv(to_numpy(x), to_numpy(w), None if b is None else to_numpy(b), stride,
                        _pads(padding, ks, _tup(dilation, nd), nd), dilation, groups)
    assert_matches(out, expected)
    # unbatched (C, *S) input gives the batch-free result
    out1 = CONV_FN[nd](x[1], w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    assert_matches(out1, expected[1])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_CASES[::2], ids=_conv_id)
def test_module_conv_matches_reference(case, dtype):
    nd, cin, cout, k, stride, padding, dilation, groups, bias = case
    m = CONV_MOD[nd](cin, cout, k, stride=stride, padding=padding, dilation=dilation, groups=groups, bias=bias,
                     dtype=dtype)
    ks = _tup(k, nd)
    assert m.weight.shape == (cout, cin // groups, *ks) and m.weight.dtype == dtype
    if bias:
        assert m.bias.shape == (cout,) and m.bias.dtype == dtype
        with torch.no_grad():
            m.bias.copy_(crandn(cout, dtype=dtype))  # default is zeros, which would not test the bias path
    else:
        assert m.bias is None
    x = crandn(2, cin, *SPATIAL[nd], dtype=dtype)
    out = m(x)
    expected = ref_conv(to_numpy(x), to_numpy(m.weight), to_numpy(m.bias) if bias else None, stride,
                        _pads(padding, ks, _tup(dilation, nd), nd), dilation, groups)
    assert_matches(out, expected)
    assert_matches(m(x[0]), expected[0])
    # same output shape as torch's real layer
    real = REAL_CONV[nd](cin, cout, k, stride=stride, padding=padding, dilation=dilation, groups=groups)
    assert out.shape == real(torch.randn(2, cin, *SPATIAL[nd])).shape


# (nd, kernel, padding, dilation, stride)
PAD_MODE_CASES = [
    (1, 3, 2, 1, 1),
    (1, 3, (2,), 2, 1),
    (1, 4, "same", 1, 1),       # even kernel, total 3: left 1, right 2
    (2, 3, (1, 2), 1, 1),
    (2, (2, 3), "same", (3, 1), 1),
    (2, 3, 1, 1, 2),
    (3, 2, (1, 0, 1), 1, 1),
    (3, (3, 2, 2), "same", 1, 1),
]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("case", PAD_MODE_CASES, ids=_conv_id)
def test_module_padding_modes_match_reference(case, mode):
    nd, k, padding, dilation, stride = case
    dtype = torch.complex128
    m = CONV_MOD[nd](3, 2, k, stride=stride, padding=padding, dilation=dilation, padding_mode=mode, dtype=dtype)
    with torch.no_grad():
        m.bias.copy_(crandn(2, dtype=dtype))
    x = crandn(2, 3, *SPATIAL[nd], dtype=dtype)
    pads = _pads(padding, _tup(k, nd), _tup(dilation, nd), nd)
    xp = np.pad(to_numpy(x), [(0, 0), (0, 0)] + pads, mode=NP_MODE[mode])
    expected = ref_conv(xp, to_numpy(m.weight), to_numpy(m.bias), stride, [(0, 0)] * nd, dilation, 1)
    assert_matches(m(x), expected)
    # and the result differs from zero padding (the mode is actually applied)
    zero = ref_conv(to_numpy(x), to_numpy(m.weight), to_numpy(m.bias), stride, pads, dilation, 1)
    assert np.max(np.abs(expected - zero)) > 1e-3
    assert_matches(m(x[0]), expected[0])  # unbatched


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_module_padding_mode_complex64(mode):
    m = cnn.ComplexConv2d(3, 4, 3, padding=1, padding_mode=mode)
    x = crandn(2, 3, 5, 6, dtype=torch.complex64)
    xp = np.pad(to_numpy(x), [(0, 0), (0, 0), (1, 1), (1, 1)], mode=NP_MODE[mode])
    assert_matches(m(x), ref_conv(xp, to_numpy(m.weight), to_numpy(m.bias), 1, [(0, 0)] * 2, 1, 1))


# (nd, in, out, kernel, stride, padding, output_padding, groups, dilation, bias)
CONVT_CASES = [
    (1, 3, 4, 3, 1, 0, 0, 1, 1, True),
    (1, 4, 6, 3, 2, 1, 1, 2, 1, True),
    (1, 3, 3, 2, 3, 2, 2, 3, 2, False),
    (1, 2, 3, 3, 1, 1, 1, 1, 2, True),            # output_padding < dilation with stride 1
    (2, 3, 4, (3, 2), (2, 1), (1, 0), (1, 0), 1, 1, True),
    (2, 4, 2, 3, 2, 1, (0, 1), 2, (1, 2), True),
    (2, 2, 4, 2, (3, 2), 0, (2, 1), 2, 1, False),
    (3, 2, 3, 2, 2, 0, 1, 1, 1, True),
    (3, 4, 2, (2, 3, 2), (1, 2, 2), (0, 1, 1), (0, 1, 0), 2, (2, 1, 1), True),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONVT_CASES, ids=_conv_id)
def test_functional_conv_transpose_matches_reference(case, dtype):
    nd, cin, cout, k, stride, padding, opad, groups, dilation, bias = case
    ks = _tup(k, nd)
    x = crandn(2, cin, *SPATIAL_T[nd], dtype=dtype)
    w = crandn(cin, cout // groups, *ks, dtype=dtype)
    b = crandn(cout, dtype=dtype) if bias else None
    out = CONVT_FN[nd](x, w, b, stride=stride, padding=padding, output_padding=opad, groups=groups,
                       dilation=dilation)
    expected = ref_conv_transpose(to_numpy(x), to_numpy(w), None if b is None else to_numpy(b), stride, padding,
                                  opad, groups, dilation)
    assert out.dtype == dtype
    assert_matches(out, expected)
    assert_matches(CONVT_FN[nd](x[0], w, b, stride, padding, opad, groups, dilation), expected[0])  # positional, unbatched


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONVT_CASES[::2], ids=_conv_id)
def test_module_conv_transpose_matches_reference(case, dtype):
    nd, cin, cout, k, stride, padding, opad, groups, dilation, bias = case
    m = CONVT_MOD[nd](cin, cout, k, stride=stride, padding=padding, output_padding=opad, groups=groups, bias=bias,
                      dilation=dilation, dtype=dtype)
    assert m.weight.shape == (cin, cout // groups, *_tup(k, nd))
    if bias:
        with torch.no_grad():
            m.bias.copy_(crandn(cout, dtype=dtype))
    x = crandn(2, cin, *SPATIAL_T[nd], dtype=dtype)
    out = m(x)
    expected = ref_conv_transpose(to_numpy(x), to_numpy(m.weight), to_numpy(m.bias) if bias else None, stride,
                                  padding, opad, groups, dilation)
    assert_matches(out, expected)
    real = REAL_CONVT[nd](cin, cout, k, stride=stride, padding=padding, output_padding=opad, groups=groups,
                          dilation=dilation)
    assert out.shape == real(torch.randn(2, cin, *SPATIAL_T[nd])).shape


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_conv_transpose_is_transpose_of_conv(nd):
    """<conv(x; W), y> = <x, conv_transpose(y; W)> with the bilinear (non-conjugating) pairing: transpose, not adjoint."""
    x = crandn(2, 3, *SPATIAL[nd])
    w = crandn(4, 3, *(3,) * nd)
    y_shape = CONV_FN[nd](x, w, stride=2, padding=1).shape
    y = crandn(*y_shape)
    opad = tuple((SPATIAL[nd][i] + 2 - 3) % 2 for i in range(nd))  # recover the exact input size
    xt = CONVT_FN[nd](y, w, stride=2, padding=1, output_padding=opad)
    assert xt.shape == x.shape
    lhs = (CONV_FN[nd](x, w, stride=2, padding=1) * y).sum()
    rhs = (x * xt).sum()
    assert abs(lhs - rhs) < 1e-9 * abs(lhs)
    # the adjoint (with conj) is a different map: make sure the implementation is not it
    assert abs((x * CONVT_FN[nd](y, w.conj(), stride=2, padding=1, output_padding=opad)).sum() - lhs) > 1e-3


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_module_conv_transpose_output_size(nd, dtype):
    k, stride, padding = 3, 2, 1
    m = CONVT_MOD[nd](3, 4, k, stride=stride, padding=padding, dtype=dtype)
    with torch.no_grad():
        m.bias.copy_(crandn(4, dtype=dtype))
    x = crandn(2, 3, *SPATIAL_T[nd], dtype=dtype)
    smallest = [(s - 1) * stride - 2 * padding + k for s in SPATIAL_T[nd]]
    opad = tuple(i % 2 for i in range(1, nd + 1))  # mix of 1 and 0
    size = [s + p for s, p in zip(smallest, opad)]
    expected = ref_conv_transpose(to_numpy(x), to_numpy(m.weight), to_numpy(m.bias), stride, padding, opad, 1, 1)
    out = m(x, output_size=size)
    assert list(out.shape[2:]) == size
    assert_matches(out, expected)
    # full (N, C, *S) output_size works too, and matches torch's real layer's choice
    assert_matches(m(x, output_size=[2, 4] + size), expected)
    real = REAL_CONVT[nd](3, 4, k, stride=stride, padding=padding)
    assert real(torch.randn(2, 3, *SPATIAL_T[nd]), output_size=size).shape == out.shape
    # unbatched
    assert_matches(m(x[1], output_size=size), expected[1])
    # without output_size: the smallest size
    assert list(m(x).shape[2:]) == smallest
    with pytest.raises(ValueError):
        m(x, output_size=[s + stride for s in smallest])
    with pytest.raises(ValueError):
        m(x, output_size=[s - 1 for s in smallest])


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_module_conv_transpose_output_size_wrong_length(nd):
    """torch.nn.ConvTransposeNd accepts output_size of nd or nd + 2 elements only, and raises ValueError otherwise."""
    m = CONVT_MOD[nd](3, 4, 3, stride=2, padding=1)
    x = crandn(2, 3, *SPATIAL_T[nd], dtype=torch.complex64)
    size = [(s - 1) * 2 - 2 + 3 for s in SPATIAL_T[nd]]
    for bad in ([2] + size, [7, 2, 4] + size, size[1:]):
        with pytest.raises(ValueError):
            m(x, output_size=bad)


@pytest.mark.parametrize("transposed", [False, True])
def test_cross_check_against_torch_complex_conv(transposed):
    """Independent second opinion: torch's own complex convolution (CPU supports complex conv)."""
    x = crandn(2, 4, 6, 5)
    if transposed:
        w, b = crandn(4, 3, 3, 2), crandn(6)
        kw = dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0), groups=2, dilation=(1, 2))
        got, want = CF.conv_transpose2d(x, w, b, **kw), F.conv_transpose2d(x, w, b, **kw)
    else:
        w, b = crandn(6, 2, 3, 2), crandn(6)
        kw = dict(stride=(1, 2), padding=(2, 1), dilation=(2, 1), groups=2)
        got, want = CF.conv2d(x, w, b, **kw), F.conv2d(x, w, b, **kw)
    assert_matches(got, to_numpy(want))


# ------------------------------------------------------------------------------------------------------ gradients
# (name, input shape, weight shape, kwargs, bias)
GRAD_CASES = [
    ("conv1d", (2, 4, 6), (4, 2, 3), dict(stride=2, padding=1, groups=2), True),
    ("conv1d", (1, 2, 5), (3, 2, 2), dict(padding="same", dilation=2), False),
    ("conv2d", (2, 2, 4, 5), (3, 2, 2, 3), dict(stride=(1, 2), padding=(1, 0)), True),
    ("conv2d", (1, 4, 4, 4), (2, 2, 2, 2), dict(padding="same", groups=2), False),
    ("conv3d", (1, 2, 3, 4, 3), (2, 2, 2, 2, 2), dict(padding=1, stride=2, dilation=(1, 1, 2)), True),
    ("conv_transpose1d", (2, 4, 4), (4, 1, 3), dict(stride=2, padding=1, output_padding=1, groups=2), True),
    ("conv_transpose1d", (1, 2, 3), (2, 2, 2), dict(dilation=2), False),
    ("conv_transpose2d", (1, 2, 3, 3), (2, 3, 2, 3), dict(stride=(2, 1), padding=(0, 1), output_padding=(1, 0)), True),
    ("conv_transpose3d", (1, 2, 2, 3, 2), (2, 2, 2, 2, 2), dict(stride=2, dilation=(1, 2, 1), padding=1), True),
]


def _inputs(name, xs, ws, kw, bias):
    x = crandn(*xs, requires_grad=True)
    w = crandn(*ws, requires_grad=True)
    cout = ws[1] * kw.get("groups", 1) if name.startswith("conv_transpose") else ws[0]
    return (x, w, crandn(cout, requires_grad=True)) if bias else (x, w)


@pytest.mark.parametrize("name,xs,ws,kw,bias", GRAD_CASES, ids=lambda v: v if isinstance(v, str) else None)
def test_functional_gradcheck(name, xs, ws, kw, bias):
    """Fast-mode gradcheck (random projections of the Jacobian; checks Re and Im perturbations of every input)."""
    fn = getattr(CF, name)
    assert gradcheck(lambda *a: fn(*a, **kw), _inputs(name, xs, ws, kw, bias), fast_mode=True)


@pytest.mark.parametrize("name", ["conv2d", "conv_transpose1d"])
def test_functional_gradcheck_full_jacobian(name):
    """Element-by-element Jacobian on the smallest shapes."""
    fn = getattr(CF, name)
    if name == "conv2d":
        inputs = _inputs(name, (1, 1, 3, 2), (2, 1, 2, 2), {}, True)
        kw = dict(stride=(2, 1), padding=(1, 0))
    else:
        inputs = _inputs(name, (1, 2, 3), (2, 1, 2), dict(groups=2), True)
        kw = dict(stride=2, output_padding=1, groups=2)
    assert gradcheck(lambda *a: fn(*a, **kw), inputs)


@pytest.mark.parametrize("idx", [2, 7], ids=["conv2d", "conv_transpose2d"])
def test_functional_gradgradcheck(idx):
    name, xs, ws, kw, _ = GRAD_CASES[idx]
    fn = getattr(CF, name)
    xs, ws = (1, 1) + xs[2:], (1, 1) + ws[2:]  # one channel in and out: keep the double backward cheap
    assert gradgradcheck(lambda *a: fn(*a, **kw), _inputs(name, xs, ws, kw, True), fast_mode=True)


MODULE_GRAD_CASES = [
    (cnn.ComplexConv1d, (3, 2, 3), dict(stride=2, padding=1, padding_mode="reflect"), (2, 3, 6)),
    (cnn.ComplexConv2d, (2, 4, 2), dict(padding="same", groups=2, padding_mode="circular"), (1, 2, 4, 3)),
    (cnn.ComplexConv2d, (2, 3, (2, 3)), dict(padding=1, padding_mode="replicate", dilation=(1, 2)), (1, 2, 4, 5)),
    (cnn.ComplexConv2d, (2, 2, 3), dict(padding="valid"), (2, 2, 4, 4)),
    (cnn.ComplexConv3d, (2, 2, 2), dict(padding=(1, 0, 1), padding_mode="reflect"), (1, 2, 3, 3, 3)),
    (cnn.ComplexConvTranspose1d, (2, 4, 3), dict(stride=2, groups=2, output_padding=1), (1, 2, 4)),
    (cnn.ComplexConvTranspose2d, (2, 3, 2), dict(stride=2, padding=1), (1, 2, 3, 3)),
    (cnn.ComplexConvTranspose3d, (2, 2, 2), dict(stride=(1, 2, 1)), (1, 2, 2, 2, 3)),
]


@pytest.mark.parametrize("cls,args,kw,xs", MODULE_GRAD_CASES,
                         ids=[f"{c[0].__name__}-{c[2].get('padding_mode', 'zeros')}" for c in MODULE_GRAD_CASES])
def test_module_gradcheck(cls, args, kw, xs):
    m = cls(*args, **kw).to(torch.complex128)
    assert m.weight.dtype == torch.complex128
    x = crandn(*xs, requires_grad=True)
    w = m.weight.detach().clone().requires_grad_(True)
    b = crandn(*m.bias.shape, requires_grad=True)
    assert gradcheck(lambda x, w, b: functional_call(m, {"weight": w, "bias": b}, (x,)), (x, w, b), fast_mode=True)


def _layout_variants(nd, shape):
    """Same values, different memory layouts: contiguous, channels-last, and a strided (sliced) view."""
    base = crandn(*shape)
    cl = base.movedim(1, -1).contiguous().movedim(-1, 1)  # channels innermost, for every rank
    if nd == 2:
        cl = base.to(memory_format=torch.channels_last)
        assert cl.is_contiguous(memory_format=torch.channels_last)
    elif nd == 3:
        cl = base.to(memory_format=torch.channels_last_3d)
    assert not cl.is_contiguous()
    big = torch.zeros(*shape[:-1], 2 * shape[-1], dtype=base.dtype)
    big[..., ::2] = base
    sliced = big[..., ::2]
    assert not sliced.is_contiguous()
    return base, {"channels_last": cl, "sliced": sliced}


@pytest.mark.parametrize("layout", ["channels_last", "sliced"])
@pytest.mark.parametrize("nd,transposed", [(1, False), (2, False), (3, False), (2, True), (3, True)])
def test_backward_independent_of_input_layout(nd, transposed, layout):
    if transposed:
        m = CONVT_MOD[nd](3, 4, 3, stride=2, padding=1, output_padding=1, dtype=torch.complex128)
        shape = (2, 3, *SPATIAL_T[nd])
    else:
        m = CONV_MOD[nd](3, 4, 3, padding=1, stride=2, dtype=torch.complex128)
        shape = (2, 3, *SPATIAL[nd])
    base, variants = _layout_variants(nd, shape)
    other = variants[layout]
    results = []
    for x0 in (base, other):
        m.zero_grad()
        x = x0.detach().requires_grad_(True)
        out = m(x)
        g = torch.ones_like(out) * (1 + 2j) + torch.arange(out.numel(), dtype=torch.float64).reshape(out.shape)
        (out * g).real.sum().backward()
        results.append((out.detach().clone(), x.grad.clone(), m.weight.grad.clone(), m.bias.grad.clone()))
    for a, b in zip(*results):
        assert a.shape == b.shape
        assert torch.allclose(a, b, rtol=0, atol=1e-11), (a - b).abs().max()
    # and it is the right one: for L = Re sum(out * g) with out = T x linear, PyTorch's grad is conj(T^T g)
    if not transposed:
        out0 = results[0][0]
        g = torch.ones_like(out0) * (1 + 2j) + torch.arange(out0.numel(), dtype=torch.float64).reshape(out0.shape)
        opad = tuple((s - 1) % 2 for s in shape[2:])
        ref = CONVT_FN[nd](g, m.weight.detach(), stride=2, padding=1, output_padding=opad).conj()
        assert torch.allclose(results[0][1], ref, rtol=0, atol=1e-9)


@pytest.mark.parametrize("which", ["input", "weight", "bias", "weight+bias"])
@pytest.mark.parametrize("transposed", [False, True])
def test_backward_with_partial_requires_grad(which, transposed):
    """Only some of input/weight/bias require grad (frozen layer, first layer): the grads that exist are unchanged."""
    fn = CF.conv_transpose2d if transposed else CF.conv2d
    kw = dict(stride=2, padding=1, output_padding=1) if transposed else dict(stride=2, padding=1)
    x, w, b = crandn(2, 3, 4, 5), crandn(3, 4, 3, 3), crandn(4) if transposed else crandn(3)
    if not transposed:
        w = crandn(3, 3, 3, 3)
    g = crandn(*fn(x, w, b, **kw).shape)
    full = [t.clone().requires_grad_(True) for t in (x, w, b)]
    (fn(*full, **kw) * g).real.sum().backward()
    part = [t.clone().requires_grad_(name in which) for name, t in zip(("input", "weight", "bias"), (x, w, b))]
    out = fn(*part, **kw)
    assert out.requires_grad
    (out * g).real.sum().backward()
    for name, p, f in zip(("input", "weight", "bias"), part, full):
        if name in which:
            assert torch.allclose(p.grad, f.grad, rtol=0, atol=1e-10)
        else:
            assert p.grad is None


def test_backward_with_noncontiguous_grad_output():
    m = cnn.ComplexConv2d(3, 4, 3, padding=1, dtype=torch.complex128)
    x = crandn(2, 3, 5, 6, requires_grad=True)
    out = m(x)
    g_base = crandn(2, 5, 6, 4)  # (N, H, W, C) storage, permuted view as (N, C, H, W)
    g = g_base.permute(0, 3, 1, 2)
    assert not g.is_contiguous()
    out.backward(g)
    gx1, gw1 = x.grad.clone(), m.weight.grad.clone()
    x.grad, m.weight.grad = None, None
    m(x).backward(g.contiguous())
    assert torch.allclose(gx1, x.grad, atol=1e-11) and torch.allclose(gw1, m.weight.grad, atol=1e-11)


# -------------------------------------------------------------------------------------------- module mechanics
@pytest.mark.parametrize("cls,args,kw,xs", [
    (cnn.ComplexConv1d, (3, 4, 3), dict(padding=1, padding_mode="circular"), (2, 3, 7)),
    (cnn.ComplexConv2d, (4, 2, (2, 3)), dict(groups=2, padding="same"), (2, 4, 5, 6)),
    (cnn.ComplexConv3d, (2, 3, 2), dict(stride=2), (1, 2, 4, 5, 4)),
    (cnn.ComplexConvTranspose2d, (3, 2, 3), dict(stride=2, output_padding=1), (2, 3, 3, 4)),
])
def test_state_dict_round_trip_and_to_complex128(cls, args, kw, xs):
    m = cls(*args, **kw)
    assert m.weight.dtype == torch.complex64  # default dtype
    with torch.no_grad():
        m.bias.copy_(crandn(*m.bias.shape, dtype=torch.complex64))
    x = crandn(*xs, dtype=torch.complex64)
    sd = m.state_dict()
    assert set(sd) == {"weight", "bias"}
    m2 = cls(*args, **kw)
    assert not torch.equal(m2.weight, m.weight)
    m2.load_state_dict(sd)
    assert torch.equal(m2(x), m(x))
    # .to(complex128): parameters and output follow, values are the upcast computation
    w64 = to_numpy(m.weight)
    m.to(torch.complex128)
    assert m.weight.dtype == torch.complex128 and m.bias.dtype == torch.complex128
    x128 = x.to(torch.complex128)
    out = m(x128)
    assert out.dtype == torch.complex128
    np.testing.assert_array_equal(to_numpy(m.weight), w64)
    assert_matches(out, to_numpy(m2(x)), dtype=torch.complex64)
    with pytest.raises(TypeError):
        m(x)  # complex64 into a complex128 module: no silent cast


def test_default_dtype_follows_torch_default():
    old = torch.get_default_dtype()
    try:
        torch.set_default_dtype(torch.float64)
        assert cnn.ComplexConv2d(2, 2, 3).weight.dtype == torch.complex128
    finally:
        torch.set_default_dtype(old)
    assert cnn.ComplexConv2d(2, 2, 3).weight.dtype == torch.complex64
    assert cnn.ComplexConv2d(2, 2, 3, dtype=torch.complex128).bias.dtype == torch.complex128


@CUDA
@pytest.mark.parametrize("cls,args,kw,xs", [
    (cnn.ComplexConv2d, (3, 4, 3), dict(padding=1, stride=2, groups=1), (2, 3, 7, 6)),
    (cnn.ComplexConv2d, (4, 4, 3), dict(padding="same", groups=2, padding_mode="reflect"), (2, 4, 7, 6)),
    (cnn.ComplexConv3d, (2, 3, 2), dict(padding=1), (2, 2, 4, 5, 4)),
    (cnn.ComplexConvTranspose2d, (3, 2, 3), dict(stride=2, output_padding=1, dilation=1), (2, 3, 4, 5)),
])
@pytest.mark.parametrize("dtype", DTYPES)
def test_cuda_matches_cpu(cls, args, kw, xs, dtype):
    m = cls(*args, **kw, dtype=dtype)
    with torch.no_grad():
        m.bias.copy_(crandn(*m.bias.shape, dtype=dtype))
    x = crandn(*xs, dtype=dtype, requires_grad=True)
    out = m(x)
    (out.abs() ** 2).sum().backward()
    mc = cls(*args, **kw, dtype=dtype, device="cuda")
    mc.load_state_dict(m.state_dict())
    assert mc.weight.is_cuda
    xc = x.detach().cuda().requires_grad_(True)
    outc = mc(xc)
    assert outc.is_cuda and outc.dtype == dtype
    (outc.abs() ** 2).sum().backward()
    tol = 1e-3 if dtype == torch.complex64 else 1e-10  # TF32/cuDNN algorithms differ from CPU in float32
    scale = float(out.abs().max())
    assert (outc.cpu() - out).abs().max() <= tol * max(1.0, scale)
    assert (xc.grad.cpu() - x.grad).abs().max() <= tol * max(1.0, float(x.grad.abs().max()))
    assert (mc.weight.grad.cpu() - m.weight.grad).abs().max() <= tol * max(1.0, float(m.weight.grad.abs().max()))


def test_torch_compile_matches_eager():
    torch._dynamo.reset()
    m = cnn.ComplexConv2d(3, 4, 3, padding=1, stride=(1, 2), dtype=torch.complex64)
    with torch.no_grad():
        m.bias.copy_(crandn(4, dtype=torch.complex64))
    x = crandn(2, 3, 5, 6, dtype=torch.complex64)
    eager = m(x)
    compiled = torch.compile(m)(x)
    assert compiled.dtype == torch.complex64 and compiled.shape == eager.shape
    assert_matches(compiled, to_numpy(eager))
    assert_matches(compiled, ref_conv(to_numpy(x), to_numpy(m.weight), to_numpy(m.bias), (1, 2), [(1, 1)] * 2, 1, 1))


# --------------------------------------------------------------------------------------------------- default init
@pytest.mark.parametrize("cls,args,kw,fan_in", [
    (cnn.ComplexConv2d, (64, 32, 3), {}, 64 * 9),
    (cnn.ComplexConv2d, (64, 64, 3), dict(groups=4), 16 * 9),
    (cnn.ComplexConv1d, (128, 32, 5), {}, 128 * 5),
    (cnn.ComplexConv3d, (16, 16, 3), {}, 16 * 27),
    (cnn.ComplexConv2d, (48, 32, (3, 2)), dict(dtype=torch.complex128), 48 * 6),
])
def test_default_init_statistics(cls, args, kw, fan_in):
    m = cls(*args, **kw)
    w = m.weight.detach().to(torch.complex128)
    n = w.numel()
    target = 1.0 / fan_in
    var_re, var_im = float(w.real.var()), float(w.imag.var())
    assert abs(var_re / target - 1) < 0.1, (var_re, target)
    assert abs(var_im / target - 1) < 0.1, (var_im, target)
    # not the doubled variance torch's real init rules give each part of a complex tensor
    assert var_re < 1.5 * target and var_im < 1.5 * target
    # E|W|^2 = 2 / fan_in; zero mean; Re and Im uncorrelated; phase uniform over the 4 quadrants
    assert abs(float((w.abs() ** 2).mean()) * fan_in / 2 - 1) < 0.1
    assert abs(float(w.real.mean())) < 5 * math.sqrt(target / n) and abs(float(w.imag.mean())) < 5 * math.sqrt(target / n)
    corr = float((w.real * w.imag).mean()) / math.sqrt(var_re * var_im)
    assert abs(corr) < 5 / math.sqrt(n)
    quad = torch.histc(w.angle(), bins=4, min=-math.pi, max=math.pi) / n
    assert torch.all((quad - 0.25).abs() < 0.03), quad
    assert torch.all(m.bias == 0)
    # reset_parameters redraws with the same law
    before = m.weight.detach().clone()
    m.reset_parameters()
    assert not torch.equal(before, m.weight)
    assert abs(float(m.weight.detach().real.var()) * fan_in - 1) < 0.1


# ----------------------------------------------------------------------------------------------------- bad input
ALL_MODULES = [
    (cnn.ComplexConv1d, 1), (cnn.ComplexConv2d, 2), (cnn.ComplexConv3d, 3),
    (cnn.ComplexConvTranspose1d, 1), (cnn.ComplexConvTranspose2d, 2), (cnn.ComplexConvTranspose3d, 3),
]
MODULE_IDS = [c.__name__ for c, _ in ALL_MODULES]


@pytest.mark.parametrize("cls,nd", ALL_MODULES, ids=MODULE_IDS)
def test_bad_input_dtype(cls, nd):
    m = cls(3, 2, 2)
    name = cls.__name__
    with pytest.raises(TypeError) as e:
        m(torch.randn(2, 3, *(4,) * nd))
    assert name in str(e.value) and "expects a complex tensor, got torch.float32" in str(e.value)
    with pytest.raises(TypeError) as e:
        m(torch.zeros(2, 3, *(4,) * nd, dtype=torch.complex32))
    assert name in str(e.value)
    with pytest.raises(TypeError) as e:
        m(crandn(2, 3, *(4,) * nd, dtype=torch.complex128))
    assert name in str(e.value) and "torch.complex128" in str(e.value)
    with pytest.raises(TypeError):
        m([[1.0]])


@pytest.mark.parametrize("cls,nd", ALL_MODULES, ids=MODULE_IDS)
def test_bad_input_shape(cls, nd):
    m = cls(3, 2, 2)
    name = cls.__name__
    with pytest.raises(ValueError) as e:
        m(crandn(2, 4, *(4,) * nd, dtype=torch.complex64))
    msg = str(e.value)
    assert name in msg and "expects 3" in msg and "got 4" in msg
    with pytest.raises(ValueError) as e:  # unbatched with the wrong channel count
        m(crandn(5, *(4,) * nd, dtype=torch.complex64))
    assert "got 5" in str(e.value)
    for rank in (nd, nd + 3):
        with pytest.raises(ValueError) as e:
            m(crandn(*(3,) * rank, dtype=torch.complex64))
        assert name in str(e.value) and f"{rank}D" in str(e.value)


@pytest.mark.parametrize("cls,nd", ALL_MODULES, ids=MODULE_IDS)
def test_bad_constructor_arguments(cls, nd):
    for dt in (torch.float32, torch.float64, torch.complex32):
        with pytest.raises(TypeError):
            cls(3, 2, 2, dtype=dt)
    with pytest.raises(ValueError):
        cls(4, 3, 2, groups=2)  # out not divisible
    with pytest.raises(ValueError):
        cls(3, 4, 2, groups=2)  # in not divisible
    with pytest.raises(ValueError):
        cls(3, 3, 2, groups=0)
    with pytest.raises(ValueError):
        cls(3, 3, 2, padding="full")
    with pytest.raises(ValueError):
        cls(3, 3, 2, padding_mode="mirror")


def test_bad_padding_arguments():
    with pytest.raises(ValueError):
        cnn.ComplexConv2d(3, 3, 3, padding="same", stride=2)
    with pytest.raises(ValueError):
        cnn.ComplexConvTranspose2d(3, 3, 3, padding="same")
    with pytest.raises(ValueError):
        cnn.ComplexConvTranspose2d(3, 3, 3, padding_mode="reflect")
    x, w = crandn(1, 2, 5, 5), crandn(2, 2, 3, 3)
    with pytest.raises(ValueError):
        CF.conv2d(x, w, padding="full")
    with pytest.raises(ValueError):
        CF.conv2d(x, w, padding="same", stride=2)
    with pytest.raises(ValueError):
        CF.conv_transpose2d(x, w, padding="same")
    with pytest.raises(ValueError):
        CF.conv2d(x, w, stride=(1, 2, 3))


def test_functional_bad_arguments():
    x, w = crandn(1, 4, 5, 5), crandn(2, 2, 3, 3)
    with pytest.raises(TypeError) as e:
        CF.conv2d(x.real, w)
    assert "conv2d" in str(e.value) and "expects a complex tensor, got torch.float64" in str(e.value)
    with pytest.raises(TypeError):
        CF.conv2d(x, w.real)
    with pytest.raises(TypeError):
        CF.conv2d(x, w.to(torch.complex64), groups=2)  # dtype mismatch
    with pytest.raises(TypeError):
        CF.conv2d(x, w, crandn(2, dtype=torch.complex64), groups=2)  # bias dtype mismatch
    with pytest.raises(TypeError):
        CF.conv2d(x, w, torch.zeros(2, dtype=torch.float64), groups=2)
    with pytest.raises(ValueError) as e:  # 4 channels, weight says 2 * groups(1)
        CF.conv2d(x, w)
    assert "expects 2" in str(e.value) and "got 4" in str(e.value)
    with pytest.raises(ValueError):
        CF.conv2d(x[0, 0], w, groups=2)  # 2D input
    with pytest.raises(ValueError):
        CF.conv2d(x, w[0], groups=2)  # 3D weight
    with pytest.raises(ValueError):
        CF.conv_transpose2d(crandn(1, 3, 4, 4), crandn(2, 2, 3, 3))  # transposed: in = weight.shape[0]
    with pytest.raises(TypeError):
        CF.conv1d(torch.zeros(1, 2, 5, dtype=torch.complex32), torch.zeros(2, 2, 3, dtype=torch.complex32))


@pytest.mark.parametrize("cls,nd", ALL_MODULES, ids=MODULE_IDS)
def test_empty_batch(cls, nd):
    transposed = cls in CONVT_MOD.values()
    kw = dict(stride=2, padding=1)
    m = cls(4, 6, 3, groups=2, **kw)
    real = (REAL_CONVT if transposed else REAL_CONV)[nd](4, 6, 3, groups=2, **kw)
    spatial = (5,) * nd
    x = crandn(0, 4, *spatial, dtype=torch.complex64, requires_grad=True)
    out = m(x)
    assert out.dtype == torch.complex64
    assert out.shape == real(torch.randn(0, 4, *spatial)).shape
    (out.abs() ** 2).sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape
    assert m.weight.grad is not None and m.weight.grad.shape == m.weight.shape
    assert torch.all(m.weight.grad == 0) and torch.all(m.bias.grad == 0)
