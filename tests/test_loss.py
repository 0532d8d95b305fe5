"""Complex losses (complex MSE and L1, the TIMIT log-magnitude MSE, the magnitude + wrapped-phase loss) against NumPy
references: every reduction, gradcheck in complex128, bad input naming the loss, the numbers of the timit task kept,
torch.compile and ONNX export."""
from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck

import deepcomplex.functional as CF
from deepcomplex.functional.loss import LOG_EPS
from deepcomplex.nn import ComplexL1Loss, ComplexMSELoss, LogMagnitudeMSELoss, MagnitudePhaseLoss
from conftest import DTYPES, assert_matches, crandn, to_numpy

REDUCTIONS = ("mean", "sum", "none")


def _reduce(e, reduction):
    return e.mean() if reduction == "mean" else (e.sum() if reduction == "sum" else e)


def np_mse(a, b):
    return np.abs(a - b) ** 2


def np_l1(a, b):
    return np.abs(a - b)


def np_log_mag_mse(a, y, eps=LOG_EPS):
    return (0.5 * np.log(np.abs(a) ** 2 + eps) - y) ** 2


def np_mag_phase(a, b, lam):
    d = np.angle(a) - np.angle(b)
    wrapped = (d + np.pi) % (2 * np.pi) - np.pi  # into [-pi, pi)
    wrapped = np.where(np.isclose(wrapped, -np.pi), np.pi, wrapped)
    wrapped = np.where((a == 0) | (b == 0), 0.0, wrapped)
    return (np.abs(a) - np.abs(b)) ** 2 + lam * wrapped ** 2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_losses_match_reference(dtype, reduction):
    a, b = crandn(4, 5, 3, dtype=dtype), crandn(4, 5, 3, dtype=dtype)
    na, nb = to_numpy(a), to_numpy(b)
    for module, fn, ref in ((ComplexMSELoss(reduction), CF.complex_mse_loss, np_mse(na, nb)),
                            (ComplexL1Loss(reduction), CF.complex_l1_loss, np_l1(na, nb)),
                            (MagnitudePhaseLoss(0.3, reduction), lambda x, y, r: CF.magnitude_phase_loss(x, y, 0.3, r),
                             np_mag_phase(na, nb, 0.3))):
        want = _reduce(ref, reduction)
        out = module(a, b)
        assert out.dtype == a.real.dtype and not out.is_complex()
        assert_matches(out, want, dtype)
        assert_matches(fn(a, b, reduction), want, dtype)
    y = torch.randn(4, 5, 3, dtype=a.real.dtype)
    assert_matches(LogMagnitudeMSELoss(reduction=reduction)(a, y), _reduce(np_log_mag_mse(na, to_numpy(y)), reduction),
                   dtype)


def test_mse_relation_to_torch_mse_and_peer_convention():
    a, b = crandn(6, 7), crandn(6, 7)
    real = torch.nn.functional.mse_loss(torch.view_as_real(a), torch.view_as_real(b))
    torch.testing.assert_close(CF.complex_mse_loss(a, b), 2 * real)
    summed = torch.nn.functional.mse_loss(torch.view_as_real(a), torch.view_as_real(b), reduction="sum")
    torch.testing.assert_close(CF.complex_mse_loss(a, b, "sum"), summed)
    # L1 is the modulus, not torch's split L1 on the real view: |d| <= |Re d| + |Im d| <= sqrt(2) |d|, strictly here
    split = torch.nn.functional.l1_loss(torch.view_as_real(a), torch.view_as_real(b), reduction="sum")
    l1 = CF.complex_l1_loss(a, b, "sum")
    assert l1 < split < 2 ** 0.5 * l1


def test_phase_wraps_around_pi():
    """A phase error just across -pi/pi is small, not ~2 pi; zeros contribute no phase error."""
    t = torch.tensor([np.exp(1j * (np.pi - 0.01)), 0j, 2 + 0j], dtype=torch.complex128)
    p = torch.tensor([np.exp(-1j * (np.pi - 0.01)), 1j, 0j], dtype=torch.complex128)
    out = CF.magnitude_phase_loss(p, t, phase_weight=1.0, reduction="none")
    torch.testing.assert_close(out, torch.tensor([0.02 ** 2, 1.0, 4.0], dtype=torch.float64))


