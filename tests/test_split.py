"""CoShNet-tiny's split layers (deepcomplex.functional.fourier_bessel_basis / split_dcf_conv2d / tt_svd / tt_to_dense /
split_tt_linear, deepcomplex.nn.SplitDCFConv2d / SplitTTLinear).

"Split" = two independent real layers, one on Re and one on Im, with no cross terms. Every reference below is an
independent float64 NumPy/SciPy implementation written from the definitions (DCFNet's Fourier-Bessel basis built with
scipy.special.jv / jn_zeros, cross-correlation by explicit offsets, Oseledets' sequential TT-SVD by explicit SVDs);
the functions under test are never used to build an expectation.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from scipy.special import jn_zeros, jv
from torch.autograd import gradcheck
from torch.func import functional_call

import deepcomplex.functional as CF
import deepcomplex.functional.split as split_module
from conftest import assert_matches, crandn, to_numpy
from deepcomplex.nn import SplitDCFConv2d, SplitTTLinear

REAL_OF = {torch.complex64: torch.float32, torch.complex128: torch.float64}


def assert_close64(actual: torch.Tensor, expected: np.ndarray, tol: float = 1e-12) -> None:
    """float64/complex128 check: max abs error <= tol * max(1, max |expected|)."""
    a, e = to_numpy(actual), np.asarray(expected)
    assert a.shape == e.shape, f"shape {a.shape} != reference {e.shape}"
    err = float(np.max(np.abs(a - e))) if a.size else 0.0
    scale = max(1.0, float(np.max(np.abs(e)))) if e.size else 1.0
    assert err <= tol * scale, f"max abs error {err:.3e} > {tol:g} * {scale:.3g}"


# ----------------------------------------------------------------------------------------------- NumPy references
def ref_fb_basis(k: int, num_bases: int) -> np.ndarray:
    """DCFNet Fourier-Bessel basis (num_bases, k, k), float64, from scipy's Bessel functions and their roots."""
    if k % 2 == 0:
        raise ValueError("even kernel")
    R, h = k / 2, k // 2
    y, x = np.mgrid[-h:h + 1, -h:h + 1].astype(np.float64)  # rows = y, cols = x
    r = np.hypot(x, y) / R
    theta = np.arctan2(y, x)
    cutoff = np.pi * R * 1.5
    roots = []  # (j_{n,q}, n)
    for n in range(200):
        z = jn_zeros(n, 4 * k + 10)
        z = z[z <= cutoff]
        if z.size == 0:
            break
        roots += [(float(j), n) for j in z]
    roots.sort()
    psi = []
    for j, n in roots:
        if n == 0:
            psi.append(jv(0, j * r) / abs(jv(1, j)))
        else:
            radial = math.sqrt(2) * jv(n, j * r) / abs(jv(n + 1, j))
            psi.append(radial * np.cos(n * theta))
            psi.append(radial * np.sin(n * theta))
    psi = psi[:k * k - 1]
    if num_bases > len(psi):
        raise ValueError("too many bases")
    p = np.array(psi[:num_bases])
    p[:, r >= 1] = 0.0
    c = math.sqrt(np.mean(np.sum(p ** 2, axis=(1, 2))))
    return p / c


