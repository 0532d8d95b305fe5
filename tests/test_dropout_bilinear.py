"""ComplexDropout1d/3d (one mask per channel shared by Re and Im, torch's Dropout1d/3d shapes) and ComplexBilinear
(y = x1^T A x2 + b, no conjugation) against NumPy references; gradcheck, train/eval, state_dict, bad input,
torch.compile and ONNX export."""
from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck

import deepcomplex.functional as CF
from deepcomplex.nn import ComplexBilinear, ComplexDropout1d, ComplexDropout3d
from conftest import DTYPES, assert_matches, crandn, to_numpy


# ----------------------------------------------------------------------------------------------------------------
# Dropout1d / 3d
# ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cls,fn,shape", [(ComplexDropout1d, CF.dropout1d, (40, 30, 6)),
                                          (ComplexDropout1d, CF.dropout1d, (300, 5)),
                                          (ComplexDropout3d, CF.dropout3d, (20, 30, 2, 2, 3)),
                                          (ComplexDropout3d, CF.dropout3d, (300, 2, 2, 3))],
                         ids=["1d", "1d-unbatched", "3d", "3d-unbatched"])
def test_channel_dropout_masks(dtype, cls, fn, shape):
    p = 0.3
    z = crandn(*shape, dtype=dtype)
    m = cls(p)
    y = m(z)
    spatial = 1 if cls is ComplexDropout1d else 3
    flat_z, flat_y = z.flatten(-spatial), y.flatten(-spatial)
    kept = (flat_y != 0).all(-1)
    dropped = (flat_y == 0).all(-1)
    assert bool((kept | dropped).all())  # whole channels, Re and Im together
    torch.testing.assert_close(flat_y[kept], flat_z[kept] / (1 - p))  # the same real scale on Re and Im: phase kept
    rate = dropped.double().mean().item()
    n = dropped.numel()
    assert abs(rate - p) < 5 * (p * (1 - p) / n) ** 0.5, f"drop rate {rate:.3f} vs p={p} over {n} channels"
    assert torch.equal(m.eval()(z), z) and torch.equal(fn(z, p, training=False), z)
    assert torch.equal(fn(z, 0.0), z) and bool((fn(z, 1.0) == 0).all())


