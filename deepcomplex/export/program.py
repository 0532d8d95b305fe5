"""``real_layout``: a model's exported graph as a module that runs it with complex tensors held as real (..., 2)
tensors, through the lowerings of ``deepcomplex.export._lowering``; ``to_onnx`` exports that module to ONNX."""
from __future__ import annotations

import contextlib
import inspect
import io
import logging
import warnings
from pathlib import Path
from typing import Any, Optional, Sequence

import torch
from torch import nn
from torch.fx.node import map_aggregate

from ..io import atomic_write_bytes
from ._lowering import UnsupportedComplexOp, _Cx, _run

__all__ = ["real_layout", "real_inputs", "to_onnx", "RealLayoutProgram"]


class RealLayoutProgram(nn.Module):
    """A model's exported graph run with complex tensors as real (..., 2) ones; parameters and buffers live here as
    real tensors (complex ones through ``view_as_real``). Complex inputs are taken, and complex outputs returned, as
    real (..., 2) tensors. What depends on parameters and buffers only is computed once, when the program is built,
    and kept as buffers (see ``_fold_constants``)."""

    def __init__(self, exported: torch.export.ExportedProgram) -> None:
        super().__init__()
        from torch.export.graph_signature import InputKind, OutputKind

        self._graph = exported.graph_module.graph
        sig = exported.graph_signature
        self._inputs: list[tuple[str, Optional[str], bool]] = []  # (placeholder, buffer name or None, complex)
        tensors = {**exported.state_dict, **exported.constants}
        for i, spec in enumerate(sig.input_specs):
            if spec.kind == InputKind.USER_INPUT:
                self._inputs.append((spec.arg.name, None, False))
                continue
            if spec.kind not in (InputKind.PARAMETER, InputKind.BUFFER, InputKind.CONSTANT_TENSOR):
                raise UnsupportedComplexOp(f"real_layout: unsupported graph input kind {spec.kind}")
            value = tensors[spec.target].detach()
            is_complex = value.is_complex()
            buf = f"t{i}"
            self.register_buffer(buf, torch.view_as_real(value.resolve_conj()).clone() if is_complex else value.clone())
            self._inputs.append((spec.arg.name, buf, is_complex))
        for spec in sig.output_specs:
            if spec.kind != OutputKind.USER_OUTPUT:
                raise UnsupportedComplexOp("real_layout: the model mutates buffers in forward; export it in eval() "
                                           "mode")
        self._constants: dict[str, tuple[str, bool]] = {}  # folded node -> (buffer name, complex)
        self._skip: set[str] = set()  # nodes forward never runs: folded ones, inputs read by folded ones only
        self._fold_constants()

    def _fold_constants(self) -> None:
        """Run once, here, every node that depends on parameters, buffers and constants only (fixed filters and
        transforms, kernels assembled from weights, casts of weights), and keep as buffers those whose values the
        rest of the graph reads: forward, and a graph exported from it, starts from them instead of recomputing
        them on every call."""
        env: dict[torch.fx.Node, Any] = {}
        placeholders = {n.name: n for n in self._graph.nodes if n.op == "placeholder"}
        for name, buf, cx in self._inputs:
            if buf is not None:
                env[placeholders[name]] = _Cx(getattr(self, buf)) if cx else getattr(self, buf)
        folded: list[torch.fx.Node] = []
        with torch.no_grad():
            for node in self._graph.nodes:
                if node.op != "call_function" or not _foldable(node) or not all(a in env for a in node.all_input_nodes):
                    continue
                args = map_aggregate(node.args, lambda a: env[a] if isinstance(a, torch.fx.Node) else a)
                kwargs = map_aggregate(node.kwargs, lambda a: env[a] if isinstance(a, torch.fx.Node) else a)
                env[node] = _run(node, args, kwargs)
                folded.append(node)
        done = set(folded)
        for node in folded:
            if any(user not in done for user in node.users):
                value = env[node]
                buf = f"c{len(self._constants)}"
                self.register_buffer(buf, (value.t if isinstance(value, _Cx) else value).detach().clone())
                self._constants[node.name] = (buf, isinstance(value, _Cx))
        self._skip = {node.name for node in folded}
        for name, buf, _ in self._inputs:  # inputs only folded nodes read: their buffers are no longer needed
            users = placeholders[name].users
            if buf is not None and users and all(user in done for user in users):
                del self._buffers[buf]
                self._skip.add(name)

    def forward(self, *inputs: torch.Tensor):
        wanted = sum(buf is None for _, buf, _ in self._inputs)
        if len(inputs) != wanted:
            raise TypeError(f"RealLayoutProgram takes {wanted} input(s) (complex ones as real (..., 2)), got "
                            f"{len(inputs)}")
        env: dict[Any, Any] = {}
        user = iter(inputs)
        by_name = {name: (buf, cx) for name, buf, cx in self._inputs}
        for node in self._graph.nodes:
            if node.name in self._constants:
                buf, cx = self._constants[node.name]
                env[node] = _Cx(getattr(self, buf)) if cx else getattr(self, buf)
            elif node.name in self._skip:
                continue
            elif node.op == "placeholder":
                buf, cx = by_name[node.name]
                if buf is None:
                    value = next(user)
                    cx = node.meta["val"].is_complex()
                else:
                    value = getattr(self, buf)
                env[node] = _Cx(value) if cx else value
            elif node.op == "call_function":
                args = map_aggregate(node.args, lambda a: env[a] if isinstance(a, torch.fx.Node) else a)
                kwargs = map_aggregate(node.kwargs, lambda a: env[a] if isinstance(a, torch.fx.Node) else a)
                env[node] = _run(node, args, kwargs)
            elif node.op == "output":
                outs = map_aggregate(node.args[0], lambda a: env[a] if isinstance(a, torch.fx.Node) else a)
                outs = [o.t if isinstance(o, _Cx) else o for o in outs]
                return outs[0] if len(outs) == 1 else tuple(outs)
            else:
                raise UnsupportedComplexOp(f"real_layout: unexpected graph node {node.op}")
        raise RuntimeError("real_layout: the graph has no output")