def ref_corr2d(x: np.ndarray, w: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """Real cross-correlation: out[n, o, i, j] = sum_{c, a, b} w[o, c, a, b] * xpad[n, c, i*s + a, j*s + b]."""
    x, w = np.asarray(x, np.float64), np.asarray(w, np.float64)
    n, c, H, W = x.shape
    o, c2, kh, kw = w.shape
    assert c == c2
    xp = np.pad(x, [(0, 0), (0, 0), (padding, padding), (padding, padding)])
    Ho, Wo = (H + 2 * padding - kh) // stride + 1, (W + 2 * padding - kw) // stride + 1
    out = np.zeros((n, o, Ho, Wo))
    for a, b in itertools.product(range(kh), range(kw)):
        xs = xp[:, :, a:a + stride * (Ho - 1) + 1:stride, b:b + stride * (Wo - 1) + 1:stride]
        out += np.einsum("oc,nchw->nohw", w[:, :, a, b], xs)
    return out


def ref_split_dcf_conv(x, bases, weight, bias, stride=1, padding=0) -> np.ndarray:
    """Re(out) = corr(Re x, K_0) + b_0, Im(out) = corr(Im x, K_1) + b_1, K_p[o, c] = sum_b weight[p, o, c, b] bases[b]."""
    x = np.asarray(x, np.complex128)
    K = np.einsum("pocb,bij->pocij", np.asarray(weight, np.float64), np.asarray(bases, np.float64))
    re = ref_corr2d(x.real, K[0], stride, padding)
    im = ref_corr2d(x.imag, K[1], stride, padding)
    if bias is not None:
        bias = np.asarray(bias, np.float64)
        re = re + bias[0][None, :, None, None]
        im = im + bias[1][None, :, None, None]
    return re + 1j * im


def ref_tt_to_dense(cores) -> np.ndarray:
    """W[m, n] = G_1[:, n_1, m_1, :] @ ... @ G_d[:, n_d, m_d, :] with row-major m over out_shape, n over in_shape."""
    cores = [np.asarray(c, np.float64) for c in cores]
    in_shape = [c.shape[1] for c in cores]
    out_shape = [c.shape[2] for c in cores]
    acc = cores[0]  # (1, N_so_far, M_so_far, r)
    for g in cores[1:]:
        acc = np.einsum("anmr,rpqs->anpmqs", acc, g)
        a, n, p, m, q, s = acc.shape
        acc = acc.reshape(a, n * p, m * q, s)
    assert acc.shape[0] == 1 and acc.shape[-1] == 1
    return acc[0, :, :, 0].T.reshape(math.prod(out_shape), math.prod(in_shape))


def ref_tt_to_dense_loops(cores) -> np.ndarray:
    """Entry-by-entry version of ref_tt_to_dense (a check on the reference itself)."""
    cores = [np.asarray(c, np.float64) for c in cores]
    in_shape = [c.shape[1] for c in cores]
    out_shape = [c.shape[2] for c in cores]
    W = np.zeros((math.prod(out_shape), math.prod(in_shape)))
    for mi, m in enumerate(itertools.product(*(range(s) for s in out_shape))):
        for ni, n in enumerate(itertools.product(*(range(s) for s in in_shape))):
            v = np.ones((1, 1))
            for g, nk, mk in zip(cores, n, m):
                v = v @ g[:, nk, mk, :]
            W[mi, ni] = v[0, 0]
    return W


def _tt_tensor(W, in_shape, out_shape):
    """W (M, N) -> tensor with modes (n_1 m_1, n_2 m_2, ..., n_d m_d) (each mode flattened n-major)."""
    d = len(in_shape)
    T = np.asarray(W, np.float64).reshape(*out_shape, *in_shape)
    T = T.transpose([i for k in range(d) for i in (d + k, k)])
    return T.reshape([n * m for n, m in zip(in_shape, out_shape)])


def ref_tt_svd(W, in_shape, out_shape, rank):
    """Oseledets' TT-SVD (left to right, rank-capped truncated SVDs); cores (r_{k-1}, n_k, m_k, r_k)."""
    d = len(in_shape)
    T = _tt_tensor(W, in_shape, out_shape)
    cores, r_prev, C = [], 1, T
    for k in range(d - 1):
        C = C.reshape(r_prev * in_shape[k] * out_shape[k], -1)
        U, S, Vt = np.linalg.svd(C, full_matrices=False)
        r = min(rank, S.size)
        cores.append(U[:, :r].reshape(r_prev, in_shape[k], out_shape[k], r))
        C = S[:r, None] * Vt[:r]
        r_prev = r
    cores.append(C.reshape(r_prev, in_shape[-1], out_shape[-1], 1))
    return cores


def tt_error_bounds(W, in_shape, out_shape, rank):
    """(lower, upper) bounds on ||W - TT_SVD(W)||_F: max_k eps_k and sqrt(sum_k eps_k^2) (Oseledets 2011, Thm 2.2)."""
    T = _tt_tensor(W, in_shape, out_shape)
    sizes = T.shape
    eps = []
    for k in range(1, len(sizes)):
        s = np.linalg.svd(T.reshape(math.prod(sizes[:k]), -1), compute_uv=False)
        eps.append(math.sqrt(float(np.sum(s[rank:] ** 2))))
    if not eps:
        return 0.0, 0.0
    return max(eps), math.sqrt(sum(e * e for e in eps))


def max_tt_ranks(in_shape, out_shape, rank):
    sizes = [n * m for n, m in zip(in_shape, out_shape)]
    return [1] + [min(rank, math.prod(sizes[:k]), math.prod(sizes[k:])) for k in range(1, len(sizes))] + [1]


def ref_split_tt_linear(x, cores, bias) -> np.ndarray:
    """cores[k] has shape (2, r, n, m, r'); part p uses W_p = dense(cores[:][p])."""
    x = np.asarray(x, np.complex128)
    W = [ref_tt_to_dense([np.asarray(c)[p] for c in cores]) for p in (0, 1)]
    re = x.real @ W[0].T
    im = x.imag @ W[1].T
    if bias is not None:
        bias = np.asarray(bias, np.float64)
        re, im = re + bias[0], im + bias[1]
    return re + 1j * im


def random_cores(in_shape, out_shape, ranks, split=True, dtype=torch.float64, requires_grad=False):
    lead = (2,) if split else ()
    return [torch.randn(*lead, ranks[k], n, m, ranks[k + 1], dtype=dtype).requires_grad_(requires_grad)
            for k, (n, m) in enumerate(zip(in_shape, out_shape))]


# -------------------------------------------------------------------------------------------- the references by hand
def test_reference_basis_by_hand():
    """Properties any correct basis has, checked on the reference itself (orientation, normalisation, symmetry)."""
    b1 = ref_fb_basis(3, 1)
    assert abs(np.sum(b1 ** 2) - 1) < 1e-14  # one basis: c is its own norm
    assert np.allclose(b1[0], b1[0].T) and np.allclose(b1[0], b1[0, ::-1]) and b1[0, 1, 1] > 0
    b = ref_fb_basis(5, 3)
    assert abs(np.mean(np.sum(b ** 2, axis=(1, 2))) - 1) < 1e-14
    # corners (r = sqrt(8) / 2.5 > 1) vanish
    assert np.all(b[:, [0, 0, -1, -1], [0, -1, 0, -1]] == 0)
    # J1 cos: positive to the right of the centre (x = +1), odd in x; J1 sin: positive below (row +1 = y = +1)
    assert b[1, 2, 3] > 0 and np.allclose(b[1], -b[1, :, ::-1]) and np.allclose(b[1][:, 2], 0)
    assert b[2, 3, 2] > 0 and np.allclose(b[2], -b[2, ::-1, :])
    assert np.allclose(b[2], b[1].T)  # sin(n theta) is cos(n theta) with x and y swapped (n = 1)
    # the J0 basis at the centre: J0(0) / |J1(j01)| / c
    raw = jv(0, 2.404825557695773 * np.hypot(*np.mgrid[-2:3, -2:3]) / 2.5) / abs(jv(1, 2.404825557695773))
    raw[np.hypot(*np.mgrid[-2:3, -2:3]) >= 2.5] = 0
    np.testing.assert_allclose(b[0] / b[0, 2, 2], raw / raw[2, 2], rtol=1e-13, atol=1e-15)


def test_reference_conv_by_hand():
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    w = np.array([[[[1.0, 0], [0, -1]]]])
    # out[i, j] = x[i, j] - x[i+1, j+1] = -5 everywhere (valid), stride 2 keeps (0,0), (0,2)
    np.testing.assert_array_equal(ref_corr2d(x, w, 1, 0), np.full((1, 1, 2, 3), -5.0))
    np.testing.assert_array_equal(ref_corr2d(x, w, 2, 0), np.full((1, 1, 1, 2), -5.0))
    out = ref_corr2d(x, w, 1, 1)
    assert out.shape == (1, 1, 4, 5) and out[0, 0, 0, 0] == -x[0, 0, 0, 0] and out[0, 0, 3, 4] == x[0, 0, 2, 3]
    xc = x + 1j * x[..., ::-1]
    wsplit = np.zeros((2, 1, 1, 1))
    wsplit[0, 0, 0, 0], wsplit[1, 0, 0, 0] = 2.0, -3.0
    bases = np.ones((1, 1, 1))
    np.testing.assert_array_equal(ref_split_dcf_conv(xc, bases, wsplit, np.array([[1.0], [5.0]])),
                                  2 * x + 1 + 1j * (-3 * x[..., ::-1] + 5))


def test_reference_tt_by_hand():
    cores = [np.random.randn(*s) for s in [(1, 2, 3, 2), (2, 3, 1, 3), (3, 2, 2, 1)]]
    W = ref_tt_to_dense(cores)
    assert W.shape == (3 * 1 * 2, 2 * 3 * 2)
    np.testing.assert_allclose(W, ref_tt_to_dense_loops(cores), rtol=0, atol=1e-13)
    # one core: W[m, n] = G[0, n, m, 0]
    g = np.random.randn(1, 4, 3, 1)
    np.testing.assert_array_equal(ref_tt_to_dense([g]), g[0, :, :, 0].T)
    # Kronecker structure: rank-1 cores give W = A_1 kron A_2 with A_k[m, n] = G_k[0, n, m, 0]
    a, b = np.random.randn(1, 2, 3, 1), np.random.randn(1, 4, 2, 1)
    np.testing.assert_allclose(ref_tt_to_dense([a, b]), np.kron(a[0, :, :, 0].T, b[0, :, :, 0].T), atol=1e-14)
    # full-rank TT-SVD reconstructs
    Wr = np.random.randn(6, 12)
    np.testing.assert_allclose(ref_tt_to_dense(ref_tt_svd(Wr, (2, 3, 2), (3, 1, 2), 100)), Wr, atol=1e-12)


# --------------------------------------------------------------------------------------- fourier_bessel_basis
BASIS_CASES = [(3, 1), (3, 3), (3, 6), (3, 8), (5, 1), (5, 3), (5, 6), (5, 10), (5, 24), (7, 3), (7, 15), (7, 48)]


@pytest.mark.parametrize("k,nb", BASIS_CASES)
def test_basis_matches_reference(k, nb):
    b = CF.fourier_bessel_basis(k, nb)
    assert isinstance(b, torch.Tensor) and b.dtype == torch.float64 and not b.is_complex()
    expected = ref_fb_basis(k, nb)
    assert_close64(b, expected)
    # normalisation: mean over the bases of the squared norms is 1
    assert abs(float((b ** 2).sum(dim=(1, 2)).mean()) - 1) < 1e-12


def test_basis_defaults_and_float32():
    b = CF.fourier_bessel_basis()
    assert b.shape == (3, 5, 5) and b.dtype == torch.float64
    assert_close64(b, ref_fb_basis(5, 3))
    b32 = CF.fourier_bessel_basis(5, 3, dtype=torch.float32)
    assert b32.dtype == torch.float32
    assert_matches(b32, ref_fb_basis(5, 3))


@pytest.mark.parametrize("k,nb", [(4, 3), (6, 1), (2, 1), (3, 9), (5, 25), (7, 49), (5, 1000), (1, 1),
                                   (5, 0)])
def test_basis_invalid_arguments(k, nb):
    with pytest.raises(ValueError):
        CF.fourier_bessel_basis(k, nb)


# ------------------------------------------------------------------------------------------- split_dcf_conv2d
# (N, C, O, H, W, k, num_bases, stride, padding, bias)
CONV_CASES = [
    (2, 3, 4, 7, 6, 5, 3, 1, 0, True),
    (1, 2, 3, 8, 9, 5, 3, 2, 1, True),
    (2, 3, 2, 6, 5, 3, 4, 1, 1, False),
    (1, 1, 2, 9, 7, 3, 8, 3, 2, True),
    (2, 2, 3, 7, 7, 7, 10, 1, 3, True),
    (1, 4, 1, 5, 5, 5, 6, 2, 2, False),
]


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: "-".join(map(str, c)))
def test_functional_conv_matches_reference(case, dtype):
    n, c, o, H, W, k, nb, stride, padding, bias = case
    real = REAL_OF[dtype]
    x = crandn(n, c, H, W, dtype=dtype)
    bases = torch.from_numpy(ref_fb_basis(k, nb)).to(real)
    w = torch.randn(2, o, c, nb, dtype=real)
    b = torch.randn(2, o, dtype=real) if bias else None
    out = CF.split_dcf_conv2d(x, bases, w, b, stride=stride, padding=padding)
    assert out.dtype == dtype
    assert out.shape == (n, o, (H + 2 * padding - k) // stride + 1, (W + 2 * padding - k) // stride + 1)
    expected = ref_split_dcf_conv(to_numpy(x), to_numpy(bases), to_numpy(w), None if b is None else to_numpy(b),
                                  stride, padding)
    if dtype == torch.complex128:
        assert_close64(out, expected)
    else:
        assert_matches(out, expected)


@pytest.mark.parametrize("case", CONV_CASES + [(2, 3, 16, 6, 6, 5, 3, 1, 0, True), (2, 3, 30, 6, 7, 3, 2, 2, 1, True)],
                         ids=lambda c: "-".join(map(str, c)))
def test_both_dcf_paths_match_reference(case):
    """The kernel path and the two-stage path (first stage as a matrix product) each equal the NumPy reference, whichever
    split_dcf_conv2d would pick; the last two cases are ones where it picks the two-stage path."""
    n, c, o, H, W, k, nb, stride, padding, bias = case
    x = crandn(n, c, H, W)
    bases = torch.from_numpy(ref_fb_basis(k, nb))
    w = torch.randn(2, o, c, nb, dtype=torch.float64)
    b = torch.randn(2, o, dtype=torch.float64) if bias else None
    expected = ref_split_dcf_conv(to_numpy(x), to_numpy(bases), to_numpy(w), None if b is None else to_numpy(b),
                                  stride, padding)
    assert_close64(split_module._split_dcf_conv2d_two_stage(x, bases, w, b, stride, padding), expected)
    assert_close64(CF.split_dcf_conv2d(x, bases, w, b, stride=stride, padding=padding), expected)


def test_two_stage_choice():
    """The two-stage path is taken where it needs fewer multiply-adds (CoShNet-tiny's second layer, 14 x 14 input)
    and not where the kernels are cheaper (its first layer's size, 32 x 32) or the image is large."""
    assert split_module._two_stage_is_cheaper((14, 14), (3, 5, 5), 50, 0)
    assert not split_module._two_stage_is_cheaper((32, 32), (3, 5, 5), 30, 0)
    assert split_module._two_stage_is_cheaper((6, 6), (3, 5, 5), 16, 0)
    assert not split_module._two_stage_is_cheaper((6, 6), (3, 5, 5), 16, "same")
    assert not split_module._two_stage_is_cheaper((40, 40), (3, 9, 9), 500, 0)  # would be cheaper, matrix too large
    m = split_module.dcf_stage1_matrix(torch.randn(3, 5, 5, dtype=torch.float64), (14, 14))
    assert m.shape == (196, 300)


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1)])
def test_two_stage_gradcheck(stride, padding):
    x = crandn(2, 2, 6, 5, requires_grad=True)
    bases = torch.from_numpy(ref_fb_basis(3, 3))
    w = torch.randn(2, 9, 2, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(2, 9, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda xx, ww, bb: split_module._split_dcf_conv2d_two_stage(xx, bases, ww, bb, stride, padding),
                     (x, w, b))


def test_functional_conv_arbitrary_bases():
    """Not tied to the Fourier-Bessel basis: any real (B, k, k) stack (here non-symmetric random kernels) works."""
    x = crandn(2, 3, 6, 7)
    bases = torch.randn(4, 3, 3, dtype=torch.float64)
    w, b = torch.randn(2, 5, 3, 4, dtype=torch.float64), torch.randn(2, 5, dtype=torch.float64)
    out = CF.split_dcf_conv2d(x, bases, w, b, stride=1, padding=1)
    assert_close64(out, ref_split_dcf_conv(to_numpy(x), to_numpy(bases), to_numpy(w), to_numpy(b), 1, 1))


def test_functional_conv_parts_do_not_mix():
    x = crandn(2, 3, 6, 6)
    bases = torch.from_numpy(ref_fb_basis(3, 4))
    w, b = torch.randn(2, 2, 3, 4, dtype=torch.float64), torch.randn(2, 2, dtype=torch.float64)
    out = CF.split_dcf_conv2d(x, bases, w, b, padding=1)
    # changing weight[0] / bias[0] / Re(x) leaves Im(out) bit-for-bit unchanged, and vice versa
    w2, b2 = w.clone(), b.clone()
    w2[0] += torch.randn_like(w2[0])
    b2[0] += 1.0
    out2 = CF.split_dcf_conv2d(torch.complex(x.real + torch.randn_like(x.real), x.imag), bases, w2, b2, padding=1)
    assert torch.equal(out2.imag, out.imag) and not torch.allclose(out2.real, out.real)
    w3, b3 = w.clone(), b.clone()
    w3[1] += torch.randn_like(w3[1])
    b3[1] -= 1.0
    out3 = CF.split_dcf_conv2d(torch.complex(x.real, x.imag + torch.randn_like(x.imag)), bases, w3, b3, padding=1)
    assert torch.equal(out3.real, out.real) and not torch.allclose(out3.imag, out.imag)
    # purely real input, zero bias -> purely real output
    out4 = CF.split_dcf_conv2d(torch.complex(x.real, torch.zeros_like(x.real)), bases, w, None, padding=1)
    assert torch.all(out4.imag == 0)


@pytest.mark.parametrize("bias", [True, False])
def test_functional_conv_gradcheck(bias):
    x = crandn(2, 2, 5, 4, requires_grad=True)
    bases = torch.from_numpy(ref_fb_basis(3, 3))
    w = torch.randn(2, 3, 2, 3, dtype=torch.float64, requires_grad=True)
    inputs = (x, w) + ((torch.randn(2, 3, dtype=torch.float64, requires_grad=True),) if bias else ())
    for stride, padding in [(1, 1), (2, 0)]:
        assert gradcheck(lambda xx, ww, *bb: CF.split_dcf_conv2d(xx, bases, ww, bb[0] if bb else None,
                                                                 stride=stride, padding=padding), inputs)


# ------------------------------------------------------------------------------------------- tt_svd / tt_to_dense
TT_SHAPES = [
    ((6,), (4,)),
    ((2, 3), (3, 2)),
    ((4, 5), (3, 2)),
    ((2, 3, 2), (3, 1, 2)),
    ((3, 2, 2, 2), (2, 2, 1, 3)),
]


@pytest.mark.parametrize("in_shape,out_shape", TT_SHAPES)
def test_tt_to_dense_matches_reference(in_shape, out_shape):
    ranks = [1] + [3] * (len(in_shape) - 1) + [1]
    cores = random_cores(in_shape, out_shape, ranks, split=False)
    W = CF.tt_to_dense(cores)
    assert W.shape == (math.prod(out_shape), math.prod(in_shape)) and W.dtype == torch.float64
    assert_close64(W, ref_tt_to_dense_loops([to_numpy(c) for c in cores]))
    W32 = CF.tt_to_dense([c.float() for c in cores])
    assert W32.dtype == torch.float32
    assert_matches(W32, ref_tt_to_dense([to_numpy(c.float()) for c in cores]))


@pytest.mark.parametrize("in_shape,out_shape", TT_SHAPES)
def test_tt_svd_full_rank_is_exact(in_shape, out_shape):
    M, N = math.prod(out_shape), math.prod(in_shape)
    W = torch.randn(M, N, dtype=torch.float64)
    cores = CF.tt_svd(W, in_shape, out_shape, rank=1000)
    ranks = max_tt_ranks(in_shape, out_shape, 1000)
    assert [tuple(g.shape) for g in cores] == [(ranks[k], n, m, ranks[k + 1])
                                               for k, (n, m) in enumerate(zip(in_shape, out_shape))]
    assert all(g.dtype == torch.float64 for g in cores)
    assert_close64(CF.tt_to_dense(cores), to_numpy(W))
    assert_close64(torch.from_numpy(ref_tt_to_dense([to_numpy(g) for g in cores])), to_numpy(W))


# (in_shape, out_shape, rank)
TT_TRUNC = [
    ((2, 3), (3, 2), 2),
    ((4, 5), (3, 2), 3),
    ((2, 3, 2), (3, 1, 2), 2),
    ((3, 2, 2, 2), (2, 2, 1, 3), 3),
    ((4, 4, 3), (2, 3, 4), 5),
    ((3, 2, 2, 2), (2, 2, 1, 3), 1),
]


@pytest.mark.parametrize("in_shape,out_shape,rank", TT_TRUNC)
def test_tt_svd_truncated_matches_reference(in_shape, out_shape, rank):
    M, N = math.prod(out_shape), math.prod(in_shape)
    W = torch.randn(M, N, dtype=torch.float64)
    Wn = to_numpy(W)
    cores = CF.tt_svd(W, in_shape, out_shape, rank)
    ranks = max_tt_ranks(in_shape, out_shape, rank)
    assert [tuple(g.shape) for g in cores] == [(ranks[k], n, m, ranks[k + 1])
                                               for k, (n, m) in enumerate(zip(in_shape, out_shape))]
    dense = to_numpy(CF.tt_to_dense(cores))
    # the cores really are the TT of that dense matrix (our own contraction)
    np.testing.assert_allclose(ref_tt_to_dense([to_numpy(g) for g in cores]), dense, rtol=0, atol=1e-12)
    ref_dense = ref_tt_to_dense(ref_tt_svd(Wn, in_shape, out_shape, rank))
    err, ref_err = np.linalg.norm(Wn - dense), np.linalg.norm(Wn - ref_dense)
    assert abs(err - ref_err) <= 1e-10, (err, ref_err)
    lo, hi = tt_error_bounds(Wn, in_shape, out_shape, rank)
    assert lo * (1 - 1e-12) <= err <= hi * (1 + 1e-12), (lo, err, hi)
    assert ranks != max_tt_ranks(in_shape, out_shape, 10 ** 6) and ref_err > 1e-3  # truncation happened
    # sequential TT-SVD's approximation is unique (singular vectors' signs cancel): the same dense matrix
    np.testing.assert_allclose(dense, ref_dense, rtol=0, atol=1e-10)
    # left cores are left-orthonormal (columns of the (r n m, r') unfolding), as TT-SVD's U factors
    for g in cores[:-1]:
        u = to_numpy(g).reshape(-1, g.shape[-1])
        np.testing.assert_allclose(u.T @ u, np.eye(g.shape[-1]), atol=1e-12)


def test_tt_svd_bad_arguments():
    W = torch.randn(6, 6, dtype=torch.float64)
    with pytest.raises(ValueError):
        CF.tt_svd(W, (2, 3), (3, 2), 0)  # rank < 1
    with pytest.raises(ValueError):
        CF.tt_svd(torch.randn(6, 5, dtype=torch.float64), (2, 3), (3, 2), 2)  # prod(in_shape) != 5
    with pytest.raises(ValueError):
        CF.tt_svd(W, (2, 3), (6,), 2)  # different numbers of modes


def test_tt_svd_float32():
    W = torch.randn(6, 12)
    cores = CF.tt_svd(W, (2, 3, 2), (3, 1, 2), rank=2)
    assert all(g.dtype == torch.float32 for g in cores)
    assert_matches(CF.tt_to_dense(cores), ref_tt_to_dense(ref_tt_svd(to_numpy(W), (2, 3, 2), (3, 1, 2), 2)))


# ------------------------------------------------------------------------------------------- split_tt_linear
# (batch, in_shape, out_shape, ranks, bias)
LIN_CASES = [
    (3, (2, 3), (3, 2), [1, 2, 1], True),
    (4, (4, 5), (3, 2), [1, 3, 1], False),
    (2, (2, 3, 2), (3, 1, 2), [1, 2, 3, 1], True),
    (5, (6,), (4,), [1, 1], True),
]


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
@pytest.mark.parametrize("case", LIN_CASES, ids=lambda c: str(c).replace(" ", ""))
def test_functional_tt_linear_matches_reference(case, dtype):
    batch, in_shape, out_shape, ranks, bias = case
    real = REAL_OF[dtype]
    x = crandn(batch, math.prod(in_shape), dtype=dtype)
    cores = random_cores(in_shape, out_shape, ranks, dtype=real)
    b = torch.randn(2, math.prod(out_shape), dtype=real) if bias else None
    out = CF.split_tt_linear(x, cores, b)
    assert out.dtype == dtype and out.shape == (batch, math.prod(out_shape))
    expected = ref_split_tt_linear(to_numpy(x), [to_numpy(c) for c in cores], None if b is None else to_numpy(b))
    if dtype == torch.complex128:
        assert_close64(out, expected)
    else:
        assert_matches(out, expected)


def test_functional_tt_linear_parts_do_not_mix():
    x = crandn(3, 6)
    cores = random_cores((2, 3), (3, 2), [1, 2, 1])
    b = torch.randn(2, 6, dtype=torch.float64)
    out = CF.split_tt_linear(x, cores, b)
    c2 = [c.clone() for c in cores]
    c2[1][0] += torch.randn_like(c2[1][0])
    out2 = CF.split_tt_linear(torch.complex(x.real + 1, x.imag), c2, b + torch.tensor([[1.0], [0.0]], dtype=b.dtype))
    assert torch.equal(out2.imag, out.imag) and not torch.allclose(out2.real, out.real)
    c3 = [c.clone() for c in cores]
    c3[0][1] += torch.randn_like(c3[0][1])
    out3 = CF.split_tt_linear(torch.complex(x.real, x.imag - 1), c3, b - torch.tensor([[0.0], [1.0]], dtype=b.dtype))
    assert torch.equal(out3.real, out.real) and not torch.allclose(out3.imag, out.imag)


@pytest.mark.parametrize("bias", [True, False])
def test_functional_tt_linear_gradcheck(bias):
    in_shape, out_shape = (2, 3, 2), (2, 1, 2)
    x = crandn(3, 12, requires_grad=True)
    cores = random_cores(in_shape, out_shape, [1, 2, 2, 1], requires_grad=True)
    inputs = (x, *cores) + ((torch.randn(2, 4, dtype=torch.float64, requires_grad=True),) if bias else ())
    assert gradcheck(lambda xx, g0, g1, g2, *bb: CF.split_tt_linear(xx, [g0, g1, g2], bb[0] if bb else None), inputs)


# ---------------------------------------------------------------------------------------------- SplitDCFConv2d
def _randomise(m):
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn_like(p))


