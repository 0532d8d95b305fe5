"""Complex pooling beyond 2-D (issue 23): max by modulus in 1-D/3-D, max unpooling, adaptive average (1-D/3-D) and
adaptive max by modulus (1-D to 3-D), spectral pooling in 1-D/3-D, against float64 NumPy window-loop references."""
from __future__ import annotations

import itertools
import logging
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from torch.autograd import gradcheck

import deepcomplex.functional as CF
from deepcomplex.nn import (ComplexAdaptiveAvgPool1d, ComplexAdaptiveAvgPool3d, ComplexAdaptiveMaxPool1d,
                            ComplexAdaptiveMaxPool2d, ComplexAdaptiveMaxPool3d, ComplexMaxPool1d, ComplexMaxPool2d,
                            ComplexMaxPool3d, ComplexMaxUnpool1d, ComplexMaxUnpool2d, ComplexMaxUnpool3d,
                            SpectralPool1d, SpectralPool3d)
from conftest import DTYPES, assert_matches, crandn, to_numpy

# ----------------------------------------------------------------------------------------------------------------
# NumPy references
# ----------------------------------------------------------------------------------------------------------------


def _tup(v, nd):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd


def _out_len(n, k, s, p, d, ceil):
    span = n + 2 * p - d * (k - 1) - 1
    o = (-(-span // s) if ceil else span // s) + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


def np_max_pool(x, nd, k, s=None, p=0, d=1, ceil=False):
    """Max by modulus over the last nd axes by window loops: (values, flat indices within each plane/volume)."""
    k, p, d = _tup(k, nd), _tup(p, nd), _tup(d, nd)
    s = _tup(s if s is not None else k, nd)
    sizes = x.shape[-nd:]
    outs = [_out_len(n, kk, ss, pp, dd, ceil) for n, kk, ss, pp, dd in zip(sizes, k, s, p, d)]
    lead = x.shape[:-nd]
    vals = np.zeros(lead + tuple(outs), dtype=np.complex128)
    idx = np.zeros(lead + tuple(outs), dtype=np.int64)
    for li in itertools.product(*[range(m) for m in lead]):
        for o in itertools.product(*[range(m) for m in outs]):
            axes = [[oi * ss - pp + dd * a for a in range(kk)] for oi, ss, pp, dd, kk in zip(o, s, p, d, k)]
            cand = [c for c in itertools.product(*axes) if all(0 <= ci < n for ci, n in zip(c, sizes))]
            best = max(cand, key=lambda c: abs(x[li + c]))
            vals[li + o] = x[li + best]
            idx[li + o] = np.ravel_multi_index(best, sizes)
    return vals, idx


def _bins(n, m):
    return [((i * n) // m, -(-((i + 1) * n) // m)) for i in range(m)]


def np_adaptive(x, nd, out, kind):
    """Adaptive average, or max by modulus with indices, over the last nd axes by explicit bins."""
    sizes = x.shape[-nd:]
    out = tuple(o if o is not None else n for o, n in zip(_tup(out, nd), sizes))
    lead = x.shape[:-nd]
    vals = np.zeros(lead + out, dtype=np.complex128)
    idx = np.zeros(lead + out, dtype=np.int64)
    bins = [_bins(n, m) for n, m in zip(sizes, out)]
    for li in itertools.product(*[range(m) for m in lead]):
        for o in itertools.product(*[range(m) for m in out]):
            ranges = [range(*bins[a][oi]) for a, oi in enumerate(o)]
            cells = list(itertools.product(*ranges))
            if kind == "avg":
                vals[li + o] = np.mean([x[li + c] for c in cells])
            else:
                best = max(cells, key=lambda c: abs(x[li + c]))
                vals[li + o] = x[li + best]
                idx[li + o] = np.ravel_multi_index(best, sizes)
    return vals, idx


def np_unpool(x, idx, nd, out_size):
    lead = x.shape[:-nd]
    y = np.zeros(lead + tuple(out_size), dtype=np.complex128)
    for li in itertools.product(*[range(m) for m in lead]):
        flat = y[li].reshape(-1)
        for v, i in zip(x[li].reshape(-1), idx[li].reshape(-1)):
            flat[i] = v
        y[li] = flat.reshape(out_size)
    return y


def _kept(n_in, n_out):
    return list(range((n_out + 1) // 2)) + list(range(n_in - n_out // 2, n_in))


def np_spectral(x, nd, out):
    axes = tuple(range(-nd, 0))
    spec = np.fft.fftn(x, axes=axes, norm="forward")
    for a, m in zip(axes, _tup(out, nd)):
        spec = np.take(spec, _kept(x.shape[a], m), axis=a)
    return np.fft.ifftn(spec, axes=axes, norm="forward")


# ----------------------------------------------------------------------------------------------------------------
# Max pooling by modulus, 1-D and 3-D
# ----------------------------------------------------------------------------------------------------------------

MAX1 = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=2, stride=1, dilation=3),
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), dict(kernel_size=2, stride=3, ceil_mode=True)]
MAX3 = [dict(kernel_size=2), dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0)),
        dict(kernel_size=2, stride=1, dilation=(1, 2, 1)), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nd,kw", [(1, k) for k in MAX1] + [(3, k) for k in MAX3], ids=str)
def test_max_pool_matches_reference_and_torch_indices(dtype, nd, kw):
    shape = (3, 4, 11) if nd == 1 else (2, 3, 4, 5, 6)  # N * C > 1: indices stay per plane
    x = crandn(*shape, dtype=dtype)
    ref_vals, ref_idx = np_max_pool(to_numpy(x), nd, kw["kernel_size"], kw.get("stride"), kw.get("padding", 0),
                                    kw.get("dilation", 1), kw.get("ceil_mode", False))
    fn, module = (CF.max_pool1d, ComplexMaxPool1d) if nd == 1 else (CF.max_pool3d, ComplexMaxPool3d)
    torch_pool = TF.max_pool1d if nd == 1 else TF.max_pool3d
    out, idx = fn(x, return_indices=True, **kw)
    assert out.dtype == dtype and idx.dtype == torch.int64
    assert torch.equal(idx, torch_pool(x.abs(), return_indices=True, **kw)[1])
    np.testing.assert_array_equal(idx.numpy(), ref_idx)
    assert_matches(out, ref_vals)
    m_out, m_idx = module(return_indices=True, **kw)(x)
    assert torch.equal(m_idx, idx) and torch.equal(m_out, out)
    assert_matches(module(**kw)(x[0]), ref_vals[0])  # unbatched


def test_max_pool_picks_largest_modulus_not_largest_real_part():
    x = torch.tensor([[[1 + 0j, 0.1 - 4j, 0.5j, 2 + 2j]]], dtype=torch.complex128)
    out, idx = CF.max_pool1d(x, 4, return_indices=True)
    assert out.item() == 0.1 - 4j and idx.item() == 1
    out, idx = ComplexMaxPool3d(2, return_indices=True)(x.reshape(1, 1, 1, 2, 2).expand(1, 1, 2, 2, 2))
    assert out.item() == 0.1 - 4j and idx.item() == 1


# ----------------------------------------------------------------------------------------------------------------
# Max unpooling
# ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nd,shape,kw", [
    (1, (2, 3, 9), dict(kernel_size=2)),
    (1, (2, 3, 10), dict(kernel_size=3, stride=2, padding=1)),
    (2, (2, 3, 6, 5), dict(kernel_size=2)),
    (2, (2, 3, 7, 8), dict(kernel_size=3, stride=2, padding=1)),
    (3, (1, 2, 4, 5, 6), dict(kernel_size=2)),
], ids=str)
def test_max_unpool_matches_reference_and_torch(dtype, nd, shape, kw):
    x = crandn(*shape, dtype=dtype)
    pool = {1: CF.max_pool1d, 2: CF.max_pool2d, 3: CF.max_pool3d}[nd]
    unpool = {1: CF.max_unpool1d, 2: CF.max_unpool2d, 3: CF.max_unpool3d}[nd]
    module = {1: ComplexMaxUnpool1d, 2: ComplexMaxUnpool2d, 3: ComplexMaxUnpool3d}[nd]
    torch_unpool = {1: TF.max_unpool1d, 2: TF.max_unpool2d, 3: TF.max_unpool3d}[nd]
    out, idx = pool(x, return_indices=True, **kw)
    size = shape[-nd:]  # restore the pooled input's size (which the default may not recover)
    expected = np_unpool(to_numpy(out), idx.numpy(), nd, size)
    y = unpool(out, idx, output_size=size, **kw)
    assert y.dtype == dtype and y.shape == shape
    assert_matches(y, expected)
    assert_matches(module(**kw)(out, idx, output_size=list(shape)), expected)
    want = torch.complex(torch_unpool(out.real, idx, output_size=size, **kw),
                         torch_unpool(out.imag, idx, output_size=size, **kw))
    assert torch.equal(y, want)
    assert torch.equal(pool(y, **kw), out)  # pooling again recovers the pooled values
    assert_matches(module(**kw)(out[0], idx[0], output_size=size), expected[0])  # unbatched


