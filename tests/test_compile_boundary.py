"""torch.compile and deepcomplex's modules: by default (``deepcomplex.backends.trace_layers = False``) each complex
module runs eagerly behind a graph break, so its compiled kernels serve it, while the code around it is compiled;
``trace_layers = True`` traces into it; torch.export always traces."""
from __future__ import annotations

import pytest
import torch
from torch import nn

import deepcomplex.backends as backends
import deepcomplex.nn as cnn
import deepcomplex.nn.linear as linear_module
from deepcomplex.models import create_model, list_models

from conftest import small_registry_model

# registered models built of torch's real layers only: torch.compile traces them as any real network
REAL_MODELS = {"complex_vit_tiny_real", "musicnet_shallow_real", "musicnet_deep_real", "resnet18"}


@pytest.fixture(autouse=True)
def _default_policy(monkeypatch):
    """The library default (conftest sets ``trace_layers`` for the layer families' tracing tests)."""
    monkeypatch.setattr(backends, "trace_layers", False)
    torch._dynamo.reset()


class _Recorder:
    """A torch.compile backend that keeps every FX graph dynamo hands it and runs it as traced."""

    def __init__(self) -> None:
        self.graphs: list[torch.fx.GraphModule] = []

    def __call__(self, gm: torch.fx.GraphModule, example_inputs):
        self.graphs.append(gm)
        return gm.forward

    def complex_values(self) -> int:
        """How many values in the recorded graphs are complex tensors."""
        return sum(1 for gm in self.graphs for node in gm.graph.nodes
                   if isinstance(node.meta.get("example_value"), torch.Tensor) and node.meta["example_value"].is_complex())


def _complex_state(model: nn.Module) -> bool:
    return any(t.is_complex() for t in (*model.parameters(), *model.buffers()))


@pytest.mark.parametrize("name", list_models())
def test_complex_models_run_eagerly_and_real_twins_compile(name):
    """Every model with complex parameters or buffers hands dynamo no graph at all and gives the eager model's outputs
    and gradients exactly (the same code runs); the real twins are traced."""
    torch.manual_seed(0)
    model, x = small_registry_model(name)
    model.eval()  # no dropout draws or running statistics to tell the two calls apart
    x = x.detach().requires_grad_(x.is_floating_point() or x.is_complex())
    eager = model(x)
    (eager.abs() if eager.is_complex() else eager).sum().backward()
    grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad(set_to_none=True)
    recorder = _Recorder()
    out = torch.compile(model, backend=recorder)(x)
    (out.abs() if out.is_complex() else out).sum().backward()
    if name in REAL_MODELS:
        assert not _complex_state(model)
        assert recorder.graphs, f"{name}: a real network should be traced"
        torch.testing.assert_close(out, eager)
        return
    if _complex_state(model):
        assert recorder.graphs == [], f"{name}: dynamo traced {len(recorder.graphs)} graph(s) of a complex model"
    assert torch.equal(out, eager)
    for p, g in zip(model.parameters(), grads):
        assert torch.equal(p.grad, g)


class _Glue(nn.Module):
    """A user's network: real layers around one deepcomplex layer."""

    def __init__(self) -> None:
        super().__init__()
        self.pre = nn.Linear(8, 8)
        self.layer = cnn.ComplexLinear(4, 4)
        self.post = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = torch.view_as_complex(torch.relu(self.pre(x)).unflatten(-1, (4, 2)))
        return self.post(self.layer(z).abs())


@pytest.mark.parametrize("trace", [False, True])
def test_the_code_around_a_layer_compiles_and_the_layer_runs_eagerly(monkeypatch, trace):
    """Under the default the layer's forward runs outside compilation (its checks see is_compiling() False) and no
    recorded graph computes with its complex weight; the real layers around it are compiled. trace_layers=True puts
    the layer in the graph."""
    monkeypatch.setattr(backends, "trace_layers", trace)
    seen = []

    def spy(*args, **kwargs):
        seen.append(torch.compiler.is_compiling())
        return check_complex(*args, **kwargs)

    check_complex = linear_module.check_complex
    monkeypatch.setattr(linear_module, "check_complex", spy)
    torch.manual_seed(0)
    net, x = _Glue(), torch.randn(5, 8)
    want = net(x)
    recorder = _Recorder()
    got = torch.compile(net, backend=recorder)(x)
    torch.testing.assert_close(got, want)
    assert seen == [False, trace]
    targets = [str(n.target) for gm in recorder.graphs for n in gm.graph.nodes if n.op == "call_function"]
    assert any("linear" in t for t in targets) and any("relu" in t for t in targets)
    weight_used = [n for gm in recorder.graphs for n in gm.graph.nodes
                   if n.op == "placeholder" and "layer" in n.name and "weight" in n.name]
    assert bool(weight_used) == trace


def test_torch_export_traces_the_layers_under_the_default():
    """torch.export (the ONNX exporter's front end) traces into the modules whatever ``trace_layers`` says."""
    model = create_model("coshnet_tiny").eval()
    x = torch.rand(2, 1, 28, 28)
    program = torch.export.export(model, (x,))
    assert len(program.graph.nodes) > 20
    torch.testing.assert_close(program.module()(x), model(x), rtol=1e-4, atol=1e-5)


def test_onnx_export_under_the_default(tmp_path):
    """deepcomplex.export.to_onnx exports a model whose modules are behind graph breaks for torch.compile."""
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    from deepcomplex.export import to_onnx

    model = create_model("coshnet_tiny").eval()
    x = torch.rand(3, 1, 28, 28)
    path = to_onnx(model, x[:2], tmp_path / "tiny.onnx")
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input_0": x.numpy()})[0]
    torch.testing.assert_close(torch.from_numpy(got), model(x).detach(), rtol=1e-4, atol=1e-5)


def test_eager_under_compile_rejects_what_is_not_a_module_class():
    with pytest.raises(TypeError, match="eager_under_compile expects an nn.Module subclass"):
        backends.eager_under_compile(lambda x: x)


def test_setting_trace_layers_swaps_every_forward_and_back(monkeypatch):
    """A decorated class's forward is the disabled wrapper by default and the original with trace_layers; a class
    that inherits its forward from a decorated one (or is decorated over it) follows."""
    class Child(cnn.ComplexLinear):
        pass

    @backends.eager_under_compile
    class Again(cnn.ComplexLinear):
        pass

    opaque = cnn.ComplexLinear.forward
    assert getattr(opaque, "_torchdynamo_disable", False) and Child.forward is opaque
    monkeypatch.setattr(backends, "trace_layers", True)
    assert cnn.ComplexLinear.forward is Child.forward is Again.forward
    assert cnn.ComplexLinear.forward.__qualname__ == "ComplexLinear.forward"
    monkeypatch.setattr(backends, "trace_layers", False)
    assert cnn.ComplexLinear.forward is opaque and Again.forward is not opaque
    assert getattr(Again.forward, "_torchdynamo_disable", False)
