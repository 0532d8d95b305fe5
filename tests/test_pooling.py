"""Complex pooling (average, adaptive average, max by modulus, spectral) against float64 NumPy window-loop references."""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.autograd import gradcheck

import deepcomplex.backends
import deepcomplex.functional as CF
from deepcomplex.nn import (ComplexAdaptiveAvgPool2d, ComplexAvgPool1d, ComplexAvgPool2d, ComplexAvgPool3d,
                            ComplexMaxPool2d, SpectralPool2d)
from conftest import CUDA, DTYPES, assert_matches, crandn, to_numpy


# ----------------------------------------------------------------------------------------------------------------
# NumPy references
# ----------------------------------------------------------------------------------------------------------------

def _tup(v, nd):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd


def _out_len(n, k, s, p, d, ceil):
    """Output length of a pooling window sweep (PyTorch's rule, incl. dropping a last window starting in padding)."""
    span = n + 2 * p - d * (k - 1) - 1
    o = (-(-span // s) if ceil else span // s) + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


def np_avg_pool(x, nd, k, s=None, p=0, ceil=False, include_pad=True, divisor=None):
    """Average pool over the last ``nd`` axes of x (..., *S) by explicit window loops."""
    k = _tup(k, nd)
    s = _tup(s if s is not None else k, nd)
    p = _tup(p, nd)
    sizes = x.shape[-nd:]
    outs = [_out_len(n, kk, ss, pp, 1, ceil) for n, kk, ss, pp in zip(sizes, k, s, p)]
    y = np.zeros(x.shape[:-nd] + tuple(outs), dtype=np.complex128)
    for o in itertools.product(*[range(m) for m in outs]):
        sl, pool, count = [], 1, 1
        for i, n, kk, ss, pp in zip(o, sizes, k, s, p):
            start = i * ss - pp
            end = min(start + kk, n + pp)
            pool *= end - start
            cs, ce = max(start, 0), min(end, n)
            count *= ce - cs
            sl.append(slice(cs, ce))
        total = x[(Ellipsis, *sl)].sum(axis=tuple(range(-nd, 0)))
        div = divisor if divisor is not None else (pool if include_pad else count)
        y[(Ellipsis, *o)] = total / div
    return y


def np_adaptive_avg_pool2d(x, out):
    H, W = x.shape[-2:]
    oh, ow = _tup(out, 2)
    oh, ow = oh or H, ow or W
    y = np.zeros(x.shape[:-2] + (oh, ow), dtype=np.complex128)
    for i in range(oh):
        h0, h1 = (i * H) // oh, -(-((i + 1) * H) // oh)
        for j in range(ow):
            w0, w1 = (j * W) // ow, -(-((j + 1) * W) // ow)
            y[..., i, j] = x[..., h0:h1, w0:w1].mean(axis=(-2, -1))
    return y


def np_max_pool2d(x, k, s=None, p=0, d=1, ceil=False):
    """Max pool by modulus over the last two axes: (values, flat indices h * W + w within each plane)."""
    k, p, d = _tup(k, 2), _tup(p, 2), _tup(d, 2)
    s = _tup(s if s is not None else k, 2)
    H, W = x.shape[-2:]
    oh, ow = (_out_len(n, kk, ss, pp, dd, ceil) for n, kk, ss, pp, dd in zip((H, W), k, s, p, d))
    lead = x.shape[:-2]
    vals = np.zeros(lead + (oh, ow), dtype=np.complex128)
    idx = np.zeros(lead + (oh, ow), dtype=np.int64)
    for lead_i in itertools.product(*[range(m) for m in lead]):
        plane = x[lead_i]
        for i in range(oh):
            for j in range(ow):
                hs = [i * s[0] - p[0] + d[0] * a for a in range(k[0])]
                ws = [j * s[1] - p[1] + d[1] * b for b in range(k[1])]
                cand = [(h, w) for h in hs for w in ws if 0 <= h < H and 0 <= w < W]
                h, w = max(cand, key=lambda hw: abs(plane[hw]))
                vals[lead_i + (i, j)] = plane[h, w]
                idx[lead_i + (i, j)] = h * W + w
    return vals, idx


def _kept(n_in, n_out):
    return list(range((n_out + 1) // 2)) + list(range(n_in - n_out // 2, n_in))


def np_spectral_pool2d(x, out):
    h, w = _tup(out, 2)
    H, W = x.shape[-2:]
    spec = np.fft.fft2(x, norm="forward")
    spec = spec[..., _kept(H, h), :][..., _kept(W, w)]
    return np.fft.ifft2(spec, norm="forward")


# ----------------------------------------------------------------------------------------------------------------
# Average pooling
# ----------------------------------------------------------------------------------------------------------------

AVG_CASES = [
    dict(k=2),
    dict(k=3, s=1),
    dict(k=3, s=2, p=1),
    dict(k=3, s=2, p=1, include_pad=False),
    dict(k=3, s=2, p=1, ceil=True),
    dict(k=3, s=2, p=1, ceil=True, include_pad=False),
    dict(k=2, s=3, ceil=True),
]


def _avg_kwargs(case):
    return dict(kernel_size=case["k"], stride=case.get("s"), padding=case.get("p", 0),
                ceil_mode=case.get("ceil", False), count_include_pad=case.get("include_pad", True))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", AVG_CASES, ids=str)
def test_avg_pool1d(dtype, case):
    x = crandn(2, 3, 9, dtype=dtype)
    expected = np_avg_pool(to_numpy(x), 1, case["k"], case.get("s"), case.get("p", 0), case.get("ceil", False),
                           case.get("include_pad", True))
    kw = _avg_kwargs(case)
    out = CF.avg_pool1d(x, **kw)
    assert out.dtype == dtype
    assert_matches(out, expected)
    assert_matches(ComplexAvgPool1d(**kw)(x), expected)
    assert_matches(ComplexAvgPool1d(**kw)(x[0]), expected[0])  # unbatched (C, L)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", AVG_CASES + [dict(k=(2, 3), s=(1, 2), p=(1, 0))], ids=str)
def test_avg_pool2d(dtype, case):
    x = crandn(2, 3, 7, 8, dtype=dtype)
    expected = np_avg_pool(to_numpy(x), 2, case["k"], case.get("s"), case.get("p", 0), case.get("ceil", False),
                           case.get("include_pad", True))
    kw = _avg_kwargs(case)
    out = CF.avg_pool2d(x, **kw)
    assert out.dtype == dtype
    assert_matches(out, expected)
    assert_matches(ComplexAvgPool2d(**kw)(x), expected)
    assert_matches(CF.avg_pool2d(x[1], **kw), expected[1])  # unbatched (C, H, W)
    assert_matches(ComplexAvgPool2d(**kw)(x[1]), expected[1])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", [dict(k=2), dict(k=(2, 3, 2), s=(1, 2, 2), p=(1, 1, 0)),
                                  dict(k=3, s=2, p=1, ceil=True, include_pad=False)], ids=str)
def test_avg_pool3d(dtype, case):
    x = crandn(2, 2, 5, 4, 6, dtype=dtype)
    expected = np_avg_pool(to_numpy(x), 3, case["k"], case.get("s"), case.get("p", 0), case.get("ceil", False),
                           case.get("include_pad", True))
    kw = _avg_kwargs(case)
    out = CF.avg_pool3d(x, **kw)
    assert out.dtype == dtype
    assert_matches(out, expected)
    assert_matches(ComplexAvgPool3d(**kw)(x), expected)
    assert_matches(ComplexAvgPool3d(**kw)(x[0]), expected[0])  # unbatched (C, D, H, W)


def test_avg_pool_divisor_override():
    x = crandn(2, 3, 6, 6)
    expected = np_avg_pool(to_numpy(x), 2, 3, 2, 1, divisor=5)
    assert_matches(CF.avg_pool2d(x, 3, 2, 1, divisor_override=5), expected)
    assert_matches(ComplexAvgPool2d(3, 2, 1, divisor_override=5)(x), expected)
    x3 = crandn(1, 2, 4, 4, 4)
    expected3 = np_avg_pool(to_numpy(x3), 3, 2, divisor=3)
    assert_matches(CF.avg_pool3d(x3, 2, divisor_override=3), expected3)
    assert_matches(ComplexAvgPool3d(2, divisor_override=3)(x3), expected3)


def test_avg_pool_module_default_stride_is_kernel_size():
    x = crandn(1, 2, 8, 8)
    out = ComplexAvgPool2d(2)(x)
    assert out.shape == torch.nn.AvgPool2d(2)(x.real).shape == (1, 2, 4, 4)
    assert_matches(out, np_avg_pool(to_numpy(x), 2, 2, 2))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("out_size", [(3, 2), 4, (5, 7), (1, 1), (None, 3)], ids=str)
def test_adaptive_avg_pool2d(dtype, out_size):
    x = crandn(2, 3, 7, 9, dtype=dtype)
    expected = np_adaptive_avg_pool2d(to_numpy(x), out_size)
    out = CF.adaptive_avg_pool2d(x, out_size)
    assert out.dtype == dtype
    assert_matches(out, expected)
    assert_matches(ComplexAdaptiveAvgPool2d(out_size)(x), expected)
    assert_matches(ComplexAdaptiveAvgPool2d(out_size)(x[0]), expected[0])


def test_avg_pools_on_channels_last_and_strided_input():
    x = crandn(2, 3, 6, 8)
    xcl = x.contiguous(memory_format=torch.channels_last)
    assert_matches(CF.avg_pool2d(xcl, 3, 2, 1), np_avg_pool(to_numpy(x), 2, 3, 2, 1))
    assert_matches(CF.adaptive_avg_pool2d(xcl, (2, 3)), np_adaptive_avg_pool2d(to_numpy(x), (2, 3)))
    xv = x[:, :, ::2, 1:]
    assert_matches(CF.avg_pool2d(xv, 2), np_avg_pool(to_numpy(xv), 2, 2))
    xt = x.transpose(-1, -2)
    assert_matches(CF.avg_pool2d(xt, 2), np_avg_pool(to_numpy(xt), 2, 2))


# ----------------------------------------------------------------------------------------------------------------
# Max pooling by modulus
# ----------------------------------------------------------------------------------------------------------------

MAX_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(2, 3), stride=(1, 2)),
    dict(kernel_size=2, stride=1, dilation=2),
    dict(kernel_size=3, stride=2, padding=1, dilation=(1, 2)),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=2, stride=3, ceil_mode=True),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", MAX_CASES, ids=str)