@pytest.mark.parametrize("dtype,pdtype", [(None, torch.float32), (torch.float32, torch.float32),
                                          (torch.complex64, torch.float32), (torch.float64, torch.float64),
                                          (torch.complex128, torch.float64)])
def test_dcf_module_dtypes_and_shapes(dtype, pdtype):
    m = SplitDCFConv2d(3, 4, kernel_size=5, num_bases=3, dtype=dtype)
    assert m.weight.shape == (2, 4, 3, 3) and m.weight.dtype == pdtype
    assert m.bias.shape == (2, 4) and m.bias.dtype == pdtype
    assert m.bases.shape == (3, 5, 5) and m.bases.dtype == pdtype and not m.bases.requires_grad
    assert "bases" in dict(m.named_buffers()) and "bases" not in dict(m.named_parameters())
    if pdtype == torch.float64:
        assert_close64(m.bases, ref_fb_basis(5, 3))
    else:
        assert_matches(m.bases, ref_fb_basis(5, 3))
    assert SplitDCFConv2d(3, 4, bias=False).bias is None


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: "-".join(map(str, c)))
def test_dcf_module_matches_reference(case, dtype):
    n, c, o, H, W, k, nb, stride, padding, bias = case
    m = SplitDCFConv2d(c, o, kernel_size=k, num_bases=nb, stride=stride, padding=padding, bias=bias, dtype=dtype)
    _randomise(m)  # the default bias is zero, which would not test the bias path
    x = crandn(n, c, H, W, dtype=dtype)
    out = m(x)
    assert out.dtype == dtype
    # the buffer is the Fourier-Bessel basis, and the output is the split conv with it
    ref_b = ref_fb_basis(k, nb)
    expected = ref_split_dcf_conv(to_numpy(x), ref_b, to_numpy(m.weight), to_numpy(m.bias) if bias else None,
                                  stride, padding)
    if dtype == torch.complex128:
        assert_close64(out, expected)
    else:
        assert_matches(out, expected)