def test_max_unpool_default_size_and_bad_input():
    x = crandn(2, 3, 4, 6)
    out, idx = CF.max_pool2d(x, 2, return_indices=True)
    assert ComplexMaxUnpool2d(2)(out, idx).shape == (2, 3, 4, 6)
    with pytest.raises(ValueError, match=r"^ComplexMaxUnpool2d expects int64 indices of the input's shape"):
        ComplexMaxUnpool2d(2)(out, idx.int())
    with pytest.raises(ValueError, match=r"^ComplexMaxUnpool2d expects int64 indices of the input's shape"):
        ComplexMaxUnpool2d(2)(out, idx[:1])
    with pytest.raises(ValueError, match=r"^max_unpool2d: indices must lie in \[0, 24\)"):
        CF.max_unpool2d(out, idx + 20, 2)
    with pytest.raises(ValueError, match=r"^max_unpool2d: output_size \(7, 6\) must be within a stride"):
        CF.max_unpool2d(out, idx, 2, output_size=(7, 6))
    with pytest.raises(TypeError, match=r"^ComplexMaxUnpool1d expects a complex tensor, got torch.float32"):
        ComplexMaxUnpool1d(2)(torch.zeros(1, 2, 3), torch.zeros(1, 2, 3, dtype=torch.long))
    with pytest.raises(ValueError, match=r"^ComplexMaxUnpool3d expects a 4D or 5D input"):
        ComplexMaxUnpool3d(2)(crandn(2, 2, 2), torch.zeros(2, 2, 2, dtype=torch.long))


