"""Export through real-layout internals: deepcomplex.export.real_layout and to_onnx, checked against eager PyTorch and
onnxruntime, for every registered model and for complex inputs and outputs."""
from __future__ import annotations

import logging
from collections import Counter

import numpy as np
import pytest
import torch
from torch import nn

import deepcomplex.nn as cnn
from deepcomplex.export import UnsupportedComplexOp, real_inputs, real_layout, to_onnx
from deepcomplex.models import create_model, example_input, list_models

from conftest import crandn, small_registry_model

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")


@pytest.fixture(autouse=True)
def _quiet_exporter():
    # torch's ONNX exporter logs a line per missing torchvision op and per translation step
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    yield
    logging.disable(previous)


def _run_onnx(path, *inputs) -> list[np.ndarray]:
    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: onnxruntime's notes on graph optimization are not the test's
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    feeds = {f"input_{i}": x.detach().numpy() for i, x in enumerate(real_inputs(inputs))}
    return session.run(None, feeds)


def _onnx_types(path) -> set[int]:
    """Element types of every input, output, initializer and value of the ONNX graph."""
    model = onnx.load(str(path))
    g = model.graph
    types = {t.data_type for t in g.initializer}
    for v in list(g.input) + list(g.output) + list(g.value_info):
        types.add(v.type.tensor_type.elem_type)
    return types


_COMPLEX_ONNX = {onnx.TensorProto.COMPLEX64, onnx.TensorProto.COMPLEX128}


def _real(y: torch.Tensor) -> torch.Tensor:
    return torch.view_as_real(y) if y.is_complex() else y


@pytest.mark.parametrize("name", list_models())
def test_every_registered_model_exports_to_onnx(name, tmp_path):
    """onnxruntime gives the eager model's outputs, at another batch size than the one exported with, and the graph
    holds no complex type anywhere."""
    torch.manual_seed(0)
    torch._dynamo.reset()
    model, x = small_registry_model(name, batch=2)
    model.eval()
    path = to_onnx(model, x, tmp_path / f"{name}.onnx")
    assert path.exists() and not list(tmp_path.glob(".*.tmp"))
    assert not _onnx_types(path) & _COMPLEX_ONNX
    _, x3 = small_registry_model(name, batch=3)
    with torch.no_grad():
        want = _real(model(x3))
    (got,) = _run_onnx(path, x3)
    assert got.shape == tuple(want.shape)
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-5 * max(1.0, want.abs().max().item()))


@pytest.mark.parametrize("name", ["coshnet_tiny", "coshnet_base"])
def test_fixed_filters_and_transforms_are_initializers(name, tmp_path):
    """What depends on the weights only (the shearlet filters, the DFT matrices, the fused front end's kernels) is
    computed at export and stored, not rebuilt in the graph on every call: no Range, Cos or Sin (onnxruntime 1.23 has
    no Cos kernel for the float64 angles, so it could not load these graphs), no Cast; the outputs still match."""
    torch.manual_seed(0)
    model = create_model(name).eval()
    x = example_input(name, 2)
    path = to_onnx(model, x, tmp_path / f"{name}.onnx")
    ops = Counter(node.op_type for node in onnx.load(str(path)).graph.node)
    assert not {"Range", "Cos", "Sin", "Cast", "CastLike", "ScatterND"} & set(ops), ops
    assert sum(ops.values()) < {"coshnet_tiny": 1176, "coshnet_base": 941}[name] / 2, ops  # when they were rebuilt
    x5 = example_input(name, 5)
    with torch.no_grad():
        want = model(x5)
    (got,) = _run_onnx(path, x5)
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-5 * max(1.0, want.abs().max().item()))


