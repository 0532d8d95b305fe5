"""Layer and group norm rows of ``benchmarks/bench_layers.py``: ComplexLayerNorm and ComplexGroupNorm (training,
fwd+bwd) on the fused row kernels, on the pure-PyTorch path, and the real layer of the same size (torch.nn.LayerNorm
over 2x the features; torch.nn.GroupNorm with the same groups over 2x the channels)."""
from __future__ import annotations

from torch import nn

import deepcomplex.nn as cnn
from benchmarks.harness import Contender, crandn, leaf, pure_pytorch, rrandn


def norm_rows_group(tokens: tuple[int, int, int], image: tuple[int, int, int, int]):
    """Rows: layer norm over the last dim of a (N, L, E) batch; instance-style group norm (one group per channel, as
    the complex U-Net's default) of an (N, C, H, W) batch."""
    n, length, e = tokens
    ln, real_ln = cnn.ComplexLayerNorm(e), nn.LayerNorm(2 * e)
    x, x_t = leaf(crandn(n, length, e, seed=1)), leaf(crandn(n, length, e, seed=1))
    x_real = leaf(rrandn(n, length, 2 * e, seed=2))
    b, c, h, w = image
    gn, real_gn = cnn.ComplexGroupNorm(c, c), nn.GroupNorm(c, 2 * c)
    y, y_t = leaf(crandn(b, c, h, w, seed=3)), leaf(crandn(b, c, h, w, seed=3))
    y_real = leaf(rrandn(b, 2 * c, h, w, seed=4))

    contenders = {
        "ln": Contender(lambda: ln(x), [x, *ln.parameters()]),
        "ln-torch": Contender(lambda: pure_pytorch(ln, x_t), [x_t, *ln.parameters()]),
        "real-ln": Contender(lambda: real_ln(x_real), [x_real, *real_ln.parameters()]),
        "gn": Contender(lambda: gn(y), [y, *gn.parameters()]),
        "gn-torch": Contender(lambda: pure_pytorch(gn, y_t), [y_t, *gn.parameters()]),
        "real-gn": Contender(lambda: real_gn(y_real), [y_real, *real_gn.parameters()]),
    }
    ts, fs = "x".join(map(str, tokens)) + f" over ({e},)", "x".join(map(str, image)) + f", {c} groups"
    rows = [
        {"layer": "ComplexLayerNorm", "variant": "fused kernel", "shape": ts, "ours": "ln", "native": None,
         "real": "real-ln"},
        {"layer": "ComplexLayerNorm", "variant": "pure PyTorch", "shape": ts, "ours": "ln-torch", "native": None,
         "real": "real-ln"},
        {"layer": "ComplexGroupNorm", "variant": "fused kernel", "shape": fs, "ours": "gn", "native": None,
         "real": "real-gn"},
        {"layer": "ComplexGroupNorm", "variant": "pure PyTorch", "shape": fs, "ours": "gn-torch", "native": None,
         "real": "real-gn"},
    ]
    return rows, contenders
