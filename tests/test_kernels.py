"""The compiled CPU kernels (deepcomplex/csrc, deepcomplex._extension) against the pure-PyTorch path and NumPy.

Built by `python -m deepcomplex build-ext` (part of `make install`). Where they are not built these tests skip, except
under CI, where a missing build is a failure: the fast path must be the tested one.
"""
from __future__ import annotations

import contextlib

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck

from deepcomplex import _extension
import deepcomplex.functional as CF
from deepcomplex.nn import ComplexBatchNorm1d, ComplexBatchNorm2d, ComplexBatchNorm3d

from conftest import crandn, memory_layout


def _crandn(*shape, dtype=torch.complex128, seed: int):
    torch.manual_seed(seed)
    return crandn(*shape, dtype=dtype)


pytestmark = pytest.mark.usefixtures("require_kernels")


CASES = [  # (input shape, layout); 11 channels and odd sizes exercise the vector blocks and their tails
    ((3, 11, 5, 7), "contiguous"),
    ((3, 11, 5, 7), "channels_last"),
    ((2, 16, 4, 4), "channels_last"),
    ((3, 11, 5, 7), "sliced"),
    ((3, 11, 5, 7), "permuted"),
    ((2, 11, 2, 3, 5), "channels_last"),
    ((2, 9, 2, 3, 5), "contiguous"),
    ((40, 11), "contiguous"),
    ((4, 11, 9), "contiguous"),
]
IDS = [f"{'x'.join(map(str, s))}-{lay}" for s, lay in CASES]


def _run(x, weight, bias, grad, kernels: bool):
    bn_cls = {2: ComplexBatchNorm1d, 3: ComplexBatchNorm1d, 4: ComplexBatchNorm2d, 5: ComplexBatchNorm3d}[x.dim()]
    bn = bn_cls(x.shape[1], dtype=x.dtype)
    with torch.no_grad():
        bn.weight.copy_(weight)
        bn.bias.copy_(bias)
    x = x.detach().requires_grad_()
    if kernels:
        y = bn(x)
    else:
        with _extension.disabled():
            y = bn(x)
    y.backward(grad)
    return y.detach(), x.grad, bn.weight.grad, bn.bias.grad, bn.running_mean.clone(), bn.running_covar.clone()


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
@pytest.mark.parametrize("shape,layout", CASES, ids=IDS)
def test_batch_norm_kernels_match_torch_path(shape, layout, dtype):
    torch.manual_seed(0)
    c = shape[1]
    base = _crandn(*shape, dtype=torch.complex128, seed=1)
    base = base + 3 * base.real.to(base.dtype) + 0.5  # correlated Re/Im and a nonzero mean
    x = memory_layout(base.to(dtype), layout) if len(shape) >= 4 else base.to(dtype)
    weight = torch.randn(c, 3, dtype=torch.float64).to(x.real.dtype)
    bias = _crandn(c, dtype=dtype, seed=2)
    grad = _crandn(*shape, dtype=dtype, seed=3)
    fast = _run(x, weight, bias, grad, kernels=True)
    slow = _run(x, weight, bias, grad, kernels=False)
    tol = 1e-10 if dtype == torch.complex128 else 2e-4
    for name, a, b in zip(("output", "grad input", "grad weight", "grad bias", "running mean", "running covar"),
                          fast, slow):
        scale = b.abs().max().item() + 1
        assert (a - b).abs().max().item() <= tol * scale, name
    if layout in ("contiguous", "channels_last"):
        assert fast[0].stride() == x.stride(), "output keeps the input's memory layout"
    assert fast[1].shape == x.shape


def test_gradcheck_channels_last_with_affine():
    torch.manual_seed(0)
    x = _crandn(2, 9, 3, 5, dtype=torch.complex128, seed=4)
    x = (x + 2 * x.real.to(x.dtype)).contiguous(memory_format=torch.channels_last).requires_grad_()
    weight = torch.randn(9, 3, dtype=torch.float64, requires_grad=True)
    bias = _crandn(9, dtype=torch.complex128, seed=5).requires_grad_()

    def f(x, weight, bias):
        return CF.complex_batch_norm(x, None, None, weight, bias, training=True)

    assert gradcheck(f, (x, weight, bias), eps=1e-6, atol=1e-6)
    nchw = x.detach().contiguous().requires_grad_()
    assert gradcheck(f, (nchw, weight, bias), eps=1e-6, atol=1e-6)