def _complex_stack() -> nn.Module:
    """A network of complex layers with complex input and output: conv, whitening BN, the activations, pooling,
    layer norm, transposed conv, 1-D conv and linear layers."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = cnn.ComplexConv2d(2, 4, 3, padding=1)
            self.bn = cnn.ComplexBatchNorm2d(4)
            self.act = cnn.ModReLU(4)
            self.pool = cnn.ComplexAvgPool2d(2)
            self.up = cnn.ComplexConvTranspose2d(4, 3, 2, stride=2)
            self.zrelu = cnn.ZReLU()
            self.norm = cnn.ComplexLayerNorm([3, 8, 8])
            self.conv1 = cnn.ComplexConv1d(3, 2, 3, padding="same")
            self.linear = cnn.ComplexLinear(64, 5)

        def forward(self, z):
            z = self.pool(self.act(self.bn(self.conv(z))))
            z = self.norm(self.zrelu(self.up(z)))
            z = cnn.CReLU()(self.conv1(z.flatten(2)))
            return self.linear(z.flatten(2).mean(1, keepdim=False).reshape(z.shape[0], -1)[:, :64])

    net = Net()
    with torch.no_grad():  # non-trivial running statistics, so eval mode is not the identity normalization
        net.train()
        for _ in range(3):
            net(crandn(8, 2, 8, 8, dtype=torch.complex64) * 2 + 1)
    return net.eval()


def test_complex_inputs_and_outputs_travel_as_real_pairs(tmp_path):
    torch.manual_seed(0)
    net = _complex_stack()
    z = crandn(2, 2, 8, 8, dtype=torch.complex64)
    with torch.no_grad():
        want = net(z)
    program = real_layout(net, z)
    got = program(torch.view_as_real(z))
    assert got.dtype == torch.float32 and got.shape == (*want.shape, 2)
    torch.testing.assert_close(torch.view_as_complex(got), want, rtol=1e-5, atol=1e-5)
    with pytest.raises(TypeError, match=r"takes 1 input\(s\).*got 2"):
        program(torch.view_as_real(z), torch.view_as_real(z))
    path = to_onnx(net, z, tmp_path / "net.onnx")
    z5 = crandn(5, 2, 8, 8, dtype=torch.complex64)
    (out,) = _run_onnx(path, z5)
    with torch.no_grad():
        np.testing.assert_allclose(out, torch.view_as_real(net(z5)).numpy(), rtol=1e-4, atol=1e-5)


class _Lambda(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


@pytest.mark.parametrize("fn", [
    lambda z: torch.fft.fft2(z),
    lambda z: torch.fft.ifft(z, dim=1, norm="ortho"),
    lambda z: torch.fft.fftn(z, dim=(0, 2), norm="forward"),
    lambda z: torch.fft.rfft(z.real, dim=-1),
    lambda z: torch.fft.irfft(z, n=9, dim=-1),
    lambda z: torch.fft.irfft(z, n=10, dim=-1),
    lambda z: torch.fft.rfft(z.real, dim=1),
    lambda z: torch.fft.rfftn(z.real, norm="ortho"),
    lambda z: torch.fft.irfft2(z, s=(4, 7), dim=(0, 1)),
    lambda z: torch.exp(z) / (z + 2.0),
    lambda z: torch.polar(z.abs(), z.angle() + 1.0) * 1j,
    lambda z: torch.sgn(z * (z.real > 0)),
    lambda z: (z.conj() * z).real + z.imag,
    lambda z: torch.cat([z, z.real], 1).sum((0, 2), keepdim=True),
    lambda z: torch.stack([z.flip(-1), z.transpose(0, 1).transpose(0, 1)], -1).permute(3, 2, 1, 0)[..., 1:, ::2],
    lambda z: (z @ z.transpose(1, 2).conj()) + torch.nn.functional.pad(z, (1, 1))[..., 1:-1].sum(-1, keepdim=True),
    lambda z: torch.where(z.abs() > 1, z, torch.zeros_like(z)).mean(1),
    lambda z: z.to(torch.complex128).to(torch.complex64) - z.real.to(torch.complex64),
])
def test_lowerings_match_complex_arithmetic_in_float64(fn):
    """Each lowering against torch's own complex op, in float64 (where the DFT matrices are exact to rounding)."""
    z = crandn(3, 4, 5, dtype=torch.complex128)
    module = _Lambda(fn).eval()
    with torch.no_grad():
        want = module(z)
    got = real_layout(module, z, dynamic_batch=False)(torch.view_as_real(z))
    if want.is_complex():
        got = torch.view_as_complex(got.contiguous())
    torch.testing.assert_close(got, want.to(got.dtype), rtol=1e-10, atol=1e-10)