def test_max_pool2d_matches_reference_and_torch_indices(dtype, kw):
    x = crandn(3, 4, 7, 8, dtype=dtype)  # N * C > 1: indices must stay per-plane
    ref_vals, ref_idx = np_max_pool2d(to_numpy(x), kw["kernel_size"], kw.get("stride"), kw.get("padding", 0),
                                      kw.get("dilation", 1), kw.get("ceil_mode", False))
    out, idx = CF.max_pool2d(x, return_indices=True, **kw)
    _, torch_idx = F.max_pool2d(x.abs(), return_indices=True, **kw)
    assert out.dtype == dtype and idx.dtype == torch.int64
    assert torch.equal(idx, torch_idx)
    np.testing.assert_array_equal(idx.numpy(), ref_idx)
    assert_matches(out, ref_vals)
    # values are exactly the selected input elements
    assert torch.equal(out, x.flatten(-2).gather(-1, idx.flatten(-2)).view(idx.shape))
    assert_matches(CF.max_pool2d(x, **kw), ref_vals)
    m_out, m_idx = ComplexMaxPool2d(return_indices=True, **kw)(x)
    assert torch.equal(m_idx, torch_idx)
    assert_matches(m_out, ref_vals)
    assert_matches(ComplexMaxPool2d(**kw)(x), ref_vals)


