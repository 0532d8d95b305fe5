"""Complex normalization (whitening batch/layer/group norm, naive batch norm) against float64 NumPy references.

The references whiten with an eigendecomposition (numpy.linalg.eigh) of V + eps I, independent of the closed-form
2x2 inverse square root used by the implementation.
"""
from __future__ import annotations

import io
import math
import os

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck

import deepcomplex.functional as CF
from deepcomplex import _extension
from deepcomplex.nn import (ComplexBatchNorm1d, ComplexBatchNorm2d, ComplexBatchNorm3d, ComplexGroupNorm,
                            ComplexLayerNorm, NaiveComplexBatchNorm2d)
from conftest import CUDA, DTYPES, assert_matches, crandn, to_numpy

INV_SQRT2 = 1.0 / math.sqrt(2.0)
BN_CLASSES = {1: ComplexBatchNorm1d, 2: ComplexBatchNorm2d, 3: ComplexBatchNorm3d}
# (class, input shape) covering (N, C), (N, C, L), (N, C, H, W), (N, C, D, H, W)
BN_CASES = [
    (ComplexBatchNorm1d, (16, 3)),
    (ComplexBatchNorm1d, (5, 3, 4)),
    (ComplexBatchNorm2d, (4, 3, 3, 5)),
    (ComplexBatchNorm3d, (3, 2, 2, 3, 4)),
]
BN_IDS = ["1d-NC", "1d-NCL", "2d", "3d"]


@pytest.fixture(autouse=True, params=["kernels", "torch"])
def backend(request):
    """Every test runs on the compiled CPU kernels and on the pure-PyTorch path (GPU, or no compiler)."""
    if request.param == "torch":
        with _extension.disabled():
            yield request.param
        return
    if not _extension.available():
        if os.environ.get("CI"):
            pytest.fail("compiled kernels are not built: run `python -m deepcomplex build-ext`")
        pytest.skip("compiled kernels are not built (python -m deepcomplex build-ext)")
    yield request.param


# ----------------------------------------------------------------------------------------------------------------
# NumPy references (float64 / complex128)
# ----------------------------------------------------------------------------------------------------------------

def _vec(z):
    """Complex (...) -> real (..., 2) = (Re, Im)."""
    z = np.asarray(z)
    return np.stack([z.real, z.imag], -1).astype(np.float64)


def _unvec(v):
    return v[..., 0] + 1j * v[..., 1]


def np_inv_sqrt(m):
    """Inverse square root of symmetric positive-definite (..., 2, 2) matrices via eigh."""
    lam, q = np.linalg.eigh(m)
    return (q * (1.0 / np.sqrt(lam))[..., None, :]) @ np.swapaxes(q, -1, -2)


def _cov_matrix(c3):
    """[Vrr, Vri, Vii] (..., 3) -> (..., 2, 2)."""
    c3 = np.asarray(c3, dtype=np.float64)
    m = np.empty(c3.shape[:-1] + (2, 2))
    m[..., 0, 0], m[..., 0, 1], m[..., 1, 0], m[..., 1, 1] = c3[..., 0], c3[..., 1], c3[..., 1], c3[..., 2]
    return m


def _gamma(weight):
    """Weight (..., 3) = [g_rr, g_ri, g_ii] -> flat (E, 2, 2) symmetric matrices."""
    return _cov_matrix(np.asarray(weight, dtype=np.float64).reshape(-1, 3))


def _whiten(v, eps, mean=None, cov=None):
    """v (..., M, 2): returns (W (v - mean), mean (..., 2), biased covariance (..., 2, 2)); W = (cov + eps I)^(-1/2)."""
    if mean is None:
        mean = v.mean(-2)
        vc = v - mean[..., None, :]
        cov = np.einsum("...mi,...mj->...ij", vc, vc) / v.shape[-2]
    else:
        vc = v - mean[..., None, :]
    w = np_inv_sqrt(cov + eps * np.eye(2))
    return np.einsum("...ij,...mj->...mi", w, vc), mean, cov


def np_batch_norm(x, weight=None, bias=None, eps=1e-4, running_mean=None, running_covar=None):
    """Per-channel whitening of complex (N, C, *S). With running stats given (eval), uses them instead of the batch's.

    Returns (output, batch-or-running mean (C,) complex, biased covariance (C, 2, 2)).
    """
    x = np.asarray(x)
    c = x.shape[1]
    moved = np.moveaxis(x, 1, 0)
    v = _vec(moved.reshape(c, -1))
    mean = None if running_mean is None else _vec(running_mean)
    cov = None if running_covar is None else _cov_matrix(running_covar)
    y, mean, cov = _whiten(v, eps, mean, cov)
    if weight is not None:
        y = np.einsum("cij,cmj->cmi", _gamma(weight), y)
    if bias is not None:
        y = y + _vec(bias)[:, None, :]
    return np.moveaxis(_unvec(y).reshape(moved.shape), 0, 1), _unvec(mean), cov


def np_running_stats(batches, momentum):
    """Running mean (C,) and running covariance (C, 3) after training on ``batches`` from the initial state."""
    c = batches[0].shape[1]
    rm = np.zeros(c, dtype=np.complex128)
    rc = np.tile([INV_SQRT2, 0.0, INV_SQRT2], (c, 1))
    for k, x in enumerate(batches, 1):
        _, mean, cov = np_batch_norm(x)
        n = x.size // c
        cu = cov * n / (n - 1)
        f = momentum if momentum is not None else 1.0 / k
        rm = (1 - f) * rm + f * mean
        rc = (1 - f) * rc + f * np.stack([cu[:, 0, 0], cu[:, 0, 1], cu[:, 1, 1]], -1)
    return rm, rc


def np_layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-4):
    x = np.asarray(x)
    e = int(np.prod(normalized_shape))
    v = _vec(x.reshape(-1, e))
    y, _, _ = _whiten(v, eps)
    if weight is not None:
        y = np.einsum("eij,bej->bei", _gamma(weight), y)
    if bias is not None:
        y = y + _vec(np.asarray(bias).reshape(-1))[None]
    return _unvec(y).reshape(x.shape)


