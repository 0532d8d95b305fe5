"""Export through real-layout internals: a model's exported graph re-run with every complex tensor held as a real
(..., 2) tensor [Re, Im], so that formats without a complex type (ONNX) can take any deepcomplex model.

``real_layout(model, example_inputs)`` captures the model with ``torch.export`` (core ATen ops), then returns a module
that interprets that graph with complex values lowered to real arithmetic (complex products, matrix products, FFTs as
DFT matrix products, shape ops on the leading dimensions). ``to_onnx`` exports that module with torch's ONNX exporter.
Complex inputs and outputs of the model become real (..., 2) tensors; real ones stay as they are.
"""
from __future__ import annotations

import inspect
import io
import math
import operator
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import torch
from torch import nn
from torch.fx.node import map_aggregate

from ._layout import real_dtype_of
from .io import atomic_write_bytes

__all__ = ["real_layout", "to_onnx", "RealLayoutProgram", "UnsupportedComplexOp"]


class UnsupportedComplexOp(NotImplementedError):
    """An op of the exported graph that touches complex tensors and has no real-layout lowering."""


class _Cx:
    """A complex value held as a real tensor ``t`` of shape (*shape, 2): t[..., 0] = Re, t[..., 1] = Im."""
    __slots__ = ("t",)

    def __init__(self, t: torch.Tensor) -> None:
        self.t = t

    @property
    def re(self) -> torch.Tensor:
        return self.t[..., 0]

    @property
    def im(self) -> torch.Tensor:
        return self.t[..., 1]

    @property
    def rank(self) -> int:
        return self.t.dim() - 1


def _pair(re: torch.Tensor, im: torch.Tensor) -> _Cx:
    re, im = torch.broadcast_tensors(re, im)
    return _Cx(torch.stack([re, im], -1))


def _promote(v) -> _Cx:
    """A real tensor or Python number as a complex value."""
    if isinstance(v, _Cx):
        return v
    if isinstance(v, torch.Tensor):
        return _pair(v, torch.zeros_like(v))
    raise TypeError(f"cannot promote {type(v).__name__} to a complex tensor")


def _parts(v):
    """(Re, Im) of a complex value, real tensor or Python number (Im None when it is 0)."""
    if isinstance(v, _Cx):
        return v.re, v.im
    if isinstance(v, complex):
        return v.real, v.imag
    return v, None


def _dim(d: int, rank: int) -> int:
    return d + rank if d < 0 else d


def _dims(dims, rank: int) -> list[int]:
    if dims is None or (isinstance(dims, (list, tuple)) and len(dims) == 0):
        return list(range(rank))
    if isinstance(dims, int):
        dims = [dims]
    return [_dim(d, rank) for d in dims]


# --- arithmetic ---------------------------------------------------------------------------------------------------

def _add(a, b, alpha=1, sign=1):
    ar, ai = _parts(a)
    br, bi = _parts(b)
    k = sign * alpha
    re = ar + k * br
    im = ai if bi is None else (k * bi if ai is None else ai + k * bi)
    if im is None:
        return re
    if not isinstance(im, torch.Tensor):
        im = torch.full_like(re, im)
    if not isinstance(re, torch.Tensor):
        re = torch.full_like(im, re)
    return _pair(re, im)


def _mul(a, b):
    ar, ai = _parts(a)
    br, bi = _parts(b)
    if ai is None:
        return _pair(ar * br, ar * bi) if bi is not None else ar * br
    if bi is None:
        return _pair(ar * br, ai * br)
    return _pair(ar * br - ai * bi, ar * bi + ai * br)


def _div(a, b):
    br, bi = _parts(b)
    if bi is None:
        ar, ai = _parts(a)
        return _pair(ar / br, ai / br) if ai is not None else ar / br
    den = br * br + bi * bi
    return _mul(a, _pair(br / den, -bi / den) if isinstance(br, torch.Tensor) else complex(br, -bi) / den)