def test_max_pool2d_indices_not_offset_by_plane():
    # regression target: a flat-over-(N, C) implementation returns indices >= H*W for every plane after the first
    x = crandn(3, 4, 6, 6)
    _, idx = CF.max_pool2d(x, 2, return_indices=True)
    assert int(idx.max()) < 36 and int(idx.min()) >= 0
    for n in range(3):
        for c in range(4):
            _, plane_idx = F.max_pool2d(x[n, c].abs()[None, None], 2, return_indices=True)
            assert torch.equal(idx[n, c], plane_idx[0, 0])


def test_max_pool2d_picks_largest_modulus_not_largest_real_part():
    x = torch.tensor([[[[1 + 0j, -3 + 0j], [0.5j, 2 + 2j]]]], dtype=torch.complex128)  # moduli 1, 3, 0.5, 2.83
    out, idx = CF.max_pool2d(x, 2, return_indices=True)
    assert out.item() == -3 + 0j and idx.item() == 1
    x = torch.tensor([[[[1 + 0j, 0.1 - 4j], [0.5j, 2 + 2j]]]], dtype=torch.complex128)
    out, idx = ComplexMaxPool2d(2, return_indices=True)(x)
    assert out.item() == 0.1 - 4j and idx.item() == 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_pool2d_unbatched(dtype):
    x = crandn(4, 5, 6, dtype=dtype)
    ref_vals, ref_idx = np_max_pool2d(to_numpy(x), 2, 1, 1)
    out, idx = CF.max_pool2d(x, 2, 1, 1, return_indices=True)
    assert out.shape == (4, 6, 7)
    np.testing.assert_array_equal(idx.numpy(), ref_idx)
    assert torch.equal(idx, F.max_pool2d(x.abs(), 2, 1, 1, return_indices=True)[1])
    assert_matches(out, ref_vals)
    assert_matches(ComplexMaxPool2d(2, 1, 1)(x), ref_vals)