def np_group_norm(x, num_groups, weight=None, bias=None, eps=1e-4):
    x = np.asarray(x)
    n, c = x.shape[:2]
    v = _vec(x.reshape(n, num_groups, -1))
    y, _, _ = _whiten(v, eps)
    y = y.reshape(n, c, -1, 2)
    if weight is not None:
        y = np.einsum("cij,ncsj->ncsi", _gamma(weight), y)
    if bias is not None:
        y = y + _vec(bias)[None, :, None, :]
    return _unvec(y).reshape(x.shape)


def np_naive_batch_norm(x, weight=None, bias=None, eps=1e-5):
    """Re and Im of each channel standardized independently (biased variance); weight/bias (2C,) [re_0, im_0, ...]."""
    x = np.asarray(x)
    parts = np.stack([x.real, x.imag], 2)  # (N, C, 2, *S)
    axes = (0,) + tuple(range(3, parts.ndim))
    mean = parts.mean(axis=axes, keepdims=True)
    var = parts.var(axis=axes, keepdims=True)
    y = (parts - mean) / np.sqrt(var + eps)
    shape = (1, x.shape[1], 2) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * np.asarray(weight).reshape(shape)
    if bias is not None:
        y = y + np.asarray(bias).reshape(shape)
    return y[:, :, 0] + 1j * y[:, :, 1]


def _set_affine(m, scale=0.5):
    """Random gamma (g_ri clearly nonzero) and random complex beta; returns them as NumPy arrays."""
    with torch.no_grad():
        w = torch.randn(m.weight.shape, dtype=torch.float64) * scale
        w[..., 0] += 1.0
        w[..., 2] += 0.8
        w[..., 1] += 0.3
        m.weight.copy_(w)
        m.bias.copy_(crandn(*m.bias.shape) * 0.5)
    return to_numpy(m.weight), to_numpy(m.bias)


def _grad_nodes(t):
    seen, stack = set(), [t.grad_fn]
    while stack:
        f = stack.pop()
        if f is None or f in seen:
            continue
        seen.add(f)
        stack.extend(g for g, _ in f.next_functions)
    return len(seen)


# ----------------------------------------------------------------------------------------------------------------
# The reference itself (so a wrong reference cannot silently agree with a wrong implementation)
# ----------------------------------------------------------------------------------------------------------------

def test_reference_inverse_sqrt():
    a = np.random.randn(5, 2, 2)
    m = a @ np.swapaxes(a, -1, -2) + 0.1 * np.eye(2)
    w = np_inv_sqrt(m)
    np.testing.assert_allclose(w @ m @ w, np.broadcast_to(np.eye(2), m.shape), atol=1e-12)
    np.testing.assert_allclose(w, np.swapaxes(w, -1, -2), atol=1e-14)
    assert np.all(np.linalg.eigvalsh(w) > 0)