def _matmul(op: Callable, a, b):
    ar, ai = _parts(a)
    br, bi = _parts(b)
    if ai is None:
        return _pair(op(ar, br), op(ar, bi))
    if bi is None:
        return _pair(op(ar, br), op(ai, br))
    return _pair(op(ar, br) - op(ai, bi), op(ar, bi) + op(ai, br))


def _addmm(bias, a, b, beta=1, alpha=1):
    return _add(_mul(_promote(bias) if isinstance(bias, torch.Tensor) else bias, beta),
                _mul(_matmul(torch.mm, a, b), alpha))


def _abs(x: _Cx) -> torch.Tensor:
    return torch.sqrt(x.re * x.re + x.im * x.im)


def _sgn(x: _Cx) -> _Cx:
    r = _abs(x)
    scale = torch.where(r > 0, 1.0 / torch.where(r > 0, r, torch.ones_like(r)), torch.zeros_like(r))
    return _Cx(x.t * scale.unsqueeze(-1))


def _exp(x: _Cx) -> _Cx:
    m = torch.exp(x.re)
    return _pair(m * torch.cos(x.im), m * torch.sin(x.im))


# --- Fourier transforms as DFT matrix products -----------------------------------------------------------------------

def _dft(x: _Cx, dim: int, forward: bool, scale: float, out_len: Optional[int] = None) -> _Cx:
    """The DFT along ``dim`` of a complex value as a real product with the cos/sin matrices (exact in float64)."""
    n = x.t.shape[dim]
    m = n if out_len is None else out_len
    k = torch.arange(n, dtype=torch.float64).unsqueeze(1) * torch.arange(m, dtype=torch.float64).unsqueeze(0)
    angle = (-2.0 if forward else 2.0) * math.pi * torch.remainder(k, n) / n
    c = (torch.cos(angle) * scale).to(x.t.dtype)
    s = (torch.sin(angle) * scale).to(x.t.dtype)
    re, im = x.re.movedim(dim, -1), x.im.movedim(dim, -1)
    yr = re @ c - im @ s
    yi = re @ s + im @ c
    return _pair(yr.movedim(-1, dim), yi.movedim(-1, dim))


def _norm_scale(normalization: int, n: int) -> float:
    return {0: 1.0, 1: 1.0 / math.sqrt(n), 2: 1.0 / n}[int(normalization)]


def _fft_c2c(x, dim, normalization, forward):
    x = _promote(x)
    for d in _dims(dim, x.rank):
        x = _dft(x, d, forward, _norm_scale(normalization, x.t.shape[d]))
    return x


