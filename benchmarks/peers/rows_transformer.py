"""Row builder of the issue-22 transformer encoder layer, kept beside rows.py so that file stays one table;
rows.ROW_TABLE names it. It builds deepcomplex's ComplexTransformerEncoderLayer, the case its adapters get (every
weight, so a peer's layer can be given the same ones) and the real nn.TransformerEncoderLayer of twice the width."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

import deepcomplex.nn as cnn
from benchmarks.harness import crandn, rrandn

from .spec import EPS, Impl, RowSpec

SIZES = {"encoder_layer": {"full": {"n": 8, "seq": 256, "embed": 128, "heads": 8, "ff": 256},
                           "quick": {"n": 2, "seq": 8, "embed": 8, "heads": 2, "ff": 16},
                           "agree": {"n": 3, "seq": 6, "embed": 8, "heads": 2, "ff": 12}}}
TITLES = {"encoder_layer": "transformer encoder layer"}


@dataclass
class EncoderLayerCase:
    """What an adapter needs to build its encoder layer with deepcomplex's weights: the layer itself (its
    ``state_dict``: self_attn.in_proj_weight/in_proj_bias/out_proj, linear1, linear2, norm1/norm2 as [g_rr, g_ri, g_ii]
    and complex beta), the sizes, and deepcomplex's forward for composing a reference in another convention."""

    layer: nn.Module
    embed: int
    heads: int
    ff: int
    eps: float


def build(row: str, sh: dict, assemble) -> RowSpec:
    """The RowSpec of ``row`` (a key of SIZES) at sizes ``sh``; ``assemble`` is rows.assemble."""
    return {"encoder_layer": encoder_layer_row}[row](sh, assemble)


def encoder_layer_row(sh: dict, assemble) -> RowSpec:
    """ComplexTransformerEncoderLayer (post-norm, CReLU, no dropout) on (L, N, E) against the peers' encoder layers
    with the same weights and torch's real nn.TransformerEncoderLayer(2E, H, 2F) (the same real FLOPs in its linear
    maps)."""
    n, length, e, heads, ff = sh["n"], sh["seq"], sh["embed"], sh["heads"], sh["ff"]
    torch.manual_seed(0)
    ours = cnn.ComplexTransformerEncoderLayer(e, heads, ff, dropout=0.0, layer_norm_eps=EPS)
    with torch.no_grad():  # non-zero biases and non-identity norms, so that every mapping is checked
        for name, p in ours.named_parameters():
            if name.endswith("bias") or name.startswith("norm"):
                p.add_(0.2 * torch.randn_like(p))
    real = nn.TransformerEncoderLayer(2 * e, heads, 2 * ff, dropout=0.0)
    impls, conventions, extra = assemble(
        "encoder_layer", EncoderLayerCase(ours, e, heads, ff, EPS),
        lambda _: Impl(f"ComplexTransformerEncoderLayer({e}, {heads}, {ff})", ours, list(ours.parameters())),
        "no transformer encoder layer")
    return RowSpec("encoder_layer", f"L={length} N={n} E={e} H={heads} FF={ff}, post-norm",
                   crandn(length, n, e, seed=1), impls,
                   Impl(f"torch.nn.TransformerEncoderLayer({2 * e}, {heads}, {2 * ff})", real,
                        list(real.parameters()), kind="real"),
                   rrandn(length, n, 2 * e, seed=2), conventions, extra)