def _foldable(node: torch.fx.Node) -> bool:
    """Whether a node whose inputs are all known may be computed once: an op (not random, not of undefined contents)
    that returns one tensor."""
    if not isinstance(node.target, torch._ops.OpOverload) or not isinstance(node.meta.get("val"), torch.Tensor):
        return False
    return not {torch.Tag.nondeterministic_seeded, torch.Tag.nondeterministic_bitwise} & set(node.target.tags)


def _as_tuple(example_inputs) -> tuple:
    """The inputs as a tuple, tensors made contiguous (torch.export turns strides into guards it cannot always
    resolve for a dynamic batch, and ONNX inputs are dense anyway)."""
    inputs = tuple(example_inputs) if isinstance(example_inputs, (tuple, list)) else (example_inputs,)
    return tuple(x.contiguous() if isinstance(x, torch.Tensor) else x for x in inputs)


def _two_or_more(inputs: tuple, dynamic_batch: bool) -> tuple:
    """torch.export specializes a dimension of size 1; with a free batch, a batch of one example is traced as two."""
    if not dynamic_batch:
        return inputs
    return tuple(torch.cat([x, x]) if isinstance(x, torch.Tensor) and x.dim() > 0 and x.shape[0] == 1 else x
                 for x in inputs)


def _batch_shapes(module: nn.Module, inputs: Sequence[torch.Tensor], dynamic_batch: bool):
    """torch.export's dynamic_shapes for a first dimension shared by every input, shaped like forward's signature."""
    if not dynamic_batch:
        return None
    batch = torch.export.Dim("batch", min=1)
    specs = tuple({0: batch} if isinstance(x, torch.Tensor) and x.dim() > 0 else None for x in inputs)
    params = list(inspect.signature(module.forward).parameters.values())
    for k, p in enumerate(params):
        if p.kind == p.VAR_POSITIONAL:  # forward(self, a, *rest): the varargs take one nested tuple
            return specs[:k] + (specs[k:],)
    return specs


def _check_runs(model: nn.Module, inputs: tuple) -> None:
    """Run ``model`` eagerly on the example inputs first: inputs of a shape it does not take fail here, with the
    shapes given, rather than inside torch.export with its symbolic sizes (s77) and the model's internal shapes."""
    try:
        with torch.no_grad():
            model(*inputs)
    except (RuntimeError, ValueError, TypeError, IndexError) as err:
        shapes = ", ".join(f"({', '.join(map(str, x.shape))}) {str(x.dtype).replace('torch.', '')}"
                           for x in inputs if isinstance(x, torch.Tensor))
        raise ValueError(f"real_layout: {type(model).__name__} does not run on example inputs of shape {shapes} "
                         f"(give inputs of the shape it was built for): {type(err).__name__}: {err}") from err


class _DropMessages(logging.Filter):
    """Drops log records whose message starts with one of ``prefixes``."""

    def __init__(self, *prefixes: str) -> None:
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.prefixes)