def _fft_r2c(x, dim, normalization, onesided):
    y = _fft_c2c(_promote(x), dim, normalization, True)
    if onesided:
        d = _dims(dim, x.dim())[-1]
        y = _Cx(y.t.narrow(d, 0, x.shape[d] // 2 + 1))
    return y


def _fft_c2r(x, dim, normalization, last_dim_size):
    """Inverse real FFT: the one-sided spectrum made Hermitian along the last dim, then a c2c inverse, real part."""
    dims = _dims(dim, x.rank)
    last = dims[-1]
    for d in dims[:-1]:
        x = _dft(x, d, False, _norm_scale(normalization, x.t.shape[d]))
    n = int(last_dim_size)
    half = x.t.shape[last]
    # the missing bins k = half..n-1 are the conjugates of bins n-k
    idx = torch.tensor([n - k for k in range(half, n)], dtype=torch.long)
    tail = x.t.index_select(last, idx)
    tail = torch.stack([tail[..., 0], -tail[..., 1]], -1)
    full = _Cx(torch.cat([x.t.narrow(last, 0, min(half, n)), tail], last))
    return _dft(full, last, False, _norm_scale(normalization, n)).re


# --- shape ops on the leading (complex) dimensions ----------------------------------------------------------------

def _view(x: _Cx, shape):
    return _Cx(x.t.reshape(*shape, 2))


def _permute(x: _Cx, dims):
    return _Cx(x.t.permute(*_dims(dims, x.rank), x.rank))


def _transpose(x: _Cx, d0, d1):
    return _Cx(x.t.transpose(_dim(d0, x.rank), _dim(d1, x.rank)))


def _unsqueeze(x: _Cx, d):
    return _Cx(x.t.unsqueeze(_dim(d, x.rank + 1)))


def _squeeze(x: _Cx, dims=None):
    dims = [d for d in _dims(dims, x.rank) if x.t.shape[d] == 1]
    t = x.t
    for d in sorted(dims, reverse=True):
        t = t.squeeze(d)
    return _Cx(t)


def _slice(x: _Cx, dim=0, start=None, end=None, step=1):
    return _Cx(torch.ops.aten.slice.Tensor(x.t, _dim(dim, x.rank), start, end, step))


def _cat(tensors, dim=0):
    if not any(isinstance(t, _Cx) for t in tensors):
        return torch.cat(tensors, dim)
    items = [_promote(t) for t in tensors]
    return _Cx(torch.cat([t.t for t in items], _dim(dim, items[0].rank)))


def _stack(tensors, dim=0):
    items = [_promote(t) for t in tensors]
    return _Cx(torch.stack([t.t for t in items], _dim(dim, items[0].rank + 1)))


def _split(op, x: _Cx, sizes, dim=0):
    return [_Cx(t) for t in op(x.t, sizes, _dim(dim, x.rank))]


def _sum(x: _Cx, dims=None, keepdim=False, dtype=None):
    return _Cx(x.t.sum(_dims(dims, x.rank), keepdim=keepdim))


def _mean(x: _Cx, dims=None, keepdim=False, dtype=None):
    return _Cx(x.t.mean(_dims(dims, x.rank), keepdim=keepdim))


def _pad(x: _Cx, pad, value=0.0):
    if value != 0:
        raise UnsupportedComplexOp("constant_pad_nd of a complex tensor with a non-zero value")
    return _Cx(torch.nn.functional.pad(x.t, [0, 0, *pad]))


def _to_copy(x, dtype=None, **kwargs):
    if isinstance(x, _Cx):
        if dtype is None or dtype.is_complex:
            return _Cx(x.t.to(real_dtype_of(dtype) if dtype is not None else x.t.dtype))
        return x.re.to(dtype)  # as torch: casting complex to real keeps the real part
    if dtype is not None and dtype.is_complex:
        return _promote(x.to(real_dtype_of(dtype)))
    return torch.ops.aten._to_copy.default(x, dtype=dtype, **kwargs)


def _where(cond, a, b):
    a, b = _promote(a), _promote(b)
    return _Cx(torch.where(cond.unsqueeze(-1), a.t, b.t))


def _full_like(x: _Cx, value, **kwargs):
    re, im = (value.real, value.imag) if isinstance(value, complex) else (value, 0.0)
    return _pair(torch.full_like(x.re, re), torch.full_like(x.re, im))


def _complex_full(size, value, dtype=None, **kwargs):
    rd = real_dtype_of(dtype)
    re, im = (value.real, value.imag) if isinstance(value, complex) else (value, 0.0)
    return _pair(torch.full(size, re, dtype=rd), torch.full(size, im, dtype=rd))


def _t(x: _Cx):
    return _transpose(x, 0, 1) if x.rank == 2 else x


_LOWERINGS: dict[str, Callable] = {
    "aten.view_as_real.default": lambda x: x.t,
    "aten.view_as_complex.default": lambda t: _Cx(t),
    "aten.complex.default": _pair,
    "aten.polar.default": lambda r, a: _pair(r * torch.cos(a), r * torch.sin(a)),
    "aten.real.default": lambda x: x.re,
    "aten.imag.default": lambda x: x.im,
    "aten._conj.default": lambda x: _pair(x.re, -x.im),
    "aten.conj_physical.default": lambda x: _pair(x.re, -x.im),
    "aten.resolve_conj.default": lambda x: x,
    "aten.resolve_neg.default": lambda x: x,
    "aten.add.Tensor": lambda a, b, alpha=1: _add(a, b, alpha),
    "aten.add.Scalar": lambda a, b, alpha=1: _add(a, b, alpha),
    "aten.sub.Tensor": lambda a, b, alpha=1: _add(a, b, alpha, -1),
    "aten.sub.Scalar": lambda a, b, alpha=1: _add(a, b, alpha, -1),
    "aten.rsub.Scalar": lambda a, b, alpha=1: _add(_mul(a, -alpha), b),
    "aten.mul.Tensor": _mul,
    "aten.mul.Scalar": _mul,
    "aten.div.Tensor": _div,
    "aten.div.Scalar": _div,
    "aten.neg.default": lambda x: _Cx(-x.t),
    "aten.mm.default": lambda a, b: _matmul(torch.mm, a, b),
    "aten.bmm.default": lambda a, b: _matmul(torch.bmm, a, b),
    "aten.addmm.default": _addmm,
    "aten.abs.default": _abs,
    "aten.angle.default": lambda x: torch.atan2(x.im, x.re),
    "aten.sgn.default": _sgn,
    "aten.exp.default": _exp,
    "aten._fft_c2c.default": _fft_c2c,
    "aten._fft_r2c.default": _fft_r2c,
    "aten._fft_c2r.default": _fft_c2r,
    "aten.view.default": _view,
    "aten._unsafe_view.default": _view,
    "aten.reshape.default": _view,
    "aten.permute.default": _permute,
    "aten.transpose.int": _transpose,
    "aten.t.default": _t,
    "aten.expand.default": lambda x, size, implicit=False: _Cx(x.t.expand(*size, 2)),
    "aten.flip.default": lambda x, dims: _Cx(x.t.flip(_dims(dims, x.rank))),
    "aten.index_select.default": lambda x, dim, index: _Cx(x.t.index_select(_dim(dim, x.rank), index)),
    "aten.select.int": lambda x, dim, index: _Cx(x.t.select(_dim(dim, x.rank), index)),
    "aten.slice.Tensor": _slice,
    "aten.narrow.default": lambda x, dim, start, length: _Cx(x.t.narrow(_dim(dim, x.rank), start, length)),
    "aten.unsqueeze.default": _unsqueeze,
    "aten.squeeze.dim": lambda x, dim: _squeeze(x, [dim]),
    "aten.squeeze.dims": _squeeze,
    "aten.squeeze.default": lambda x: _squeeze(x),
    "aten.clone.default": lambda x, memory_format=None: _Cx(x.t.clone()),
    "aten.alias.default": lambda x: x,
    "aten.contiguous.default": lambda x, memory_format=None: x,
    "aten.lift_fresh_copy.default": lambda x: _Cx(x.t.clone()),
    "aten.cat.default": _cat,
    "aten.stack.default": _stack,
    "aten.split.Tensor": lambda x, size, dim=0: _split(torch.split, x, size, dim),
    "aten.split_with_sizes.default": lambda x, sizes, dim=0: _split(torch.split, x, list(sizes), dim),
    "aten.unbind.int": lambda x, dim=0: [_Cx(t) for t in x.t.unbind(_dim(dim, x.rank))],
    "aten.repeat.default": lambda x, repeats: _Cx(x.t.repeat(*repeats, 1)),
    "aten.sum.dim_IntList": _sum,
    "aten.sum.default": lambda x, dtype=None: _sum(x),
    "aten.mean.dim": _mean,
    "aten.mean.default": lambda x, dtype=None: _mean(x),
    "aten.constant_pad_nd.default": _pad,
    "aten._to_copy.default": _to_copy,
    "aten.where.self": _where,
    "aten.full_like.default": _full_like,
    "aten.zeros_like.default": lambda x, **kw: _full_like(x, 0.0),
    "aten.ones_like.default": lambda x, **kw: _full_like(x, 1.0),
    "aten.full.default": _complex_full,
    "aten.zeros.default": lambda size, dtype=None, **kw: _complex_full(size, 0.0, dtype),
    "aten.scalar_tensor.default": lambda value, dtype=None, **kw: _complex_full([], value, dtype),
    "aten.sym_size.int": lambda x, dim: x.t.size(_dim(dim, x.rank)),
    "aten._assert_tensor_metadata.default": lambda *a, **k: None,
}


def _is_complex_meta(v) -> bool:
    if isinstance(v, (list, tuple)):
        return any(_is_complex_meta(u) for u in v)
    return isinstance(v, torch.Tensor) and v.is_complex()


def _has_cx(v) -> bool:
    if isinstance(v, (list, tuple)):
        return any(_has_cx(u) for u in v)
    if isinstance(v, dict):
        return any(_has_cx(u) for u in v.values())
    return isinstance(v, _Cx)


def _where_in_model(node) -> str:
    stack = node.meta.get("nn_module_stack") or {}
    if stack:
        path, cls = list(stack.values())[-1]
        cls = cls.__name__ if isinstance(cls, type) else str(cls).rsplit(".", 1)[-1]
        return f" in {path or 'the model'} ({cls})"
    return ""


def _run(node, args, kwargs):
    target = node.target
    if target is operator.getitem or not isinstance(target, torch._ops.OpOverload):
        return target(*args, **kwargs)  # getitem of split results, symbolic-size arithmetic
    name = str(target)
    complex_in = _has_cx(args) or _has_cx(kwargs)
    complex_out = _is_complex_meta(node.meta.get("val"))
    if not complex_in and not complex_out:
        if name in ("aten.view.default", "aten._unsafe_view.default"):  # lowered tensors may have other strides
            return torch.reshape(*args, **kwargs)
        return target(*args, **kwargs)
    lowering = _LOWERINGS.get(name)
    if lowering is None:
        raise UnsupportedComplexOp(f"real_layout: {name}{_where_in_model(node)} acts on complex tensors and has no "
                                   f"real-layout lowering yet")
    out = lowering(*args, **kwargs)
    if complex_out and isinstance(out, torch.Tensor):
        out = _promote(out)
    return out


class RealLayoutProgram(nn.Module):
    """A model's exported graph run with complex tensors as real (..., 2) ones; parameters and buffers live here as
    real tensors (complex ones through ``view_as_real``). Complex inputs are taken, and complex outputs returned, as
    real (..., 2) tensors."""

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
                raise UnsupportedComplexOp("real_layout: the model mutates buffers in forward; export it in eval() mode")

    def forward(self, *inputs: torch.Tensor):
        wanted = sum(buf is None for _, buf, _ in self._inputs)
        if len(inputs) != wanted:
            raise TypeError(f"RealLayoutProgram takes {wanted} input(s) (complex ones as real (..., 2)), got "
                            f"{len(inputs)}")
        env: dict[Any, Any] = {}
        user = iter(inputs)
        by_name = {name: (buf, cx) for name, buf, cx in self._inputs}
        for node in self._graph.nodes:
            if node.op == "placeholder":
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


def real_layout(model: nn.Module, example_inputs, dynamic_batch: bool = True) -> RealLayoutProgram:
    """``model`` (in eval mode) as a module of real tensors only: see the module docstring. ``example_inputs``: a
    tensor or a tuple of tensors (complex ones as complex); with ``dynamic_batch`` the first dimension may vary."""
    inputs = _two_or_more(_as_tuple(example_inputs), dynamic_batch)
    if model.training:
        raise ValueError("real_layout exports inference: call model.eval() first (batch statistics and dropout are "
                         "training-time behaviour)")
    with torch.no_grad():
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

    Inputs named ``input_0``..., outputs ``output_0``...; complex ones are float (..., 2) [Re, Im] tensors.
    ``optimize`` runs torch's ONNX graph optimizer (onnxscript); it is off because, with onnxscript 0.7.2, its
    rewrites moved the output of ComplexLayerNorm by 1e-4 relative where the unoptimized graph matches to 1e-7.
    Needs the ``onnx`` and ``onnxscript`` packages (``pip install deepcomplex[export]``).
    """
    path = Path(path)
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
    buffer = io.BytesIO()  # protobuf bytes, as a save to a path writes them; the file is then written atomically
    onnx_program.save(buffer)
    return atomic_write_bytes(path, buffer.getvalue())
