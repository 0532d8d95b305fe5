"""Gauss's three-product form of complex linear maps and convolutions (deepcomplex.functional.gauss) and its switch,
deepcomplex.backends.gauss: against float64 references and the four-product form, forward and gradients, with the
compiled split/merge kernels and with the pure-PyTorch fallback; which form runs where.
"""
from __future__ import annotations

import contextlib
import os

import pytest
import torch
import torch.nn.functional as F
from torch.autograd import gradcheck, gradgradcheck

import deepcomplex.backends
import deepcomplex.functional as CF
import deepcomplex.functional.conv as conv_module
import deepcomplex.functional.gauss as gauss
import deepcomplex.nn as cnn
from conftest import crandn

KERNELS = pytest.param(True, id="kernels", marks=pytest.mark.skipif(
    not deepcomplex.backends.extension_available() and not os.environ.get("CI"),
    reason="compiled kernels are not built (python -m deepcomplex build-ext)"))
PATHS = (KERNELS, pytest.param(False, id="pytorch"))


def _path(kernels: bool):
    """The kernels' path (failing under CI when they are not built) or the pure-PyTorch one."""
    if kernels:
        assert deepcomplex.backends.extension_available(), "compiled kernels are not built"
        return contextlib.nullcontext()
    return deepcomplex.backends.extension_disabled()


@pytest.fixture
def forced(monkeypatch):
    """Set deepcomplex.backends.gauss for one test (restored after it)."""
    def set_mode(mode):
        monkeypatch.setattr(deepcomplex.backends, "gauss", mode)
    return set_mode


def _cl(x: torch.Tensor) -> torch.Tensor:
    return x.movedim(1, -1).contiguous().movedim(-1, 1)


class _Spy:
    """Counts the calls of GaussConvolution.apply / GaussLinear.apply made through the modules that use them."""

    def __init__(self, monkeypatch):
        self.conv = self.linear = 0
        conv_apply, linear_apply = gauss.GaussConvolution.apply, gauss.GaussLinear.apply

        class Conv(gauss.GaussConvolution):
            @staticmethod
            def apply(*args):
                self.conv += 1
                return conv_apply(*args)

        class Linear(gauss.GaussLinear):
            @staticmethod
            def apply(*args):
                self.linear += 1
                return linear_apply(*args)

        monkeypatch.setattr(conv_module, "GaussConvolution", Conv)
        monkeypatch.setattr(gauss, "GaussLinear", Linear)


# ------------------------------------------------------------------------------------------------ split and merge
@pytest.mark.parametrize("grouped", [False, True])
def test_split_and_merge_kernels_match_pytorch(grouped):
    if not deepcomplex.backends.extension_available():
        pytest.skip("compiled kernels are not built")
    for dtype in (torch.complex64, torch.complex128):
        z = crandn(7, 5, dtype=dtype)[:, :3]  # rows 5 complex numbers apart: not contiguous
        c = (1.0, 1.0, 1.0, 0.0, 0.0, -1.0)
        got = gauss._split(z, c, grouped)
        with deepcomplex.backends.extension_disabled():
            want = gauss._split(z, c, grouped)
        assert got.shape == ((7, 3, 3) if grouped else (3, 7, 3)) and torch.equal(got, want)
        parts = [torch.randn(4, 6, dtype=z.real.dtype)[:, :3] for _ in range(3)]  # row stride 6
        bias = crandn(3, dtype=dtype)
        for b in (None, bias):
            got = gauss._merge(*parts, (1.0, 0.0, -1.0, 1.0, 1.0, 0.0), b)
            with deepcomplex.backends.extension_disabled():
                want = gauss._merge(*parts, (1.0, 0.0, -1.0, 1.0, 1.0, 0.0), b)
            torch.testing.assert_close(got, want, rtol=0, atol=4 * torch.finfo(z.real.dtype).eps * 4)
            expected = torch.complex(parts[0] - parts[2], parts[0] + parts[1]) + (0 if b is None else b)
            torch.testing.assert_close(got, expected)


