"""TIMIT next-frame spectrum predictors (complex ConvLSTM and its real twin) and the log-magnitude MSE loss."""
from __future__ import annotations

import io

import numpy as np
import pytest
import torch

import deepcomplex.models.timit  # noqa: F401  (registers the models)
from deepcomplex.data.timit import load_timit, write_synthetic_timit
from deepcomplex.functional.loss import LOG_EPS, log_magnitude, log_magnitude_mse
from deepcomplex.models.registry import count_parameters, create_model, list_models

NAMES = ("timit_convlstm", "timit_convlstm_real")


def _crandn(*shape, dtype=torch.complex64):
    return torch.randn(*shape, dtype=dtype)


# ------------------------------------------------------------------------------------------------ loss
def test_log_magnitude_mse_matches_numpy():
    torch.manual_seed(0)
    s = _crandn(3, 5, 7, dtype=torch.complex128)
    s[0, 0, 0] = 0  # the floor: log(eps) / 2
    target = torch.randn(3, 5, 7, dtype=torch.float64)
    a = s.numpy()
    ref_lm = 0.5 * np.log(a.real ** 2 + a.imag ** 2 + LOG_EPS)
    np.testing.assert_allclose(log_magnitude(s).numpy(), ref_lm, rtol=1e-12, atol=1e-12)
    ref = (ref_lm - target.numpy()) ** 2
    np.testing.assert_allclose(log_magnitude_mse(s, target).item(), ref.mean(), rtol=1e-12)
    np.testing.assert_allclose(log_magnitude_mse(s, target, reduction="sum").item(), ref.sum(), rtol=1e-12)
    np.testing.assert_allclose(log_magnitude_mse(s, target, reduction="none").numpy(), ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(log_magnitude_mse(s, target, eps=1e-3).item(),
                               ((0.5 * np.log(np.abs(a) ** 2 + 1e-3) - target.numpy()) ** 2).mean(), rtol=1e-12)
    # float32 / complex64 agrees with the float64 reference
    got = log_magnitude_mse(s.to(torch.complex64), target.float())
    assert got.dtype == torch.float32 and abs(got.item() - ref.mean()) <= 1e-5 * ref.mean()
    assert log_magnitude_mse(s, log_magnitude(s)).item() == 0.0


def test_log_magnitude_mse_gradcheck():
    torch.manual_seed(0)
    s = _crandn(2, 4, dtype=torch.complex128).requires_grad_()
    target = torch.randn(2, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: log_magnitude_mse(a, b), (s, target))
    assert torch.autograd.gradgradcheck(lambda a, b: log_magnitude_mse(a, b, eps=0.1), (s, target))
    # smooth at S = 0 with a bounded gradient (no |S| to differentiate)
    z = torch.zeros(3, dtype=torch.complex128, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a: log_magnitude(a, eps=1e-2), (z,))
    small = torch.full((4,), 1e-3 + 0j, dtype=torch.complex128, requires_grad=True)
    log_magnitude(small).sum().backward()
    assert small.grad.abs().max() <= 0.5 / LOG_EPS ** 0.5 + 1e-9


def test_log_magnitude_mse_errors():
    s, t = _crandn(2, 3), torch.zeros(2, 3)
    with pytest.raises(TypeError, match="expects a complex64 or complex128 tensor.*float32"):
        log_magnitude_mse(t, t)
    with pytest.raises(TypeError, match="target as real log-magnitudes.*complex64.*log_magnitude\\(target\\)"):
        log_magnitude_mse(s, s)
    with pytest.raises(TypeError, match="complex64 input needs a torch.float32 target, got torch.float64"):
        log_magnitude_mse(s, t.double())
    with pytest.raises(TypeError, match="real log-magnitudes.*got torch.int64$"):
        log_magnitude_mse(s, torch.zeros(2, 3, dtype=torch.long))
    with pytest.raises(ValueError, match=r"input of shape \(2, 3\) and target of shape \(3, 2\) differ"):
        log_magnitude_mse(s, torch.zeros(3, 2))
    with pytest.raises(ValueError, match="reduction must be"):
        log_magnitude_mse(s, t, reduction="max")
    with pytest.raises(ValueError, match="eps must be a positive number"):
        log_magnitude(s, eps=0)
    with pytest.raises(TypeError, match="got list"):
        log_magnitude_mse([1j], t)


# ------------------------------------------------------------------------------------------------ models
def _complex_count(hidden, k, layers, c_in=1):
    total = 0
    for layer in range(layers):
        cin = c_in if layer == 0 else hidden
        total += 2 * 4 * hidden * (cin * k + hidden * k + 1)
    return total + 2 * (hidden + 1)


def _real_count(hidden, k, layers, c_in=2):
    total = 0
    for layer in range(layers):
        cin = c_in if layer == 0 else hidden
        total += 4 * hidden * (cin * k + hidden * k + 1)
    return total + 2 * hidden + 2


def test_registered_and_parameter_counts():
    assert set(NAMES) <= set(list_models())
    assert count_parameters(create_model("timit_convlstm")) == _complex_count(16, 5, 2) == 31650
    assert count_parameters(create_model("timit_convlstm_real")) == _real_count(23, 5, 2) == 32892
    for hidden, k, layers in ((3, 3, 1), (4, 7, 3)):
        args = dict(hidden_channels=hidden, kernel_size=k, num_layers=layers)
        assert count_parameters(create_model("timit_convlstm", **args)) == _complex_count(hidden, k, layers)
        assert count_parameters(create_model("timit_convlstm_real", **args)) == _real_count(hidden, k, layers)
    with pytest.raises(ValueError, match="model 'timit_convlstm'.*in_channels"):
        create_model("timit_convlstm", in_channels=1)


@pytest.mark.parametrize("name", NAMES)
def test_shapes_and_causality(name):
    torch.manual_seed(0)
    model = create_model(name, n_freq=17, hidden_channels=3, kernel_size=3, num_layers=2)
    x = _crandn(2, 6, 17)
    out = model(x)
    assert out.shape == (2, 6, 17) and out.dtype == torch.complex64
    # a causal recurrent predictor: changing frame 4 leaves the predictions of steps 0..3 unchanged
    x2 = x.clone()
    x2[:, 4] += 1
    out2 = model(x2)
    torch.testing.assert_close(out2[:, :4], out[:, :4])
    assert not torch.allclose(out2[:, 4], out[:, 4])
    loss = log_magnitude_mse(out, torch.zeros(2, 6, 17))
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


@pytest.mark.parametrize("name", NAMES)
def test_bad_input(name):
    model = create_model(name, n_freq=9, hidden_channels=2, kernel_size=3, num_layers=1)
    with pytest.raises(TypeError, match=f"{name} expects complex STFT frames.*got torch.float32"):
        model(torch.zeros(1, 2, 9))
    with pytest.raises(TypeError, match=f"{name} expects torch.complex64 input.*got torch.complex128"):
        model(torch.zeros(1, 2, 9, dtype=torch.complex128))
    with pytest.raises(ValueError, match=rf"{name} expects F = 9 frequency bins \(n_freq\), got 8"):
        model(_crandn(1, 2, 8))
    with pytest.raises(ValueError, match=f"{name} expects a 3D input"):
        model(_crandn(2, 9))
    with pytest.raises(ValueError, match=f"{name} expects a 3D input"):
        model(_crandn(1, 1, 2, 9))
    with pytest.raises(ValueError, match=f"{name} expects a non-empty"):
        model(_crandn(1, 0, 9))
    with pytest.raises(TypeError, match=f"{name} expects a complex tensor"):
        model(np.zeros((1, 2, 9), np.complex64))
    with pytest.raises(ValueError, match=f"{name} needs an odd kernel_size"):
        create_model(name, kernel_size=4)
    with pytest.raises(ValueError, match=f"{name}: hidden_channels must be a positive int"):
        create_model(name, hidden_channels=0)


@pytest.mark.filterwarnings("ignore:Complex modules are a new feature")
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_double_precision_keeps_parameter_kinds(name, dtype):
    model = create_model(name, n_freq=9, hidden_channels=2, kernel_size=3, num_layers=1)
    kinds = [p.is_complex() for p in model.parameters()]
    model.to(dtype)
    assert [p.is_complex() for p in model.parameters()] == kinds
    assert {p.dtype for p in model.parameters()} <= {torch.float64, torch.complex128}
    assert model(_crandn(1, 2, 9, dtype=torch.complex128)).dtype == torch.complex128


@pytest.mark.parametrize("name", NAMES)
def test_torch_compile_aot_eager(name):
    torch.manual_seed(0)
    model = create_model(name, n_freq=9, hidden_channels=2, kernel_size=3, num_layers=2)
    x = _crandn(2, 3, 9).requires_grad_()
    eager = model(x)
    log_magnitude(eager).sum().backward()
    gx = x.grad.clone()
    x.grad = None
    compiled = torch.compile(model, backend="aot_eager", dynamic=False)
    out = compiled(x)
    log_magnitude(out).sum().backward()
    torch.testing.assert_close(out, eager, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(x.grad, gx, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip(name):
    torch.manual_seed(0)
    model = create_model(name, n_freq=9, hidden_channels=3, kernel_size=3, num_layers=2)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    torch.manual_seed(1)
    other = create_model(name, n_freq=9, hidden_channels=3, kernel_size=3, num_layers=2)
    x = _crandn(2, 4, 9)
    assert not torch.allclose(other(x), model(x))
    other.load_state_dict(torch.load(buffer, weights_only=True))
    torch.testing.assert_close(other(x), model(x), rtol=0, atol=0)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = write_synthetic_timit(tmp_path_factory.mktemp("timit"), n_speakers=2, utterances=2, seed=0)
    return load_timit(root, "train", seq_len=12)


@pytest.mark.parametrize("name", NAMES)
def test_training_on_synthetic_timit_reduces_the_loss(name, synthetic):
    x, y = synthetic
    assert x.shape[1:] == (12, 129)
    torch.manual_seed(0)
    model = create_model(name, hidden_channels=4, kernel_size=3, num_layers=1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    with torch.no_grad():
        before = log_magnitude_mse(model(x), y).item()
    gen = torch.Generator().manual_seed(0)
    for _ in range(12):
        idx = torch.randperm(len(x), generator=gen)[:8]
        loss = log_magnitude_mse(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        after = log_magnitude_mse(model(x), y).item()
    assert np.isfinite(after) and after < 0.8 * before, (before, after)