def test_max_pool2d_channels_last_and_strided_input():
    x = crandn(2, 3, 6, 7)
    ref_vals, ref_idx = np_max_pool2d(to_numpy(x), 3, 2, 1)
    out, idx = CF.max_pool2d(x.contiguous(memory_format=torch.channels_last), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), ref_idx)
    assert_matches(out, ref_vals)
    xt = x.transpose(-1, -2)
    ref_vals, ref_idx = np_max_pool2d(to_numpy(xt), 2)
    out, idx = CF.max_pool2d(xt, 2, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), ref_idx)
    assert_matches(out, ref_vals)


def test_max_pool2d_gradient_routes_to_selected_elements():
    x = crandn(2, 3, 4, 4, requires_grad=True)
    g = crandn(2, 3, 2, 2)
    out, idx = CF.max_pool2d(x, 2, return_indices=True)
    out.backward(g)
    expected = np.zeros((2, 3, 16), dtype=np.complex128)
    gi, ii = to_numpy(g).reshape(2, 3, 4), idx.numpy().reshape(2, 3, 4)
    for n in range(2):
        for c in range(3):
            expected[n, c, ii[n, c]] += gi[n, c]
    assert_matches(x.grad, expected.reshape(2, 3, 4, 4))


# ----------------------------------------------------------------------------------------------------------------
# Spectral pooling
# ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size_in,size_out", [((8, 8), (4, 4)), ((9, 7), (5, 4)), ((6, 10), (3, 6)),
                                              ((8, 8), (8, 8)), ((5, 6), (1, 1)), ((7, 8), (6, 7))], ids=str)