# ---------------------------------------------------------------------------------------- forward and gradients
def _linear_case(dtype):
    return crandn(6, 4, 9, dtype=dtype), crandn(5, 9, dtype=dtype), crandn(5, dtype=dtype)


CONV_CASES = {  # name: (function, x shape, w shape, keyword arguments)
    "conv2d": (CF.conv2d, (3, 4, 7, 6), (6, 4, 3, 3), dict(padding=1)),
    "conv2d-strided-grouped": (CF.conv2d, (2, 4, 9, 8), (6, 2, 3, 2), dict(stride=(2, 1), dilation=(1, 2), groups=2)),
    "conv1d-same": (CF.conv1d, (3, 4, 11), (5, 4, 4), dict(padding="same")),
    "conv3d": (CF.conv3d, (2, 3, 5, 4, 5), (4, 3, 2, 3, 2), dict(padding=(1, 0, 1))),
    "conv_transpose2d": (CF.conv_transpose2d, (2, 4, 5, 4), (4, 3, 3, 3), dict(stride=2, output_padding=1)),
    "conv_transpose1d-grouped": (CF.conv_transpose1d, (2, 4, 6), (4, 2, 3), dict(stride=2, groups=2, padding=1)),
}


def _conv_operands(name, dtype, layout="channels_last"):
    fn, xs, ws, kw = CONV_CASES[name]
    x = crandn(*xs, dtype=dtype)
    out_channels = ws[1] * kw.get("groups", 1) if fn in (CF.conv_transpose1d, CF.conv_transpose2d) else ws[0]
    return fn, (_cl(x) if layout == "channels_last" else x), crandn(*ws, dtype=dtype), crandn(out_channels,
                                                                                             dtype=dtype), kw


def _forward_and_grads(fn, inputs, grad_seed=5):
    leaves = [t.detach().clone(memory_format=torch.preserve_format).requires_grad_() for t in inputs]
    y = fn(*leaves)
    g = torch.randn(y.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(grad_seed))
    g = torch.complex(g, g.flip(0)).to(y.dtype)  # the same numbers for the complex64 run and its reference
    y.backward(g)
    return y.detach(), [t.grad for t in leaves]


def _errors(fn, inputs, reference_fn):
    """Max abs error of fn's output and gradients (complex64) against reference_fn's in complex128, scaled."""
    y, grads = _forward_and_grads(fn, inputs)
    ry, rgrads = _forward_and_grads(reference_fn, [t.to(torch.complex128) for t in inputs])
    return [float((a.to(torch.complex128) - b).abs().max() / b.abs().max().clamp_min(1)) for a, b in
            zip([y, *grads], [ry, *rgrads])]


@pytest.mark.parametrize("kernels", PATHS)
@pytest.mark.parametrize("case", ["linear", *CONV_CASES])
def test_both_forms_match_float64_reference(case, kernels, forced):
    """Gauss's form in complex64 stays within float32 rounding of the float64 result, as the four-product form does:
    forward and all three gradients, errors scaled by the reference's magnitude."""
    if case == "linear":
        inputs, fn = _linear_case(torch.complex64), CF.linear
        kw = {}
    else:
        fn, x, w, b, kw = _conv_operands(case, torch.complex64)
        inputs = (x, w, b)
    call = lambda x, w, b: fn(x, w, b, **kw)  # noqa: E731
    with _path(kernels):
        forced(False)
        plain = _errors(call, inputs, call)
        forced(True)
        three = _errors(call, inputs, call)
    forced(False)
    assert max(plain) < 5e-6
    assert max(three) < 5e-6, f"Gauss's form: scaled errors {three} (four-product form: {plain})"