def test_an_op_without_lowering_is_named_with_its_layer():
    class Root(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = _Lambda(lambda z: torch.sqrt(z))

        def forward(self, z):
            return self.inner(z)

    z = crandn(2, 3, dtype=torch.complex64)
    with pytest.raises(UnsupportedComplexOp, match=r"aten\.sqrt\.default in inner \(_Lambda\)"):
        real_layout(Root().eval(), z)


def test_export_wants_eval_mode_and_keeps_the_previous_file_on_failure(tmp_path):
    net = cnn.ComplexLinear(3, 2)
    z = crandn(2, 3, dtype=torch.complex64)
    with pytest.raises(ValueError, match=r"eval\(\)"):
        real_layout(net, z)
    path = tmp_path / "model.onnx"
    path.write_bytes(b"previous export")
    with pytest.raises(UnsupportedComplexOp):
        to_onnx(_Lambda(lambda z: torch.sqrt(z)).eval(), z, path)
    assert path.read_bytes() == b"previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]


def test_inputs_of_a_shape_the_model_does_not_take_are_named_before_tracing(tmp_path):
    """Not torch.export's symbolic sizes (s77) from deep inside the trace: the shapes given, and the model."""
    net = cnn.ComplexLinear(3, 2).eval()
    z = crandn(1, 5, dtype=torch.complex64)
    with pytest.raises(ValueError, match=r"^real_layout: ComplexLinear does not run on example inputs of shape "
                                         r"\(2, 5\) complex64 \(give inputs of the shape it was built for\)"):
        to_onnx(net, z, tmp_path / "m.onnx")  # a batch of one is traced as two (a free batch size)
    with pytest.raises(ValueError, match=r"shape \(1, 5\) complex64"):
        real_layout(net, z, dynamic_batch=False)
    assert not list(tmp_path.iterdir())


def test_cli_exports_a_trained_run_and_generates_audio_sets(tmp_path, capsys):
    """`deepcomplex export RUN --out F` writes an ONNX file whose outputs on the run's own test images are the
    trained model's; `deepcomplex generate` writes the audio look-alikes the audio tasks read."""
    from conftest import write_band_idx
    from deepcomplex.cli import main as cli
    from deepcomplex.data import load_split
    from deepcomplex.train import TrainConfig, train
    from deepcomplex.train.runs import load_run_model

    data = write_band_idx(tmp_path)
    run = tmp_path / "run"
    train(TrainConfig(model="complex_cnn_small", dataset="mnist", data_dir=str(data), epochs=1, batch_size=32,
                      out=str(run)), progress=False)
    assert cli(["export", str(run), "--out", str(tmp_path / "m.onnx")]) == 0
    assert "(N, 1, 28, 28) float32" in capsys.readouterr().out
    _, model, shape = load_run_model(str(run))
    assert shape == (1, 28, 28)
    x = load_split("mnist", data_dir=data)[2][:7].unsqueeze(1).float() / 255
    (got,) = _run_onnx(tmp_path / "m.onnx", x)
    with torch.no_grad():
        np.testing.assert_allclose(got, model.eval()(x).numpy(), rtol=1e-4, atol=1e-5)
    assert cli(["export", str(run), "--out", str(tmp_path / "b.onnx"), "--input-shape", "1,28"]) == 2
    assert "complex_cnn_small takes inputs of shape (N, 1, 28, 28)" in capsys.readouterr().err
    assert cli(["export", str(tmp_path / "missing"), "--out", str(tmp_path / "c.onnx")]) == 2
    assert not (tmp_path / "b.onnx").exists() and not (tmp_path / "c.onnx").exists()

    assert cli(["generate", "timit", str(tmp_path / "timit"), "--size", "1"]) == 0
    assert cli(["generate", "musicnet", str(tmp_path / "musicnet"), "--size", "2"]) == 0
    from deepcomplex.data.musicnet import musicnet_ids
    from deepcomplex.data.timit import find_utterances

    assert len(find_utterances(tmp_path / "timit", "train")) > 0
    assert {2303, 2382, 1819} <= set(musicnet_ids(tmp_path / "musicnet"))