def test_whitening_matrix_matches_eigh():
    vrr = torch.rand(50, dtype=torch.float64) * 3 + 0.01
    vii = torch.rand(50, dtype=torch.float64) * 3 + 0.01
    vri = (torch.rand(50, dtype=torch.float64) * 2 - 1) * torch.sqrt(vrr * vii)  # |rho| < 1: PSD
    vri[:5] = torch.sqrt(vrr[:5] * vii[:5])  # exactly singular V
    for eps in (1e-4, 0.3):
        wrr, wri, wii = CF.whitening_matrix(vrr, vri, vii, eps)
        ref = np_inv_sqrt(_cov_matrix(np.stack([to_numpy(vrr), to_numpy(vri), to_numpy(vii)], -1)) + eps * np.eye(2))
        np.testing.assert_allclose(to_numpy(wrr), ref[:, 0, 0], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(to_numpy(wri), ref[:, 0, 1], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(to_numpy(wii), ref[:, 1, 1], rtol=1e-9, atol=1e-9)


# ----------------------------------------------------------------------------------------------------------------
# 1. Batch norm vs reference: training, eval, affine, running statistics
# ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("cls,shape", BN_CASES, ids=BN_IDS)
def test_batch_norm_train_matches_reference(cls, shape, affine, dtype):
    m = cls(shape[1], affine=affine, dtype=dtype)
    w, b = _set_affine(m) if affine else (None, None)
    x = crandn(*shape, dtype=dtype) * 1.5 + (0.7 - 0.4j)
    y = m(x)
    assert y.dtype == dtype and y.shape == x.shape
    ref, _, _ = np_batch_norm(to_numpy(x), w, b)
    assert_matches(y, ref)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("cls,shape", BN_CASES, ids=BN_IDS)
def test_batch_norm_running_stats_and_eval(cls, shape, momentum, dtype):
    m = cls(shape[1], momentum=momentum, dtype=dtype)
    w, b = _set_affine(m)
    # different batches with different statistics (correlated parts, offsets)
    batches = []
    for k in range(3):
        x = crandn(*shape, dtype=dtype) * (1 + k) + (k - 0.5j * k)
        x = x + (0.3 * k) * x.real.to(dtype)
        batches.append(x)
        ref_train, _, _ = np_batch_norm(to_numpy(x), w, b)
        assert_matches(m(x), ref_train)
    assert int(m.num_batches_tracked) == 3
    rm, rc = np_running_stats([to_numpy(x) for x in batches], momentum)
    assert m.running_mean.dtype == dtype and not m.running_covar.is_complex()
    assert_matches(m.running_mean, rm)
    assert_matches(m.running_covar, rc)

    m.eval()
    x = crandn(*shape, dtype=dtype) * 2 + 1j
    ref_eval, _, _ = np_batch_norm(to_numpy(x), w, b, running_mean=rm, running_covar=rc)
    assert_matches(m(x), ref_eval)
    # eval leaves the statistics alone
    assert int(m.num_batches_tracked) == 3
    assert_matches(m.running_mean, rm)
    assert_matches(m.running_covar, rc)


def test_cumulative_average_is_plain_mean_of_batches():
    """momentum=None: after k batches the running stats are the plain average of the k batch statistics."""
    m = ComplexBatchNorm2d(2, momentum=None, dtype=torch.complex128)
    means, covs = [], []
    for k in range(4):
        x = crandn(3, 2, 4, 4) * (k + 1) + 2 * k
        m(x)
        xn = to_numpy(x)
        means.append(xn.mean(axis=(0, 2, 3)))
        v = _vec(np.moveaxis(xn, 1, 0).reshape(2, -1))
        vc = v - v.mean(1, keepdims=True)
        cu = np.einsum("cmi,cmj->cij", vc, vc) / (v.shape[1] - 1)
        covs.append(np.stack([cu[:, 0, 0], cu[:, 0, 1], cu[:, 1, 1]], -1))
    assert_matches(m.running_mean, np.mean(means, 0))
    assert_matches(m.running_covar, np.mean(covs, 0))


@pytest.mark.parametrize("eps", [1e-4, 0.5])
def test_functional_batch_norm_eps_and_direct_call(eps):
    """Functional API: eps on Vrr/Vii of the biased batch covariance (training) and of the running one (eval)."""
    c = 3
    x = crandn(6, c, 2, 2)
    weight = torch.randn(c, 3, dtype=torch.float64)
    bias = crandn(c)
    rm, rc = torch.zeros(c, dtype=torch.complex128), torch.tensor([[INV_SQRT2, 0.0, INV_SQRT2]] * c, dtype=torch.float64)
    y = CF.complex_batch_norm(x, rm, rc, weight, bias, training=True, momentum=0.25, eps=eps)
    ref, mean, cov = np_batch_norm(to_numpy(x), to_numpy(weight), to_numpy(bias), eps=eps)
    assert_matches(y, ref)
    n = x.numel() // c
    assert_matches(rm, 0.25 * mean)
    cu = cov * n / (n - 1)
    exp_rc = 0.75 * np.tile([INV_SQRT2, 0.0, INV_SQRT2], (c, 1)) + 0.25 * np.stack([cu[:, 0, 0], cu[:, 0, 1], cu[:, 1, 1]], -1)
    assert_matches(rc, exp_rc)
    # eval with explicit running stats
    x2 = crandn(2, c, 3, 1)
    y2 = CF.complex_batch_norm(x2, rm, rc, weight, bias, training=False, eps=eps)
    ref2, _, _ = np_batch_norm(to_numpy(x2), to_numpy(weight), to_numpy(bias), eps=eps, running_mean=to_numpy(rm),
                               running_covar=to_numpy(rc))
    assert_matches(y2, ref2)
    # no running stats: batch statistics even when not training
    y3 = CF.complex_batch_norm(x, None, None, weight, bias, training=False, eps=eps)
    assert_matches(y3, ref)


def test_batch_norm_non_contiguous_input():
    m = ComplexBatchNorm2d(3, dtype=torch.complex128)
    w, b = _set_affine(m)
    base = crandn(5, 4, 3, 6)
    x = base.permute(0, 2, 3, 1)[:, :, :, ::2]  # (5, 3, 6, 2) strided view
    x = x.permute(0, 1, 3, 2)  # (5, 3, 2, 6)
    assert not x.is_contiguous()
    ref, _, _ = np_batch_norm(to_numpy(x), w, b)
    assert_matches(m(x), ref)
    xl = crandn(4, 3, 5, 5).contiguous(memory_format=torch.channels_last)
    ref, _, _ = np_batch_norm(to_numpy(xl), w, b)
    assert_matches(m(xl), ref)


# ----------------------------------------------------------------------------------------------------------------
# 2. Output statistics on strongly correlated inputs
# ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_whitened_output_covariance(dtype):
    n = 4096
    eps = 1e-4
    real = torch.float64 if dtype == torch.complex128 else torch.float32
    re0 = torch.randn(n, dtype=real)
    ch0 = torch.complex(re0, 3 * re0 + 0.01 * torch.randn(n, dtype=real))  # near-singular V: lambda_min ~ 1e-5 < eps
    re1 = 2 * torch.randn(n, dtype=real)
    ch1 = torch.complex(re1, 0.8 * re1 + torch.randn(n, dtype=real))  # correlated but well-conditioned
    x = torch.stack([ch0, ch1], 1) + torch.tensor([5 - 3j, -2 + 4j], dtype=dtype)
    m = ComplexBatchNorm1d(2, eps=eps, dtype=dtype)
    y = to_numpy(m(x))

    v = _vec(to_numpy(x).T)  # (C, N, 2)
    vc = v - v.mean(1, keepdims=True)
    cov_in = np.einsum("cni,cnj->cij", vc, vc) / n
    assert abs(cov_in[0, 0, 1]) / np.sqrt(cov_in[0, 0, 0] * cov_in[0, 1, 1]) > 0.99  # strongly correlated input
    assert np.linalg.eigvalsh(cov_in[0])[0] < eps < 1e3 * eps < np.linalg.eigvalsh(cov_in[1])[0]

    yv = _vec(y.T)
    assert np.max(np.abs(yv.mean(1))) < 1e-3
    yc = yv - yv.mean(1, keepdims=True)
    cov_out = np.einsum("cni,cnj->cij", yc, yc) / n
    w = np_inv_sqrt(cov_in + eps * np.eye(2))
    expected = 0.5 * w @ cov_in @ w
    np.testing.assert_allclose(cov_out, expected, rtol=0, atol=1e-3)
    np.testing.assert_allclose(cov_out[1], 0.5 * np.eye(2), rtol=0, atol=1e-3)  # well-conditioned: 0.5 I
    # near-singular channel: eps is visible (the weak direction is shrunk), yet the output is decorrelated
    lam = np.linalg.eigvalsh(cov_out[0])
    assert lam[0] < 0.2 and abs(lam[1] - 0.5) < 1e-3


@pytest.mark.parametrize("shape", [(4096, 2), (1024, 2, 2, 2)], ids=["NC", "NCHW"])
def test_large_mean_float32(shape):
    # A mean 1000 times the spread: moments are centred (or summed in float64), so nothing cancels away.
    torch.manual_seed(0)
    re = torch.randn(*shape, dtype=torch.float64)
    z = torch.complex(re, 3 * re + 0.1 * torch.randn(*shape, dtype=torch.float64)) + (1000 + 1000j)
    y = ComplexBatchNorm2d(2) if len(shape) == 4 else ComplexBatchNorm1d(2)
    out = y(z.to(torch.complex64)).to(torch.complex128)
    ref, _, _ = np_batch_norm(to_numpy(z), np.tile([INV_SQRT2, 0.0, INV_SQRT2], (2, 1)), np.zeros(2, complex))
    assert np.abs(to_numpy(out) - ref).max() < 1e-2


def test_naive_batch_norm_leaves_correlation():
    """The naive baseline standardizes Re and Im separately, so correlated parts stay correlated (unlike whitening)."""
    re = torch.randn(2048, 1, 2, 2, dtype=torch.float64)
    x = torch.complex(re, 3 * re + torch.randn_like(re))  # corr(Re, Im) = 3 / sqrt(10) ~ 0.95, lambda_min ~ 0.1 >> eps
    y = to_numpy(NaiveComplexBatchNorm2d(1, dtype=torch.complex128)(x)).ravel()
    assert np.corrcoef(y.real, y.imag)[0, 1] > 0.9
    yw = to_numpy(ComplexBatchNorm2d(1, dtype=torch.complex128)(x)).ravel()
    assert abs(np.corrcoef(yw.real, yw.imag)[0, 1]) < 2e-3  # residual from eps only (~eps / lambda_min)


# ----------------------------------------------------------------------------------------------------------------
# 3. Layer norm and group norm
# ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("shape,normalized_shape", [((4, 6), 6), ((3, 2, 5), (5,)), ((2, 3, 4, 5), (4, 5)),
                                                     ((2, 3, 2, 2), (3, 2, 2))])