def test_log_magnitude_mse_keeps_timit_task_numbers():
    """LogMagnitudeMSELoss is the functional the timit task uses, value for value (same eps, same reduction)."""
    from deepcomplex.train.tasks import TASKS

    task = TASKS["timit"]
    s = crandn(3, 4, 9, dtype=torch.complex64)
    y = CF.log_magnitude(crandn(3, 4, 9, dtype=torch.complex64))
    per_example = LogMagnitudeMSELoss(reduction="none")(s, y).mean((1, 2)).sum()
    assert torch.equal(task.loss_sum(s, y), per_example)
    assert torch.equal(LogMagnitudeMSELoss()(s, y), CF.log_magnitude_mse(s, y))
    assert torch.equal(CF.log_magnitude(s), 0.5 * torch.log(s.real ** 2 + s.imag ** 2 + 1e-6))


def test_gradcheck_losses():
    a, b = crandn(3, 4, requires_grad=True), crandn(3, 4, requires_grad=True)
    for reduction in REDUCTIONS:
        assert gradcheck(lambda x, y: CF.complex_mse_loss(x, y, reduction), (a, b))
        assert gradcheck(lambda x, y: CF.complex_l1_loss(x, y, reduction), (a, b))
        assert gradcheck(lambda x, y: CF.magnitude_phase_loss(x, y, 0.7, reduction), (a, b))
    y = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    assert gradcheck(LogMagnitudeMSELoss(), (a, y))
    assert gradcheck(MagnitudePhaseLoss(2.0), (a, b))


def test_zero_gradient_at_zero_is_finite():
    p = torch.zeros(3, dtype=torch.complex128, requires_grad=True)
    CF.magnitude_phase_loss(p, crandn(3)).backward()
    assert torch.isfinite(torch.view_as_real(p.grad)).all()


def test_losses_bad_input():
    a = crandn(3, 4, dtype=torch.complex64)
    with pytest.raises(ValueError, match=r"ComplexMSELoss: input of shape \(3, 4\) and target of shape \(4,\) differ"):
        ComplexMSELoss()(a, a[0])
    with pytest.raises(TypeError, match="ComplexL1Loss: input of dtype torch.complex64 and target of dtype "
                                        "torch.complex128 differ"):
        ComplexL1Loss()(a, a.to(torch.complex128))
    with pytest.raises(TypeError, match="MagnitudePhaseLoss: expects a complex64 or complex128 target, got "
                                        "torch.float32"):
        MagnitudePhaseLoss()(a, a.real)
    with pytest.raises(TypeError, match="LogMagnitudeMSELoss: expects the target as real log-magnitudes"):
        LogMagnitudeMSELoss()(a, a)
    with pytest.raises(ValueError, match="ComplexMSELoss: reduction must be one of mean, sum, none, got 'avg'"):
        ComplexMSELoss("avg")
    with pytest.raises(ValueError, match="MagnitudePhaseLoss: phase_weight must be a non-negative number"):
        MagnitudePhaseLoss(-1.0)
    with pytest.raises(ValueError, match="LogMagnitudeMSELoss: eps must be a positive number"):
        LogMagnitudeMSELoss(eps=0)


def test_compile_and_onnx(tmp_path):
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    from deepcomplex.export import real_inputs, to_onnx

    class Losses(torch.nn.Module):
        def forward(self, p, t):
            return torch.stack([ComplexMSELoss()(p, t), ComplexL1Loss()(p, t), MagnitudePhaseLoss(0.5)(p, t),
                                LogMagnitudeMSELoss()(p, CF.log_magnitude(t))])

    net = Losses().eval()
    p, t = crandn(4, 6, dtype=torch.complex64), crandn(4, 6, dtype=torch.complex64)
    torch._dynamo.reset()
    torch.testing.assert_close(torch.compile(net)(p, t), net(p, t))
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        path = to_onnx(net, (p, t), tmp_path / "losses.onnx")
    finally:
        logging.disable(previous)
    p5, t5 = crandn(5, 6, dtype=torch.complex64), crandn(5, 6, dtype=torch.complex64)
    feeds = {f"input_{i}": x.numpy() for i, x in enumerate(real_inputs((p5, t5)))}
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)
    np.testing.assert_allclose(got, net(p5, t5).numpy(), rtol=1e-5, atol=1e-6)
