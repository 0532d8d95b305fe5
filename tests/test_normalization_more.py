"""Complex RMSNorm, magnitude batch norm and the naive 1-D/3-D batch norms against float64 NumPy references and torch's
real layers; gradcheck in complex128, train/eval, running statistics, state_dict, bad input, torch.compile and ONNX."""
from __future__ import annotations

import io
import logging

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck

import deepcomplex.functional as CF
from deepcomplex import _extension
from deepcomplex.nn import ComplexRMSNorm, MagnitudeBatchNorm, NaiveComplexBatchNorm1d, NaiveComplexBatchNorm3d
from conftest import DTYPES, assert_matches, crandn, to_numpy


# ----------------------------------------------------------------------------------------------------------------
# NumPy references
# ----------------------------------------------------------------------------------------------------------------

def np_rms_norm(z, k, weight=None, eps=1e-6):
    """z / sqrt(mean over the last k axes of |z|^2 + eps) * weight."""
    axes = tuple(range(-k, 0))
    y = z / np.sqrt((np.abs(z) ** 2).mean(axis=axes, keepdims=True) + eps)
    return y if weight is None else y * weight


def np_magnitude_bn(z, weight=None, eps=1e-5, power=None):
    """gamma_c z / sqrt(P_c + eps) with P_c = mean |z|^2 over every axis but 1 (or the given running P)."""
    axes = (0,) + tuple(range(2, z.ndim))
    p = (np.abs(z) ** 2).mean(axis=axes) if power is None else power
    shape = (1, -1) + (1,) * (z.ndim - 2)
    y = z / np.sqrt(p + eps).reshape(shape)
    return (y if weight is None else y * weight.reshape(shape)), p


def _rdt(dtype):
    return torch.float64 if dtype == torch.complex128 else torch.float32


# ----------------------------------------------------------------------------------------------------------------
# ComplexRMSNorm / complex_rms_norm
# ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,normalized", [((4, 7), 7), ((3, 5, 6), (5, 6)), ((2, 3, 4, 5), [5])])
def test_rms_norm_matches_reference(dtype, shape, normalized):
    z = crandn(*shape, dtype=dtype)
    k = 1 if isinstance(normalized, int) else len(normalized)
    m = ComplexRMSNorm(normalized, eps=1e-6, dtype=dtype)
    with torch.no_grad():
        m.weight.uniform_(0.5, 2.0)
    want = np_rms_norm(to_numpy(z), k, to_numpy(m.weight), 1e-6)
    assert_matches(m(z), want)
    assert_matches(CF.complex_rms_norm(z, normalized, m.weight, 1e-6), want)
    assert_matches(CF.complex_rms_norm(z, normalized, None, 1e-6), np_rms_norm(to_numpy(z), k, None, 1e-6))
    assert m(z).dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_rms_norm_default_eps_is_torchs_and_matches_real_rms_norm(dtype):
    """eps=None is finfo(real).eps as torch.nn.RMSNorm; the real view through torch's rms_norm (2n features, eps/2)
    is the same map scaled by sqrt(2)."""
    z = crandn(3, 4, 6, dtype=dtype)
    eps = torch.finfo(_rdt(dtype)).eps
    assert_matches(ComplexRMSNorm(6, dtype=dtype)(z), np_rms_norm(to_numpy(z), 1, None, eps))
    real = torch.nn.functional.rms_norm(torch.view_as_real(z), [6, 2], eps=1e-3 / 2)
    torch.testing.assert_close(torch.view_as_real(CF.complex_rms_norm(z, 6, eps=1e-3)) * 2 ** 0.5, real)


def test_rms_norm_keeps_phase_and_unit_rms():
    z = crandn(5, 16)
    y = ComplexRMSNorm(16, eps=0.0, dtype=torch.complex128)(z)
    torch.testing.assert_close(torch.angle(y), torch.angle(z))
    torch.testing.assert_close(y.abs().square().mean(-1), torch.ones(5, dtype=torch.float64))
    zero = torch.zeros(2, 16, dtype=torch.complex128)  # eps keeps a zero row finite
    assert torch.equal(ComplexRMSNorm(16, dtype=torch.complex128)(zero), zero)


def test_rms_norm_gradcheck():
    z = crandn(3, 4, 5, requires_grad=True)
    w = torch.rand(4, 5, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda a, b: CF.complex_rms_norm(a, (4, 5), b, 1e-3), (z, w))
    assert gradcheck(ComplexRMSNorm(5, dtype=torch.complex128), (z,))