def test_channel_dropout_gradient_and_bad_input():
    z = crandn(4, 6, 5, requires_grad=True)
    torch.manual_seed(3)
    y = CF.dropout1d(z, 0.5)
    y.real.sum().backward()
    torch.manual_seed(3)
    mask = CF.dropout1d(torch.ones(4, 6, 5, dtype=torch.complex128), 0.5).real
    torch.testing.assert_close(z.grad.real, mask)  # d/dRe of sum(Re y) is the mask itself
    assert gradcheck(lambda t: CF.dropout3d(t, 0.5, training=False), (crandn(1, 2, 1, 2, 2, requires_grad=True),))
    with pytest.raises(ValueError, match=r"ComplexDropout1d expects a 2D or 3D input \(unbatched \(C, L\)"):
        ComplexDropout1d()(crandn(2, 3, 4, 5, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"ComplexDropout3d expects a 4D or 5D input"):
        ComplexDropout3d()(crandn(2, 3, 4, dtype=torch.complex64))
    with pytest.raises(ValueError, match="ComplexDropout3d: dropout probability has to be between 0 and 1, got 1.5"):
        ComplexDropout3d(1.5)
    with pytest.raises(TypeError, match="dropout1d expects a complex tensor, got torch.float32"):
        CF.dropout1d(torch.randn(2, 3, 4))
    assert ComplexDropout1d(0.2).state_dict() == {} and "p=0.2" in repr(ComplexDropout1d(0.2))


# ----------------------------------------------------------------------------------------------------------------
# ComplexBilinear / bilinear
# ----------------------------------------------------------------------------------------------------------------

def np_bilinear(x1, x2, w, b=None):
    """y[n, k] = sum_ij x1[n, i] w[k, i, j] x2[n, j] (+ b[k]) by loops over k."""
    lead = x1.shape[:-1]
    x1, x2 = x1.reshape(-1, x1.shape[-1]), x2.reshape(-1, x2.shape[-1])
    y = np.zeros((x1.shape[0], w.shape[0]), dtype=np.complex128)
    for k in range(w.shape[0]):
        y[:, k] = ((x1 @ w[k]) * x2).sum(-1)
    if b is not None:
        y = y + b
    return y.reshape(*lead, w.shape[0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("lead", [(7,), (2, 3), ()], ids=["N", "N-L", "unbatched"])
def test_bilinear_matches_reference(dtype, lead):
    m = ComplexBilinear(4, 5, 3, dtype=dtype)
    with torch.no_grad():
        m.bias.copy_(crandn(3, dtype=dtype))
    x1, x2 = crandn(*lead, 4, dtype=dtype), crandn(*lead, 5, dtype=dtype)
    want = np_bilinear(to_numpy(x1), to_numpy(x2), to_numpy(m.weight), to_numpy(m.bias))
    assert_matches(m(x1, x2), want)
    assert_matches(CF.bilinear(x1, x2, m.weight, m.bias), want)
    assert_matches(CF.bilinear(x1, x2, m.weight), want - to_numpy(m.bias))
    # torch's own complex F.bilinear gives the same map (no conjugation); it has no complex autograd (_trilinear)
    with torch.no_grad():
        torch.testing.assert_close(m(x1, x2), torch.nn.functional.bilinear(x1, x2, m.weight, m.bias))
    with pytest.raises(RuntimeError, match="does not support automatic differentiation"):
        torch.nn.functional.bilinear(x1, x2, m.weight, m.bias)


def test_bilinear_init_state_gradcheck():
    torch.manual_seed(0)
    m = ComplexBilinear(30, 40, 50, dtype=torch.complex128)
    power = m.weight.abs().square().mean().item() * 30 * 40  # E|A|^2 fan_in = 2, fan_in = in1 * in2
    assert abs(power - 2) < 0.05, power
    assert torch.equal(m.bias, torch.zeros(50, dtype=torch.complex128))
    small = ComplexBilinear(3, 2, 2, dtype=torch.complex128)
    x1, x2 = crandn(4, 3, requires_grad=True), crandn(4, 2, requires_grad=True)
    assert gradcheck(small, (x1, x2))
    assert gradcheck(lambda a, b, w: CF.bilinear(a, b, w), (x1, x2, crandn(2, 3, 2, requires_grad=True)))
    m2 = ComplexBilinear(3, 2, 2, bias=False, dtype=torch.complex128)
    assert m2.bias is None and set(m2.state_dict()) == {"weight"}
    m3 = ComplexBilinear(3, 2, 2, dtype=torch.complex128)
    m3.load_state_dict(small.state_dict())
    assert torch.equal(m3(x1, x2), small(x1, x2))
    assert small.to(torch.float32).weight.dtype == torch.complex64


def test_bilinear_bad_input():
    m = ComplexBilinear(3, 2, 4)
    a, b = crandn(5, 3, dtype=torch.complex64), crandn(5, 2, dtype=torch.complex64)
    with pytest.raises(ValueError, match=r"ComplexBilinear expects 2 input2 features \(last dimension\), got 3"):
        m(a, a)
    with pytest.raises(TypeError, match=r"ComplexBilinear \(input1\) expects a complex tensor, got torch.float32"):
        m(a.real, b)
    with pytest.raises(TypeError, match=r"ComplexBilinear \(input2\) expects input of dtype torch.complex64"):
        m(a, b.to(torch.complex128))
    with pytest.raises(ValueError, match="bilinear expects input1 and input2 with the same leading dimensions"):
        m(a, b[:4])
    with pytest.raises(ValueError, match="ComplexBilinear: in2_features must be a positive int, got 0"):
        ComplexBilinear(3, 0, 4)


def test_compile_and_onnx(tmp_path):
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    from deepcomplex.export import real_inputs, to_onnx

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bil, self.drop = ComplexBilinear(4, 3, 5), ComplexDropout1d(0.5)

        def forward(self, x1, x2):
            return self.drop(self.bil(x1, x2).unsqueeze(-1))

    torch.manual_seed(0)
    net = Net().eval()
    x1, x2 = crandn(2, 4, dtype=torch.complex64), crandn(2, 3, dtype=torch.complex64)
    torch._dynamo.reset()
    torch.testing.assert_close(torch.compile(net)(x1, x2), net(x1, x2), rtol=1e-5, atol=1e-6)
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        path = to_onnx(net, (x1, x2), tmp_path / "bilinear.onnx")
    finally:
        logging.disable(previous)
    y1, y2 = crandn(6, 4, dtype=torch.complex64), crandn(6, 3, dtype=torch.complex64)
    feeds = {f"input_{i}": x.numpy() for i, x in enumerate(real_inputs((y1, y2)))}
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)
    np.testing.assert_allclose(got, torch.view_as_real(net(y1, y2)).detach().numpy(), rtol=1e-4, atol=1e-5)