def test_dcf_module_param_count_and_init_statistics():
    m = SplitDCFConv2d(20, 30, 5, 3)
    assert sum(p.numel() for p in m.parameters()) == 3660
    assert sum(p.numel() for p in SplitDCFConv2d(20, 30, 5, 3, bias=False).parameters()) == 3600
    big = SplitDCFConv2d(64, 96, kernel_size=5, num_bases=6)
    target = math.sqrt(2.0 / (64 * 6))
    for p in (0, 1):
        w = big.weight[p].detach().double()
        assert abs(float(w.std()) / target - 1) < 0.05, (float(w.std()), target)
        assert abs(float(w.mean())) < 5 * target / math.sqrt(w.numel())
        # normal, not uniform: kurtosis ~ 3 (uniform would be 1.8)
        kurt = float(((w - w.mean()) ** 4).mean() / w.var() ** 2)
        assert abs(kurt - 3) < 0.3, kurt
    assert not torch.equal(big.weight[0], big.weight[1])  # the two parts are drawn independently
    assert torch.all(big.bias == 0)


@pytest.mark.filterwarnings("ignore:Complex modules are a new feature")
@pytest.mark.parametrize("bias", [True, False])
def test_dcf_module_state_dict_round_trip_and_double(bias):
    m = SplitDCFConv2d(3, 2, kernel_size=3, num_bases=4, padding=1, bias=bias)
    _randomise(m)
    sd = m.state_dict()
    assert set(sd) == ({"weight", "bias", "bases"} if bias else {"weight", "bases"})
    m2 = SplitDCFConv2d(3, 2, kernel_size=3, num_bases=4, padding=1, bias=bias)
    assert not torch.equal(m2.weight, m.weight)
    # the buffer travels with the state dict: load a modified one and the module uses it
    sd = {k: v.clone() for k, v in sd.items()}
    sd["bases"] = sd["bases"] * 2.0
    m2.load_state_dict(sd)
    assert torch.equal(m2.bases, sd["bases"]) and torch.equal(m2.weight, m.weight)
    x = crandn(2, 3, 5, 6, dtype=torch.complex64)
    expected = ref_split_dcf_conv(to_numpy(x), to_numpy(sd["bases"]), to_numpy(m.weight),
                                  to_numpy(m.bias) if bias else None, 1, 1)
    assert_matches(m2(x), expected)
    # .double() / .to(complex128): float64 parameters (same values), complex128 in and out
    for conv in (lambda mod: mod.double(), lambda mod: mod.to(torch.complex128)):
        m3 = SplitDCFConv2d(3, 2, kernel_size=3, num_bases=4, padding=1, bias=bias)
        m3.load_state_dict(m.state_dict())
        w32 = to_numpy(m3.weight)
        conv(m3)
        assert m3.weight.dtype == torch.float64 and m3.bases.dtype == torch.float64
        assert not m3.weight.is_complex() and not m3.bases.is_complex()
        np.testing.assert_array_equal(to_numpy(m3.weight), w32)
        y = m3(x.to(torch.complex128))
        assert y.dtype == torch.complex128
        assert_close64(y, ref_split_dcf_conv(to_numpy(x), to_numpy(m3.bases), w32,
                                             to_numpy(m3.bias) if bias else None, 1, 1))
        with pytest.raises(TypeError):
            m3(x)  # complex64 into a float64 layer