def test_rms_norm_module_state_and_bad_input():
    m = ComplexRMSNorm([3, 4], elementwise_affine=True)
    assert m.weight.dtype == torch.float32 and torch.equal(m.weight, torch.ones(3, 4))
    with torch.no_grad():
        m.weight.mul_(3.0)
    m2 = ComplexRMSNorm([3, 4])
    buf = io.BytesIO()
    torch.save(m.state_dict(), buf)
    buf.seek(0)
    m2.load_state_dict(torch.load(buf))
    z = crandn(2, 3, 4, dtype=torch.complex64)
    assert torch.equal(m2(z), m(z))
    assert list(ComplexRMSNorm(4, elementwise_affine=False).parameters()) == []
    d = m.to(torch.float64)
    assert d.weight.dtype == torch.float64 and d(crandn(2, 3, 4)).dtype == torch.complex128
    with pytest.raises(ValueError, match=r"ComplexRMSNorm expects input of shape \(\*, 3, 4\), got \(2, 4, 3\)"):
        m(crandn(2, 4, 3))
    with pytest.raises(TypeError, match="ComplexRMSNorm expects a complex tensor, got torch.float64"):
        m(torch.randn(2, 3, 4, dtype=torch.float64))
    with pytest.raises(TypeError, match="ComplexRMSNorm expects input of dtype torch.complex128"):
        m(crandn(2, 3, 4, dtype=torch.complex64))
    with pytest.raises(ValueError, match="ComplexRMSNorm: normalized_shape"):
        ComplexRMSNorm([0])
    with pytest.raises(ValueError, match="complex_rms_norm expects weight of shape"):
        CF.complex_rms_norm(crandn(2, 4), 4, torch.ones(3, dtype=torch.float64))


# ----------------------------------------------------------------------------------------------------------------
# MagnitudeBatchNorm / magnitude_batch_norm
# ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(16, 3), (5, 3, 7), (4, 3, 3, 5), (2, 3, 2, 3, 4)], ids=["NC", "NCL", "2d", "3d"])
def test_magnitude_bn_train_eval_running(dtype, shape):
    z = crandn(*shape, dtype=dtype)
    m = MagnitudeBatchNorm(3, momentum=0.25, dtype=dtype)
    with torch.no_grad():
        m.weight.copy_(torch.tensor([0.5, 1.0, 2.0]))
    want, p = np_magnitude_bn(to_numpy(z), to_numpy(m.weight), 1e-5)
    assert_matches(m(z), want)
    running = 0.75 * np.ones(3) + 0.25 * p
    assert_matches(m.running_power, running, dtype)
    assert int(m.num_batches_tracked) == 1
    m.eval()
    z2 = crandn(*shape, dtype=dtype)
    assert_matches(m(z2), np_magnitude_bn(to_numpy(z2), to_numpy(m.weight), 1e-5, running)[0])
    assert_matches(m.running_power, running, dtype)  # eval does not update
    torch.testing.assert_close(torch.angle(m(z2)), torch.angle(z2))


def test_magnitude_bn_cumulative_average_and_no_tracking():
    m = MagnitudeBatchNorm(2, momentum=None, affine=False, dtype=torch.complex128)
    batches = [crandn(6, 2, 3) for _ in range(3)]
    for b in batches:
        m(b)
    want = np.mean([np_magnitude_bn(to_numpy(b))[1] for b in batches], axis=0)
    assert_matches(m.running_power, want)
    n = MagnitudeBatchNorm(2, track_running_stats=False, dtype=torch.complex128).eval()
    assert n.running_power is None and "running_power" not in n.state_dict()
    z = crandn(6, 2, 3)
    assert_matches(n(z), np_magnitude_bn(to_numpy(z))[0])  # batch statistic in eval too


def test_magnitude_bn_gradcheck():
    z = crandn(4, 3, 5, requires_grad=True)
    w = torch.rand(3, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda a, b: CF.magnitude_batch_norm(a, None, b, True, eps=1e-3), (z, w))
    m = MagnitudeBatchNorm(3, dtype=torch.complex128)
    m(crandn(4, 3, 5))
    assert gradcheck(m.eval(), (z,))
    assert gradcheck(lambda a: MagnitudeBatchNorm(3, dtype=torch.complex128)(a), (z,))


def test_magnitude_bn_state_dict_and_bad_input():
    m = MagnitudeBatchNorm(4)
    m(crandn(8, 4, 3, dtype=torch.complex64))
    m2 = MagnitudeBatchNorm(4)
    m2.load_state_dict(m.state_dict())
    assert torch.equal(m2.running_power, m.running_power) and int(m2.num_batches_tracked) == 1
    z = crandn(2, 4, 3, dtype=torch.complex64)
    assert torch.equal(m2.eval()(z), m.eval()(z))
    with pytest.raises(ValueError, match="MagnitudeBatchNorm expects 4 channels \\(dimension 1\\), got 3"):
        m(crandn(2, 3, 3, dtype=torch.complex64))
    with pytest.raises(ValueError, match="MagnitudeBatchNorm expects an input of at least 2 dimensions"):
        m(crandn(4, dtype=torch.complex64))
    with pytest.raises(TypeError, match="MagnitudeBatchNorm expects a complex tensor, got torch.float32"):
        m(torch.randn(2, 4))
    with pytest.raises(ValueError, match="num_features must be a positive int"):
        MagnitudeBatchNorm(0)
    with pytest.raises(TypeError, match="magnitude_batch_norm: a torch.complex128 input needs a torch.float64"):
        CF.magnitude_batch_norm(crandn(2, 4), torch.ones(4), training=True)