# ----------------------------------------------------------------------------------------------------------------
# Adaptive pooling
# ----------------------------------------------------------------------------------------------------------------

ADAPTIVE = [(1, (3, 4, 10), 4), (1, (3, 4, 7), 7), (1, (2, 3, 5), 8), (2, (2, 3, 7, 9), (3, 4)),
            (2, (2, 3, 7, 9), (None, 2)), (3, (2, 2, 5, 6, 7), (2, 3, 4)), (3, (2, 2, 5, 6, 7), 1),
            (3, (2, 2, 4, 5, 6), (3, None, 4))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nd,shape,size", ADAPTIVE, ids=str)
def test_adaptive_max_pool_matches_reference_and_torch_indices(dtype, nd, shape, size):
    x = crandn(*shape, dtype=dtype)
    ref_vals, ref_idx = np_adaptive(to_numpy(x), nd, size, "max")
    fn = {1: CF.adaptive_max_pool1d, 2: CF.adaptive_max_pool2d, 3: CF.adaptive_max_pool3d}[nd]
    module = {1: ComplexAdaptiveMaxPool1d, 2: ComplexAdaptiveMaxPool2d, 3: ComplexAdaptiveMaxPool3d}[nd]
    torch_pool = {1: TF.adaptive_max_pool1d, 2: TF.adaptive_max_pool2d, 3: TF.adaptive_max_pool3d}[nd]
    out, idx = fn(x, size, return_indices=True)
    assert out.dtype == dtype
    assert torch.equal(idx, torch_pool(x.abs(), size, return_indices=True)[1])
    np.testing.assert_array_equal(idx.numpy(), ref_idx)
    assert_matches(out, ref_vals)
    assert_matches(module(size)(x), ref_vals)
    assert_matches(module(size)(x[1]), ref_vals[1])  # unbatched


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nd,shape,size", [a for a in ADAPTIVE if a[0] != 2], ids=str)
def test_adaptive_avg_pool_matches_reference(dtype, nd, shape, size):
    x = crandn(*shape, dtype=dtype)
    expected, _ = np_adaptive(to_numpy(x), nd, size, "avg")
    fn, module = (CF.adaptive_avg_pool1d, ComplexAdaptiveAvgPool1d) if nd == 1 else (CF.adaptive_avg_pool3d,
                                                                                     ComplexAdaptiveAvgPool3d)
    out = fn(x, size)
    assert out.dtype == dtype
    assert_matches(out, expected)
    assert_matches(module(size)(x), expected)
    assert_matches(module(size)(x[0]), expected[0])  # unbatched
    if nd == 3:  # channels-last input (the layout the interleaved real view prefers) gives the same
        assert_matches(fn(x.contiguous(memory_format=torch.channels_last_3d), size), expected)


# ----------------------------------------------------------------------------------------------------------------
# Spectral pooling
# ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nd,shape,size", [(1, (2, 3, 16), 5), (1, (2, 3, 9), (4,)), (1, (2, 3, 6), 6),
                                           (3, (2, 2, 6, 7, 8), (3, 4, 5)), (3, (1, 2, 5, 4, 6), 2),
                                           (3, (1, 2, 5, 4, 6), (5, 1, 6))], ids=str)