@pytest.mark.parametrize("kernels", PATHS)
@pytest.mark.parametrize("case", ["linear", "conv2d", "conv2d-strided-grouped", "conv1d-same", "conv_transpose2d"])
def test_gradcheck_complex128_gauss_forced(case, kernels, forced):
    forced(True)
    if case == "linear":
        x, w, b = (t.requires_grad_() for t in (crandn(3, 2, 9), crandn(5, 9), crandn(5)))

        def fn(x, w, b):
            return CF.linear(x, w, b)
    else:
        f, x, w, b, kw = _conv_operands(case, torch.complex128)
        x, w, b = x[:1].detach().requires_grad_(), w.requires_grad_(), b.requires_grad_()

        def fn(x, w, b):
            return f(x, w, b, **kw)
    with _path(kernels):
        assert gradcheck(fn, (x, w, b))
        assert gradcheck(lambda x, w: fn(x, w, None), (x, w), fast_mode=True)  # no bias
        # the double backward goes through the four-product form
        assert gradgradcheck(fn, (x, w, b), fast_mode=True)


@pytest.mark.parametrize("needs", [(True, False, False), (False, True, True), (False, False, True)])
def test_partial_requires_grad(needs, forced):
    forced(True)
    fn, x, w, b, kw = _conv_operands("conv2d", torch.complex128)
    leaves = [t.requires_grad_(need) for t, need in zip((x, w, b), needs)]
    y = fn(*leaves, **kw)
    y.abs().sum().backward()
    forced(False)
    ref = [t.detach().clone().requires_grad_(need) for t, need in zip((x, w, b), needs)]
    fn(*ref, **kw).abs().sum().backward()
    for a, r, need in zip(leaves, ref, needs):
        assert (a.grad is None) == (not need)
        if need:
            torch.testing.assert_close(a.grad, r.grad)