def test_layer_norm_matches_reference(shape, normalized_shape, affine, dtype):
    m = ComplexLayerNorm(normalized_shape, elementwise_affine=affine, dtype=dtype)
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
    if affine:
        assert m.weight.shape == (*ns, 3) and m.bias.shape == ns
        assert not m.weight.is_complex() and m.bias.dtype == dtype
    w, b = _set_affine(m) if affine else (None, None)
    x = crandn(*shape, dtype=dtype) * 2 + (1 - 1j)
    y = m(x)
    assert y.dtype == dtype
    assert_matches(y, np_layer_norm(to_numpy(x), ns, w, b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("shape,groups", [((3, 4, 5), 2), ((2, 6, 3, 3), 3), ((2, 4, 2, 3), 1), ((2, 4, 3, 3), 4),
                                          ((3, 12), 2), ((2, 2, 2, 2, 3), 2)])
def test_group_norm_matches_reference(shape, groups, affine, dtype):
    m = ComplexGroupNorm(groups, shape[1], affine=affine, dtype=dtype)
    w, b = _set_affine(m) if affine else (None, None)
    x = crandn(*shape, dtype=dtype) * 2 + (1 - 1j)
    y = m(x)
    assert y.dtype == dtype
    assert_matches(y, np_group_norm(to_numpy(x), groups, w, b))


def test_layer_and_group_norm_defaults():
    ln, gn = ComplexLayerNorm((3, 4)), ComplexGroupNorm(2, 4)
    for m in (ln, gn):
        assert m.weight.dtype == torch.float32 and m.bias.dtype == torch.complex64
        assert torch.equal(m.weight[..., 0], torch.full(m.weight.shape[:-1], INV_SQRT2))
        assert torch.equal(m.weight[..., 1], torch.zeros(m.weight.shape[:-1]))
        assert torch.equal(m.weight[..., 2], torch.full(m.weight.shape[:-1], INV_SQRT2))
        assert torch.count_nonzero(m.bias) == 0
    x = crandn(2, 4, 3, 4, dtype=torch.complex64)
    assert_matches(ln(x), INV_SQRT2 * np_layer_norm(to_numpy(x), (3, 4)))
    assert_matches(gn(x), INV_SQRT2 * np_group_norm(to_numpy(x), 2))


def test_layer_group_norm_bad_input():
    with pytest.raises(ValueError, match="divisible"):
        ComplexGroupNorm(3, 4)
    gn = ComplexGroupNorm(2, 4)
    with pytest.raises(TypeError, match="ComplexGroupNorm"):
        gn(torch.randn(2, 4, 3))
    with pytest.raises(ValueError, match=r"ComplexGroupNorm.*4.*got 6"):
        gn(crandn(2, 6, 3, dtype=torch.complex64))
    with pytest.raises(TypeError, match="ComplexGroupNorm"):
        gn(crandn(2, 4, 3, dtype=torch.complex128))
    ln = ComplexLayerNorm((3, 4))
    with pytest.raises(ValueError, match=r"ComplexLayerNorm.*\(2, 4, 3\)"):
        ln(crandn(2, 4, 3, dtype=torch.complex64))
    with pytest.raises(TypeError, match="ComplexLayerNorm"):
        ln(torch.randn(2, 3, 4))
    with pytest.raises(TypeError, match="ComplexLayerNorm"):
        ln(crandn(2, 3, 4, dtype=torch.complex128))
    with pytest.raises(ValueError, match="divisible"):
        CF.complex_group_norm(crandn(2, 4, 3), 3)


# ----------------------------------------------------------------------------------------------------------------
# 4. Naive complex batch norm
# ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_naive_batch_norm_matches_reference(dtype):
    c = 3
    m = NaiveComplexBatchNorm2d(c, dtype=dtype)
    real = torch.float32 if dtype == torch.complex64 else torch.float64
    assert m.num_features == c and m.weight.shape == (2 * c,) and m.weight.dtype == real
    with torch.no_grad():
        m.weight.copy_(torch.randn(2 * c, dtype=torch.float64) + 1)
        m.bias.copy_(torch.randn(2 * c, dtype=torch.float64))
    w, b = to_numpy(m.weight), to_numpy(m.bias)
    x = crandn(5, c, 3, 4, dtype=dtype) * torch.tensor([1.0, 2.0, 0.5], dtype=real).view(1, c, 1, 1) + 3j
    y = m(x)
    assert y.dtype == dtype
    xn = to_numpy(x)
    assert_matches(y, np_naive_batch_norm(xn, w, b))
    # running stats in [re_0, im_0, re_1, im_1, ...] order; running_var unbiased
    parts = np.stack([xn.real, xn.imag], 2).transpose(1, 2, 0, 3, 4).reshape(2 * c, -1)
    assert_matches(m.running_mean, 0.1 * parts.mean(1))
    assert_matches(m.running_var, 0.9 + 0.1 * parts.var(1, ddof=1))
    m.eval()
    x2 = crandn(2, c, 2, 2, dtype=dtype)
    x2n = to_numpy(x2)
    rm, rv = to_numpy(m.running_mean).reshape(1, c, 2, 1, 1), to_numpy(m.running_var).reshape(1, c, 2, 1, 1)
    p2 = (np.stack([x2n.real, x2n.imag], 2) - rm) / np.sqrt(rv + 1e-5)
    p2 = p2 * w.reshape(1, c, 2, 1, 1) + b.reshape(1, c, 2, 1, 1)
    assert_matches(m(x2), p2[:, :, 0] + 1j * p2[:, :, 1])


def test_naive_batch_norm_bad_input_and_empty():
    m = NaiveComplexBatchNorm2d(2)
    with pytest.raises(TypeError, match="NaiveComplexBatchNorm2d"):
        m(torch.randn(2, 2, 3, 3))
    with pytest.raises(TypeError, match="NaiveComplexBatchNorm2d"):
        m(crandn(2, 2, 3, 3, dtype=torch.complex128))
    with pytest.raises(ValueError, match=r"NaiveComplexBatchNorm2d.*2.*got 3"):
        m(crandn(2, 3, 3, 3, dtype=torch.complex64))
    with pytest.raises(ValueError, match="NaiveComplexBatchNorm2d"):
        m(crandn(2, 2, 3, dtype=torch.complex64))
    y = m(crandn(0, 2, 3, 3, dtype=torch.complex64))
    assert y.shape == (0, 2, 3, 3) and y.dtype == torch.complex64


def test_naive_batch_norm_functional_matches_reference_and_module():
    """F.naive_batch_norm: the float64 reference on (N, C, *) input, and bitwise the module's output and statistics."""
    c = 3
    torch.manual_seed(0)
    w, b = torch.randn(2 * c, dtype=torch.float64) + 1, torch.randn(2 * c, dtype=torch.float64)
    for shape in ((16, c), (5, c, 7), (5, c, 3, 4), (2, c, 2, 3, 4)):
        x = crandn(*shape) * 2 + (1 - 3j)
        ref = np_naive_batch_norm(to_numpy(x), to_numpy(w), to_numpy(b))
        assert_matches(CF.naive_batch_norm(x, None, None, w, b), ref)
        assert_matches(CF.naive_batch_norm(x, None, None, training=True), np_naive_batch_norm(to_numpy(x)))
    for momentum in (0.1, None):
        m = NaiveComplexBatchNorm2d(c, momentum=momentum, dtype=torch.complex128)
        with torch.no_grad():
            m.weight.copy_(w)
            m.bias.copy_(b)
        rm, rv = torch.zeros(2 * c, dtype=torch.float64), torch.ones(2 * c, dtype=torch.float64)
        count = torch.tensor(0)
        for step in range(2):
            x = crandn(5, c, 3, 4) * 2 + step
            count += 1
            y = CF.naive_batch_norm(x, rm, rv, w, b, training=True, momentum=momentum, num_batches_tracked=count)
            assert torch.equal(y, m(x))
            assert torch.equal(rm, m.running_mean) and torch.equal(rv, m.running_var)
        m.eval()
        x = crandn(2, c, 2, 2)
        assert torch.equal(CF.naive_batch_norm(x, rm, rv, w, b, momentum=momentum), m(x))
        rmn, rvn = to_numpy(rm).reshape(1, c, 2, 1, 1), to_numpy(rv).reshape(1, c, 2, 1, 1)
        ref = (np.stack([to_numpy(x).real, to_numpy(x).imag], 2) - rmn) / np.sqrt(rvn + 1e-5)
        ref = ref * to_numpy(w).reshape(1, c, 2, 1, 1) + to_numpy(b).reshape(1, c, 2, 1, 1)
        assert_matches(m(x), ref[:, :, 0] + 1j * ref[:, :, 1])


def test_naive_batch_norm_functional_gradcheck():
    c = 2
    x = (crandn(4, c, 3, 2) * 2 + 1j).requires_grad_()
    w = (torch.rand(2 * c, dtype=torch.float64) + 0.5).requires_grad_()
    b = torch.randn(2 * c, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda a, g, s: CF.naive_batch_norm(a, None, None, g, s, training=True), (x, w, b))
    rm, rv = torch.randn(2 * c, dtype=torch.float64), torch.rand(2 * c, dtype=torch.float64) + 0.5
    assert gradcheck(lambda a, g, s: CF.naive_batch_norm(a, rm, rv, g, s), (x, w, b))
    assert gradcheck(lambda a: CF.naive_batch_norm(a, None, None, training=True), (crandn(6, c, requires_grad=True),))


def test_naive_batch_norm_functional_bad_arguments():
    x = crandn(2, 3, 4, 4)
    with pytest.raises(TypeError, match="naive_batch_norm expects a complex tensor"):
        CF.naive_batch_norm(x.real, None, None)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        CF.naive_batch_norm(crandn(3), None, None)
    with pytest.raises(ValueError, match=r"naive_batch_norm expects weight of shape \(6,\) for 3 channels"):
        CF.naive_batch_norm(x, None, None, torch.ones(3, dtype=torch.float64))
    with pytest.raises(ValueError, match="both given or both None"):
        CF.naive_batch_norm(x, torch.zeros(6, dtype=torch.float64), None)
    with pytest.raises(ValueError, match="needs num_batches_tracked"):
        CF.naive_batch_norm(x, torch.zeros(6, dtype=torch.float64), torch.ones(6, dtype=torch.float64), training=True,
                            momentum=None)
    assert CF.naive_batch_norm(crandn(0, 3, 2, 2), None, None, training=True).shape == (0, 3, 2, 2)


# ----------------------------------------------------------------------------------------------------------------
# 5. Gradients
# ----------------------------------------------------------------------------------------------------------------

def test_gradcheck_batch_norm_training():
    x = crandn(4, 2, 3, 3, requires_grad=True)
    weight = (torch.randn(2, 3, dtype=torch.float64) + torch.tensor([1.0, 0.3, 1.0], dtype=torch.float64)).requires_grad_()
    bias = crandn(2, requires_grad=True)
    rm, rc = torch.zeros(2, dtype=torch.complex128), torch.ones(2, 3, dtype=torch.float64)
    assert gradcheck(lambda a, w, b: CF.complex_batch_norm(a, rm, rc, w, b, training=True), (x, weight, bias))
    assert gradcheck(lambda a: CF.complex_batch_norm(a, None, None, training=True), (crandn(5, 3, requires_grad=True),))


def test_gradcheck_batch_norm_eval():
    x = crandn(3, 2, 2, 2, requires_grad=True)
    weight = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    bias = crandn(2, requires_grad=True)
    rm = crandn(2, requires_grad=True)
    rc = torch.tensor([[1.5, 0.4, 0.8], [0.7, -0.2, 2.0]], dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda a, w, b, m, c: CF.complex_batch_norm(a, m, c, w, b, training=False),
                     (x, weight, bias, rm, rc))


def test_gradcheck_layer_and_group_norm():
    x = crandn(4, 2, 3, 3, requires_grad=True)
    w = torch.randn(3, 3, 3, dtype=torch.float64, requires_grad=True)
    b = crandn(3, 3, requires_grad=True)
    assert gradcheck(lambda a, ww, bb: CF.complex_layer_norm(a, (3, 3), ww, bb), (x, w, b))
    x = crandn(2, 4, 2, 2, requires_grad=True)
    w = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    b = crandn(4, requires_grad=True)
    assert gradcheck(lambda a, ww, bb: CF.complex_group_norm(a, 2, ww, bb), (x, w, b))


def test_gradcheck_whitening_matrix():
    vrr = torch.tensor([1.0, 0.3, 2.0], dtype=torch.float64, requires_grad=True)
    vri = torch.tensor([0.2, -0.1, 1.3], dtype=torch.float64, requires_grad=True)
    vii = torch.tensor([0.5, 0.4, 1.0], dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda a, b, c: CF.whitening_matrix(a, b, c, 1e-3), (vrr, vri, vii))


# ----------------------------------------------------------------------------------------------------------------
# 6. Degenerate statistics: constant and improper (Im = 2 Re) data
# ----------------------------------------------------------------------------------------------------------------

def _degenerate_batch(dtype):
    """(6, 3, 2, 2): channel 0 constant, channel 1 with Im exactly 2 Re, channel 2 generic."""
    real = torch.float64 if dtype == torch.complex128 else torch.float32
    x = crandn(6, 3, 2, 2, dtype=dtype)
    re = torch.randn(6, 2, 2, dtype=real)
    x[:, 0] = 1.5 - 0.5j
    x[:, 1] = torch.complex(re, 2 * re)
    return x


def _check_finite_grads(out, *leaves):
    r = crandn(*out.shape, dtype=out.dtype)
    (out * r.conj()).real.sum().backward()
    assert torch.isfinite(torch.view_as_real(out.detach()) if out.is_complex() else out).all()
    for t in leaves:
        g = torch.view_as_real(t.grad) if t.grad.is_complex() else t.grad
        assert torch.isfinite(g).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_degenerate_channels(dtype, training):
    m = ComplexBatchNorm2d(3, dtype=dtype)
    w, b = _set_affine(m)
    x = _degenerate_batch(dtype)
    if not training:  # running stats from the same degenerate data, then eval
        m(x)
        m.eval()
    x.requires_grad_()
    y = m(x)
    _check_finite_grads(y, x, m.weight, m.bias)
    xn = to_numpy(x)
    if training:
        ref, _, _ = np_batch_norm(xn, w, b)
    else:
        ref, _, _ = np_batch_norm(xn, w, b, running_mean=to_numpy(m.running_mean), running_covar=to_numpy(m.running_covar))
    assert_matches(y, ref)
    if training:  # constant channel -> bias exactly (the centred data vanish)
        np.testing.assert_allclose(to_numpy(y[:, 0]), np.broadcast_to(b[0], (6, 2, 2)), atol=1e-4)


def test_gradcheck_batch_norm_degenerate():
    x = _degenerate_batch(torch.complex128).requires_grad_()
    assert gradcheck(lambda a: CF.complex_batch_norm(a, None, None, training=True), (x,))


@pytest.mark.parametrize("dtype", DTYPES)
def test_layer_and_group_norm_degenerate(dtype):
    real = torch.float64 if dtype == torch.complex128 else torch.float32
    # layer norm over (3, 4): sample 0 constant, sample 1 improper, sample 2 generic
    ln = ComplexLayerNorm((3, 4), dtype=dtype)
    w, b = _set_affine(ln)
    x = crandn(3, 3, 4, dtype=dtype)
    re = torch.randn(3, 4, dtype=real)
    x[0] = 2 + 1j
    x[1] = torch.complex(re, 2 * re)
    x.requires_grad_()
    y = ln(x)
    _check_finite_grads(y, x, ln.weight, ln.bias)
    assert_matches(y, np_layer_norm(to_numpy(x), (3, 4), w, b))
    # group norm with 2 groups of 2 channels: group 0 constant in sample 0, improper in sample 1
    gn = ComplexGroupNorm(2, 4, dtype=dtype)
    w, b = _set_affine(gn)
    x = crandn(2, 4, 3, dtype=dtype)
    re = torch.randn(2, 3, dtype=real)
    x[0, :2] = -1 + 0.5j
    x[1, :2] = torch.complex(re, 2 * re)
    x.requires_grad_()
    y = gn(x)
    _check_finite_grads(y, x, gn.weight, gn.bias)
    assert_matches(y, np_group_norm(to_numpy(x), 2, w, b))


# ----------------------------------------------------------------------------------------------------------------
# 7. No host-device synchronisation; no per-channel Python loop
# ----------------------------------------------------------------------------------------------------------------

def _forbid_host_reads(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("host read of a tensor value (item/__bool__/__float__/__int__/tolist)")
    for name in ("item", "__bool__", "__float__", "__int__", "tolist"):
        monkeypatch.setattr(torch.Tensor, name, boom)
    with pytest.raises(AssertionError):
        bool(torch.ones(()))
    with pytest.raises(AssertionError):
        torch.ones(()).item()


@pytest.mark.parametrize("make", [lambda: ComplexBatchNorm2d(4), lambda: ComplexBatchNorm2d(4, momentum=None),
                                  lambda: ComplexBatchNorm2d(4, track_running_stats=False),
                                  lambda: ComplexLayerNorm((4, 3, 3)), lambda: ComplexGroupNorm(2, 4),
                                  lambda: NaiveComplexBatchNorm2d(4)],
                         ids=["bn", "bn-cumulative", "bn-no-stats", "ln", "gn", "naive"])
def test_no_host_reads_in_forward_backward(monkeypatch, make):
    m = make()
    x = crandn(3, 4, 3, 3, dtype=torch.complex64, requires_grad=True)
    _forbid_host_reads(monkeypatch)
    for training in (True, False):
        m.train(training)
        y = m(x)
        (y * y.conj()).real.sum().backward()
    monkeypatch.undo()
    assert torch.isfinite(torch.view_as_real(x.grad)).all()


def test_many_channels_no_per_channel_graph():
    counts = {}
    for c in (4, 64):
        m = ComplexBatchNorm2d(c, dtype=torch.complex128)
        w, b = _set_affine(m)
        x = crandn(4, c, 3, 3, requires_grad=True)
        assert m.running_covar.shape == (c, 3)
        y = m(x)
        counts[c] = _grad_nodes(y)
        ref, _, _ = np_batch_norm(to_numpy(x), w, b)
        assert_matches(y, ref)
        y.abs().sum().backward()
        assert torch.isfinite(torch.view_as_real(x.grad)).all()
    assert counts[4] == counts[64]
    # and the same for layer / group norm
    for make, x4, x64 in ((lambda c: ComplexGroupNorm(c // 2, c, dtype=torch.complex128), crandn(2, 4, 3), crandn(2, 64, 3)),
                          (lambda c: ComplexLayerNorm(c, dtype=torch.complex128), crandn(2, 4), crandn(2, 64))):
        n4 = _grad_nodes(make(4)(x4.requires_grad_()))
        n64 = _grad_nodes(make(64)(x64.requires_grad_()))
        assert n4 == n64


# ----------------------------------------------------------------------------------------------------------------
# 8. Degenerate shapes and bad input
# ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cls,shape", [(ComplexBatchNorm1d, (1, 3)), (ComplexBatchNorm2d, (1, 3, 1, 1)),
                                       (ComplexBatchNorm3d, (1, 3, 1, 1, 1)), (ComplexBatchNorm1d, (1, 3, 1))])
def test_single_value_per_channel(cls, shape):
    m = cls(3, dtype=torch.complex128)
    x = crandn(*shape)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        m(x)
    assert torch.count_nonzero(m.running_mean) == 0  # not updated
    m.eval()
    w, b = _set_affine(m)
    ref, _, _ = np_batch_norm(to_numpy(x), w, b, running_mean=to_numpy(m.running_mean),
                              running_covar=to_numpy(m.running_covar))
    assert_matches(m(x), ref)
    # N=1 is fine in training when there are several spatial positions
    if len(shape) > 2:
        m.train()
        big = crandn(1, 3, *([2] * (len(shape) - 2)))
        ref, _, _ = np_batch_norm(to_numpy(big), w, b)
        assert_matches(m(big), ref)


@pytest.mark.parametrize("training", [True, False])
def test_empty_batch(training):
    m = ComplexBatchNorm2d(3, dtype=torch.complex128)
    m.train(training)
    before = (m.running_mean.clone(), m.running_covar.clone())
    y = m(crandn(0, 3, 4, 4))
    assert y.shape == (0, 3, 4, 4) and y.dtype == torch.complex128
    assert torch.equal(m.running_mean, before[0]) and torch.equal(m.running_covar, before[1])
    for f, args in ((CF.complex_layer_norm, ((4,),)), (CF.complex_group_norm, (3,))):
        y = f(crandn(0, 3, 4), *args)
        assert y.shape == (0, 3, 4)


def test_batch_norm_bad_input():
    m = ComplexBatchNorm2d(3)
    with pytest.raises(TypeError, match="ComplexBatchNorm2d"):
        m(torch.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"ComplexBatchNorm2d expects 3 channels.*got 4"):
        m(crandn(2, 4, 4, 4, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"ComplexBatchNorm2d.*4D.*got 3D"):
        m(crandn(2, 3, 4, dtype=torch.complex64))
    with pytest.raises(ValueError, match="ComplexBatchNorm1d"):
        ComplexBatchNorm1d(3)(crandn(2, 3, 4, 4, dtype=torch.complex64))
    with pytest.raises(ValueError, match="ComplexBatchNorm3d"):
        ComplexBatchNorm3d(3)(crandn(2, 3, 4, 4, dtype=torch.complex64))
    with pytest.raises(TypeError, match=r"ComplexBatchNorm2d.*complex64.*complex128"):
        m(crandn(2, 3, 4, 4, dtype=torch.complex128))
    assert int(m.num_batches_tracked) == 0  # rejected inputs are not counted
    with pytest.raises(ValueError, match="running_covar"):
        CF.complex_batch_norm(crandn(2, 3), torch.zeros(3, dtype=torch.complex128), torch.ones(2, 3, dtype=torch.float64),
                              training=True)
    with pytest.raises(TypeError):
        CF.complex_batch_norm(torch.randn(2, 3), None, None, training=True)


@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_dtype_mismatch_with_state(affine):
    """A complex64 module with running statistics rejects complex128 input (no silent mixing) even without affine."""
    m = ComplexBatchNorm2d(3, affine=affine)
    with pytest.raises(TypeError, match="ComplexBatchNorm2d"):
        m(crandn(2, 3, 4, 4, dtype=torch.complex128))


# ----------------------------------------------------------------------------------------------------------------
# 9. Module state: initial values, state_dict, .to(dtype), train/eval, track_running_stats=False
# ----------------------------------------------------------------------------------------------------------------

def test_batch_norm_initial_state():
    m = ComplexBatchNorm2d(4)
    assert m.weight.dtype == torch.float32 and m.weight.shape == (4, 3)
    assert m.bias.dtype == torch.complex64 and m.bias.shape == (4,)
    init = torch.tensor([INV_SQRT2, 0.0, INV_SQRT2]).expand(4, 3)
    assert torch.equal(m.weight.detach(), init) and torch.equal(m.running_covar, init)
    assert m.running_mean.dtype == torch.complex64 and torch.count_nonzero(m.running_mean) == 0
    assert torch.count_nonzero(m.bias) == 0 and int(m.num_batches_tracked) == 0
    assert {n for n, _ in m.named_parameters()} == {"weight", "bias"}
    m.weight.data.zero_()
    m.running_covar.zero_()
    m(crandn(2, 4, 2, 2, dtype=torch.complex64))
    m.reset_parameters()
    assert torch.equal(m.weight.detach(), init) and torch.equal(m.running_covar, init)
    assert int(m.num_batches_tracked) == 0
    na = ComplexBatchNorm1d(2, affine=False, track_running_stats=False)
    assert na.weight is None and na.bias is None and na.running_mean is None and na.running_covar is None
    assert list(na.parameters()) == [] and len(na.state_dict()) == 0


def test_state_dict_round_trip():
    m = ComplexBatchNorm2d(3, dtype=torch.complex128)
    _set_affine(m)
    for k in range(3):
        m(crandn(4, 3, 2, 2) * (k + 1) + k)
    sd = m.state_dict()
    assert set(sd) == {"weight", "bias", "running_mean", "running_covar", "num_batches_tracked"}
    buf = io.BytesIO()
    torch.save(sd, buf)
    buf.seek(0)
    m2 = ComplexBatchNorm2d(3, dtype=torch.complex128)
    m2.load_state_dict(torch.load(buf))
    for name, t in m.state_dict().items():
        assert torch.equal(m2.state_dict()[name], t), name
    assert int(m2.num_batches_tracked) == 3
    m.eval()
    m2.eval()
    x = crandn(2, 3, 2, 2)
    assert torch.equal(m(x), m2(x))
    assert not torch.equal(ComplexBatchNorm2d(3, dtype=torch.complex128).eval()(x), m2(x))


@pytest.mark.parametrize("target", [torch.complex128, torch.float64])
def test_to_double_keeps_kinds(target):
    m = ComplexBatchNorm2d(3)
    m(crandn(4, 3, 2, 2, dtype=torch.complex64))
    m = m.to(target)
    assert m.weight.dtype == torch.float64 and m.running_covar.dtype == torch.float64
    assert m.bias.dtype == torch.complex128 and m.running_mean.dtype == torch.complex128
    assert m.num_batches_tracked.dtype == torch.long and int(m.num_batches_tracked) == 1
    m.eval()
    x = crandn(2, 3, 2, 2)
    ref, _, _ = np_batch_norm(to_numpy(x), to_numpy(m.weight), to_numpy(m.bias),
                              running_mean=to_numpy(m.running_mean), running_covar=to_numpy(m.running_covar))
    assert_matches(m(x), ref)
    for mod in (ComplexLayerNorm(4), ComplexGroupNorm(2, 4)):
        mod = mod.to(target)
        assert mod.weight.dtype == torch.float64 and mod.bias.dtype == torch.complex128
    naive = NaiveComplexBatchNorm2d(2).to(target)
    assert naive.weight.dtype == torch.float64 and naive.running_var.dtype == torch.float64
    assert naive(crandn(2, 2, 2, 2)).dtype == torch.complex128


def test_train_eval_differ_and_momentum_one():
    m = ComplexBatchNorm1d(2, momentum=1.0, dtype=torch.complex128)
    x = crandn(5, 2, 3) * 2 + 1
    y_train = m(x)
    # momentum 1: running stats are exactly this batch's mean and unbiased covariance
    _, mean, cov = np_batch_norm(to_numpy(x))
    assert_matches(m.running_mean, mean)
    cu = cov * 15 / 14
    assert_matches(m.running_covar, np.stack([cu[:, 0, 0], cu[:, 0, 1], cu[:, 1, 1]], -1))
    m.eval()
    y_eval = m(x)
    # eval normalizes by the unbiased covariance, training by the biased one: outputs differ by that factor only
    w = to_numpy(m.weight)
    ref_eval, _, _ = np_batch_norm(to_numpy(x), w, to_numpy(m.bias), running_mean=mean,
                                   running_covar=np.stack([cu[:, 0, 0], cu[:, 0, 1], cu[:, 1, 1]], -1))
    assert_matches(y_eval, ref_eval)
    assert torch.max(torch.abs(y_eval - y_train)) > 1e-3
    assert int(m.num_batches_tracked) == 1


def test_no_running_stats_uses_batch_stats_in_eval():
    m = ComplexBatchNorm2d(3, track_running_stats=False, dtype=torch.complex128)
    w, b = _set_affine(m)
    x = crandn(3, 3, 2, 2) + 2j
    ref, _, _ = np_batch_norm(to_numpy(x), w, b)
    assert_matches(m(x), ref)
    m.eval()
    assert_matches(m(x), ref)
    assert m.running_mean is None and m.num_batches_tracked is None
    assert "running_mean" not in m.state_dict()


# ----------------------------------------------------------------------------------------------------------------
# CUDA
# ----------------------------------------------------------------------------------------------------------------

@CUDA
@pytest.mark.parametrize("dtype", DTYPES)
def test_cuda_matches_cpu_without_sync(dtype):
    torch.manual_seed(1)
    cpu = ComplexBatchNorm2d(4, momentum=None, dtype=dtype)
    _set_affine(cpu)
    gpu = ComplexBatchNorm2d(4, momentum=None, dtype=dtype, device="cuda")
    gpu.load_state_dict(cpu.state_dict())
    ln_c, gn_c = ComplexLayerNorm((4, 3, 3), dtype=dtype), ComplexGroupNorm(2, 4, dtype=dtype)
    ln_g = ComplexLayerNorm((4, 3, 3), dtype=dtype, device="cuda")
    gn_g = ComplexGroupNorm(2, 4, dtype=dtype, device="cuda")
    xs = [crandn(5, 4, 3, 3, dtype=dtype) * (k + 1) + k for k in range(3)]
    outs_gpu = []
    xg = [x.cuda().requires_grad_() for x in xs]
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for x in xg:
            y = gpu(x)
            (y * y.conj()).real.sum().backward()
            outs_gpu.append(y.detach())
        lg, gg = ln_g(xg[0]), gn_g(xg[0])
        (lg.abs().sum() + gg.abs().sum()).backward()
    finally:
        torch.cuda.set_sync_debug_mode(0)
    for x, yg in zip(xs, outs_gpu):
        x = x.clone().requires_grad_()
        y = cpu(x)
        (y * y.conj()).real.sum().backward()
        assert_matches(yg, to_numpy(y))
    assert_matches(gpu.running_mean, to_numpy(cpu.running_mean))
    assert_matches(gpu.running_covar, to_numpy(cpu.running_covar))
    assert int(gpu.num_batches_tracked) == 3
    assert_matches(gpu.weight.grad, to_numpy(cpu.weight.grad))
    assert_matches(lg, to_numpy(ln_c(xs[0])))
    assert_matches(gg, to_numpy(gn_c(xs[0])))
    gpu.eval()
    cpu.eval()
    assert_matches(gpu(xg[1].detach()), to_numpy(cpu(xs[1])))
