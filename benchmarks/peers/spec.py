"""The data types of the peer benchmark: one library's layer (:class:`Impl`), one row (:class:`RowSpec`), an
adapter's answer for a row (:class:`Entry`) and the cases a row hands the adapters (what the peer's layer must hold:
sizes and deepcomplex's parameters)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

import torch
from torch import nn

EPS = 1e-4  # deepcomplex's normalization eps, given to every library's normalization layer for like-for-like output
RTOL = 1e-4  # agreement: max |difference| <= RTOL * max(1, max |reference|), for the output and the input gradient


@dataclass
class Impl:
    """One library's version of a row's layer: ``fn`` maps the library's input type to its output."""

    layer: str
    fn: Callable[[Any], Any]
    params: list = field(default_factory=list)
    kind: str = "complex"  # "complex": torch complex in and out; "cplx": a (re, im) pair type of the library, built by
    # ``pair``; "real": real tensors (the real layer, and whole networks: images in, logits out)
    note: str = ""         # parameter mapping, shown in the report
    defect: str = ""       # a defect of the peer met while building it, and the workaround taken
    grad_of: Optional[Callable[[], torch.Tensor]] = None  # a whole network's: the gradient agreement compares (a
    # weight's, as complex dW_re + i dW_im) in place of the input's, and the input then needs none (a training step)
    pair: Optional[Callable[[torch.Tensor, torch.Tensor], Any]] = None  # kind "cplx": (Re x, Im x) -> the input


Factory = Union[Callable[[dict], Impl], str]  # builds the Impl from the library's imported modules; or why it has none
Convention = tuple[str, Callable[[dict], Impl]]  # why a peer disagrees, and a reference written in its convention


@dataclass
class Entry:
    """An adapter's answer for one row: its factory and, where it has them, the convention that explains a known
    disagreement and an agreement-only variant (e.g. a parameter copied without the sign flip its convention needs)."""

    factory: Factory
    convention: Optional[Convention] = None
    extra: Optional[Factory] = None


@dataclass
class RowSpec:
    """One benchmark row: the input, every library's factory, the real layer and the conventions that explain peers."""

    row: str
    shape: str
    x: torch.Tensor
    impls: dict[str, Factory]
    real: Impl
    x_real: torch.Tensor
    conventions: dict[str, Convention] = field(default_factory=dict)
    extra: dict[str, Factory] = field(default_factory=dict)  # agreement-only variants, e.g. an unmapped sign
    reference: str = "deepcomplex"
    loss: Optional[Callable[[torch.Tensor], torch.Tensor]] = None  # timed as loss(output) with gradient 1
    grad_name: str = "input"  # whose gradient agreement compares (Impl.grad_of's where not the input's)


# ----------------------------------------------------------------------------------------------------------------------
# Cases: what a row hands every adapter
# ----------------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConvCase:
    """A ComplexConv{nd}d(cin, cout, k, padding=k // 2) with deepcomplex's complex weight ``w`` and bias ``b``."""

    nd: int
    cin: int
    cout: int
    k: int
    w: torch.Tensor
    b: torch.Tensor


@dataclass(frozen=True)
class LinearCase:
    """A ComplexLinear(fin, fout) with deepcomplex's complex weight ``w`` and bias ``b``."""

    fin: int
    fout: int
    w: torch.Tensor
    b: torch.Tensor


@dataclass(frozen=True)
class NormCase:
    """A whitening normalization over ``features`` channels (batch norm) or features (layer norm): deepcomplex's gamma
    (features, 3) = [g_rr, g_ri, g_ii] and complex beta, and ``count``, the samples behind each batch statistic."""

    features: int
    gamma: torch.Tensor
    beta: torch.Tensor
    count: int = 0


@dataclass(frozen=True)
class ActivationCase:
    """The activations' parameters: modReLU's bias b (one shared scalar) and zAbsReLU's radius a."""

    bias: float = -0.5
    radius: float = 1.0


@dataclass(frozen=True)
class PoolCase:
    """A 2-d pooling with a k x k window and stride k."""

    k: int


@dataclass(frozen=True)
class CoShNetCase:
    """CoShNet-base: deepcomplex's model ``ours`` (whose weights every library's network copies), an image batch and
    its labels."""

    ours: nn.Module
    x: torch.Tensor
    labels: torch.Tensor


@dataclass(frozen=True)
class AttentionCase:
    """A ComplexMultiheadAttention(embed, heads) self-attention on (L, N, E) input: deepcomplex's packed complex
    ``in_proj_weight`` (3E, E), ``in_proj_bias`` (3E), and out projection ``out_w`` (E, E), ``out_b`` (E)."""

    embed: int
    heads: int
    in_w: torch.Tensor
    in_b: torch.Tensor
    out_w: torch.Tensor
    out_b: torch.Tensor


@dataclass(frozen=True)
class RMSNormCase:
    """A ComplexRMSNorm(features, eps) over the last dimension with deepcomplex's real per-feature ``weight``."""

    features: int
    weight: torch.Tensor
    eps: float


@dataclass(frozen=True)
class BilinearCase:
    """A ComplexBilinear(in1, in2, out) with deepcomplex's complex weight ``w`` (out, in1, in2) and bias ``b``; the
    row's input is [x1 | x2] along the last dimension (split at ``in1``)."""

    in1: int
    in2: int
    out: int
    w: torch.Tensor
    b: torch.Tensor


@dataclass(frozen=True)
class LossCase:
    """A complex loss of the row's input against the fixed complex ``target``, with reduction "none"."""

    target: torch.Tensor
