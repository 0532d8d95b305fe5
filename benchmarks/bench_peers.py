"""Side-by-side benchmark of deepcomplex against native torch complex and peer complex-valued libraries."""
from __future__ import annotations

# python benchmarks/bench_peers.py [--quick] [--repeats N] [--warmup N] [--threads N] [--only ROWS] [--out-dir DIR]
#                                  [--note TEXT]
#
# Rows: conv1d, conv2d, conv3d, linear, batchnorm (training), layernorm, crelu, modrelu, zrelu, maxpool2d, avgpool2d,
#   coshnet (one CoShNet-base training step).
# Contenders per row: deepcomplex, native torch complex (where torch has the op), complexPyTorch, complextorch,
# torchcvnn, cplxmodule (where the library has the layer and imports), and a real layer of the same size.
# CoShNet: no peer ships it, so each library's column is CoShNet-base composed from that library's own conv2d, linear,
#   CReLU and average pooling behind the same torch FFT front end ifft2(fft2(x) * kernel) (no peer has shearlets);
#   deepcomplex runs create_model("coshnet_base") with its fused shearlet front end, native torch bench_layers'
#   NativeCoShNetBase, and the real column a real network of the same layer sizes on |front end|. Timed: the model on
#   a real image batch, cross-entropy against fixed labels, backward (all parameters require grad, the input does not).
#
# Time: one forward + one backward per timed call with the machinery of bench_layers.py (Contender, run_interleaved,
#   summary): contenders of a row run round-robin with a rotating start after a warm-up; median and IQR.
# Peak memory: torch.profiler.profile(profile_memory=True) around one forward + backward; the allocation and free
#   events of torch's CPU allocator are summed in time order and the running maximum is the peak (MiB) above what was
#   allocated before the call (inputs, weights and the output gradient are not counted; outputs, saved activations,
#   temporaries and the .grad tensors are). oneDNN's internal scratch space, if any, is outside torch's allocator.
# Agreement: every library's layer gets deepcomplex's weights (mapped to its layout, see the comments in the builders)
#   and the same input and output gradient, on small fixed shapes (the same with and without --quick); output and
#   input gradient are compared with deepcomplex's (CoShNet: the logits and the first complex convolution's weight
#   gradient). A disagreement is checked against a reference written in the peer's own convention, which confirms (or
#   not) the explanation given for it.

import argparse
import importlib
import importlib.metadata
import json
import math
import os
import shlex
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union

import torch
import torch.nn.functional as F
from torch import nn

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:  # benchmarks/ is not a package
    sys.path.insert(0, str(_HERE))

import bench_layers as bl  # noqa: E402  (also puts the checkout on sys.path when deepcomplex is not installed)
from bench_layers import Contender, crandn, machine_info, rrandn, run_interleaved, summary  # noqa: E402

import deepcomplex.functional as CF  # noqa: E402
import deepcomplex.nn as cnn  # noqa: E402

ROOT = _HERE.parent
DEFAULT_JSON = _HERE / "results" / "bench_peers.json"
DEFAULT_MD = ROOT / "docs" / "BENCHMARKS.md"
DEFAULT_PNG = ROOT / "docs" / "benchmarks.png"

LIBS = ("deepcomplex", "native", "complexPyTorch", "complextorch", "torchcvnn", "cplxmodule")
PEERS = {  # library -> (distribution name, modules to import; the top-level package first)
    "complexPyTorch": ("complexPyTorch", ("complexPyTorch", "complexPyTorch.complexLayers",
                                          "complexPyTorch.complexFunctions")),
    "complextorch": ("complextorch", ("complextorch", "complextorch.nn")),
    "torchcvnn": ("torchcvnn", ("torchcvnn", "torchcvnn.nn")),
    "cplxmodule": ("cplxmodule", ("cplxmodule", "cplxmodule.cplx", "cplxmodule.nn")),
}
ROWS = ("conv1d", "conv2d", "conv3d", "linear", "batchnorm", "layernorm", "crelu", "modrelu", "zrelu", "maxpool2d",
        "avgpool2d", "coshnet")
TITLES = {"conv1d": "conv1d", "conv2d": "conv2d", "conv3d": "conv3d", "linear": "linear",
          "batchnorm": "batch norm (training)", "layernorm": "layer norm", "crelu": "CReLU", "modrelu": "modReLU",
          "zrelu": "zReLU", "maxpool2d": "max pool 2d", "avgpool2d": "avg pool 2d", "zabsrelu": "zAbsReLU",
          "coshnet": "CoShNet-base training step"}
EPS = 1e-4  # deepcomplex's normalization eps, given to every library's normalization layer for like-for-like output
RTOL = 1e-4  # agreement: max |difference| <= RTOL * max(1, max |reference|), for the output and the input gradient

SHAPES = {
    "full": {
        "conv1d": {"n": 64, "cin": 16, "cout": 32, "size": 1024, "k": 3},
        "conv2d": {"n": 64, "cin": 16, "cout": 32, "size": 32, "k": 3},
        "conv3d": {"n": 8, "cin": 8, "cout": 16, "size": 16, "k": 3},
        "linear": {"n": 256, "fin": 512, "fout": 512},
        "batchnorm": {"shape": (64, 32, 32, 32)},
        "layernorm": {"shape": (64, 64, 256)},
        "act": {"shape": (64, 32, 32, 32)},
        "pool": {"shape": (64, 32, 32, 32), "k": 2},
        "coshnet": {"n": 128},
    },
    "quick": {
        "conv1d": {"n": 2, "cin": 2, "cout": 4, "size": 16, "k": 3},
        "conv2d": {"n": 2, "cin": 2, "cout": 4, "size": 8, "k": 3},
        "conv3d": {"n": 1, "cin": 2, "cout": 2, "size": 4, "k": 3},
        "linear": {"n": 4, "fin": 8, "fout": 8},
        "batchnorm": {"shape": (2, 4, 4, 4)},
        "layernorm": {"shape": (2, 3, 8)},
        "act": {"shape": (2, 4, 4, 4)},
        "pool": {"shape": (2, 4, 4, 4), "k": 2},
        "coshnet": {"n": 2},
    },
    # Agreement runs on these in every mode: small, yet with N*C > 1 planes and n = 288 samples per BN channel, so
    # indexing mistakes and a biased/unbiased covariance (a factor sqrt(n / (n - 1))) show above float32 rounding.
    "agree": {
        "conv1d": {"n": 4, "cin": 4, "cout": 6, "size": 20, "k": 3},
        "conv2d": {"n": 4, "cin": 4, "cout": 6, "size": 10, "k": 3},
        "conv3d": {"n": 2, "cin": 3, "cout": 4, "size": 6, "k": 3},
        "linear": {"n": 8, "fin": 12, "fout": 10},
        "batchnorm": {"shape": (8, 6, 6, 6)},
        "layernorm": {"shape": (4, 5, 16)},
        "act": {"shape": (4, 6, 5, 5)},
        "pool": {"shape": (3, 4, 8, 8), "k": 2},
        "coshnet": {"n": 4},
    },
}


# ----------------------------------------------------------------------------------------------------------------------
# Peers
# ----------------------------------------------------------------------------------------------------------------------

def _version(dist: str) -> Optional[str]:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def load_peers() -> dict[str, dict]:
    """Import each peer: {"status": "ok", "version", "modules"} or {"status": "unavailable", "reason"}; never raises."""
    out: dict[str, dict] = {}
    for lib, (dist, names) in PEERS.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                modules = {name: importlib.import_module(name) for name in names}
        except Exception as e:  # ImportError, or whatever a peer's import raises with this torch/numpy
            out[lib] = {"status": "unavailable", "reason": f"{type(e).__name__}: {e}", "version": _version(dist)}
            continue
        out[lib] = {"status": "ok", "version": _version(dist), "modules": modules}
    return out


# ----------------------------------------------------------------------------------------------------------------------
# Implementations: one library's layer, bound to its own leaf copy of the input
# ----------------------------------------------------------------------------------------------------------------------

@dataclass
class Impl:
    """One library's version of a row's layer: ``fn`` maps the library's input type to its output."""

    layer: str
    fn: Callable[[Any], Any]
    params: list = field(default_factory=list)
    kind: str = "complex"  # "complex": torch complex in and out; "cplx": cplxmodule's Cplx pair; "real": real tensors
    # (the real layer, and whole networks: images in, logits out)
    note: str = ""         # parameter mapping, shown in the report
    defect: str = ""       # a defect of the peer met while building it, and the workaround taken
    grad_of: Optional[Callable[[], torch.Tensor]] = None  # a whole network's: the gradient agreement compares (a
    # weight's, as complex dW_re + i dW_im) in place of the input's, and the input then needs none (a training step)


class SplitContender(Contender):
    """A Contender whose closure returns (re, im) real tensors, as cplxmodule's Cplx: backward on both parts."""

    def __init__(self, fn: Callable[[], tuple[torch.Tensor, torch.Tensor]], leaves: list[torch.Tensor]) -> None:
        self.fn, self.leaves = fn, [t for t in leaves if t is not None and t.requires_grad]
        re, im = fn()
        g = bl._randn_like(torch.complex(re.detach(), im.detach()))  # the same gradient the complex contenders get
        self.grad = (g.real.contiguous(), g.imag.contiguous())
        self.samples: list[float] = []

    def step(self) -> None:
        re, im = self.fn()
        torch.autograd.backward([re, im], list(self.grad))


def _bind(impl: Impl, x: torch.Tensor, cplx_cls: Any = None):
    """(run, leaves, input_grad) for ``impl`` on a fresh leaf copy of ``x`` (on ``x`` itself where impl.grad_of)."""
    if impl.grad_of is not None:
        return (lambda: impl.fn(x)), list(impl.params), impl.grad_of
    if impl.kind == "cplx":
        xr, xi = bl.leaf(x.real.contiguous()), bl.leaf(x.imag.contiguous())

        def run():
            y = impl.fn(cplx_cls(xr, xi))
            return y.real, y.imag
        return run, [xr, xi, *impl.params], lambda: torch.complex(xr.grad, xi.grad)
    xl = bl.leaf(x)
    return (lambda: impl.fn(xl)), [xl, *impl.params], lambda: xl.grad


def make_contender(impl: Impl, x: torch.Tensor, cplx_cls: Any = None,
                   loss: Optional[Callable[[torch.Tensor], torch.Tensor]] = None) -> Contender:
    """A timed contender for ``impl`` on its own copy of ``x``; with ``loss``, backward from loss(output) (a scalar)."""
    run, leaves, _ = _bind(impl, x, cplx_cls)
    if loss is not None:
        return Contender(lambda: loss(run()), leaves, grad=torch.ones(()))
    return SplitContender(run, leaves) if impl.kind == "cplx" else Contender(run, leaves)


def forward_backward(impl: Impl, x: torch.Tensor, g: torch.Tensor, cplx_cls: Any = None):
    """Output (detached) and input gradient (or impl.grad_of's) of ``impl`` on ``x`` with output gradient ``g``."""
    for p in impl.params:
        p.grad = None
    run, _, xgrad = _bind(impl, x, cplx_cls)
    y = run()
    if impl.kind == "cplx":
        torch.autograd.backward(list(y), [g.real.contiguous(), g.imag.contiguous()])
        y = torch.complex(y[0].detach(), y[1].detach())
    else:
        y.backward(g)
        y = y.detach()
    return y, xgrad()