def test_spectral_pool_matches_reference(dtype, nd, shape, size):
    x = crandn(*shape, dtype=dtype)
    expected = np_spectral(to_numpy(x), nd, size)
    fn, module = (CF.spectral_pool1d, SpectralPool1d) if nd == 1 else (CF.spectral_pool3d, SpectralPool3d)
    out = fn(x, size)
    assert out.dtype == dtype
    assert_matches(out, expected)
    assert_matches(module(size)(x), expected)
    assert_matches(module(size)(x[0]), expected[0])
    assert_matches(out.mean(dim=tuple(range(-nd, 0))), to_numpy(x).mean(axis=tuple(range(-nd, 0))), dtype=dtype)


def test_spectral_pool1d_resamples_band_limited_signal_exactly():
    n, m = 12, 5
    freqs = np.array([0, 1, 2, -2, -1])  # the frequencies a crop to 5 keeps
    coef = np.random.default_rng(1).standard_normal((3, 5)) + 1j * np.random.default_rng(2).standard_normal((3, 5))
    def sample(length):
        return np.einsum("ck,kt->ct", coef, np.exp(2j * np.pi * np.outer(freqs, np.arange(length)) / length))
    assert_matches(CF.spectral_pool1d(torch.from_numpy(sample(n)), m), sample(m))


def test_spectral_pool_bad_output_size():
    for size in (0, 9, (4, 4), (2, 2, 9)):
        nd, mod, x = (1, SpectralPool1d, crandn(1, 2, 8)) if not isinstance(size, tuple) or len(size) == 2 else \
            (3, SpectralPool3d, crandn(1, 2, 4, 4, 4))
        with pytest.raises(ValueError, match=f"^spectral_pool{nd}d: output_size must be {nd} int"):
            mod(size)(x)


# ----------------------------------------------------------------------------------------------------------------
# Gradients, modules, bad input, compile, export
# ----------------------------------------------------------------------------------------------------------------

def test_gradcheck_new_pools():
    x1 = crandn(2, 2, 7, requires_grad=True)
    assert gradcheck(lambda t: CF.max_pool1d(t, 3, 2, 1), (x1,))
    assert gradcheck(ComplexAdaptiveMaxPool1d(3), (x1,))
    assert gradcheck(ComplexAdaptiveAvgPool1d(4), (x1,))
    assert gradcheck(SpectralPool1d(4), (x1,))
    x2 = crandn(1, 2, 5, 6, requires_grad=True)
    assert gradcheck(lambda t: CF.adaptive_max_pool2d(t, (2, 4)), (x2,))
    x3 = crandn(1, 2, 3, 4, 4, requires_grad=True)
    assert gradcheck(ComplexMaxPool3d(2, stride=1), (x3,))
    assert gradcheck(lambda t: CF.adaptive_max_pool3d(t, 2), (x3,))
    assert gradcheck(lambda t: CF.adaptive_avg_pool3d(t, (2, 3, 3)), (x3,))
    assert gradcheck(lambda t: CF.spectral_pool3d(t, (2, 3, 2)), (x3,))
    out, idx = CF.max_pool2d(x2.detach(), 2, return_indices=True)
    assert gradcheck(lambda t: CF.max_unpool2d(t, idx, 2, output_size=(5, 6)), (out.requires_grad_(),))
    o1, i1 = CF.max_pool1d(x1.detach(), 2, return_indices=True)
    assert gradcheck(lambda t: ComplexMaxUnpool1d(2)(t, i1), (o1.requires_grad_(),))


def _modules():
    return [ComplexMaxPool1d(2), ComplexMaxPool3d(2), ComplexAdaptiveAvgPool1d(2), ComplexAdaptiveAvgPool3d(2),
            ComplexAdaptiveMaxPool1d(2), ComplexAdaptiveMaxPool2d(2), ComplexAdaptiveMaxPool3d(2), SpectralPool1d(2),
            SpectralPool3d(2)]


RANK = {"ComplexMaxPool1d": 3, "ComplexMaxPool3d": 5, "ComplexAdaptiveAvgPool1d": 3, "ComplexAdaptiveAvgPool3d": 5,
        "ComplexAdaptiveMaxPool1d": 3, "ComplexAdaptiveMaxPool2d": 4, "ComplexAdaptiveMaxPool3d": 5,
        "SpectralPool1d": 3, "SpectralPool3d": 5}


