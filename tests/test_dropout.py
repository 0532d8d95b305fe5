"""Complex dropout: one Bernoulli mask shared by Re and Im (per element, or per channel for dropout2d)."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck

import deepcomplex.functional as CF
from deepcomplex.nn import ComplexDropout, ComplexDropout2d
from conftest import CUDA, DTYPES, assert_matches, crandn, to_numpy


def _dropped(y: torch.Tensor) -> torch.Tensor:
    """Boolean mask of dropped entries; asserts Re and Im were dropped together."""
    re0, im0 = y.real == 0, y.imag == 0
    assert torch.equal(re0, im0), "real and imaginary parts were dropped with different masks"
    return re0


def _check_survivors_scaled(x: torch.Tensor, y: torch.Tensor, p: float) -> torch.Tensor:
    dropped = _dropped(y)
    kept = ~dropped
    assert_matches(y[kept], to_numpy(x)[kept.numpy()] / (1 - p), dtype=x.dtype)
    return dropped


# ----------------------------------------------------------------------------------------------------------------
# Element-wise dropout
# ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_eval_is_identity(dtype):
    x = crandn(4, 3, 5, dtype=dtype)
    for module in (ComplexDropout(0.5), ComplexDropout2d(0.5), ComplexDropout(1.0), ComplexDropout2d(1.0)):
        module.eval()
        assert torch.equal(module(x), x)
    assert torch.equal(CF.dropout(x, 0.7, training=False), x)
    assert torch.equal(CF.dropout2d(x, 0.7, training=False), x)


def test_train_eval_switch():
    x = crandn(200, 10, dtype=torch.complex64)
    m = ComplexDropout(0.5)
    assert m.training
    assert _dropped(m(x)).any()
    m.eval()
    assert torch.equal(m(x), x)
    m.train()
    assert _dropped(m(x)).any()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_mask_shared_fraction_and_scale(dtype, p):
    n = 200_000
    x = crandn(n, dtype=dtype)
    assert (x.real != 0).all() and (x.imag != 0).all()
    y = ComplexDropout(p)(x)
    assert y.dtype == dtype and y.shape == x.shape
    dropped = _check_survivors_scaled(x, y, p)
    frac = dropped.double().mean().item()
    assert abs(frac - p) < 5 * math.sqrt(p * (1 - p) / n)
    y2 = CF.dropout(x, p, training=True)
    dropped2 = _check_survivors_scaled(x, y2, p)
    assert abs(dropped2.double().mean().item() - p) < 5 * math.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("p", [0.3, 0.6])
def test_dropout_preserves_expected_value(p):
    draws = 4000
    x = crandn(40)
    y = CF.dropout(x.expand(draws, 40), p, training=True)  # an independent mask for every draw
    mean = to_numpy(y.mean(dim=0))
    rel = np.abs(mean - to_numpy(x)) / np.abs(to_numpy(x))
    assert rel.max() < 6 * math.sqrt(p / ((1 - p) * draws))
    assert rel.max() > 0  # the masks are random, not all-ones


def test_dropout_is_elementwise_not_channelwise():
    x = crandn(8, 16, 5, 5)
    dropped = _dropped(CF.dropout(x, 0.5))
    planes = dropped.flatten(-2)
    mixed = planes.any(-1) & ~planes.all(-1)
    assert mixed.all()  # with 25 entries per plane at p=0.5, every plane has both kept and dropped entries


def test_dropout_does_not_modify_input():
    x = crandn(50, 4)
    x0 = x.clone()
    y = CF.dropout(x, 0.5)
    CF.dropout2d(x.reshape(5, 10, 2, 2), 0.5)
    ComplexDropout(0.5)(x)
    assert torch.equal(x, x0)
    assert _dropped(y).any()


def test_dropout_reproducible_with_seed():
    x = crandn(100, 10)
    torch.manual_seed(123)
    a = CF.dropout(x, 0.5)
    torch.manual_seed(123)
    b = CF.dropout(x, 0.5)
    c = CF.dropout(x, 0.5)
    assert torch.equal(a, b)
    assert not torch.equal(b, c)


# ----------------------------------------------------------------------------------------------------------------
# Channel dropout
# ----------------------------------------------------------------------------------------------------------------

def _channel_state(x, y, p):
    """Per (…, C) plane: True when dropped (all zero), False when kept (all scaled); asserts nothing in between."""
    dropped = _check_survivors_scaled(x, y, p)
    planes = dropped.flatten(-2)
    all_dropped, none_dropped = planes.all(-1), ~planes.any(-1)
    assert torch.all(all_dropped | none_dropped), "a channel was partially dropped"
    return all_dropped


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.25, 0.5, 0.75])
def test_dropout2d_zeroes_whole_channels(dtype, p):
    N, C = 64, 64
    x = crandn(N, C, 2, 3, dtype=dtype)
    y = ComplexDropout2d(p)(x)
    assert y.dtype == dtype and y.shape == x.shape
    ch = _channel_state(x, y, p)
    assert abs(ch.double().mean().item() - p) < 5 * math.sqrt(p * (1 - p) / (N * C))
    # each sample draws its own channel mask
    assert not all(torch.equal(ch[0], ch[n]) for n in range(1, N))
    ch2 = _channel_state(x, CF.dropout2d(x, p, training=True), p)
    assert abs(ch2.double().mean().item() - p) < 5 * math.sqrt(p * (1 - p) / (N * C))


def test_dropout2d_unbatched():
    C, p = 3000, 0.4
    x = crandn(C, 2, 2, dtype=torch.complex64)
    y = ComplexDropout2d(p)(x)
    assert y.shape == x.shape
    ch = _channel_state(x, y, p)
    assert ch.shape == (C,)
    assert abs(ch.double().mean().item() - p) < 5 * math.sqrt(p * (1 - p) / C)


def test_dropout2d_preserves_expected_value():
    draws, p = 3000, 0.5
    x = crandn(1, 6, 2, 2)
    y = CF.dropout2d(x.expand(draws, 6, 2, 2), p)
    rel = np.abs(to_numpy(y.mean(dim=0)) - to_numpy(x[0])) / np.abs(to_numpy(x[0]))
    assert rel.max() < 6 * math.sqrt(p / ((1 - p) * draws))


def test_dropout2d_channels_last_input():
    x = crandn(16, 32, 3, 3).contiguous(memory_format=torch.channels_last)
    y = CF.dropout2d(x, 0.5)
    ch = _channel_state(x, y, 0.5)
    assert ch.any() and (~ch).any()
    xt = crandn(16, 32, 4, 3).transpose(-1, -2)
    ch = _channel_state(xt, CF.dropout2d(xt, 0.5), 0.5)
    assert ch.any() and (~ch).any()


# ----------------------------------------------------------------------------------------------------------------
# Edge values of p and bad input
# ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_p_zero_is_identity_in_training(dtype):
    x = crandn(10, 4, 3, 3, dtype=dtype)
    assert torch.equal(ComplexDropout(0.0)(x), x)
    assert torch.equal(ComplexDropout2d(0.0)(x), x)
    assert torch.equal(CF.dropout(x, 0.0), x)
    assert torch.equal(CF.dropout2d(x, 0.0), x)


@pytest.mark.parametrize("dtype", DTYPES)
def test_p_one_zeroes_everything(dtype):
    x = crandn(10, 4, 3, 3, dtype=dtype, requires_grad=True)
    for module in (ComplexDropout(1.0), ComplexDropout2d(1.0)):
        y = module(x)
        assert y.dtype == dtype and y.shape == x.shape
        assert torch.equal(y.detach(), torch.zeros_like(x))
        (g,) = torch.autograd.grad(y.real.sum() + y.imag.sum(), x)
        assert torch.isfinite(torch.view_as_real(g)).all()
        assert torch.equal(g, torch.zeros_like(g))


@pytest.mark.parametrize("p", [-0.1, 1.1, 2.0, float("nan")])
def test_invalid_p_raises_value_error(p):
    for cls in (ComplexDropout, ComplexDropout2d):
        with pytest.raises(ValueError, match=f"{cls.__name__}: dropout probability"):
            cls(p)
    x = crandn(2, 3, 4, 4)
    for fn in (CF.dropout, CF.dropout2d):
        with pytest.raises(ValueError, match="dropout probability"):
            fn(x, p, training=True)
        with pytest.raises(ValueError, match="dropout probability"):
            fn(x, p, training=False)


@pytest.mark.parametrize("cls", [ComplexDropout, ComplexDropout2d])
def test_real_and_complex32_input_raise_type_error(cls):
    m = cls(0.5)
    with pytest.raises(TypeError, match=f"^{cls.__name__} expects a complex tensor, got torch.float32"):
        m(torch.randn(2, 3, 4, 4))
    m.eval()
    with pytest.raises(TypeError, match=f"^{cls.__name__} expects a complex tensor, got torch.float64"):
        m(torch.randn(2, 3, 4, 4, dtype=torch.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z32 = torch.zeros(2, 3, 4, 4, dtype=torch.complex32)
    with pytest.raises(TypeError, match=cls.__name__):
        m(z32)
    with pytest.raises(TypeError, match="^dropout expects a complex tensor"):
        CF.dropout(torch.randn(3), 0.5)
    with pytest.raises(TypeError, match="^dropout2d expects a complex tensor"):
        CF.dropout2d(torch.randn(2, 3, 4), 0.5)


def test_dropout2d_wrong_rank_raises_value_error():
    for shape in ((3, 4), (2, 3, 4, 4, 4)):
        x = torch.zeros(shape, dtype=torch.complex64)
        with pytest.raises(ValueError, match=f"^ComplexDropout2d expects a 3D or 4D input.*got {len(shape)}D"):
            ComplexDropout2d(0.5)(x)
        with pytest.raises(ValueError, match=f"^dropout2d expects a 3D or 4D input.*got {len(shape)}D"):
            CF.dropout2d(x, 0.5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_empty_batch(dtype):
    real = torch.float32 if dtype == torch.complex64 else torch.float64
    x = torch.zeros(0, 3, 4, 4, dtype=dtype)
    for cmod, rmod in ((ComplexDropout(0.5), torch.nn.Dropout(0.5)), (ComplexDropout2d(0.5), torch.nn.Dropout2d(0.5))):
        out = cmod(x)
        assert out.dtype == dtype
        assert out.shape == rmod(torch.zeros(0, 3, 4, 4, dtype=real)).shape


# ----------------------------------------------------------------------------------------------------------------
# Gradients, modules, device
# ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn,shape", [(CF.dropout, (3, 4, 2)), (CF.dropout2d, (3, 4, 2, 2)), (CF.dropout2d, (5, 2, 2))])
def test_gradcheck_dropout(fn, shape):
    x = crandn(*shape, requires_grad=True)

    def seeded(t):
        torch.manual_seed(7)  # the same mask on every call gradcheck makes
        return fn(t, 0.4, training=True)

    y = seeded(x)
    assert _dropped(y).any() and (~_dropped(y)).any()
    assert gradcheck(seeded, (x,))


def test_dropout_gradient_is_mask_over_keep_probability():
    p = 0.3
    x = crandn(20, 6, 2, 2, requires_grad=True)
    g = crandn(20, 6, 2, 2)
    for fn in (CF.dropout, CF.dropout2d):
        x.grad = None
        y = fn(x, p)
        y.backward(g)
        kept = (~_dropped(y.detach())).numpy()
        assert_matches(x.grad, np.where(kept, to_numpy(g) / (1 - p), 0))


@pytest.mark.parametrize("module", [ComplexDropout(), ComplexDropout2d()], ids=lambda m: type(m).__name__)
def test_modules_have_empty_state_dict_and_default_p(module):
    assert len(module.state_dict()) == 0
    assert len(list(module.parameters())) == 0
    assert module.p == 0.5
    assert "p=0.5" in repr(module)


@CUDA
@pytest.mark.parametrize("dtype", DTYPES)
def test_dropout_on_cuda(dtype):
    x = crandn(64, 32, 2, 2, dtype=dtype, device="cuda")
    y = ComplexDropout(0.5)(x)
    assert y.device.type == "cuda" and y.dtype == dtype
    d = _check_survivors_scaled(x.cpu(), y.cpu(), 0.5)
    assert abs(d.double().mean().item() - 0.5) < 0.05
    ch = _channel_state(x.cpu(), ComplexDropout2d(0.5)(x).cpu(), 0.5)
    assert abs(ch.double().mean().item() - 0.5) < 0.1
    m = ComplexDropout(0.5).eval()
    assert torch.equal(m(x), x)