def test_dcf_module_train_eval_identical_and_backward():
    m = SplitDCFConv2d(2, 3, kernel_size=5, num_bases=3, padding=2)
    _randomise(m)
    x = crandn(2, 2, 6, 6, dtype=torch.complex64, requires_grad=True)
    m.train()
    y_train = m(x)
    m.eval()
    assert torch.equal(m(x), y_train)
    m.train()
    (y_train.abs() ** 2).sum().backward()
    assert m.weight.grad is not None and m.bias.grad is not None and x.grad is not None
    assert m.bases.grad is None


def test_dcf_module_parts_do_not_mix():
    m = SplitDCFConv2d(2, 3, kernel_size=3, num_bases=3, padding=1, dtype=torch.float64)
    _randomise(m)
    x = crandn(2, 2, 5, 5)
    with torch.no_grad():
        m.weight[1].zero_()
        m.bias[1].zero_()
    y = m(x)
    assert torch.all(y.imag == 0) and torch.all(y.real != 0)
    _randomise(m)
    with torch.no_grad():
        m.weight[0].zero_()
        m.bias[0].zero_()
    y = m(x)
    assert torch.all(y.real == 0) and torch.all(y.imag != 0)


def test_dcf_module_gradcheck():
    m = SplitDCFConv2d(2, 2, kernel_size=3, num_bases=3, stride=2, padding=1, dtype=torch.float64)
    x = crandn(2, 2, 5, 4, requires_grad=True)
    w = torch.randn(2, 2, 2, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(2, 2, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda xx, ww, bb: functional_call(m, {"weight": ww, "bias": bb}, (xx,)), (x, w, b))


def test_dcf_module_bad_input():
    m = SplitDCFConv2d(3, 4, kernel_size=3, num_bases=3)
    cases = [
        (TypeError, torch.randn(2, 3, 6, 6)),                      # real input
        (TypeError, crandn(2, 3, 6, 6, dtype=torch.complex128)),   # complex128 into a float32 layer
        (ValueError, crandn(2, 4, 6, 6, dtype=torch.complex64)),   # wrong channel count
        (ValueError, crandn(2, 3, 6, 6, 2, dtype=torch.complex64)),  # 5-D
        (ValueError, crandn(3, 6, dtype=torch.complex64)),         # 2-D
    ]
    for exc, x in cases:
        with pytest.raises(exc) as e:
            m(x)
        assert "SplitDCFConv2d" in str(e.value), str(e.value)
    m64 = SplitDCFConv2d(3, 4, kernel_size=3, num_bases=3, dtype=torch.float64)
    with pytest.raises(TypeError) as e:
        m64(crandn(2, 3, 6, 6, dtype=torch.complex64))
    assert "SplitDCFConv2d" in str(e.value)


@pytest.mark.parametrize("kwargs", [dict(kernel_size=4), dict(kernel_size=6, num_bases=1), dict(num_bases=25),
                                    dict(kernel_size=3, num_bases=9), dict(kernel_size=7, num_bases=49)])
def test_dcf_module_bad_constructor(kwargs):
    with pytest.raises(ValueError) as e:
        SplitDCFConv2d(3, 4, **kwargs)
    assert "SplitDCFConv2d" in str(e.value), str(e.value)


def test_dcf_module_bad_constructor_dtype():
    for dtype in (torch.int64, torch.complex32):
        with pytest.raises((TypeError, ValueError)):
            SplitDCFConv2d(3, 4, dtype=dtype)


# ------------------------------------------------------------------------------------------------ SplitTTLinear
@pytest.mark.parametrize("dtype,pdtype", [(None, torch.float32), (torch.float32, torch.float32),
                                          (torch.complex64, torch.float32), (torch.float64, torch.float64),
                                          (torch.complex128, torch.float64)])
def test_tt_module_dtypes_and_shapes(dtype, pdtype):
    m = SplitTTLinear((4, 5), (3, 2), rank=3, dtype=dtype)
    assert m.in_features == 20 and m.out_features == 6
    assert isinstance(m.cores, torch.nn.ParameterList) and len(m.cores) == 2
    assert [tuple(c.shape) for c in m.cores] == [(2, 1, 4, 3, 3), (2, 3, 5, 2, 1)]
    assert all(c.dtype == pdtype for c in m.cores) and m.bias.dtype == pdtype and m.bias.shape == (2, 6)
    assert SplitTTLinear((4, 5), (3, 2), rank=3, bias=False).bias is None


def test_tt_module_param_count():
    m = SplitTTLinear((50, 25), (20, 25), rank=8)
    assert [tuple(c.shape) for c in m.cores] == [(2, 1, 50, 20, 8), (2, 8, 25, 25, 1)]
    assert sum(p.numel() for p in m.parameters()) == 27000
    assert sum(p.numel() for p in SplitTTLinear((50, 25), (20, 25), rank=8, bias=False).parameters()) == 26000
    # rank larger than possible is capped at the unfolding sizes
    m = SplitTTLinear((2, 3, 2), (3, 1, 2), rank=100)
    assert [tuple(c.shape) for c in m.cores] == [(2, 1, 2, 3, 6), (2, 6, 3, 1, 4), (2, 4, 2, 2, 1)]


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
@pytest.mark.parametrize("in_shape,out_shape,rank,bias", [((4, 5), (3, 2), 3, True), ((2, 3, 2), (3, 1, 2), 2, False),
                                                          ((2, 3, 2), (3, 1, 2), 100, True), ((6,), (4,), 5, True)])
def test_tt_module_matches_reference(in_shape, out_shape, rank, bias, dtype):
    m = SplitTTLinear(in_shape, out_shape, rank=rank, bias=bias, dtype=dtype)
    _randomise(m)
    N = math.prod(in_shape)
    for lead in [(3,), (2, 4)]:
        x = crandn(*lead, N, dtype=dtype)
        out = m(x)
        assert out.dtype == dtype and out.shape == (*lead, math.prod(out_shape))
        expected = ref_split_tt_linear(to_numpy(x).reshape(-1, N), [to_numpy(c) for c in m.cores],
                                       to_numpy(m.bias) if bias else None).reshape(*lead, -1)
        if dtype == torch.complex128:
            assert_close64(out, expected)
        else:
            assert_matches(out, expected)


def test_tt_module_init_is_tt_svd_of_glorot_rayleigh():
    # M = N so that a He fan (1 / N) or a fan_out-only rule (1 / M) would be 2x the glorot variance 1 / (M + N)
    in_shape, out_shape, rank = (16, 16), (16, 16), 8
    M, N = 256, 256
    m = SplitTTLinear(in_shape, out_shape, rank=rank, dtype=torch.float64)
    assert [tuple(c.shape) for c in m.cores] == [(2, 1, 16, 16, 8), (2, 8, 16, 16, 1)]
    dense = [ref_tt_to_dense([to_numpy(c)[p] for c in m.cores]) for p in (0, 1)]
    # expected scale: TT-SVD (rank 8) of an (M, N) Gaussian with Var = 1 / (M + N) (Re or Im of a glorot Rayleigh
    # draw); the kept energy fluctuates ~1% between draws
    rng = np.random.default_rng(1)
    kept = [np.mean(ref_tt_to_dense(ref_tt_svd(rng.standard_normal((M, N)) / math.sqrt(M + N),
                                               in_shape, out_shape, rank)) ** 2) for _ in range(2)]
    expected = float(np.mean(kept))  # ~ 0.11 / (M + N): rank 8 of a (256, 256) unfolding keeps ~11% of the energy
    for p in (0, 1):
        W = dense[p]
        ms = float(np.mean(W ** 2))
        # within 10%: a He fan would be 2x, a missing sqrt 512x off, an untruncated draw ~9x
        assert abs(ms / expected - 1) < 0.1, (p, ms, expected)
        # it is a rank-8 TT: the (n1 m1, n2 m2) unfolding has rank exactly 8; the first core is left-orthonormal
        T = _tt_tensor(W, in_shape, out_shape)
        s = np.linalg.svd(T.reshape(T.shape[0], -1), compute_uv=False)
        assert s[7] > 1e-3 * s[0] and s[8] < 1e-10 * s[0], s[:10]
        u = to_numpy(m.cores[0])[p].reshape(-1, rank)
        np.testing.assert_allclose(u.T @ u, np.eye(rank), atol=1e-10)
    # the two parts are independent draws
    corr = np.corrcoef(dense[0].ravel(), dense[1].ravel())[0, 1]
    assert abs(corr) < 0.1, corr
    # bias ~ U(-1/sqrt(N), 1/sqrt(N)) per part
    bound = 1 / math.sqrt(N)
    b = to_numpy(m.bias)
    assert b.shape == (2, M) and np.all(np.abs(b) <= bound) and np.max(np.abs(b)) > 0.95 * bound
    assert abs(np.var(b) / (bound ** 2 / 3) - 1) < 0.2, (np.var(b), bound ** 2 / 3)
    assert not np.array_equal(b[0], b[1])


def test_tt_module_init_float32_scale():
    m = SplitTTLinear((2, 3, 4), (4, 3, 2), rank=100)  # full rank: the dense weight is the glorot draw itself
    W = [ref_tt_to_dense([to_numpy(c)[p] for c in m.cores]) for p in (0, 1)]
    target = 1 / (24 + 24)
    for p in (0, 1):
        assert abs(np.var(W[p]) / target - 1) < 0.35, (np.var(W[p]), target)  # 576 entries
    assert abs(np.var(np.concatenate([W[0].ravel(), W[1].ravel()])) / target - 1) < 0.25


@pytest.mark.filterwarnings("ignore:Complex modules are a new feature")
@pytest.mark.parametrize("bias", [True, False])
def test_tt_module_state_dict_round_trip_and_double(bias):
    m = SplitTTLinear((2, 3), (3, 2), rank=2, bias=bias)
    _randomise(m)
    sd = m.state_dict()
    assert set(sd) == ({"cores.0", "cores.1", "bias"} if bias else {"cores.0", "cores.1"})
    m2 = SplitTTLinear((2, 3), (3, 2), rank=2, bias=bias)
    assert not torch.equal(m2.cores[0], m.cores[0])
    m2.load_state_dict(sd)
    x = crandn(4, 6, dtype=torch.complex64)
    assert torch.equal(m2(x), m(x))
    c32 = [to_numpy(c) for c in m.cores]
    m.to(torch.complex128)
    assert all(c.dtype == torch.float64 for c in m.cores) and (not bias or m.bias.dtype == torch.float64)
    y = m(x.to(torch.complex128))
    assert y.dtype == torch.complex128
    assert_close64(y, ref_split_tt_linear(to_numpy(x), c32, to_numpy(m.bias) if bias else None))
    with pytest.raises(TypeError):
        m(x)
    m.float()
    assert all(c.dtype == torch.float32 for c in m.cores)


def test_tt_module_train_eval_identical_and_backward():
    m = SplitTTLinear((2, 3), (3, 2), rank=2)
    _randomise(m)
    x = crandn(4, 6, dtype=torch.complex64, requires_grad=True)
    m.train()
    y = m(x)
    m.eval()
    assert torch.equal(m(x), y)
    (y.abs() ** 2).sum().backward()
    assert all(c.grad is not None for c in m.cores) and m.bias.grad is not None and x.grad is not None


def test_tt_module_parts_do_not_mix():
    m = SplitTTLinear((2, 3), (3, 2), rank=2, dtype=torch.float64)
    _randomise(m)
    x = crandn(4, 6)
    y = m(x)
    with torch.no_grad():
        m.cores[0][0].mul_(3.0)  # real part's layer only
        m.bias[0].add_(1.0)
    y2 = m(x)
    assert torch.equal(y2.imag, y.imag) and not torch.allclose(y2.real, y.real)
    with torch.no_grad():
        m.cores[1][1].mul_(-2.0)  # imaginary part's layer only
    y3 = m(x)
    assert torch.equal(y3.real, y2.real) and not torch.allclose(y3.imag, y2.imag)


def test_tt_module_gradcheck():
    m = SplitTTLinear((2, 3), (2, 2), rank=2, dtype=torch.float64)
    x = crandn(3, 6, requires_grad=True)
    c0 = torch.randn(2, 1, 2, 2, 2, dtype=torch.float64, requires_grad=True)
    c1 = torch.randn(2, 2, 3, 2, 1, dtype=torch.float64, requires_grad=True)
    b = torch.randn(2, 4, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda xx, g0, g1, bb: functional_call(m, {"cores.0": g0, "cores.1": g1, "bias": bb}, (xx,)),
                     (x, c0, c1, b))


def test_tt_module_bad_input():
    m = SplitTTLinear((2, 3), (3, 2), rank=2)
    cases = [
        (TypeError, torch.randn(4, 6)),                          # real input
        (TypeError, crandn(4, 6, dtype=torch.complex128)),       # complex128 into a float32 layer
        (ValueError, crandn(4, 5, dtype=torch.complex64)),       # wrong in_features
        (ValueError, crandn(6, 4, dtype=torch.complex64)),       # features must be last
    ]
    for exc, x in cases:
        with pytest.raises(exc) as e:
            m(x)
        assert "SplitTTLinear" in str(e.value), str(e.value)


@pytest.mark.parametrize("args,kwargs", [
    (((2, 3), (3, 2)), dict(rank=0)),
    (((2, 3), (3, 2)), dict(rank=-1)),
    (((2, 3), (6,)), {}),            # different numbers of factors
    (((6,), (3, 2)), {}),
    (((2, 3, 1), (3, 2)), {}),
    (((2, 0), (3, 2)), {}),
])
def test_tt_module_bad_constructor(args, kwargs):
    with pytest.raises(ValueError) as e:
        SplitTTLinear(*args, **kwargs)
    assert "SplitTTLinear" in str(e.value), str(e.value)