@pytest.mark.parametrize("module", _modules(), ids=lambda m: type(m).__name__)
def test_module_state_train_eval_and_bad_input(module):
    name = type(module).__name__
    rank = RANK[name]
    assert len(module.state_dict()) == 0 and not list(module.parameters())
    module.load_state_dict(module.state_dict())
    x = crandn(*(2, 3) + (4,) * (rank - 2))
    assert torch.equal(module.train()(x), module.eval()(x))
    with pytest.raises(TypeError, match=f"^{name} expects a complex tensor, got torch.float32"):
        module(torch.randn(x.shape))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z32 = torch.zeros(x.shape, dtype=torch.complex32)
    with pytest.raises(TypeError, match=f"^{name} supports torch.complex64 and torch.complex128"):
        module(z32)
    for bad in (rank - 2, rank + 1):
        with pytest.raises(ValueError, match=f"^{name} expects .*got {bad}D input"):
            module(torch.zeros((4,) * bad, dtype=torch.complex64))
    with pytest.raises(ValueError, match=f"^{name} expects non-empty spatial dimensions"):
        module(torch.zeros((2, 3) + (0,) * (rank - 2), dtype=torch.complex64))


def test_max_pool_too_small_input_names_the_layer():
    with pytest.raises(ValueError, match=r"^ComplexMaxPool1d: input of spatial size \(2,\) is too small"):
        ComplexMaxPool1d(3)(crandn(1, 2, 2))


@pytest.mark.parametrize("dtype", DTYPES)
def test_empty_batch_shapes_match_torch(dtype):
    real = torch.float32 if dtype == torch.complex64 else torch.float64
    for cmod, rmod, shape in [(ComplexMaxPool1d(3, 2, 1), torch.nn.MaxPool1d(3, 2, 1), (0, 3, 9)),
                              (ComplexMaxPool3d(2), torch.nn.MaxPool3d(2), (0, 2, 4, 4, 6)),
                              (ComplexAdaptiveAvgPool1d(3), torch.nn.AdaptiveAvgPool1d(3), (0, 3, 7)),
                              (ComplexAdaptiveMaxPool2d((2, 3)), torch.nn.AdaptiveMaxPool2d((2, 3)), (0, 3, 7, 8)),
                              (SpectralPool3d(2), None, (0, 2, 4, 4, 4))]:
        out = cmod(torch.zeros(shape, dtype=dtype))
        assert out.dtype == dtype
        want = rmod(torch.zeros(shape, dtype=real)).shape if rmod is not None else (0, 2, 2, 2, 2)
        assert out.shape == want, type(cmod).__name__


class _PoolNet(torch.nn.Module):
    """Every new pooling family in one network: max 1-D, spectral 1-D, max 3-D + unpool, adaptive max/avg."""

    def __init__(self):
        super().__init__()
        self.max3, self.unpool3 = ComplexMaxPool3d(2, return_indices=True), ComplexMaxUnpool3d(2)
        self.amax, self.aavg = ComplexAdaptiveMaxPool3d((2, 1, 3)), ComplexAdaptiveAvgPool1d(3)
        self.max1, self.spec = ComplexMaxPool1d(2), SpectralPool1d(5)

    def forward(self, z):
        z = self.unpool3(*self.max3(z))
        z = self.amax(z).flatten(2)
        return self.spec(self.max1(self.aavg(z).repeat(1, 1, 4)))


def test_new_pools_compile_to_the_eager_result():
    torch._dynamo.reset()
    net = _PoolNet()
    x = crandn(2, 3, 4, 4, 6, dtype=torch.complex64)
    compiled = torch.compile(net)
    torch.testing.assert_close(compiled(x), net(x), rtol=1e-5, atol=1e-5)


def test_new_pools_export_to_onnx(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    from deepcomplex.export import real_inputs, to_onnx

    net = _PoolNet().eval()
    x = crandn(2, 3, 4, 4, 6, dtype=torch.complex64)
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        path = to_onnx(net, x, tmp_path / "pools.onnx")
        two = to_onnx(ComplexMaxPool2d(2).eval(), x[:, :, 0], tmp_path / "max2d.onnx")  # the gather lowering
    finally:
        logging.disable(previous)
    x3 = crandn(3, 3, 4, 4, 6, dtype=torch.complex64)
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"input_0": real_inputs(x3)[0].numpy()})
    with torch.no_grad():
        np.testing.assert_allclose(got, torch.view_as_real(net(x3)).numpy(), rtol=1e-4, atol=1e-5)
    (got2,) = ort.InferenceSession(str(two), providers=["CPUExecutionProvider"]).run(
        None, {"input_0": real_inputs(x3[:, :, 0])[0].numpy()})
    np.testing.assert_array_equal(got2, torch.view_as_real(CF.max_pool2d(x3[:, :, 0], 2)).numpy())