def test_large_mean_keeps_float32_precision():
    # Raw moments are summed in float64, so a mean 1000 times the spread does not cancel the covariance away.
    torch.manual_seed(0)
    n = 4096
    re = torch.randn(n, 2, dtype=torch.float64)
    z = torch.complex(re, 3 * re + 0.1 * torch.randn(n, 2, dtype=torch.float64)) + (1000 + 1000j)
    y = CF.complex_batch_norm(z.to(torch.complex64), None, None, training=True).to(torch.complex128)
    v = torch.view_as_real(y)
    cov = torch.einsum("nci,ncj->cij", v, v) / n
    zr = torch.view_as_real(z - z.mean(0))
    V = torch.einsum("nci,ncj->cij", zr, zr) / n + 1e-4 * torch.eye(2, dtype=torch.float64)
    evals, evecs = torch.linalg.eigh(V)
    W = evecs @ torch.diag_embed(evals.rsqrt()) @ evecs.transpose(1, 2)
    expected = W @ (V - 1e-4 * torch.eye(2, dtype=torch.float64)) @ W.transpose(1, 2)
    assert (cov - expected).abs().max().item() < 1e-3


def _numpy_sums(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, C, P, 2) -> (C, 6): sum a_r, sum a_i, sum a_r b_r, sum a_r b_i, sum a_i b_r, sum a_i b_i."""
    ar, ai, br, bi = a[..., 0], a[..., 1], b[..., 0], b[..., 1]
    return np.stack([x.sum((0, 2)) for x in (ar, ai, ar * br, ar * bi, ai * br, ai * bi)], -1)


@pytest.mark.parametrize("layout", ["contiguous", "channels_last", "permuted"])
def test_cross_moments_and_mix_ops(layout):
    ops = torch.ops.deepcomplex
    a = memory_layout(_crandn(3, 11, 4, 5, dtype=torch.complex128, seed=6), layout)
    b = torch.empty_like(a).copy_(_crandn(3, 11, 4, 5, dtype=torch.complex128, seed=7))
    va, vb = (torch.view_as_real(t.reshape(3, 11, -1)) for t in (a, b))
    na, nb = va.numpy(), vb.numpy()
    np.testing.assert_allclose(ops.cross_moments(va, vb).numpy(), _numpy_sums(na, nb), rtol=1e-12, atol=1e-12)
    A, B, c = (torch.randn(11, *s, dtype=torch.float64) for s in ((2, 2), (2, 2), (2,)))
    expected = (np.einsum("cij,ncpj->ncpi", A.numpy(), na) + np.einsum("cij,ncpj->ncpi", B.numpy(), nb)
                + c.numpy()[None, :, None, :])
    np.testing.assert_allclose(ops.mix(va, A, vb, B, c).numpy(), expected, rtol=1e-12, atol=1e-12)
    only_a = np.einsum("cij,ncpj->ncpi", A.numpy(), na) + c.numpy()[None, :, None, :]
    out = ops.mix(va, A, None, None, c)
    np.testing.assert_allclose(out.numpy(), only_a, rtol=1e-12, atol=1e-12)
    assert out.stride() == va.stride()


def test_ops_reject_bad_operands():
    ops = torch.ops.deepcomplex
    v = torch.randn(2, 3, 4, 2)
    with pytest.raises(RuntimeError, match="deepcomplex whitening kernel: a must be a real \\(N, C, P, 2\\)"):
        ops.cross_moments(torch.randn(2, 3, 4, 3), torch.randn(2, 3, 4, 3))
    with pytest.raises(RuntimeError, match="b must have the sizes, strides and dtype"):
        ops.cross_moments(v, torch.randn(2, 3, 5, 2))
    with pytest.raises(RuntimeError, match="A must hold 4 numbers per channel for 3 channels"):
        ops.mix(v, torch.randn(2, 4), None, None, torch.randn(3, 2))
    with pytest.raises(RuntimeError, match="more than one value per channel"):
        ops.whiten_forward(torch.randn(1, 3, 1, 2), None, None, 1e-4)


def test_build_directory_depends_on_sources_and_flags(monkeypatch, tmp_path):
    monkeypatch.setenv("DEEPCOMPLEX_EXT_DIR", str(tmp_path))
    first = _extension.build_directory()
    assert first.parent == tmp_path and torch.__version__.split("+")[0] in first.name
    monkeypatch.setattr(_extension, "CFLAGS", _extension.CFLAGS + ("-g",))
    assert _extension.build_directory() != first
    source = tmp_path / "k.cpp"
    source.write_text("// a changed kernel\n")
    monkeypatch.setattr(_extension, "SOURCES", (source,))
    second = _extension.build_directory()
    source.write_text("// changed again\n")
    assert _extension.build_directory() != second


def test_disabled_and_environment_switch(monkeypatch):
    assert _extension.available()
    with _extension.disabled():
        assert not _extension.available()
        with _extension.disabled():
            assert not _extension.available()
        assert not _extension.available()
    assert _extension.available()
    monkeypatch.setattr(_extension, "_state", None)
    monkeypatch.setenv("DEEPCOMPLEX_NO_EXT", "1")
    assert not _extension.available()


def test_missing_build_falls_back(monkeypatch, tmp_path):
    monkeypatch.setattr(_extension, "_state", None)
    monkeypatch.setenv("DEEPCOMPLEX_EXT_DIR", str(tmp_path))  # nothing built there
    assert not _extension.available()
    x = _crandn(4, 3, 2, 2, dtype=torch.complex128, seed=8).requires_grad_()
    CF.complex_batch_norm(x, None, None, training=True).abs().sum().backward()  # pure-PyTorch path
    assert torch.isfinite(x.grad).all()


@pytest.mark.parametrize("shape,layout,shared", [((3, 11, 5, 7), "contiguous", False),
                                                 ((3, 11, 5, 7), "channels_last", False),
                                                 ((3, 11, 5, 7), "sliced", False), ((4, 11), "contiguous", False),
                                                 ((3, 11, 5, 7), "channels_last", True), ((6,), "contiguous", True),
                                                 ((2, 3, 90, 100), "contiguous", True),
                                                 ((1, 2, 130, 131), "contiguous", False)],
                         ids=["nchw", "cl", "sliced", "nc", "cl-shared", "1d-shared", "nchw-shared-blocks",
                              "nchw-blocks"])
def test_modrelu_kernel_matches_torch_path(shape, layout, shared):
    x = _crandn(*shape, dtype=torch.complex128, seed=9)
    x = memory_layout(x, layout) if len(shape) == 4 else x
    x = x.clone() if layout != "sliced" else x
    flat = torch.view_as_real(x)
    flat[..., :1, :] = 0  # exact zeros: output and gradient 0 there
    c = 1 if shared else shape[1]
    bias = torch.linspace(-1.5, 0.5, c, dtype=torch.float64)  # negative biases open a dead zone
    grad = _crandn(*shape, dtype=torch.complex128, seed=10)
    outs = []
    for kernels in (True, False):
        xi, bi = x.detach().clone().requires_grad_(), bias.clone().requires_grad_()
        with contextlib.nullcontext() if kernels else _extension.disabled():
            y = CF.modrelu(xi, bi)
        y.backward(grad)
        outs.append((y.detach(), xi.grad, bi.grad))
    for a, b in zip(*outs):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    if x.numel() > 1000:  # the planes split into blocks over the threads (kPlaneBlock); gradcheck on the small ones
        return
    # gradcheck away from z = 0, where modReLU with a positive bias is not differentiable
    xg = (x.detach() + 0.05 * (x.detach() == 0)).requires_grad_()
    bg = bias.clone().requires_grad_()
    assert gradcheck(lambda z, b: CF.modrelu(z, b), (xg, bg), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_naive_batch_norm_kernels_match_torch_batch_norm(layout, momentum):
    from deepcomplex.nn import NaiveComplexBatchNorm2d

    c = 11
    torch.manual_seed(0)
    x = memory_layout(_crandn(3, c, 5, 7, dtype=torch.complex128, seed=11) * 3 + (2 - 1j), layout)
    grad = _crandn(3, c, 5, 7, dtype=torch.complex128, seed=12)
    results = []
    for kernels in (True, False):
        torch.manual_seed(0)
        m = NaiveComplexBatchNorm2d(c, momentum=momentum, dtype=torch.complex128)
        with torch.no_grad():
            m.weight.copy_(torch.linspace(0.5, 2.0, 2 * c, dtype=torch.float64))
            m.bias.copy_(torch.linspace(-1.0, 1.0, 2 * c, dtype=torch.float64))
        outs = []
        for step in range(2):  # two steps: running averages, cumulative ones included
            xi = (x + step).detach().requires_grad_()
            with contextlib.nullcontext() if kernels else _extension.disabled():
                y = m(xi)
            y.backward(grad)
            outs += [y.detach(), xi.grad]
        outs += [m.weight.grad, m.bias.grad, m.running_mean.clone(), m.running_var.clone(), m.num_batches_tracked]
        results.append(outs)
    for a, b in zip(*results):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)