def test_spectral_pool2d_matches_reference(dtype, size_in, size_out):
    x = crandn(2, 3, *size_in, dtype=dtype)
    expected = np_spectral_pool2d(to_numpy(x), size_out)
    out = CF.spectral_pool2d(x, size_out)
    assert out.dtype == dtype and out.shape == (2, 3, *size_out)
    assert_matches(out, expected)
    assert_matches(SpectralPool2d(size_out)(x), expected)
    assert_matches(SpectralPool2d(size_out)(x[1]), expected[1])  # unbatched


def test_spectral_pool2d_int_output_size():
    x = crandn(2, 2, 9, 10)
    expected = np_spectral_pool2d(to_numpy(x), (5, 5))
    assert_matches(CF.spectral_pool2d(x, 5), expected)
    assert_matches(SpectralPool2d(5)(x), expected)


def test_spectral_pool2d_identity_at_full_size():
    x = crandn(2, 3, 7, 6)
    assert_matches(CF.spectral_pool2d(x, (7, 6)), to_numpy(x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size_in,size_out", [((8, 8), (4, 4)), ((9, 7), (2, 3)), ((10, 6), (5, 5))], ids=str)
def test_spectral_pool2d_preserves_plane_means(dtype, size_in, size_out):
    x = crandn(3, 4, *size_in, dtype=dtype) + 0.7 - 0.3j
    out = CF.spectral_pool2d(x, size_out)
    assert_matches(out.mean(dim=(-2, -1)), to_numpy(x).mean(axis=(-2, -1)), dtype=dtype)


@pytest.mark.parametrize("size_in,size_out", [((12, 12), (4, 6)), ((9, 8), (5, 3)), ((10, 11), (6, 4)),
                                              ((16, 16), (8, 8))], ids=str)
def test_spectral_pool2d_resamples_band_limited_signal_exactly(size_in, size_out):
    # f(s, t) = sum_{k, l kept} c_kl exp(2 pi i (k s + l t)) on [0, 1)^2, with k, l the *signed* frequencies that
    # survive the crop. Sampling f on the H x W grid and pooling must give f sampled on the h x w grid.
    H, W = size_in
    h, w = size_out
    fk = np.array(list(range((h + 1) // 2)) + list(range(-(h // 2), 0)))
    fl = np.array(list(range((w + 1) // 2)) + list(range(-(w // 2), 0)))
    rng = np.random.default_rng(1)
    coef = rng.standard_normal((2, len(fk), len(fl))) + 1j * rng.standard_normal((2, len(fk), len(fl)))

    def sample(n, m):
        s, t = np.arange(n) / n, np.arange(m) / m
        es = np.exp(2j * np.pi * np.outer(s, fk))  # (n, K)
        et = np.exp(2j * np.pi * np.outer(fl, t))  # (L, m)
        return np.einsum("nk,ckl,lm->cnm", es, coef, et)

    x = torch.from_numpy(sample(H, W))
    expected = sample(h, w)
    assert_matches(CF.spectral_pool2d(x, size_out), expected)
    assert_matches(SpectralPool2d(size_out)(x.unsqueeze(0)), expected[None])


def test_spectral_pool2d_removes_frequencies_outside_the_crop():
    H, W = 8, 8
    n = np.arange(H)[:, None] / H
    m = np.arange(W)[None, :] / W
    high = np.exp(2j * np.pi * (3 * n + 0 * m))  # frequency 3 along H is cut when keeping 4 rows (0, 1, -2, -1)
    x = torch.from_numpy((1.5 + high)[None, None])
    out = CF.spectral_pool2d(x, (4, 4))
    assert_matches(out, np.full((1, 1, 4, 4), 1.5, dtype=np.complex128))


# ----------------------------------------------------------------------------------------------------------------
# Gradients
# ----------------------------------------------------------------------------------------------------------------

def test_gradcheck_avg_pools():
    x1 = crandn(1, 2, 7, requires_grad=True)
    assert gradcheck(lambda t: CF.avg_pool1d(t, 3, 2, 1, True, False), (x1,))
    assert gradcheck(ComplexAvgPool1d(2), (x1,))
    x2 = crandn(1, 1, 5, 6, requires_grad=True)
    assert gradcheck(lambda t: CF.avg_pool2d(t, 3, 2, 1, True, False), (x2,))
    assert gradcheck(ComplexAvgPool2d((2, 3), 1), (x2,))
    assert gradcheck(ComplexAdaptiveAvgPool2d((2, 4)), (x2,))
    assert gradcheck(lambda t: CF.adaptive_avg_pool2d(t, 3), (x2,))
    x3 = crandn(1, 1, 3, 3, 4, requires_grad=True)
    assert gradcheck(lambda t: CF.avg_pool3d(t, 2, 1, 1), (x3,))
    assert gradcheck(ComplexAvgPool3d(2), (x3,))


def test_gradcheck_max_pool2d():
    x = crandn(1, 2, 5, 5, requires_grad=True)
    assert gradcheck(lambda t: CF.max_pool2d(t, 3, 2, 1), (x,))
    assert gradcheck(ComplexMaxPool2d(2, stride=1, dilation=2), (x,))
    assert gradcheck(lambda t: ComplexMaxPool2d(2, return_indices=True, ceil_mode=True)(t)[0], (x,))
    xb = crandn(3, 4, 4, 4, requires_grad=True)  # N * C > 1
    assert gradcheck(lambda t: CF.max_pool2d(t, 2), (xb,), fast_mode=True)


def test_gradcheck_spectral_pool2d():
    x = crandn(1, 2, 6, 5, requires_grad=True)
    assert gradcheck(lambda t: CF.spectral_pool2d(t, (3, 4)), (x,))
    assert gradcheck(SpectralPool2d(3), (x,))


# ----------------------------------------------------------------------------------------------------------------
# Modules, devices, bad input, edge shapes
# ----------------------------------------------------------------------------------------------------------------

def _all_modules():
    return [ComplexAvgPool1d(2), ComplexAvgPool2d(2), ComplexAvgPool3d(2), ComplexAdaptiveAvgPool2d(2),
            ComplexMaxPool2d(2), SpectralPool2d(2)]


@pytest.mark.parametrize("module", _all_modules(), ids=lambda m: type(m).__name__)
def test_pooling_modules_have_empty_state_dict(module):
    assert len(module.state_dict()) == 0
    assert len(list(module.parameters())) == 0


INPUT_RANK = {"ComplexAvgPool1d": 3, "ComplexAvgPool2d": 4, "ComplexAvgPool3d": 5, "ComplexAdaptiveAvgPool2d": 4,
              "ComplexMaxPool2d": 4, "SpectralPool2d": 4}


@pytest.mark.parametrize("module", _all_modules(), ids=lambda m: type(m).__name__)
def test_real_input_raises_type_error_naming_the_layer(module):
    name = type(module).__name__
    shape = (1, 2) + (4,) * (INPUT_RANK[name] - 2)
    with pytest.raises(TypeError, match=f"^{name} expects a complex tensor, got torch.float32"):
        module(torch.randn(*shape))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z32 = torch.zeros(*shape, dtype=torch.complex32)
    with pytest.raises(TypeError, match=name):
        module(z32)


@pytest.mark.parametrize("module", _all_modules(), ids=lambda m: type(m).__name__)
def test_wrong_rank_raises_value_error(module):
    name = type(module).__name__
    rank = INPUT_RANK[name]
    for bad in (rank - 2, rank + 1):
        x = torch.zeros((4,) * bad, dtype=torch.complex64)
        with pytest.raises(ValueError, match=f"^{name} expects .*got {bad}D input"):
            module(x)


@pytest.mark.parametrize("fn,rank", [(lambda x: CF.avg_pool1d(x, 2), 3), (lambda x: CF.avg_pool2d(x, 2), 4),
                                     (lambda x: CF.avg_pool3d(x, 2), 5),
                                     (lambda x: CF.adaptive_avg_pool2d(x, 2), 4),
                                     (lambda x: CF.max_pool2d(x, 2), 4), (lambda x: CF.spectral_pool2d(x, 2), 4)])
def test_functional_wrong_rank_and_real_input(fn, rank):
    with pytest.raises(ValueError, match=f"got {rank + 1}D input"):
        fn(torch.zeros((4,) * (rank + 1), dtype=torch.complex64))
    with pytest.raises(ValueError, match=f"got {rank - 2}D input"):
        fn(torch.zeros((4,) * (rank - 2), dtype=torch.complex64))
    with pytest.raises(TypeError, match="expects a complex tensor, got torch.float32"):
        fn(torch.zeros((4,) * rank))


def test_spectral_pool_output_larger_than_input_raises():
    x = crandn(1, 2, 6, 8)
    for size in ((7, 4), (4, 9), 9, (0, 4), (4, 0)):
        with pytest.raises(ValueError, match="output_size"):
            SpectralPool2d(size)(x)
        with pytest.raises(ValueError, match="output_size"):
            CF.spectral_pool2d(x, size)


@pytest.mark.parametrize("dtype", DTYPES)
def test_empty_batch_shapes_match_torch(dtype):
    real = torch.float32 if dtype == torch.complex64 else torch.float64
    cases = [
        (ComplexAvgPool1d(3, 2, 1), torch.nn.AvgPool1d(3, 2, 1), (0, 3, 9)),
        (ComplexAvgPool2d(3, 2, 1, ceil_mode=True), torch.nn.AvgPool2d(3, 2, 1, ceil_mode=True), (0, 3, 7, 8)),
        (ComplexAvgPool3d(2), torch.nn.AvgPool3d(2), (0, 3, 4, 4, 6)),
        (ComplexAdaptiveAvgPool2d((2, 3)), torch.nn.AdaptiveAvgPool2d((2, 3)), (0, 3, 7, 8)),
        (ComplexMaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1), (0, 3, 7, 8)),
    ]
    for cmod, rmod, shape in cases:
        out = cmod(torch.zeros(shape, dtype=dtype))
        assert out.dtype == dtype
        assert out.shape == rmod(torch.zeros(shape, dtype=real)).shape, type(cmod).__name__
    out, idx = ComplexMaxPool2d(2, return_indices=True)(torch.zeros(0, 3, 4, 4, dtype=dtype))
    assert out.shape == idx.shape == (0, 3, 2, 2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_spectral_pool_empty_batch(dtype):
    out = SpectralPool2d((2, 3))(torch.zeros(0, 3, 4, 6, dtype=dtype))
    assert out.shape == (0, 3, 2, 3) and out.dtype == dtype


@CUDA
@pytest.mark.parametrize("dtype", DTYPES)
def test_pooling_on_cuda(dtype):
    x = crandn(3, 4, 7, 8, dtype=dtype)
    xn = to_numpy(x)
    xc = x.cuda()
    out = ComplexAvgPool2d(3, 2, 1, count_include_pad=False)(xc)
    assert out.device.type == "cuda"
    assert_matches(out, np_avg_pool(xn, 2, 3, 2, 1, include_pad=False))
    assert_matches(ComplexAdaptiveAvgPool2d((3, 2))(xc), np_adaptive_avg_pool2d(xn, (3, 2)))
    ref_vals, ref_idx = np_max_pool2d(xn, 3, 2, 1)
    out, idx = ComplexMaxPool2d(3, 2, 1, return_indices=True)(xc)
    assert out.device.type == "cuda" and idx.device.type == "cuda"
    np.testing.assert_array_equal(idx.cpu().numpy(), ref_idx)
    assert_matches(out, ref_vals)
    out = SpectralPool2d((4, 5))(xc)
    assert out.device.type == "cuda"
    assert_matches(out, np_spectral_pool2d(xn, (4, 5)))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=2, stride=2, divisor_override=3),
                                dict(kernel_size=(2, 2), stride=(2, 2))])
@pytest.mark.parametrize("shape", [(3, 4, 6, 8), (1, 1, 2, 2)])
def test_real_avg_pool2d_fast_path_matches_numpy(kw, shape):
    """The 2x2 fast path of the real helper CoShNet pools its real parts with: window means by NumPy, and gradients."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    n, c, h, w = shape
    ref = x.reshape(n, c, h // 2, 2, w // 2, 2).sum((3, 5)) / kw.get("divisor_override", 4)
    xt = torch.from_numpy(x).requires_grad_()
    out = CF.pooling.real_avg_pool2d(xt, **kw)
    assert out.grad_fn is not None and type(out.grad_fn).__name__ == "_AvgPool2x2Backward"
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(ref.shape)
    out.backward(torch.from_numpy(g))
    want = np.repeat(np.repeat(g, 2, 2), 2, 3) / kw.get("divisor_override", 4)
    np.testing.assert_allclose(xt.grad.numpy(), want, rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda t: CF.pooling.real_avg_pool2d(t, **kw), (xt.detach().requires_grad_(),))
    assert torch.autograd.gradgradcheck(lambda t: CF.pooling.real_avg_pool2d(t, **kw), (xt.detach().requires_grad_(),))


@pytest.mark.parametrize("case", [dict(shape=(2, 3, 7, 6), kw=dict(kernel_size=2)),  # odd height
                                  dict(shape=(2, 3, 6, 6), kw=dict(kernel_size=3)),
                                  dict(shape=(2, 3, 6, 6), kw=dict(kernel_size=2, stride=1)),
                                  dict(shape=(2, 3, 6, 6), kw=dict(kernel_size=2, padding=1)),
                                  dict(shape=(3, 6, 6), kw=dict(kernel_size=2)),  # unbatched
                                  dict(shape=(2, 3, 6, 6), kw=dict(kernel_size=2), channels_last=True)])
def test_real_avg_pool2d_other_cases_are_torchs(case):
    x = torch.randn(case["shape"], dtype=torch.float64)
    if case.get("channels_last"):
        x = x.contiguous(memory_format=torch.channels_last)
    out = CF.pooling.real_avg_pool2d(x.requires_grad_(), **case["kw"])
    assert "AvgPool2x2" not in type(out.grad_fn).__name__
    torch.testing.assert_close(out, F.avg_pool2d(x, **case["kw"]), rtol=0, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=(2, 2), stride=2, divisor_override=3)], ids=str)
def test_complex_avg_pool2d_2x2_path_on_nchw(dtype, kw):
    """NCHW complex input with 2x2 windows of stride 2 pools its real view without a layout copy: NumPy, gradients."""
    # the pure-PyTorch path (a GPU's, or without the build); the kernel's is in tests/test_kernels_activation_pool.py
    with deepcomplex.backends.extension_disabled():
        x = crandn(3, 4, 6, 8, dtype=dtype)
        divisor = kw.get("divisor_override", 4)
        ref = to_numpy(x).reshape(3, 4, 3, 2, 4, 2).sum((3, 5)) / divisor
        xt = x.detach().requires_grad_()
        out = CF.avg_pool2d(xt, **kw)
        assert out.dtype == dtype and type(out.grad_fn).__name__ == "ViewAsComplexBackward0"
        assert type(out.grad_fn.next_functions[0][0]).__name__ == "_AvgPool2x2Backward"
        assert_matches(out, ref)
        assert_matches(ComplexAvgPool2d(**kw)(x), ref)
        g = crandn(*ref.shape, dtype=dtype)
        out.backward(g)
        assert_matches(xt.grad, np.repeat(np.repeat(to_numpy(g), 2, 2), 2, 3) / divisor)
        x2 = crandn(2, 3, 4, 4, dtype=torch.complex128).requires_grad_()
        assert gradcheck(lambda t: CF.avg_pool2d(t, **kw), (x2,))
        assert torch.autograd.gradgradcheck(lambda t: CF.avg_pool2d(t, **kw), (x2,))