def peak_alloc_mib(c: Contender) -> Optional[float]:
    """Peak MiB torch's CPU allocator holds above its starting level during one forward + backward of ``c``."""
    c.clear()  # (no gc.collect here: tensors are freed by reference counting, and a collection costs ~0.1 s)
    try:
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], profile_memory=True) as prof:
            c.step()
        events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    except Exception as e:  # the profiler's result API is semi-private; a memory column of "-" beats a crash
        print(f"warning: memory profile failed ({type(e).__name__}: {e})", file=sys.stderr)
        return None
    finally:
        c.clear()
    cur = peak = 0
    for e in sorted(events, key=lambda e: e.start_ns()):
        cur += e.nbytes()
        peak = max(peak, cur)
    return peak / 2 ** 20


# ----------------------------------------------------------------------------------------------------------------------
# Rows: each builder returns a RowSpec; peer factories take that peer's imported modules
# ----------------------------------------------------------------------------------------------------------------------

Factory = Union[Callable[[dict], Impl], str]  # a factory, or the reason the library has no such layer


@dataclass
class RowSpec:
    """One benchmark row: the input, every library's factory, the real layer and the conventions that explain peers."""

    row: str
    shape: str
    x: torch.Tensor
    impls: dict[str, Factory]
    real: Impl
    x_real: torch.Tensor
    conventions: dict[str, tuple[str, Callable[[dict], Impl]]] = field(default_factory=dict)
    extra: dict[str, Factory] = field(default_factory=dict)  # agreement-only variants, e.g. an unmapped sign
    reference: str = "deepcomplex"
    loss: Optional[Callable[[torch.Tensor], torch.Tensor]] = None  # timed as loss(output) with gradient 1
    grad_name: str = "input"  # whose gradient agreement compares (Impl.grad_of's where not the input's)


def _m(mods: dict, name: str) -> Any:
    return mods[name]


