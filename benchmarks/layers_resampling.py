"""The resampling and pooling group of benchmarks/bench_layers.py (issue 23): ComplexUpsample (split and polar),
ComplexPixelShuffle, ComplexMaxPool1d/3d, ComplexAdaptiveAvgPool3d / ComplexAdaptiveMaxPool2d and SpectralPool3d,
each against the real op on 2C channels of the same number of scalars (no native torch complex op exists for any)."""
from __future__ import annotations

import torch.nn.functional as F

import deepcomplex.nn as cnn
from benchmarks.harness import Contender, crandn, leaf, rrandn


def resampling_group(n: int, c: int, size: int, depth: int) -> tuple[list[dict], dict[str, Contender]]:
    """(rows, contenders) on 2-D inputs (n, c, size, size) and 1-D / 3-D inputs of the same element count."""
    x2, r2 = crandn(n, c, size, size, seed=1), rrandn(n, 2 * c, size, size, seed=2)
    x1, r1 = x2.reshape(n, c, size * size), r2.reshape(n, 2 * c, size * size)
    x3 = crandn(n, c, depth, size, size, seed=3)
    r3 = rrandn(n, 2 * c, depth, size, size, seed=4)
    up, polar = cnn.ComplexUpsample(scale_factor=2, mode="bilinear"), cnn.ComplexUpsample(
        scale_factor=2, mode="bilinear", polar=True)
    cases = {  # name: (layer, its input, real op, real input, layer title)
        "upsample": (up, x2, lambda t: F.interpolate(t, scale_factor=2, mode="bilinear"), r2, "ComplexUpsample"),
        "upsample-polar": (polar, x2, lambda t: F.interpolate(t, scale_factor=2, mode="bilinear"), r2,
                           "ComplexUpsample(polar=True)"),
        "shuffle": (cnn.ComplexPixelShuffle(2), x2, lambda t: F.pixel_shuffle(t, 2), r2, "ComplexPixelShuffle"),
        "max1d": (cnn.ComplexMaxPool1d(2), x1, lambda t: F.max_pool1d(t, 2), r1, "ComplexMaxPool1d"),
        "max3d": (cnn.ComplexMaxPool3d(2), x3, lambda t: F.max_pool3d(t, 2), r3, "ComplexMaxPool3d"),
        "adaptive-avg3d": (cnn.ComplexAdaptiveAvgPool3d(3), x3, lambda t: F.adaptive_avg_pool3d(t, 3), r3,
                           "ComplexAdaptiveAvgPool3d"),
        "adaptive-max2d": (cnn.ComplexAdaptiveMaxPool2d(5), x2, lambda t: F.adaptive_max_pool2d(t, 5), r2,
                           "ComplexAdaptiveMaxPool2d"),
        "spectral3d": (cnn.SpectralPool3d((depth // 2, size // 2, size // 2)), x3, None, None, "SpectralPool3d"),
    }
    contenders, rows = {}, []
    for name, (layer, x, real, xr, title) in cases.items():
        xl = leaf(x)
        contenders[name] = Contender(lambda layer=layer, xl=xl: layer(xl), [xl])
        real_name = None
        if real is not None:
            real_name = f"real-{name}"
            rl = leaf(xr)
            contenders[real_name] = Contender(lambda real=real, rl=rl: real(rl), [rl])
        shape = "x".join(map(str, x.shape))
        rows.append({"layer": title, "variant": "NCHW input", "shape": shape, "ours": name, "native": None,
                     "real": real_name})
    return rows, contenders