@pytest.mark.parametrize("layout", ["channels_last", "contiguous"])
def test_conv_layouts_as_the_four_product_form(layout, forced):
    """Output channels-last whatever the input's layout, and the input gradient in the input's layout's place, as
    the four-product form gives; an expanded (stride 0) output gradient is accepted."""
    fn, x, w, b, kw = _conv_operands("conv2d", torch.complex64, layout)
    results = {}
    for mode in (False, True):
        forced(mode)
        xl = x.detach().clone(memory_format=torch.preserve_format).requires_grad_()
        y = fn(xl, w, b, **kw)
        y.real.sum().backward()  # an expanded gradient
        results[mode] = (y, xl.grad)
    for y, gx in results.values():
        assert y.is_contiguous(memory_format=torch.channels_last)
    assert results[True][1].is_contiguous(memory_format=torch.channels_last) == \
        results[False][1].is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(results[True][0], results[False][0], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(results[True][1], results[False][1], rtol=1e-5, atol=1e-5)


def test_empty_batch_and_unbatched(forced):
    forced(True)
    w, b = crandn(4, 3, 3, 3, dtype=torch.complex64), crandn(4, dtype=torch.complex64)
    x = crandn(0, 3, 5, 5, dtype=torch.complex64, requires_grad=True)
    y = CF.conv2d(x, w, b, padding=1)
    assert y.shape == (0, 4, 5, 5)
    y.abs().sum().backward()
    assert x.grad.shape == x.shape
    x1 = crandn(3, 5, 5, dtype=torch.complex64)
    y1 = CF.conv2d(x1, w, b, padding=1)
    forced(False)
    torch.testing.assert_close(y1, CF.conv2d(x1, w, b, padding=1), rtol=1e-5, atol=1e-5)
    forced(True)
    lin = CF.linear(crandn(0, 7, dtype=torch.complex64), crandn(2, 7, dtype=torch.complex64))
    assert lin.shape == (0, 2)
    v = crandn(7, dtype=torch.complex64)
    wl = crandn(2, 7, dtype=torch.complex64)
    torch.testing.assert_close(CF.linear(v, wl), F.linear(v, wl), rtol=1e-5, atol=1e-5)


def test_conjugate_views_are_resolved(forced):
    forced(True)
    x, w, b = _linear_case(torch.complex64)
    torch.testing.assert_close(CF.linear(x.conj(), w.conj(), b.conj()),
                               F.linear(x.conj().resolve_conj(), w.conj().resolve_conj(), b.conj().resolve_conj()),
                               rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------------------------------------------- the rule
def test_rule_auto_picks_by_shape(monkeypatch):
    if not deepcomplex.backends.extension_available():
        pytest.skip("the auto rule needs the compiled kernels")
    assert deepcomplex.backends.gauss == "auto"
    spy = _Spy(monkeypatch)
    x = crandn(1, 128, 4, 4, dtype=torch.complex64)
    big = cnn.ComplexConv2d(128, 128, 3, padding=1)   # 128 * 9 >= 768: Gauss
    small = cnn.ComplexConv2d(128, 128, 1)              # 128 * 1: four products
    assert big(x).shape == (1, 128, 4, 4) and spy.conv == 1
    small(x)
    cnn.ComplexConv2d(16, 32, 3)(crandn(1, 16, 6, 6, dtype=torch.complex64))  # the benchmark's 16 -> 32: 144
    cnn.ComplexConv2d(128, 128, 3, groups=2)(x)       # 64 per group * 9 = 576
    assert spy.conv == 1
    cnn.ComplexConv1d(256, 256, 3)(crandn(1, 256, 8, dtype=torch.complex64))  # 768: Gauss
    cnn.ComplexConvTranspose2d(128, 96, 3)(x)         # min(128, 96) * 9: Gauss
    assert spy.conv == 3
    with deepcomplex.backends.extension_disabled():  # measured with the kernels only
        big(x)
    big.to(torch.complex128)(x.to(torch.complex128))  # measured for complex64 only
    cnn.ComplexLinear(1024, 1024)(crandn(512, 1024, dtype=torch.complex64))  # linear: torch's complex GEMM
    assert spy.conv == 3 and spy.linear == 0


def test_switch_forces_either_form(monkeypatch, forced):
    spy = _Spy(monkeypatch)
    x = crandn(2, 3, 5, 5, dtype=torch.complex128)
    conv, lin = cnn.ComplexConv2d(3, 4, 3, dtype=torch.complex128), cnn.ComplexLinear(5, 2, dtype=torch.complex128)
    forced(True)
    conv(x), lin(x), CF.linear(x, lin.weight)
    assert (spy.conv, spy.linear) == (1, 2)
    forced(False)
    cnn.ComplexConv2d(128, 128, 3)(crandn(1, 128, 4, 4, dtype=torch.complex64))
    conv(x), lin(x)
    assert (spy.conv, spy.linear) == (1, 2)
    forced("yes")
    with pytest.raises(ValueError, match="deepcomplex.backends.gauss must be 'auto', True or False"):
        conv(x)


def test_torch_compile_traces_the_four_product_form(monkeypatch, forced):
    """Forced on, eager runs Gauss's form and torch.compile still traces (and matches) the four-product form."""
    torch._dynamo.reset()
    forced(True)
    m = cnn.ComplexConv2d(3, 4, 3, padding=1, dtype=torch.complex64)
    x = crandn(2, 3, 5, 6, dtype=torch.complex64)
    eager = m(x)

    class Refuse(gauss.GaussConvolution):
        @staticmethod
        def apply(*args):
            raise AssertionError("Gauss's form reached the compiled graph")

    monkeypatch.setattr(conv_module, "GaussConvolution", Refuse)
    compiled = torch.compile(m)(x)
    torch.testing.assert_close(compiled, eager, rtol=1e-5, atol=1e-5)


def test_benchmark_script_runs(capsys):
    """benchmarks/bench_gauss.py (the measurements behind the rule) runs end to end; --quick: one tiny row each."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_gauss.py"
    spec = importlib.util.spec_from_file_location("bench_gauss", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--quick", "--repeats", "1"])
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[2:]]
    assert [row[0] for row in rows] == ["conv2d", "linear"]
    assert all(float(row[-2]) > 0 and row[-1] == "4" for row in rows)  # tiny shapes: the four-product form
    assert deepcomplex.backends.gauss == "auto"  # the script restores the switch