# ----------------------------------------------------------------------------------------------------------------
# NaiveComplexBatchNorm1d / 3d: torch's BatchNorm over the 2C interleaved real channels
# ----------------------------------------------------------------------------------------------------------------

@pytest.fixture(params=["kernels", "torch"])
def backend(request):
    if request.param == "torch":
        with _extension.disabled():
            yield request.param
    else:
        yield request.param


def _interleave(z):
    x = torch.view_as_real(z).movedim(-1, 2)  # (N, C, 2, *)
    return x.reshape(z.shape[0], 2 * z.shape[1], *z.shape[2:])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cls,shape", [(NaiveComplexBatchNorm1d, (16, 3)), (NaiveComplexBatchNorm1d, (5, 3, 7)),
                                       (NaiveComplexBatchNorm3d, (2, 3, 2, 3, 4))], ids=["1d-NC", "1d-NCL", "3d"])
def test_naive_bn_matches_torch_batchnorm(backend, dtype, cls, shape):
    ref_cls = torch.nn.BatchNorm1d if cls is NaiveComplexBatchNorm1d else torch.nn.BatchNorm3d
    m = cls(3, momentum=0.3, dtype=dtype)
    ref = ref_cls(6, momentum=0.3, dtype=_rdt(dtype))
    with torch.no_grad():
        for p in (m.weight, m.bias):
            p.uniform_(-1, 1)
        ref.weight.copy_(m.weight), ref.bias.copy_(m.bias)
    for _ in range(2):
        z = crandn(*shape, dtype=dtype)
        out = m(z)
        assert_matches(_interleave(out), to_numpy(ref(_interleave(z))), dtype)
    assert_matches(m.running_var, to_numpy(ref.running_var), dtype)
    assert_matches(m.running_mean, to_numpy(ref.running_mean), dtype)
    m.eval(), ref.eval()
    z = crandn(*shape, dtype=dtype)
    assert_matches(_interleave(m(z)), to_numpy(ref(_interleave(z))), dtype)


def test_naive_bn_gradcheck_state_and_bad_input():
    m = NaiveComplexBatchNorm1d(3, dtype=torch.complex128)
    assert gradcheck(m, (crandn(6, 3, 4, requires_grad=True),))
    assert gradcheck(NaiveComplexBatchNorm3d(2, dtype=torch.complex128), (crandn(2, 2, 2, 2, 3, requires_grad=True),))
    m2 = NaiveComplexBatchNorm1d(3, dtype=torch.complex128)
    m2.load_state_dict(m.state_dict())
    z = crandn(2, 3, 4)
    assert torch.equal(m2.eval()(z), m.eval()(z))
    assert m.num_features == 3 and m.weight.shape == (6,)
    with pytest.raises(ValueError, match=r"NaiveComplexBatchNorm1d expects a 2D or 3D input"):
        m(crandn(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"NaiveComplexBatchNorm3d expects a 5D input"):
        NaiveComplexBatchNorm3d(3)(crandn(2, 3, 4, 4, dtype=torch.complex64))
    with pytest.raises(ValueError, match="expected more than 1 value per channel when training"):
        NaiveComplexBatchNorm1d(3).train()(crandn(1, 3, dtype=torch.complex64))
    with pytest.raises(TypeError, match="NaiveComplexBatchNorm1d expects input of dtype torch.complex128"):
        m(crandn(2, 3, dtype=torch.complex64))


# ----------------------------------------------------------------------------------------------------------------
# torch.compile and ONNX export
# ----------------------------------------------------------------------------------------------------------------

def _stack():
    torch.manual_seed(0)
    net = torch.nn.Sequential(NaiveComplexBatchNorm1d(4), MagnitudeBatchNorm(4), ComplexRMSNorm(6))
    net(crandn(8, 4, 6, dtype=torch.complex64))  # running statistics away from their initial values
    return net.eval()


def test_torch_compile_matches_eager():
    net = _stack()
    z = crandn(3, 4, 6, dtype=torch.complex64)
    torch._dynamo.reset()
    torch.testing.assert_close(torch.compile(net)(z), net(z), rtol=1e-5, atol=1e-6)


def test_onnx_export_matches_eager(tmp_path):
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    from deepcomplex.export import real_inputs, to_onnx

    net = _stack()
    z = crandn(2, 4, 6, dtype=torch.complex64)
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        path = to_onnx(net, z, tmp_path / "norms.onnx")
    finally:
        logging.disable(previous)
    z5 = crandn(5, 4, 6, dtype=torch.complex64)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"input_0": real_inputs((z5,))[0].numpy()})
    np.testing.assert_allclose(got, torch.view_as_real(net(z5)).detach().numpy(), rtol=1e-4, atol=1e-5)