@contextlib.contextmanager
def _known_exporter_noise():
    """Silence what torch's ONNX exporter reports that is known, harmless and not the user's to act on:

    - ``torchvision is not installed. Skipping torchvision::nms`` (and roi_align, roi_pool, deform_conv2d): the
      exporter registers torchvision's detection ops when it can; deepcomplex models use none of them.
    - FutureWarning ``isinstance(treespec, LeafSpec) is deprecated``: raised inside torch's own pytree code (torch
      2.10+) when torch.export copies its input specs; nothing in the exported graph depends on it.

    Anything else the exporter warns about is still shown.
    """
    registration = logging.getLogger("torch.onnx._internal.exporter._registration")
    drop = _DropMessages("torchvision is not installed")
    registration.addFilter(drop)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"`isinstance\(treespec, LeafSpec\)` is deprecated",
                                    category=FutureWarning)
            yield
    finally:
        registration.removeFilter(drop)


def real_layout(model: nn.Module, example_inputs, dynamic_batch: bool = True) -> RealLayoutProgram:
    """``model`` (in eval mode) as a module of real tensors only: see the module docstring. ``example_inputs``: a
    tensor or a tuple of tensors (complex ones as complex); with ``dynamic_batch`` the first dimension may vary."""
    inputs = _two_or_more(_as_tuple(example_inputs), dynamic_batch)
    if model.training:
        raise ValueError("real_layout exports inference: call model.eval() first (batch statistics and dropout are "
                         "training-time behaviour)")
    _check_runs(model, inputs)
    with torch.no_grad(), _known_exporter_noise():
        exported = torch.export.export(model, inputs, dynamic_shapes=_batch_shapes(model, inputs, dynamic_batch),
                                       strict=False)
        exported = exported.run_decompositions()
    program = RealLayoutProgram(exported).eval()
    with torch.no_grad():
        program(*real_inputs(inputs))  # an op without lowering fails here, by name, not deep inside an exporter
    return program


def real_inputs(example_inputs) -> tuple:
    """The inputs as the real-layout program (and the ONNX graph) takes them: complex tensors as real (..., 2)."""
    return tuple(torch.view_as_real(x.resolve_conj()) if isinstance(x, torch.Tensor) and x.is_complex() else x
                 for x in _as_tuple(example_inputs))


def to_onnx(model: nn.Module, example_inputs, path, dynamic_batch: bool = True,
            opset_version: Optional[int] = None, optimize: bool = False) -> Path:
    """Export ``model`` to an ONNX file through its real-layout program; written to a temporary file, then renamed.

    Inputs named ``input_0``..., outputs ``output_0``...; complex ones are float (..., 2) [Re, Im] tensors. What
    depends on the weights and buffers only (fixed filters, DFT matrices, kernels assembled from weights) is computed
    at export and stored as initializers, and casts and shape arithmetic on constants are folded: the graph computes
    on its inputs only.

    ``optimize`` runs torch's ONNX graph optimizer (onnxscript); it is off because, with onnxscript 0.7.2, its
    rewrites moved the output of ComplexLayerNorm by 1e-4 relative where the unoptimized graph matches to 1e-7.
    Needs the ``onnx`` and ``onnxscript`` packages (``pip install deepcomplex[export]``). The exporter's known,
    harmless messages (torchvision's ops not registered, a pytree deprecation inside torch) are silenced; others show.
    """
    path = Path(path)
    with _known_exporter_noise():
        return _to_onnx(model, example_inputs, path, dynamic_batch, opset_version, optimize)


def _fold_onnx_constants(model) -> None:
    """Fold what the exporter leaves to compute from constants (casts of slice bounds and scalars to the types ONNX
    ops take, shape arithmetic on static sizes) and drop the nodes left unused: onnxscript's constant folding alone,
    on small tensors (its default size limits), none of its rewrite rules. The weights, filters and DFT matrices are
    folded before, in ``RealLayoutProgram``."""
    import onnxscript.optimizer

    onnxscript.optimizer.fold_constants(model)
    onnxscript.optimizer.remove_unused_nodes(model)


def _to_onnx(model: nn.Module, example_inputs, path: Path, dynamic_batch: bool, opset_version: Optional[int],
             optimize: bool) -> Path:
    program = real_layout(model, example_inputs, dynamic_batch)
    inputs = real_inputs(_two_or_more(_as_tuple(example_inputs), dynamic_batch))
    n_out = len([n for n in program._graph.nodes if n.op == "output"][0].args[0])
    kwargs = {} if opset_version is None else {"opset_version": opset_version}
    with torch.no_grad():
        onnx_program = torch.onnx.export(
            program, inputs, dynamo=True,
            dynamic_shapes=_batch_shapes(program, inputs, dynamic_batch),
            input_names=[f"input_{i}" for i in range(len(inputs))],
            output_names=[f"output_{i}" for i in range(n_out)], verbose=False, optimize=optimize, **kwargs)
    _fold_onnx_constants(onnx_program.model)
    buffer = io.BytesIO()  # protobuf bytes, as a save to a path writes them; the file is then written atomically
    onnx_program.save(buffer)
    return atomic_write_bytes(path, buffer.getvalue())