def _split_bias(b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """complexPyTorch bias pair (b_r, b_i) whose apply_complex sum equals the complex bias b (see conv_row)."""
    # apply_complex(fr, fi, x) = (fr(Re x) - fi(Im x)) + i (fr(Im x) + fi(Re x)): each real layer adds its own bias to
    # both parts, so the effective bias is (b_r - b_i) + i (b_r + b_i). Solving for b = B_r + i B_i:
    return (b.real + b.imag) / 2, (b.imag - b.real) / 2


def _copy(dst: torch.Tensor, src: torch.Tensor) -> None:
    with torch.no_grad():
        dst.copy_(src)


def _set_torch(layer: nn.Module, w: torch.Tensor, b: torch.Tensor) -> None:
    """A torch layer with a complex dtype (complextorch's .conv / .linear, torchcvnn's choice): weight/bias = W/b."""
    _copy(layer.weight, w), _copy(layer.bias, b)


def _set_split(layer_r: nn.Module, layer_i: nn.Module, w: torch.Tensor, b: torch.Tensor) -> None:
    """complexPyTorch's pair of real layers (conv_r/conv_i, fc_r/fc_i): weights Re W and Im W, biases by _split_bias."""
    br, bi = _split_bias(b)
    _copy(layer_r.weight, w.real), _copy(layer_i.weight, w.imag)
    _copy(layer_r.bias, br), _copy(layer_i.bias, bi)


def _set_cplx(layer: nn.Module, w: torch.Tensor, b: torch.Tensor) -> None:
    """cplxmodule's CplxParameter pairs: weight.real/imag = Re/Im W, bias.real/imag = Re/Im b."""
    _copy(layer.weight.real, w.real), _copy(layer.weight.imag, w.imag)
    _copy(layer.bias.real, b.real), _copy(layer.bias.imag, b.imag)


def _no_native(op: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[dict], Impl]:
    """A 'native' factory that tries torch's op on a complex tensor; the driver records why it is refused."""
    def factory(_: dict) -> Impl:
        return Impl("torch op on complex", op)
    return factory


def conv_row(nd: int, sh: dict) -> RowSpec:
    """ComplexConv{nd}d against torch's complex conv, the peers' complex convolutions and a real ConvNd."""
    n, cin, cout, size, k = sh["n"], sh["cin"], sh["cout"], sh["size"], sh["k"]
    spatial = (size,) * nd
    torch.manual_seed(0)
    ours = {1: cnn.ComplexConv1d, 2: cnn.ComplexConv2d, 3: cnn.ComplexConv3d}[nd](cin, cout, k, padding=k // 2)
    with torch.no_grad():
        ours.bias.normal_()  # a non-zero bias, so that the bias mappings are checked too
    w, b = ours.weight.detach(), ours.bias.detach()
    native_fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nd]
    real = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[nd](cin, cout, k, padding=k // 2)

    def native(_: dict) -> Impl:
        wn, bn_ = bl.leaf(w), bl.leaf(b)
        return Impl(f"F.conv{nd}d (complex)", lambda x: native_fn(x, wn, bn_, padding=k // 2), [wn, bn_])

    def complexpytorch(m: dict) -> Impl:
        # ComplexConv2d holds two real Conv2d, conv_r and conv_i: conv_r.weight = Re W, conv_i.weight = Im W, and the
        # biases split by _split_bias (each real conv adds its bias to both output parts).
        layer = _m(m, "complexPyTorch.complexLayers").ComplexConv2d(cin, cout, k, padding=k // 2)
        _set_split(layer.conv_r, layer.conv_i, w, b)
        return Impl("complexPyTorch.ComplexConv2d", layer, list(layer.parameters()),
                    note="conv_r/conv_i weight = Re/Im W; biases b_r = (Re b + Im b)/2, b_i = (Im b - Re b)/2")

    def complextorch(m: dict) -> Impl:
        # complextorch ConvNd wraps torch.nn.ConvNd(dtype=cfloat) as .conv: the same complex weight and bias.
        layer = getattr(_m(m, "complextorch.nn"), f"Conv{nd}d")(cin, cout, k, padding=k // 2)
        _set_torch(layer.conv, w, b)
        return Impl(f"complextorch.nn.Conv{nd}d", layer, list(layer.parameters()), note="conv.weight/bias = W/b")

    def cplxmodule(m: dict) -> Impl:
        # CplxConvNd holds weight and bias as CplxParameter pairs (.real, .imag) of real tensors.
        layer = getattr(_m(m, "cplxmodule.nn"), f"CplxConv{nd}d")(cin, cout, k, padding=k // 2)
        _set_cplx(layer, w, b)
        return Impl(f"cplxmodule.nn.CplxConv{nd}d", layer, list(layer.parameters()), kind="cplx",
                    note="weight.real/imag = Re/Im W, bias.real/imag = Re/Im b; input as a Cplx(Re x, Im x) pair")

    impls: dict[str, Factory] = {
        "deepcomplex": lambda _: Impl(type(ours).__name__, ours, list(ours.parameters())),
        "native": native,
        "complexPyTorch": complexpytorch if nd == 2 else f"no Conv{nd}d (only ComplexConv2d)",
        "complextorch": complextorch,
        "torchcvnn": f"no Conv{nd}d (it uses torch.nn.Conv{nd}d with a complex dtype: the native column)",
        "cplxmodule": cplxmodule,
    }
    return RowSpec(f"conv{nd}d", f"N={n} {cin}->{cout} {'x'.join(map(str, spatial))} k{k}",
                   crandn(n, cin, *spatial, seed=1), impls, Impl(f"torch.nn.Conv{nd}d({cin}, {cout})", real,
                                                                 list(real.parameters()), kind="real"),
                   rrandn(n, cin, *spatial, seed=2))


def linear_row(sh: dict) -> RowSpec:
    """ComplexLinear against torch's complex F.linear, the peers' linear layers and a real nn.Linear."""
    n, fin, fout = sh["n"], sh["fin"], sh["fout"]
    torch.manual_seed(0)
    ours = cnn.ComplexLinear(fin, fout)
    with torch.no_grad():
        ours.bias.normal_()
    w, b = ours.weight.detach(), ours.bias.detach()
    real = nn.Linear(fin, fout)

    def native(_: dict) -> Impl:
        wn, bn_ = bl.leaf(w), bl.leaf(b)
        return Impl("F.linear (complex)", lambda x: F.linear(x, wn, bn_), [wn, bn_])

    def complexpytorch(m: dict) -> Impl:
        # ComplexLinear holds two real Linear, fc_r and fc_i: weights Re W and Im W, biases as in conv_row.
        layer = _m(m, "complexPyTorch.complexLayers").ComplexLinear(fin, fout)
        _set_split(layer.fc_r, layer.fc_i, w, b)
        return Impl("complexPyTorch.ComplexLinear", layer, list(layer.parameters()),
                    note="fc_r/fc_i weight = Re/Im W; biases b_r = (Re b + Im b)/2, b_i = (Im b - Re b)/2")

    def complextorch(m: dict) -> Impl:
        # complextorch Linear wraps torch.nn.Linear(dtype=cfloat) as .linear.
        layer = _m(m, "complextorch.nn").Linear(fin, fout)
        _set_torch(layer.linear, w, b)
        return Impl("complextorch.nn.Linear", layer, list(layer.parameters()), note="linear.weight/bias = W/b")

    def cplxmodule(m: dict) -> Impl:
        layer = _m(m, "cplxmodule.nn").CplxLinear(fin, fout)
        _set_cplx(layer, w, b)
        return Impl("cplxmodule.nn.CplxLinear", layer, list(layer.parameters()), kind="cplx",
                    note="weight.real/imag = Re/Im W, bias.real/imag = Re/Im b")

    impls: dict[str, Factory] = {
        "deepcomplex": lambda _: Impl("ComplexLinear", ours, list(ours.parameters())),
        "native": native,
        "complexPyTorch": complexpytorch,
        "complextorch": complextorch,
        "torchcvnn": "no Linear (it uses torch.nn.Linear with a complex dtype: the native column)",
        "cplxmodule": cplxmodule,
    }
    return RowSpec("linear", f"N={n} {fin}->{fout}", crandn(n, fin, seed=1), impls,
                   Impl(f"torch.nn.Linear({fin}, {fout})", real, list(real.parameters()), kind="real"),
                   rrandn(n, fin, seed=2))


def _affine_params(shape: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """A non-trivial whitening affine: gamma (*shape, 3) = [g_rr, g_ri, g_ii] (positive definite) and complex beta."""
    g = torch.Generator().manual_seed(3)
    u = torch.rand(*shape, 3, generator=g)
    gamma = torch.stack([0.6 + 0.3 * u[..., 0], 0.2 * (u[..., 1] - 0.5), 0.6 + 0.3 * u[..., 2]], -1)
    beta = 0.1 * torch.view_as_complex(torch.randn(*shape, 2, generator=g))
    return gamma, beta


def _gamma_matrix(gamma: torch.Tensor) -> torch.Tensor:
    """[g_rr, g_ri, g_ii] (..., 3) as the symmetric matrices [[g_rr, g_ri], [g_ri, g_ii]] (..., 2, 2)."""
    return torch.stack([gamma[..., 0], gamma[..., 1], gamma[..., 1], gamma[..., 2]], -1).reshape(*gamma.shape[:-1], 2,
                                                                                              2)


def whiten_reference(x: torch.Tensor, dims: tuple[int, ...], gamma: torch.Tensor, beta: torch.Tensor,
                     param_shape: tuple[int, ...], eps: float, unbiased: bool) -> torch.Tensor:
    """Complex whitening (Trabelsi et al., Eq. 11) with statistics over ``dims``, in plain real ops, for conventions."""
    re, im = x.real, x.imag
    cr, ci = re - re.mean(dims, keepdim=True), im - im.mean(dims, keepdim=True)
    count = math.prod(x.shape[d] for d in dims)
    scale = count / (count - 1) if unbiased else 1.0
    vrr = (cr * cr).mean(dims, keepdim=True) * scale + eps
    vii = (ci * ci).mean(dims, keepdim=True) * scale + eps
    vri = (cr * ci).mean(dims, keepdim=True) * scale
    s = (vrr * vii - vri * vri).sqrt()
    inv = 1.0 / (s * (vrr + vii + 2 * s).sqrt())
    wrr, wri, wii = (vii + s) * inv, -vri * inv, (vrr + s) * inv
    yr, yi = wrr * cr + wri * ci, wri * cr + wii * ci
    grr, gri, gii = (gamma[..., j].reshape(param_shape) for j in range(3))
    br, bi = beta.real.reshape(param_shape), beta.imag.reshape(param_shape)
    return torch.complex(grr * yr + gri * yi + br, gri * yr + gii * yi + bi)


def batchnorm_row(sh: dict) -> RowSpec:
    """ComplexBatchNorm2d (whitening, training mode) against the peers' whitening batch norms and BatchNorm2d(2C)."""
    n, c, h, w_ = sh["shape"]
    gamma, beta = _affine_params((c,))
    ours = cnn.ComplexBatchNorm2d(c, eps=EPS)
    _copy(ours.weight, gamma), _copy(ours.bias, beta)
    real = nn.BatchNorm2d(2 * c)

    def complexpytorch(m: dict) -> Impl:
        # complexPyTorch ComplexBatchNorm2d: weight (C, 3) ordered [g_rr, g_ii, g_ri] (ours is [g_rr, g_ri, g_ii]) and
        # bias (C, 2) = [Re beta, Im beta]; eps is added to Crr and Cii as ours.
        layer = _m(m, "complexPyTorch.complexLayers").ComplexBatchNorm2d(c, eps=EPS)
        _copy(layer.weight, gamma[:, [0, 2, 1]]), _copy(layer.bias, torch.view_as_real(beta))
        return Impl("complexPyTorch.ComplexBatchNorm2d", layer, list(layer.parameters()),
                    note="weight[:, (0, 1, 2)] = (g_rr, g_ii, g_ri); bias = (Re, Im) beta")

    def complextorch(m: dict) -> Impl:
        # complextorch BatchNorm2d: weight (2, 2, C) = [[g_rr, g_ri], [g_ri, g_ii]], bias (2, C) = [Re, Im] beta.
        layer = _m(m, "complextorch.nn").BatchNorm2d(c, eps=EPS)
        _copy(layer.weight, _gamma_matrix(gamma).permute(1, 2, 0)), _copy(layer.bias, torch.view_as_real(beta).T)
        return Impl("complextorch.nn.BatchNorm2d", layer, list(layer.parameters()),
                    note="weight (2, 2, C) = gamma matrix; bias (2, C) = (Re, Im) beta")

    def torchcvnn(m: dict) -> Impl:
        # torchcvnn BatchNorm2d: weight (C, 2, 2) = gamma matrix, bias complex (C,).
        layer = _m(m, "torchcvnn.nn").BatchNorm2d(c, eps=EPS)
        _copy(layer.weight, _gamma_matrix(gamma)), _copy(layer.bias, beta)
        return Impl("torchcvnn.nn.BatchNorm2d", layer, list(layer.parameters()),
                    note="weight (C, 2, 2) = gamma matrix; bias = beta")

    def cplxmodule(m: dict) -> Impl:
        # cplxmodule CplxBatchNorm2d: weight (2, 2, C) and bias (2, C) as complextorch's (it is where those came from).
        layer = _m(m, "cplxmodule.nn").CplxBatchNorm2d(c, eps=EPS)
        _copy(layer.weight, _gamma_matrix(gamma).permute(1, 2, 0)), _copy(layer.bias, torch.view_as_real(beta).T)
        return Impl("cplxmodule.nn.CplxBatchNorm2d", layer, list(layer.parameters()), kind="cplx",
                    note="weight (2, 2, C) = gamma matrix; bias (2, C) = (Re, Im) beta")

    def torchcvnn_convention(_: dict) -> Impl:
        return Impl("whitening with the unbiased covariance",
                    lambda x: whiten_reference(x, (0, 2, 3), gamma, beta, (1, c, 1, 1), EPS, unbiased=True))

    count = n * h * w_
    return RowSpec(
        "batchnorm", "x".join(map(str, sh["shape"])), crandn(*sh["shape"], seed=1),
        {"deepcomplex": lambda _: Impl("ComplexBatchNorm2d", ours, list(ours.parameters())),
         "native": _no_native(lambda x: F.batch_norm(x, None, None, training=True)),
         "complexPyTorch": complexpytorch, "complextorch": complextorch, "torchcvnn": torchcvnn,
         "cplxmodule": cplxmodule},
        Impl(f"torch.nn.BatchNorm2d({2 * c})", real, list(real.parameters()), kind="real"),
        rrandn(n, 2 * c, h, w_, seed=2),
        conventions={"torchcvnn": (
            "torchcvnn whitens with the unbiased batch covariance (divides by n - 1, batch_cov) where the paper, "
            "torch.nn.BatchNorm2d and deepcomplex normalize with the biased one (n), so its whitened output is smaller "
            f"by sqrt((n - 1) / n) (n = N*H*W = {count} here: a relative {1 - math.sqrt((count - 1) / count):.1e}).",
            torchcvnn_convention)})


def layernorm_row(sh: dict) -> RowSpec:
    """ComplexLayerNorm over the last dimension against the peers' whitening layer norms and nn.LayerNorm(2D)."""
    n, length, d = sh["shape"]
    gamma, beta = _affine_params((d,))
    ours = cnn.ComplexLayerNorm(d, eps=EPS)
    _copy(ours.weight, gamma), _copy(ours.bias, beta)
    real = nn.LayerNorm(2 * d)

    def complextorch(m: dict) -> Impl:
        # complextorch LayerNorm: weight (2, 2, D) = per-feature gamma matrices, bias (2, D) = [Re, Im] beta.
        layer = _m(m, "complextorch.nn").LayerNorm(d, eps=EPS)
        _copy(layer.weight, _gamma_matrix(gamma).permute(1, 2, 0)), _copy(layer.bias, torch.view_as_real(beta).T)
        return Impl("complextorch.nn.LayerNorm", layer, list(layer.parameters()),
                    note="weight (2, 2, D) = gamma matrices; bias (2, D) = (Re, Im) beta")

    def torchcvnn(m: dict) -> Impl:
        # torchcvnn LayerNorm: weight (D, 2, 2) = per-feature gamma matrices, bias complex (D,).
        layer = _m(m, "torchcvnn.nn").LayerNorm(d, eps=EPS)
        _copy(layer.weight, _gamma_matrix(gamma)), _copy(layer.bias, beta)
        return Impl("torchcvnn.nn.LayerNorm", layer, list(layer.parameters()),
                    note="weight (D, 2, 2) = gamma matrices; bias = beta")

    def torchcvnn_convention(_: dict) -> Impl:
        return Impl("per-feature whitening over all samples, unbiased",
                    lambda x: whiten_reference(x, (0, 1), gamma, beta, (d,), EPS, unbiased=True))

    return RowSpec(
        "layernorm", f"{n}x{length}x{d} over ({d},)", crandn(*sh["shape"], seed=1),
        {"deepcomplex": lambda _: Impl("ComplexLayerNorm", ours, list(ours.parameters())),
         "native": _no_native(lambda x: F.layer_norm(x, (d,))),
         "complexPyTorch": "no layer norm", "complextorch": complextorch, "torchcvnn": torchcvnn,
         "cplxmodule": "no layer norm"},
        Impl(f"torch.nn.LayerNorm({2 * d})", real, list(real.parameters()), kind="real"),
        rrandn(n, length, 2 * d, seed=2),
        conventions={"torchcvnn": (
            "torchcvnn's LayerNorm reshapes to z.view(-1, D).transpose(0, 1) and takes the mean and covariance of "
            "each of the D features over all samples (batch statistics, with the unbiased covariance), so it is a "
            "batch norm over the leading dimensions rather than a per-sample layer norm over the last D.",
            torchcvnn_convention)})


def _axis_zeros(x: torch.Tensor) -> torch.Tensor:
    """Put exact zeros in Re or Im of a quarter of the elements each, as a preceding (C/z)ReLU leaves them."""
    xr = torch.view_as_real(x).clone()
    flat = xr.reshape(-1, 2)
    flat[0::4, 0] = 0.0
    flat[1::4, 1] = 0.0
    flat[2::4] = flat[2::4].abs()  # and some in the first quadrant, so zeros on its boundary rays are kept by zReLU
    flat[2::8, 0] = 0.0
    flat[6::8, 1] = 0.0
    return torch.view_as_complex(xr).contiguous()


def activation_row(row: str, sh: dict, boundary: bool = False) -> RowSpec:
    """CReLU / modReLU / zReLU against the peers' versions and a real ReLU on the same number of scalars."""
    shape = sh["shape"]
    x = crandn(*shape, seed=1)
    if boundary:
        x = _axis_zeros(x)
    x_real = torch.view_as_real(x).clone()  # a real tensor with the same scalars, 2x the complex element count
    real = Impl("torch.relu (2x elements)", torch.relu, kind="real")
    impls: dict[str, Factory] = {lib: "no such activation" for lib in LIBS}
    conventions: dict[str, tuple[str, Callable[[dict], Impl]]] = {}
    extra: dict[str, Factory] = {}
    if row == "crelu":
        ours = cnn.CReLU()
        impls.update({
            "deepcomplex": lambda _: Impl("CReLU", ours),
            "native": _no_native(torch.relu),
            "complexPyTorch": lambda m: Impl("complexPyTorch.ComplexReLU",
                                             _m(m, "complexPyTorch.complexLayers").ComplexReLU()),
            "complextorch": _complextorch_crelu,
            "torchcvnn": lambda m: Impl("torchcvnn.nn.CReLU", _m(m, "torchcvnn.nn").CReLU()),
            "cplxmodule": lambda m: Impl("cplxmodule.nn.CplxToCplx[torch.nn.ReLU]",
                                         _m(m, "cplxmodule.nn").CplxToCplx[nn.ReLU](), kind="cplx"),
        })
    elif row == "modrelu":
        # One shared learned bias b = -0.5 everywhere (torchcvnn's and complextorch's modReLU hold a single scalar).
        b0 = -0.5
        ours = cnn.ModReLU(1, init=b0)

        def complextorch(m: dict) -> Impl:
            layer = _m(m, "complextorch.nn").modReLU(bias=b0, learnable=True)  # ReLU(|z| + b) z / |z|
            return Impl("complextorch.nn.modReLU(learnable=True)", layer, list(layer.parameters()),
                        note="activation_mag.bias = b")

        def torchcvnn(m: dict) -> Impl:
            layer = _m(m, "torchcvnn.nn").modReLU()  # ReLU(|z| + b) exp(i angle z)
            _copy(layer.b, torch.tensor(b0))
            return Impl("torchcvnn.nn.modReLU", layer, list(layer.parameters()), note="b = b")

        def cplxmodule(threshold: float) -> Callable[[dict], Impl]:
            # cplxmodule's modrelu(z, tau) = ReLU(|z| - tau) z / |z|: its threshold tau is minus our bias. A float
            # threshold is a fixed constant, so the learnable CplxAdaptiveModReLU(1) is used with tau = -b.
            def factory(m: dict) -> Impl:
                layer = _m(m, "cplxmodule.nn").CplxAdaptiveModReLU(1)
                _copy(layer.threshold, torch.tensor([threshold]))
                return Impl("cplxmodule.nn.CplxAdaptiveModReLU(1)", layer, list(layer.parameters()), kind="cplx",
                            note=f"threshold tau = {threshold:g} (= -b)" if threshold == -b0 else
                            f"threshold tau = {threshold:g} (= b, no sign flip)")
            return factory

        impls.update({"deepcomplex": lambda _: Impl("ModReLU(1)", ours, list(ours.parameters())),
                      "complextorch": complextorch, "torchcvnn": torchcvnn, "cplxmodule": cplxmodule(-b0),
                      "complexPyTorch": "no modReLU", "native": "no modReLU op in torch"})
        extra["cplxmodule"] = cplxmodule(b0)
        conventions["cplxmodule"] = (
            "cplxmodule's modrelu(z, tau) = ReLU(|z| - tau) z / |z| flips the sign of the bias (its docstring says "
            "so: tau is a soft threshold), so tau = -b reproduces modReLU; copying b unchanged gives a different map.",
            lambda _: Impl("ReLU(|z| - b) z / |z|", lambda x: CF.modrelu(x, torch.tensor([-b0]))))
    elif row == "zrelu":
        ours = cnn.ZReLU()
        impls.update({
            "deepcomplex": lambda _: Impl("ZReLU", ours),
            "native": "no zReLU op in torch",
            "complexPyTorch": "no zReLU",
            "complextorch": lambda m: Impl("complextorch.nn.zReLU", _m(m, "complextorch.nn").zReLU()),
            "torchcvnn": lambda m: Impl("torchcvnn.nn.zReLU", _m(m, "torchcvnn.nn").zReLU()),
            "cplxmodule": "no zReLU",
        })
        conventions["torchcvnn"] = (
            "torchcvnn's zReLU keeps z only where Re z > 0 and Im z > 0 (strict), so it zeroes the boundary rays "
            "arg z = 0 and pi/2 that zReLU's definition (arg z in [0, pi/2], Trabelsi et al. Eq. 6) keeps; this only "
            "shows on inputs with an exactly zero real or imaginary part, as a preceding CReLU leaves them.",
            lambda _: Impl("z [Re z > 0 and Im z > 0]", lambda x: x * ((x.real > 0) & (x.imag > 0))))
    else:
        raise ValueError(row)
    return RowSpec(row, "x".join(map(str, shape)) + (" (with zeros on the axes)" if boundary else ""), x, impls,
                   real, x_real, conventions, extra)


def _complextorch_crelu(m: dict) -> Impl:
    """complextorch's CReLU, or CReLU(inplace=False) where the default in-place one fails on an input needing grad."""
    mod = _m(m, "complextorch.nn")
    probe = crandn(2, 2, 2, 2, seed=5)
    try:
        mod.CReLU()(bl.leaf(probe))
        return Impl("complextorch.nn.CReLU()", mod.CReLU())
    except Exception as e:
        inner = bl.leaf(probe) * 1  # a non-leaf input, as inside a network
        before = inner.detach().clone()
        mod.CReLU()(inner)
        overwritten = not torch.equal(inner.detach(), before)
        return Impl("complextorch.nn.CReLU(inplace=False)", mod.CReLU(inplace=False),
                    defect="CReLU() defaults to inplace=True, applying nn.ReLU(inplace=True) to the views input.real "
                           f"and input.imag: it raises {type(e).__name__} ({e}) on an input that requires grad"
                           + (" and silently overwrites a non-leaf input (e.g. the previous layer's output) with "
                              "its result" if overwritten else "")
                           + "; CReLU(inplace=False) is timed")


def zabsrelu_row(sh: dict) -> RowSpec:
    """Agreement only: the peers' zAbsReLU against its documented formula z [|z| >= a] (deepcomplex has none)."""
    a = 1.0
    x = crandn(*sh["shape"], seed=1)

    def complextorch(m: dict) -> Impl:
        return Impl("complextorch.nn.zAbsReLU(a_init=1)", _m(m, "complextorch.nn").zAbsReLU(a_init=a))

    def torchcvnn(m: dict) -> Impl:
        layer = _m(m, "torchcvnn.nn").zAbsReLU()  # its threshold a is initialised to 1
        return Impl("torchcvnn.nn.zAbsReLU (a = 1)", layer, list(layer.parameters()))

    impls: dict[str, Factory] = {lib: "no zAbsReLU" for lib in LIBS}
    impls.update({"deepcomplex": lambda _: Impl("formula z [|z| >= a], a = 1", lambda z: z * (z.abs() >= a)),
                  "complextorch": complextorch, "torchcvnn": torchcvnn})
    conventions = {"torchcvnn": (
        "torchcvnn's zAbsReLU computes mask = |z| < a and so keeps the values inside the circle of radius a and "
        "zeroes those outside, the opposite of its own docstring (z if |z| >= a, else 0) and of complextorch's.",
        lambda _: Impl("z [|z| < a]", lambda z: z * (z.abs() < a)))}
    return RowSpec("zabsrelu", "x".join(map(str, sh["shape"])), x, impls, Impl("-", torch.relu, kind="real"),
                   torch.view_as_real(x).clone(), conventions, reference="formula (docstrings of both peers)")


def pool_row(row: str, sh: dict) -> RowSpec:
    """ComplexMaxPool2d (by modulus) / ComplexAvgPool2d against the peers' pools and the real pool on 2C channels."""
    shape, k = sh["shape"], sh["k"]
    n, c, h, w_ = shape
    x = crandn(*shape, seed=1)
    conventions: dict[str, tuple[str, Callable[[dict], Impl]]] = {}
    if row == "maxpool2d":
        ours = cnn.ComplexMaxPool2d(k)

        def torchcvnn_convention(_: dict) -> Impl:
            def fn(z: torch.Tensor) -> torch.Tensor:
                _, idx = F.max_pool2d(z.abs(), k, return_indices=True)
                return z.flatten()[idx]
            return Impl("z.flatten()[per-plane indices]", fn)

        impls: dict[str, Factory] = {
            "deepcomplex": lambda _: Impl(f"ComplexMaxPool2d({k})", ours),
            "native": _no_native(lambda z: F.max_pool2d(z, k)),
            "complexPyTorch": lambda m: Impl(f"complexPyTorch.ComplexMaxPool2d({k})",
                                             _m(m, "complexPyTorch.complexLayers").ComplexMaxPool2d(k)),
            "complextorch": lambda m: Impl(f"complextorch.nn.MagMaxPool2d({k})",
                                           _m(m, "complextorch.nn").MagMaxPool2d(k)),
            "torchcvnn": lambda m: Impl(f"torchcvnn.nn.MaxPool2d({k})", _m(m, "torchcvnn.nn").MaxPool2d(k)),
            "cplxmodule": lambda m: Impl(f"cplxmodule.nn.CplxMaxPool2d({k})", _m(m, "cplxmodule.nn").CplxMaxPool2d(k),
                                         kind="cplx"),
        }
        conventions["torchcvnn"] = (
            "torchcvnn's MaxPool2d gathers with z.flatten()[indices], but the indices max_pool2d returns are flat "
            "positions within each (H, W) plane, so every output element is read from the first plane (sample 0, "
            "channel 0); it is right only when N*C = 1.", torchcvnn_convention)
        real = Impl(f"F.max_pool2d on {2 * c} channels", lambda t: F.max_pool2d(t, k), kind="real")
    elif row == "avgpool2d":
        ours = cnn.ComplexAvgPool2d(k)
        impls = {
            "deepcomplex": lambda _: Impl(f"ComplexAvgPool2d({k})", ours),
            "native": _no_native(lambda z: F.avg_pool2d(z, k)),
            "complexPyTorch": lambda m: _complexpytorch_avgpool(m, k),
            "complextorch": lambda m: Impl(f"complextorch.nn.AvgPool2d({k})", _m(m, "complextorch.nn").AvgPool2d(k)),
            "torchcvnn": lambda m: _torchcvnn_avgpool(m, k),
            "cplxmodule": "no average pooling",
        }
        real = Impl(f"F.avg_pool2d on {2 * c} channels", lambda t: F.avg_pool2d(t, k), kind="real")
    else:
        raise ValueError(row)
    return RowSpec(row, "x".join(map(str, shape)) + f" k{k}", x, impls, real, rrandn(n, 2 * c, h, w_, seed=2),
                   conventions)


def _complexpytorch_avgpool(m: dict, k: int) -> Impl:
    """complexPyTorch's ComplexAvgPool2d(k), or its functional form where the module fails on a probe."""
    layer = _m(m, "complexPyTorch.complexLayers").ComplexAvgPool2d(k)
    try:
        layer(crandn(2, 2, 2 * k, 2 * k, seed=5))
        return Impl(f"complexPyTorch.ComplexAvgPool2d({k})", layer)
    except Exception as e:
        fn = _m(m, "complexPyTorch.complexFunctions").complex_avg_pool2d
        return Impl(f"complexPyTorch.complexFunctions.complex_avg_pool2d(x, {k})", lambda z: fn(z, k),
                    defect=f"its ComplexAvgPool2d module raises {type(e).__name__}: {e} (it passes dilation "
                         "and return_indices to F.avg_pool2d), so its functional form is timed")


def _torchcvnn_avgpool(m: dict, k: int) -> Impl:
    """torchcvnn's AvgPool2d(k), or AvgPool2d(k, stride=k) where the default stride fails on a probe."""
    mod = _m(m, "torchcvnn.nn")
    try:
        layer = mod.AvgPool2d(k)
        layer(crandn(2, 2, 2 * k, 2 * k, seed=5))
        return Impl(f"torchcvnn.nn.AvgPool2d({k})", layer)
    except Exception as e:
        return Impl(f"torchcvnn.nn.AvgPool2d({k}, stride={k})", mod.AvgPool2d(k, stride=k),
                    defect=f"AvgPool2d({k}) with the default stride=None raises {type(e).__name__}: {e} (its "
                         "constructor sets self.stride only for an int or tuple), so stride is given")


def fft_frontend(model: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """bench_layers.fft_frontend bound to ``model``: the FFT front end every peer's CoShNet shares."""
    return lambda x: bl.fft_frontend(model, x)


class ComposedCoShNet(nn.Module):
    """CoShNet base from one library's layers, with the weights of deepcomplex's model ``ours``, on the FFT front end.

    ``conv(W, b)`` / ``linear(W, b)`` build the library's layer holding deepcomplex's complex W and b; ``wrap`` turns
    the front end's complex output into the library's type; the last CReLU's [Re | Im] goes to ours' real head.
    """

    def __init__(self, ours: nn.Module, conv: Callable, linear: Callable, crelu: Callable, pool: Callable,
                 wrap: Callable = lambda z: z) -> None:
        super().__init__()
        self.frontend, self.wrap, self.crelu, self.pool = fft_frontend(ours), wrap, crelu, pool
        c1, c2, f1, f2, head = (ours.features[0], ours.features[3], ours.classifier[1], ours.classifier[3],
                                ours.classifier[6])
        self.conv1, self.conv2 = (conv(m.weight.detach(), m.bias.detach()) for m in (c1, c2))
        self.fc1, self.fc2 = (linear(m.weight.detach(), m.bias.detach()) for m in (f1, f2))
        self.head = nn.Linear(head.in_features, head.out_features)
        _copy(self.head.weight, head.weight), _copy(self.head.bias, head.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.wrap(self.frontend(x))
        h = self.pool(self.crelu(self.conv1(h)))
        h = self.pool(self.crelu(self.conv2(h)))
        h = self.crelu(self.fc2(self.crelu(self.fc1(h.flatten(1)))))
        return self.head(torch.cat((h.real, h.imag), 1))


def coshnet_row(sh: dict) -> RowSpec:
    """One CoShNet-base training step: deepcomplex's model, NativeCoShNetBase, CoShNet-base composed from each peer's
    own layers with deepcomplex's weights, and a real network of the same layer sizes."""
    from deepcomplex.models import create_model

    n = sh["n"]
    torch.manual_seed(0)
    ours = create_model("coshnet_base")
    x = torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    labels = torch.randint(0, 10, (n,), generator=torch.Generator().manual_seed(2))
    front = "FFT front end ifft2(fft2(x) * kernel) + "
    head = "; head: deepcomplex's real Linear on [Re | Im]"

    def net_impl(net: nn.Module, layers: str, note: str, grad_of: Callable, defect: str = "") -> Impl:
        return Impl(front + layers, net, list(net.parameters()), kind="real", note=note + head, defect=defect,
                    grad_of=grad_of)

    def native(_: dict) -> Impl:
        net = bl.NativeCoShNetBase(ours)
        return Impl("bench_layers.NativeCoShNetBase: " + front + "complex F.conv2d / F.linear, CReLU and F.avg_pool2d "
                    "on Re and Im", net, list(net.params), kind="real", note="deepcomplex's parameters copied",
                    grad_of=lambda: net.params[0].grad)

    def complexpytorch(m: dict) -> Impl:
        mod = _m(m, "complexPyTorch.complexLayers")

        def conv(w: torch.Tensor, b: torch.Tensor) -> nn.Module:
            layer = mod.ComplexConv2d(w.shape[1], w.shape[0], w.shape[-1])
            _set_split(layer.conv_r, layer.conv_i, w, b)
            return layer

        def linear(w: torch.Tensor, b: torch.Tensor) -> nn.Module:
            layer = mod.ComplexLinear(w.shape[1], w.shape[0])
            _set_split(layer.fc_r, layer.fc_i, w, b)
            return layer

        pool = _complexpytorch_avgpool(m, 2)
        net = ComposedCoShNet(ours, conv, linear, mod.ComplexReLU(), pool.fn)
        return net_impl(net, f"complexPyTorch ComplexConv2d, ComplexReLU, {pool.layer}, ComplexLinear",
                        "conv_r/conv_i and fc_r/fc_i weight = Re/Im W, biases split as in conv2d",
                        lambda: torch.complex(net.conv1.conv_r.weight.grad, net.conv1.conv_i.weight.grad),
                        pool.defect)

    def complextorch(m: dict) -> Impl:
        mod = _m(m, "complextorch.nn")

        def conv(w: torch.Tensor, b: torch.Tensor) -> nn.Module:
            layer = mod.Conv2d(w.shape[1], w.shape[0], w.shape[-1])
            _set_torch(layer.conv, w, b)
            return layer

        def linear(w: torch.Tensor, b: torch.Tensor) -> nn.Module:
            layer = mod.Linear(w.shape[1], w.shape[0])
            _set_torch(layer.linear, w, b)
            return layer

        net, crelu, defect = ComposedCoShNet(ours, conv, linear, mod.CReLU(), mod.AvgPool2d(2)), "CReLU()", ""
        try:  # one image through the network with the default CReLU, which works in place
            F.cross_entropy(net(x[:1]), labels[:1]).backward()
        except Exception as e:
            net.crelu, crelu = mod.CReLU(inplace=False), "CReLU(inplace=False)"
            defect = (f"its default CReLU() (nn.ReLU(inplace=True) on input.real, then on input.imag) breaks backward "
                      f"in this network ({type(e).__name__}: {str(e).split(' Hint:')[0]}); CReLU(inplace=False) is "
                      "timed")
        net.zero_grad(set_to_none=True)
        return net_impl(net, f"complextorch.nn Conv2d, {crelu}, AvgPool2d(2), Linear",
                        "conv.weight/bias and linear.weight/bias = W/b", lambda: net.conv1.conv.weight.grad, defect)

    def torchcvnn(m: dict) -> Impl:
        # torchcvnn has no complex convolution or linear layer: its own modules (transformer, ViT) use torch.nn's with a
        # complex dtype, so a torchcvnn CoShNet is those plus its CReLU and AvgPool2d (native plus its activation/pool).
        def conv(w: torch.Tensor, b: torch.Tensor) -> nn.Module:
            layer = nn.Conv2d(w.shape[1], w.shape[0], w.shape[-1], dtype=torch.complex64)
            _set_torch(layer, w, b)
            return layer

        def linear(w: torch.Tensor, b: torch.Tensor) -> nn.Module:
            layer = nn.Linear(w.shape[1], w.shape[0], dtype=torch.complex64)
            _set_torch(layer, w, b)
            return layer

        pool = _torchcvnn_avgpool(m, 2)
        net = ComposedCoShNet(ours, conv, linear, _m(m, "torchcvnn.nn").CReLU(), pool.fn)
        return net_impl(net, "torch.nn.Conv2d / Linear (complex64; torchcvnn has none of its own), "
                        f"torchcvnn.nn.CReLU, {pool.layer}", "weight/bias = W/b", lambda: net.conv1.weight.grad,
                        pool.defect)

    def cplxmodule(m: dict) -> Impl:
        mod, cplx = _m(m, "cplxmodule.nn"), _m(m, "cplxmodule.cplx").Cplx

        def conv(w: torch.Tensor, b: torch.Tensor) -> nn.Module:
            layer = mod.CplxConv2d(w.shape[1], w.shape[0], w.shape[-1])
            _set_cplx(layer, w, b)
            return layer

        def linear(w: torch.Tensor, b: torch.Tensor) -> nn.Module:
            layer = mod.CplxLinear(w.shape[1], w.shape[0])
            _set_cplx(layer, w, b)
            return layer

        net = ComposedCoShNet(ours, conv, linear, mod.CplxToCplx[nn.ReLU](), mod.CplxToCplx[nn.AvgPool2d](2),
                              wrap=lambda z: cplx(z.real, z.imag))
        return net_impl(net, "cplxmodule.nn CplxConv2d, CplxToCplx[ReLU], CplxToCplx[AvgPool2d](2), CplxLinear",
                        "weight.real/imag = Re/Im W, bias.real/imag = Re/Im b; cplxmodule has no average pooling, so "
                        "CplxToCplx[torch.nn.AvgPool2d] applies torch's to Re and Im; the front end's output enters as "
                        "Cplx(Re, Im)", lambda: torch.complex(net.conv1.weight.real.grad, net.conv1.weight.imag.grad))

    w1, w2, f1, f2 = (m.weight for m in (ours.features[0], ours.features[3], ours.classifier[1], ours.classifier[3]))
    sizes = [(w1.shape[1], w1.shape[0], w1.shape[-1]), (w2.shape[1], w2.shape[0], w2.shape[-1]),
             (f1.shape[1], f1.shape[0]), (f2.shape[1], f2.shape[0]), (f2.shape[0], f2.shape[0])]
    real = nn.Sequential(nn.Conv2d(*sizes[0]), nn.ReLU(), nn.AvgPool2d(2), nn.Conv2d(*sizes[1]), nn.ReLU(),
                         nn.AvgPool2d(2), nn.Flatten(), nn.Linear(*sizes[2]), nn.ReLU(), nn.Linear(*sizes[3]),
                         nn.ReLU(), nn.Linear(*sizes[4]))
    frontend = fft_frontend(ours)
    real_impl = Impl("real network of the same layer sizes on |front end|: "
                     f"Conv2d{sizes[0]}, ReLU, AvgPool2d(2), Conv2d{sizes[1]}, ReLU, AvgPool2d(2), Linear{sizes[2]}, "
                     f"ReLU, Linear{sizes[3]}, ReLU, Linear{sizes[4]}", lambda t: real(frontend(t).abs()),
                     list(real.parameters()), kind="real", grad_of=lambda: real[0].weight.grad)
    impls: dict[str, Factory] = {
        "deepcomplex": lambda _: Impl('create_model("coshnet_base") (fused shearlet front end and first conv)', ours,
                                      list(ours.parameters()), kind="real",
                                      grad_of=lambda: ours.features[0].weight.grad),
        "native": native, "complexPyTorch": complexpytorch, "complextorch": complextorch, "torchcvnn": torchcvnn,
        "cplxmodule": cplxmodule,
    }
    return RowSpec("coshnet", f"N={n} 1x28x28, cross-entropy", x, impls, real_impl, x,
                   loss=lambda logits: F.cross_entropy(logits, labels), grad_name="first conv weight")


def build_row(row: str, mode: str) -> RowSpec:
    """The RowSpec of ``row`` at the shapes of ``mode`` ("full", "quick" or "agree")."""
    sh = SHAPES[mode]
    if row.startswith("conv"):
        return conv_row(int(row[4]), sh[row])
    if row == "linear":
        return linear_row(sh["linear"])
    if row == "batchnorm":
        return batchnorm_row(sh["batchnorm"])
    if row == "layernorm":
        return layernorm_row(sh["layernorm"])
    if row in ("crelu", "modrelu", "zrelu"):
        return activation_row(row, sh["act"], boundary=(mode == "agree" and row == "zrelu"))
    if row == "zabsrelu":
        return zabsrelu_row(sh["act"])
    if row == "coshnet":
        return coshnet_row(sh["coshnet"])
    return pool_row(row, sh["pool"])


def instantiate(spec: RowSpec, peers: dict, extra: bool = False) -> dict[str, Union[Impl, dict]]:
    """Impl per library, or {"status": "n/a" | "unavailable" | "error", "reason"}; never raises for a peer."""
    out: dict[str, Union[Impl, dict]] = {}
    factories = spec.extra if extra else spec.impls
    for lib, factory in factories.items():
        if isinstance(factory, str):
            out[lib] = {"status": "n/a", "reason": factory}
            continue
        if lib in PEERS and peers[lib]["status"] != "ok":
            out[lib] = {"status": "unavailable", "reason": peers[lib]["reason"]}
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[lib] = factory(peers[lib]["modules"] if lib in PEERS else {})
        except Exception as e:
            out[lib] = {"status": "error", "reason": f"building it raised {type(e).__name__}: {e}"}
    return out


def _cplx_cls(peers: dict) -> Any:
    p = peers.get("cplxmodule", {})
    return p["modules"]["cplxmodule.cplx"].Cplx if p.get("status") == "ok" else None


# ----------------------------------------------------------------------------------------------------------------------
# Timing and memory
# ----------------------------------------------------------------------------------------------------------------------

def time_row(spec: RowSpec, peers: dict, repeats: int, warmup: int) -> tuple[dict, dict, dict]:
    """Time every available library and the real layer on ``spec``; returns (results per lib, real, raw samples)."""
    impls = instantiate(spec, peers)
    cplx = _cplx_cls(peers)
    contenders: dict[str, Contender] = {}
    results: dict[str, dict] = {}
    for lib in LIBS:
        impl = impls.get(lib, {"status": "n/a", "reason": "not listed"})
        if isinstance(impl, dict):
            results[lib] = impl
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                contenders[lib] = make_contender(impl, spec.x, cplx, spec.loss)
        except Exception as e:
            status = "n/a" if lib == "native" else "error"
            results[lib] = {"status": status, "layer": impl.layer, "reason": f"{type(e).__name__}: {e}"}
            continue
        results[lib] = {"status": "ok", "layer": impl.layer, "note": impl.note, "defect": impl.defect}
    contenders["real"] = make_contender(spec.real, spec.x_real, loss=spec.loss)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_interleaved(contenders, repeats, warmup)
        mem = {name: peak_alloc_mib(c) for name, c in contenders.items()}
    stats = {name: summary(c.samples) for name, c in contenders.items()}
    for name in contenders:
        entry = results[name] if name != "real" else {"status": "ok", "layer": spec.real.layer}
        entry.update({"median_ms": stats[name]["median_ms"], "iqr_ms": stats[name]["iqr_ms"],
                      "min_ms": stats[name]["min_ms"], "n": stats[name]["n"], "peak_mib": mem[name]})
        results[name] = entry
    real = results.pop("real")
    ours = results["deepcomplex"]
    for lib, r in results.items():
        if r["status"] == "ok" and ours.get("status") == "ok":
            r["time_over_ours"] = r["median_ms"] / ours["median_ms"]
            r["mem_over_ours"] = (r["peak_mib"] / ours["peak_mib"]
                                  if r["peak_mib"] is not None and ours["peak_mib"] else None)
    raw = {name: [s * 1e3 for s in c.samples] for name, c in contenders.items()}
    return results, real, raw


# ----------------------------------------------------------------------------------------------------------------------
# Agreement
# ----------------------------------------------------------------------------------------------------------------------

def _max_abs(a: torch.Tensor, b: torch.Tensor) -> float:
    if a.shape != b.shape:
        return math.inf
    return (a - b).abs().max().item() if a.numel() else 0.0


def _close(ya, ga, yb, gb) -> tuple[float, float, float, bool]:
    """(max |dy|, max |dgrad|, tolerance on y, agree) of (ya, ga) against the reference (yb, gb)."""
    dy, dg = _max_abs(ya, yb), _max_abs(ga, gb)
    tol_y = RTOL * max(1.0, yb.abs().max().item() if yb.numel() else 1.0)
    tol_g = RTOL * max(1.0, gb.abs().max().item() if gb.numel() else 1.0)
    return dy, dg, tol_y, bool(dy <= tol_y and dg <= tol_g)


def agreement_row(row: str, peers: dict) -> list[dict]:
    """Compare every library's output and input gradient with the reference on the agreement shapes of ``row``."""
    spec = build_row(row, "agree")
    cplx = _cplx_cls(peers)
    impls = instantiate(spec, peers)
    ref = impls["deepcomplex"]
    assert isinstance(ref, Impl)
    with torch.no_grad():
        y_probe = ref.fn(spec.x)
    g = (crandn if y_probe.is_complex() else rrandn)(*y_probe.shape, seed=7)
    y_ref, g_ref = forward_backward(ref, spec.x, g)
    variants = [(lib, "", impl) for lib, impl in impls.items() if lib != "deepcomplex"]
    variants += [(lib, impl.note if isinstance(impl, Impl) else "", impl)
                 for lib, impl in instantiate(spec, peers, extra=True).items()]
    out = []
    for lib, variant, impl in variants:
        entry = {"row": row, "title": TITLES[row], "library": lib, "variant": variant, "reference": spec.reference,
                 "reference_layer": ref.layer, "shape": spec.shape, "grad_of": spec.grad_name}
        if isinstance(impl, dict):
            if impl["status"] == "n/a":
                continue  # the library (or torch) has no such layer: nothing to compare
            entry.update({"status": impl["status"], "reason": impl["reason"]})
            out.append(entry)
            continue
        entry["layer"] = impl.layer
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                y, gx = forward_backward(impl, spec.x, g, cplx)
        except Exception as e:
            if lib == "native":
                continue  # torch refuses complex input for this op (reported with the timings)
            entry.update({"status": "error", "reason": f"{type(e).__name__}: {e}"})
            out.append(entry)
            continue
        dy, dg, tol, ok = _close(y, gx, y_ref, g_ref)
        entry.update({"status": "ok", "out_max_abs": dy, "grad_max_abs": dg, "tol": tol, "agree": ok})
        if not ok:
            entry["explanation"], entry["confirmed"], entry["confirm_max_abs"] = _explain(spec, lib, y, gx, g, peers)
        out.append(entry)
    return out


def _explain(spec: RowSpec, lib: str, y: torch.Tensor, gx: torch.Tensor, g: torch.Tensor,
             peers: dict) -> tuple[str, bool, Optional[float]]:
    """Why ``lib`` disagrees: the row's convention sentence, confirmed if the peer matches a reference in it."""
    if lib not in spec.conventions:
        return "unexplained: no known convention difference accounts for it.", False, None
    sentence, factory = spec.conventions[lib]
    ref = factory(peers[lib]["modules"] if lib in PEERS else {})
    y_c, g_c = forward_backward(ref, spec.x, g)
    dy, dg, _, ok = _close(y, gx, y_c, g_c)
    return sentence, ok, max(dy, dg)


def init_checks(peers: dict, rows: list[str]) -> dict[str, list[dict]]:
    """Default initialisation of each library's Linear (scale, bias bound) and whitening BN (gamma, output RMS)."""
    out: dict[str, list[dict]] = {}
    if "linear" in rows:
        fin, fout = 512, 32  # in != out, so a swapped fan-in shows
        lin = []

        def stats(lib: str, layer: str, w: torch.Tensor, b: Optional[torch.Tensor]) -> dict:
            d = {"library": lib, "layer": layer, "in": fin, "out": fout,
                 "E|W|^2*fan_in": (w.abs() ** 2).mean().item() * fin}
            mb = b.real.abs().max().item() if b is not None else 0.0
            d["max|Re b|"] = mb
            d["bias bound 1/sqrt(k): k"] = (1.0 / mb ** 2) if mb > 0 else None
            return d

        torch.manual_seed(0)
        ours = cnn.ComplexLinear(fin, fout)
        lin.append(stats("deepcomplex", "ComplexLinear", ours.weight.detach(), ours.bias.detach()))
        nat = nn.Linear(fin, fout, dtype=torch.complex64)
        lin.append(stats("native", "torch.nn.Linear(dtype=complex64)", nat.weight.detach(), nat.bias.detach()))
        for lib, build in (
            ("complexPyTorch", lambda m: m["complexPyTorch.complexLayers"].ComplexLinear(fin, fout)),
            ("complextorch", lambda m: m["complextorch.nn"].Linear(fin, fout)),
            ("cplxmodule", lambda m: m["cplxmodule.nn"].CplxLinear(fin, fout)),
        ):
            if peers[lib]["status"] != "ok":
                lin.append({"library": lib, "status": "unavailable"})
                continue
            layer = build(peers[lib]["modules"])
            with torch.no_grad():
                if lib == "complexPyTorch":
                    w = torch.complex(layer.fc_r.weight, layer.fc_i.weight)
                    b = torch.complex(layer.fc_r.bias - layer.fc_i.bias, layer.fc_r.bias + layer.fc_i.bias)
                elif lib == "complextorch":
                    w, b = layer.linear.weight.detach(), layer.linear.bias.detach()
                else:
                    w = torch.complex(layer.weight.real, layer.weight.imag)
                    b = torch.complex(layer.bias.real, layer.bias.imag)
            lin.append(stats(lib, type(layer).__name__, w.detach(), b.detach()))
        out["linear"] = lin
    if "batchnorm" in rows:
        x = crandn(16, 8, 8, 8, seed=11)
        bns = []
        with torch.no_grad():
            y_ours = cnn.ComplexBatchNorm2d(8)(x)
            rms_ours = y_ours.abs().pow(2).mean().sqrt().item()
            for lib, build in (
                ("deepcomplex", None),
                ("complexPyTorch", lambda m: m["complexPyTorch.complexLayers"].ComplexBatchNorm2d(8)),
                ("complextorch", lambda m: m["complextorch.nn"].BatchNorm2d(8)),
                ("torchcvnn", lambda m: m["torchcvnn.nn"].BatchNorm2d(8)),
                ("cplxmodule", lambda m: m["cplxmodule.nn"].CplxBatchNorm2d(8)),
            ):
                if lib != "deepcomplex" and peers[lib]["status"] != "ok":
                    bns.append({"library": lib, "status": "unavailable"})
                    continue
                if build is None:
                    layer, y = cnn.ComplexBatchNorm2d(8), y_ours
                else:
                    layer = build(peers[lib]["modules"])
                    y = layer(x if lib != "cplxmodule" else peers[lib]["modules"]["cplxmodule.cplx"].Cplx(x.real,
                                                                                                         x.imag))
                    y = torch.complex(y.real, y.imag)
                rms = y.abs().pow(2).mean().sqrt().item()
                bns.append({"library": lib, "layer": type(layer).__name__, "gamma_diag_init": _gamma_diag(lib, layer),
                            "output_rms": rms, "rms_over_ours": rms / rms_ours})
        out["batchnorm"] = bns
    return out


def _gamma_diag(lib: str, layer: nn.Module) -> Optional[float]:
    w = layer.weight.detach()
    if lib in ("deepcomplex", "complexPyTorch"):
        return w[0, 0].item()  # [g_rr, ...] per channel in both
    if lib == "torchcvnn":
        return w[0, 0, 0].item()
    return w[0, 0, 0].item()  # (2, 2, C): complextorch, cplxmodule


# ----------------------------------------------------------------------------------------------------------------------
# Reports
# ----------------------------------------------------------------------------------------------------------------------

def _write_atomic(path: Path, write: Callable[[Any], None], mode: str = "w") -> None:
    """Write ``path`` through a temporary file in the same folder, renamed over it once complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode) as f:
            write(f)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it 0600; give the report a plain file's permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _cell(r: dict) -> str:
    if r.get("status") == "ok":
        return f"{r['median_ms']:.2f} ± {r['iqr_ms']:.2f}"
    return {"n/a": "–", "unavailable": "unavail.", "error": "error"}.get(r.get("status", ""), "?")


def _ratio(v: Optional[float]) -> str:
    return f"{v:.2f}" if v is not None else "–"


def _mib(v: Optional[float]) -> str:
    if v is None:
        return "–"
    return f"{v:.1f}" if v >= 1 else f"{v:.3f}"


def format_markdown(res: dict, png_rel: Optional[str]) -> str:
    """The Markdown report of one run."""
    m, cfg = res["machine"], res["config"]
    peers = res["peers"]
    libs = [lib for lib in LIBS]
    head = ["# Benchmarks: deepcomplex, native PyTorch complex and peer libraries", "",
            f"Generated by `{_display_command(res['command'])}` on {res['date']} ({res['elapsed_s']:.0f} s).", ""]
    if res.get("note"):
        head += [f"**Note:** {res['note']}", ""]
    load = m.get("load_average_start")
    head += [
        "## Machine", "",
        f"- torch {m['torch']}, Python {m['python']}, {m['platform']}, {m['processor']}, {m['cpu_count']} CPUs",
        f"- torch threads {m['torch_threads']} (interop {m['torch_interop_threads']}), oneDNN "
        f"{'available' if m['mkldnn'] else 'not available'}, deepcomplex compiled kernels "
        f"{'loaded' if m['deepcomplex_kernels'] else 'not built'}",
        f"- load average at start {', '.join(f'{v:.2f}' for v in load) if load else '-'}, at end "
        f"{', '.join(f'{v:.2f}' for v in res['load_average_end']) if res.get('load_average_end') else '-'}",
        f"- {cfg['repeats']} timed repeats after {cfg['warmup']} warm-up calls per contender, complex64 / float32"
        + (", tiny --quick shapes" if cfg["quick"] else ""), "",
        "## Libraries", "",
        "| library | version | status |", "|---|---|---|",
        f"| deepcomplex | {res['deepcomplex_version'] or '-'} | this project |",
        f"| native | torch {m['torch']} | torch's own complex ops (conv, linear; CoShNet: bench_layers' "
        "NativeCoShNetBase); elsewhere torch refuses complex input |",
    ]
    for lib in PEERS:
        p = peers[lib]
        status = "imported" if p["status"] == "ok" else f"unavailable: {p['reason']}"
        head.append(f"| {lib} | {p.get('version') or '-'} | {status} |")
    head += [
        "",
        "The peers are benchmark-only extras (`pip install -e .[bench]`); `make bench-peers` installs them with "
        f"`pip install --no-deps complexPyTorch complextorch torchcvnn cplxmodule` next to torch {torch.__version__} "
        f"and numpy {_version('numpy') or '-'}, since their layers need nothing beyond torch, numpy and scipy "
        "(torchcvnn's h5py, requests and huggingface-hub serve only its datasets), and runs this script. A peer "
        "that does not import is reported here as unavailable and skipped.", "",
        "## Method", "",
        "- **Time**: one forward and one backward (`y = layer(x); y.backward(g)`, input and parameters requiring "
        "grad, the same fixed output gradient for everyone), contenders of a row round-robin with a rotating start "
        "after a warm-up (the machinery of `benchmarks/bench_layers.py`); median ± IQR in ms. Every library gets an "
        "NCHW-contiguous complex input, except cplxmodule, which gets its own `Cplx(Re x, Im x)` pair of real leaf "
        "tensors (no conversion is timed). The CoShNet row times one training step instead: `loss = "
        "cross_entropy(model(x), labels); loss.backward()` on a real image batch, all parameters requiring grad and "
        "the input not; each peer's CoShNet-base is composed from its own conv2d, linear, CReLU and average pooling "
        "with deepcomplex's weights, behind the torch FFT front end `ifft2(fft2(x) * kernel)` (no peer has "
        "shearlets; deepcomplex runs its own model, fused front end included).",
        "- **Peak memory**: `torch.profiler.profile(profile_memory=True)` around one forward + backward; the "
        "allocation/free events of torch's CPU allocator are summed in time order and the maximum is reported (MiB "
        "above what existed before the call: outputs, saved activations, temporaries and .grad tensors count; the "
        "input, weights and output gradient do not).",
        "- **Real layer**: a real layer of the same size: ConvNd / Linear with the same channel counts on a real input "
        "of the same shape, BatchNorm2d(2C) and LayerNorm(2D) on the real view's scalars, ReLU and the pools on a real "
        "tensor of 2x the complex element count; for CoShNet, a real network with the same channel counts and "
        "feature sizes (real Conv2d / Linear, ReLU, average pooling) on the modulus of the same front end's "
        "coefficients.",
        "- **Agreement**: every layer gets deepcomplex's parameters (mapped to its layout, listed below) on small "
        "fixed shapes; max |difference| of the output and of the input gradient (CoShNet: of the logits and of the "
        f"first complex convolution's weight gradient); agreement means both <= {RTOL:g} x max(1, max |reference|). "
        "Each disagreement is checked against a reference written in the peer's own convention ('confirmed' when the "
        "peer matches it to the same tolerance).", "",
    ]
    rows = res["rows"]
    # Time table
    t = ["## Forward + backward time (ms, median ± IQR)", "",
         "| row | shape | " + " | ".join(libs) + " | real layer |",
         "|---|---|" + "---|" * (len(libs) + 1)]
    for r in rows:
        t.append(f"| {TITLES[r['row']]} | {r['shape']} | " + " | ".join(_cell(r["results"][lib]) for lib in libs)
                 + f" | {_cell(r['real'])} |")
    t += ["", "– : the library has no such layer (or torch refuses complex input); unavail.: the peer does not "
          "import. What each cell ran:", ""]
    for r in rows:
        parts = []
        for lib in libs:
            x = r["results"][lib]
            if x["status"] == "ok":
                parts.append(f"{lib} `{x['layer']}`")
            elif x["status"] in ("n/a", "error"):
                parts.append(f"{lib}: {x['status']} ({x['reason']})")
        t.append(f"- **{TITLES[r['row']]}**: " + "; ".join(parts) + f"; real `{r['real']['layer']}`.")
    notes = [(r["row"], lib, r["results"][lib]["note"]) for r in rows for lib in libs
             if r["results"][lib].get("status") == "ok" and r["results"][lib].get("note")]
    if notes:
        t += ["", "Parameter mappings (deepcomplex's weight W, bias b; whitening gamma = [[g_rr, g_ri], [g_ri, g_ii]], "
              "beta):", ""]
        t += [f"- {TITLES[row]}, {lib}: {note}" for row, lib, note in notes]
    defects = [(r["row"], lib, r["results"][lib]["defect"]) for r in rows for lib in libs
               if r["results"][lib].get("status") == "ok" and r["results"][lib].get("defect")]
    defects += [(r["row"], lib, f"error: {r['results'][lib]['reason']}") for r in rows for lib in libs
                if r["results"][lib].get("status") == "error"]
    if defects:
        t += ["", "### Peer defects met while building the rows", ""]
        t += [f"- {TITLES[row]}, {lib}: {d}" for row, lib, d in defects]
    # Ratio view
    peer_libs = [lib for lib in libs if lib != "deepcomplex"]
    rv = ["", "## Ratio view", "",
          "Time of each library over deepcomplex's (> 1: deepcomplex is faster), and deepcomplex over the real "
          "layer of the same size (the cost of going complex), for time and for peak memory.", "",
          "| row | " + " | ".join(f"{lib} / ours" for lib in peer_libs) + " | ours / real (time) | "
          "ours / real (memory) |", "|---|" + "---|" * (len(peer_libs) + 2)]
    for r in rows:
        rv.append(f"| {TITLES[r['row']]} | " + " | ".join(_ratio(r["results"][lib].get("time_over_ours"))
                                                          for lib in peer_libs)
                  + f" | {_ratio(r.get('ours_over_real_time'))} | {_ratio(r.get('ours_over_real_mem'))} |")
    # Memory
    mm = ["", "## Peak memory (MiB allocated during one forward + backward)", "",
          "| row | " + " | ".join(libs) + " | real layer |", "|---|" + "---|" * (len(libs) + 1)]
    for r in rows:
        mm.append(f"| {TITLES[r['row']]} | " + " | ".join(
            _mib(r["results"][lib].get("peak_mib")) if r["results"][lib]["status"] == "ok" else "–" for lib in libs)
            + f" | {_mib(r['real'].get('peak_mib'))} |")
    # Agreement
    ag = ["", "## Output agreement (same weights, same input and output gradient)", "",
          "| row | library | layer | vs | max abs diff output | max abs diff gradient (input's unless named) | "
          "verdict |",
          "|---|---|---|---|---|---|---|"]
    for a in res["agreement"]:
        if a["status"] != "ok":
            ag.append(f"| {a['title']} | {a['library']} | {a.get('layer', '-')} | {a['reference']} | – | – | "
                      f"{a['status']}: {a['reason']} |")
            continue
        verdict = "agree" if a["agree"] else ("DISAGREE (explained, confirmed)" if a.get("confirmed")
                                              else "DISAGREE")
        lib = a["library"] + (f" ({a['variant']})" if a["variant"] else "")
        of = f" ({a['grad_of']})" if a.get("grad_of", "input") != "input" else ""
        ag.append(f"| {a['title']} | {lib} | `{a['layer']}` | {a['reference']} | {a['out_max_abs']:.2e} | "
                  f"{a['grad_max_abs']:.2e}{of} | {verdict} |")
    dis = [a for a in res["agreement"] if a["status"] == "ok" and not a["agree"]]
    ag += ["", f"Agreement shapes: {', '.join(sorted({a['title'] + ' ' + a['shape'] for a in res['agreement']}))}.",
           "", "### Disagreements", ""]
    if not dis:
        ag.append("None.")
    for a in dis:
        lib = a["library"] + (f" ({a['variant']})" if a["variant"] else "")
        conf = (f" Confirmed: the peer matches a reference in that convention to {a['confirm_max_abs']:.1e}."
                if a.get("confirmed") else
                (f" Not confirmed numerically (max |difference| to that reference {a['confirm_max_abs']:.1e})."
                 if a.get("confirm_max_abs") is not None else ""))
        ag.append(f"- **{a['title']}, {lib}** (output {a['out_max_abs']:.2e}, input grad {a['grad_max_abs']:.2e}): "
                  f"{a['explanation']}{conf}")
    # Init
    ini = []
    if res.get("init", {}).get("linear"):
        ini += ["", "## Default initialisation", "",
                "Each library's default Linear(512 -> 32) (in != out so that a swapped fan-in shows): E|W|^2 x fan_in "
                "and the bias bound written as 1/sqrt(k) (k = fan_in = 512 in torch's convention).", "",
                "| library | layer | E abs(W)^2 x fan_in | max abs(Re b) | k = 1 / max abs(Re b)^2 |",
                "|---|---|---|---|---|"]
        for d in res["init"]["linear"]:
            if d.get("status") == "unavailable":
                ini.append(f"| {d['library']} | unavailable | | | |")
                continue
            k = d["bias bound 1/sqrt(k): k"]
            ini.append(f"| {d['library']} | {d['layer']} | {d['E|W|^2*fan_in']:.3f} | {d['max|Re b|']:.4f} | "
                       f"{f'{k:.0f}' if k else '- (zero bias)'} |")
        ini += ["", LINEAR_INIT_NOTE]
    if res.get("init", {}).get("batchnorm"):
        ini += ["", "Each library's default-constructed whitening batch norm on one batch (training mode): the "
                "initial gamma diagonal and the output RMS |y| (deepcomplex and the paper: gamma = I / sqrt(2), "
                "so RMS |y| = 1).", "",
                "| library | layer | gamma diagonal at init | output RMS abs(y) | / deepcomplex |",
                "|---|---|---|---|---|"]
        for d in res["init"]["batchnorm"]:
            if d.get("status") == "unavailable":
                ini.append(f"| {d['library']} | unavailable | | | |")
                continue
            ini.append(f"| {d['library']} | {d['layer']} | {d['gamma_diag_init']:.4f} | {d['output_rms']:.3f} | "
                       f"{d['rms_over_ours']:.3f} |")
        ini += ["", BN_INIT_NOTE]
    ini += ["", "## Known suspects", ""] + suspects(res)
    unavailable = [f"- {lib}: {p['reason']}" for lib, p in peers.items() if p["status"] != "ok"]
    un = ["", "## Unavailable peers", ""] + (unavailable or ["None: all four peers imported."])
    chart = ["", "## Chart", "", f"![time and peak memory relative to deepcomplex]({png_rel})"] if png_rel else []
    return "\n".join(head + t + rv + mm + ag + ini + un + chart) + "\n"


def suspects(res: dict) -> list[str]:
    """One line per suspect named in the issue, with what this run found."""
    ag = {(a["row"], a["library"], a["variant"] != ""): a for a in res["agreement"]}

    def from_agreement(row: str, lib: str, variant: bool = False) -> str:
        a = ag.get((row, lib, variant))
        if a is None:
            return "not checked in this run (row not selected)"
        if a["status"] != "ok":
            return f"not checked: {a['status']} ({a['reason']})"
        if a["agree"]:
            return f"not reproduced: agrees (max abs diff {max(a['out_max_abs'], a['grad_max_abs']):.1e})"
        return ("confirmed: " if a.get("confirmed") else "disagrees, cause not confirmed: ") + \
            f"max abs diff {a['out_max_abs']:.2e} (output), {a['grad_max_abs']:.2e} (input grad)"

    lines = [
        "- torchcvnn MaxPool2d indices: " + from_agreement("maxpool2d", "torchcvnn"),
        "- torchcvnn zAbsReLU: " + from_agreement("zabsrelu", "torchcvnn"),
        "- cplxmodule modReLU sign convention: with tau = -b " + from_agreement("modrelu", "cplxmodule")
        .replace("not reproduced: agrees", "it agrees") + "; with tau = b " + from_agreement("modrelu", "cplxmodule",
                                                                                            True),
    ]
    lin = {d["library"]: d for d in res.get("init", {}).get("linear", [])}
    c = lin.get("cplxmodule")
    if c is None:
        lines.append("- cplxmodule Linear fan-in: not checked in this run (linear not selected)")
    elif c.get("status") == "unavailable":
        lines.append("- cplxmodule Linear fan-in: not checked (cplxmodule unavailable)")
    else:
        k = c["bias bound 1/sqrt(k): k"]
        lines.append(f"- cplxmodule Linear fan-in: CplxLinear({c['in']} -> {c['out']}) draws its bias within "
                     f"1/sqrt({k:.0f}), i.e. from out_features = {c['out']} and not in_features = {c['in']} "
                     f"({'confirmed' if k < c['in'] / 4 else 'not reproduced'}); its E|W|^2 x fan_in is "
                     f"{c['E|W|^2*fan_in']:.2f} against deepcomplex's 2 and torch's complex Linear's 2/3")
    bns = {d["library"]: d for d in res.get("init", {}).get("batchnorm", [])}
    b = bns.get("complexPyTorch")
    if b is None:
        lines.append("- complexPyTorch BN gamma init: not checked in this run (batchnorm not selected)")
    elif b.get("status") == "unavailable":
        lines.append("- complexPyTorch BN gamma init: not checked (complexPyTorch unavailable)")
    else:
        lines.append(f"- complexPyTorch BN gamma init: gamma diagonal {b['gamma_diag_init']:.4f} (the paper: "
                     f"{1 / math.sqrt(2):.4f}); default-initialised output RMS {b['rms_over_ours']:.2f}x "
                     f"deepcomplex's ({'confirmed' if abs(b['rms_over_ours'] - 1) > 0.1 else 'not reproduced'}); "
                     "with the same gamma it agrees (agreement table)")
    return lines


LINEAR_INIT_NOTE = (
    "deepcomplex draws the paper's Rayleigh/He weights (E|W|^2 = 2 / fan_in) and a zero bias. torch's complex Linear "
    "(native, complextorch) and complexPyTorch (two real Linear) draw Re and Im each U(+-1/sqrt(fan_in)), so "
    "E|W|^2 = 2 / (3 fan_in); complexPyTorch's effective bias (b_r - b_i) + i (b_r + b_i) reaches 2/sqrt(fan_in), "
    "hence k = fan_in / 4. cplxmodule's cplx_kaiming_uniform_ turns a = sqrt(5) into sqrt(1 + 2 a^2) = sqrt(11) for "
    "each part (E|W|^2 = 1 / (3 fan_in)), and its get_fans returns (out_features, in_features) as (fan_in, fan_out) "
    "for a 2-D weight, so the bias bound is 1/sqrt(out_features) (k = 32 here, not 512): the Linear fan-in swap.")
BN_INIT_NOTE = (
    "complexPyTorch initialises its gamma to sqrt(2) I (weight[:, :2] = sqrt(2), with weight ordered [g_rr, g_ii, "
    "g_ri]), so its initial output is 2x the paper's (which prescribes gamma_rr = gamma_ii = 1/sqrt(2)); cplxmodule "
    "initialises gamma = I (sqrt(2)x); complextorch and torchcvnn follow the paper (torchcvnn's unbiased covariance "
    "lowers its RMS by sqrt((n - 1) / n), 0.9995 for this batch). Only the initial scale differs: with the same "
    "gamma, complexPyTorch and cplxmodule agree with deepcomplex (table above).")


def write_png(res: dict, path: Path) -> None:
    """Bar chart of every library's time and peak memory relative to deepcomplex, per row (log scale)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker  # noqa: F401  (matplotlib.ticker below)

    rows = res["rows"]
    series = [lib for lib in LIBS if lib != "deepcomplex"] + ["real"]
    colors = {"native": "#4c72b0", "complexPyTorch": "#dd8452", "complextorch": "#55a868", "torchcvnn": "#c44e52",
              "cplxmodule": "#8172b3", "real": "#937860"}
    fig, axes = plt.subplots(2, 1, figsize=(12, 8), sharex=True)
    width = 0.8 / len(series)
    for ax, key, label in ((axes[0], "median_ms", "time / deepcomplex"), (axes[1], "peak_mib",
                                                                           "peak memory / deepcomplex")):
        for j, lib in enumerate(series):
            xs, ys = [], []
            for i, r in enumerate(rows):
                ours = r["results"]["deepcomplex"]
                other = r["real"] if lib == "real" else r["results"][lib]
                if other.get("status") == "ok" and ours.get("status") == "ok" and other.get(key) and ours.get(key):
                    xs.append(i + (j - (len(series) - 1) / 2) * width)
                    ys.append(other[key] / ours[key])
            ax.bar(xs, ys, width, label=lib if lib != "real" else "real layer (same size)", color=colors[lib])
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_yscale("log")
        lo, hi = ax.get_ylim()
        ax.yaxis.set_major_locator(matplotlib.ticker.FixedLocator(
            [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20, 50, 100) if lo <= t <= hi]))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_ylabel(label + " (log)")
        ax.grid(axis="y", which="both", alpha=0.3)
    axes[0].set_title("Forward + backward relative to deepcomplex (> 1: deepcomplex is faster / smaller); "
                      f"torch {res['machine']['torch']}, {res['machine']['torch_threads']} thread(s)")
    axes[1].set_xticks(range(len(rows)))
    axes[1].set_xticklabels([TITLES[r["row"]] for r in rows], rotation=30, ha="right")
    axes[0].legend(ncol=3, fontsize=8)
    fig.tight_layout()
    _write_atomic(path, lambda f: fig.savefig(f, format="png", dpi=110), mode="wb")
    plt.close(fig)


# ----------------------------------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------------------------------

def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="tiny shapes and few repeats (smoke test)")
    p.add_argument("--repeats", type=int, default=None, help="timed calls per contender (default 30, --quick 3)")
    p.add_argument("--warmup", type=int, default=None, help="untimed calls per contender first (default 3, --quick 1)")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--only", default=None, help=f"comma-separated rows to run, from {','.join(ROWS)}")
    p.add_argument("--out-dir", type=Path, default=None,
                   help=f"write bench_peers.json, BENCHMARKS.md and benchmarks.png there (default: {DEFAULT_JSON}, "
                        f"{DEFAULT_MD}, {DEFAULT_PNG})")
    p.add_argument("--note", default=None, help="a remark for the report, e.g. what else ran on the machine")
    a = p.parse_args(argv)
    a.repeats = a.repeats if a.repeats is not None else (3 if a.quick else 30)
    a.warmup = a.warmup if a.warmup is not None else (1 if a.quick else 3)
    if a.repeats < 1 or a.warmup < 0 or a.threads < 1:
        p.error("--repeats and --threads must be >= 1, --warmup >= 0")
    if a.only:
        a.rows = [r.strip() for r in a.only.split(",") if r.strip()]
        unknown = sorted(set(a.rows) - set(ROWS))
        if unknown:
            p.error(f"unknown row(s) {unknown}; choose from {', '.join(ROWS)}")
        a.rows = [r for r in ROWS if r in a.rows]
    else:
        a.rows = list(ROWS)
    return a


def _display_command(command: str) -> str:
    """The command with a --note's text replaced by TEXT (the note is printed under it)."""
    try:
        words = shlex.split(command)
    except ValueError:
        return command
    out, skip = [], False
    for w in words:
        if skip:
            out.append("TEXT")
            skip = False
        elif w == "--note":
            out.append(w)
            skip = True
        else:
            out.append("--note=TEXT" if w.startswith("--note=") else w)
    return " ".join(out)


def _command(argv: Optional[list[str]]) -> str:
    args = sys.argv[1:] if argv is None else argv
    return shlex.join(["python", "benchmarks/bench_peers.py", *args])


def main(argv: Optional[list[str]] = None) -> dict:
    """Run the benchmark, print a summary and write the JSON, Markdown and PNG reports; returns the JSON data."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    info = machine_info(args.threads)
    start = time.perf_counter()
    peers = load_peers()
    for lib, p in peers.items():
        if p["status"] != "ok":
            print(f"note: {lib} unavailable ({p['reason']}); skipped", file=sys.stderr)
    mode = "quick" if args.quick else "full"
    rows, raw = [], {}
    for row in args.rows:
        spec = build_row(row, mode)
        results, real, samples = time_row(spec, peers, args.repeats, args.warmup)
        ours = results["deepcomplex"]
        rows.append({
            "row": row, "shape": spec.shape, "results": results, "real": real,
            "ours_over_real_time": ours["median_ms"] / real["median_ms"] if ours["status"] == "ok" else None,
            "ours_over_real_mem": (ours["peak_mib"] / real["peak_mib"]
                                   if ours["status"] == "ok" and ours["peak_mib"] and real["peak_mib"] else None),
        })
        raw[row] = samples
        print(f"  {row}: done ({time.perf_counter() - start:.1f} s)", file=sys.stderr, flush=True)
    agreement: list[dict] = []
    agree_rows = args.rows + (["zabsrelu"] if "zrelu" in args.rows else [])
    for row in agree_rows:
        agreement += agreement_row(row, peers)
    init = init_checks(peers, args.rows)
    elapsed = time.perf_counter() - start
    result = {
        "benchmark": "deepcomplex vs native torch complex and peer libraries: forward + backward time, peak memory, "
                     "output agreement",
        "command": _command(argv),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "note": args.note,
        "machine": info,
        "config": {"repeats": args.repeats, "warmup": args.warmup, "threads": args.threads, "quick": args.quick,
                   "rows": args.rows, "dtype": "complex64", "real_dtype": "float32", "agreement_rtol": RTOL,
                   "eps": EPS},
        "deepcomplex_version": _version("deepcomplex"),
        "peers": {lib: {k: v for k, v in p.items() if k != "modules"} for lib, p in peers.items()},
        "elapsed_s": elapsed,
        "load_average_end": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "rows": rows,
        "agreement": agreement,
        "init": init,
        "raw_ms": raw,
    }
    if args.out_dir is not None:
        json_path, md_path, png_path = (args.out_dir / "bench_peers.json", args.out_dir / "BENCHMARKS.md",
                                        args.out_dir / "benchmarks.png")
    else:
        json_path, md_path, png_path = DEFAULT_JSON, DEFAULT_MD, DEFAULT_PNG
    _write_atomic(json_path, lambda f: f.write(json.dumps(result, indent=2) + "\n"))
    write_png(result, png_path)
    png_rel = os.path.relpath(png_path, md_path.parent)
    markdown = format_markdown(result, png_rel)
    _write_atomic(md_path, lambda f: f.write(markdown))
    print(_summary_table(result))
    print(f"wrote {json_path}, {md_path}, {png_path} ({elapsed:.1f} s)")
    return result


def _summary_table(res: dict) -> str:
    libs = list(LIBS)
    w = max([22] + [len(TITLES[r["row"]]) + 2 for r in res["rows"]])
    head = f"{'row':<{w}}" + "".join(f"{lib:>16}" for lib in libs) + f"{'real':>14}"
    lines = [head, "-" * len(head)]
    for r in res["rows"]:
        lines.append(f"{TITLES[r['row']]:<{w}}" + "".join(f"{_cell(r['results'][lib]):>16}" for lib in libs)
                     + f"{_cell(r['real']):>14}")
    bad = [a for a in res["agreement"] if a["status"] == "ok" and not a["agree"]]
    lines.append(f"agreement: {sum(1 for a in res['agreement'] if a.get('agree'))} agree, {len(bad)} disagree"
                 + "".join(f"\n  {a['title']} / {a['library']}{' (' + a['variant'] + ')' if a['variant'] else ''}: "
                           f"out {a['out_max_abs']:.2e}, grad {a['grad_max_abs']:.2e}" for a in bad))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
