"""The lowering of complex ATen ops to real arithmetic on (..., 2) tensors [Re, Im], one function per op (complex
products, matrix products, FFTs as DFT matrix products, shape ops on the leading dimensions), and ``_run``, which
applies the lowering of one node of an exported graph. Used by ``deepcomplex.export.program``.
"""
from __future__ import annotations

import functools
import math
import operator
from typing import Callable, Optional

import numpy as np
import torch

from .._layout import real_dtype_of


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
# The matrices are built once per size with numpy (float64, then rounded to the tensor's dtype) and enter the graph as
# constants: an exported graph holds them as initializers instead of recomputing them from Range, Cos and Sin on every
# call. Each transform is one real matrix product on the interleaved [Re, Im] pairs: no gathering of the parts, no
# stacking of the results.

_NUMPY_DTYPES = {torch.float16: np.float16, torch.float32: np.float32, torch.float64: np.float64}


@functools.lru_cache(maxsize=8)
def _dft_table(kind: str, n: int, forward: bool, scale: float, bins: int, dtype: type) -> np.ndarray:
    """The real matrix of a DFT of length ``n`` (angle -+2 pi k j / n, times ``scale``) acting on the last axis,
    computed in float64 and rounded to numpy ``dtype``: ``"c2c"`` (2n, 2n) on interleaved complex pairs, ``"r2c"``
    (n, 2 bins) from a real signal to its first ``bins`` bins, interleaved, ``"c2r"`` (2 bins, n) from the first
    ``bins`` bins of a Hermitian spectrum to its real inverse (each bin but DC and Nyquist standing for its conjugate
    pair too; the imaginary parts of those two ignored, as torch does)."""
    k = np.arange(n)
    angle = (-2.0 if forward else 2.0) * np.pi * (np.outer(k, k) % n) / n
    c, s = np.cos(angle) * scale, np.sin(angle) * scale
    if kind == "c2c":  # [re, im] @ [[c, s], [-s, c]] = [re c - im s, re s + im c], pair by pair
        table = np.stack([np.stack([c, s], -1), np.stack([-s, c], -1)], 1).reshape(2 * n, 2 * n)
    elif kind == "r2c":
        table = np.stack([c[:, :bins], s[:, :bins]], -1).reshape(n, 2 * bins)
    else:
        single = ((k == 0) | (2 * k == n))[:bins, None]  # DC and Nyquist: their own conjugates
        table = np.stack([np.where(single, 1.0, 2.0) * c[:bins], np.where(single, 0.0, -2.0 * s[:bins])],
                         1).reshape(2 * bins, n)
    return table.astype(dtype)


def _dft_matrix(kind: str, n: int, forward: bool, scale: float, dtype: torch.dtype, bins: int = 0) -> torch.Tensor:
    """``_dft_table`` as a constant tensor of ``dtype`` (made from the numpy array, so that a traced graph takes it as
    a constant rather than recording how it was computed)."""
    if dtype in _NUMPY_DTYPES:
        return torch.from_numpy(_dft_table(kind, n, forward, scale, bins, _NUMPY_DTYPES[dtype]))
    return torch.tensor(_dft_table(kind, n, forward, scale, bins, np.float64), dtype=dtype)


def _dft(x: _Cx, dim: int, forward: bool, scale: float) -> _Cx:
    """The DFT along ``dim`` of a complex value: one real product of its interleaved pairs with the DFT matrix."""
    n = x.t.shape[dim]
    mat = _dft_matrix("c2c", n, forward, scale, x.t.dtype)
    t = x.t.movedim(dim, -2) if dim != x.rank - 1 else x.t
    y = (t.reshape(*t.shape[:-2], 2 * n) @ mat).reshape(t.shape)
    return _Cx(y.movedim(-2, dim) if dim != x.rank - 1 else y)


def _norm_scale(normalization: int, n: int) -> float:
    return {0: 1.0, 1: 1.0 / math.sqrt(n), 2: 1.0 / n}[int(normalization)]


def _fft_c2c(x, dim, normalization, forward):
    x = _promote(x)
    for d in _dims(dim, x.rank):
        x = _dft(x, d, forward, _norm_scale(normalization, x.t.shape[d]))
    return x


def _fft_r2c(x, dim, normalization, onesided):
    """Forward FFT of a real tensor: the last of ``dim`` first, real to complex (one-sided or all bins), then the
    others complex to complex (the transform is separable, so the order does not change it)."""
    dims = _dims(dim, x.dim())
    last, n = dims[-1], x.shape[dims[-1]]
    bins = n // 2 + 1 if onesided else n
    mat = _dft_matrix("r2c", n, True, _norm_scale(normalization, n), x.dtype, bins)
    t = x.movedim(last, -1) if last != x.dim() - 1 else x
    y = (t @ mat).unflatten(-1, (bins, 2))
    y = _Cx(y.movedim(-2, last) if last != x.dim() - 1 else y)
    for d in dims[:-1]:
        y = _dft(y, d, True, _norm_scale(normalization, y.t.shape[d]))
    return y


def _fft_c2r(x, dim, normalization, last_dim_size):
    """Inverse real FFT: complex-to-complex inverses along all but the last of ``dim``, then one real product from the
    one-sided spectrum (read as Hermitian) to the real signal of length ``last_dim_size``."""
    dims = _dims(dim, x.rank)
    last = dims[-1]
    for d in dims[:-1]:
        x = _dft(x, d, False, _norm_scale(normalization, x.t.shape[d]))
    n = int(last_dim_size)
    bins = min(x.t.shape[last], n // 2 + 1)
    mat = _dft_matrix("c2r", n, False, _norm_scale(normalization, n), x.t.dtype, bins)
    t = x.t.narrow(last, 0, bins) if bins < x.t.shape[last] else x.t
    t = t.movedim(last, -2) if last != x.rank - 1 else t
    y = t.reshape(*t.shape[:-2], 2 * bins) @ mat
    return y.movedim(-1, last) if last != x.rank - 1 else y


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
