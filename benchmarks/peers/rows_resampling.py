"""The resampling and pooling rows of issue 23 (upsampling, split and polar; max pooling by modulus in 1-D and 3-D;
adaptive average and spectral pooling in 3-D): their case, deepcomplex's layer, the real layer of the same size, and
sizes per mode. ``rows.ROW_TABLE`` lists them; the libraries that have a layer answer for its row name in their
adapter."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import torch
import torch.nn.functional as F

import deepcomplex.nn as cnn
from benchmarks.harness import crandn, rrandn

from .spec import Factory, Impl, RowSpec


@dataclass(frozen=True)
class ResampleCase:
    """A resampling or pooling layer without weights: its torch-style keyword arguments (``kwargs``) and the
    spatial rank ``nd``; every library builds its own layer from them."""

    nd: int
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Layer:
    """deepcomplex's layer of a row, the real op on 2C channels of the same size, and the arguments both take."""

    nd: int
    make: Callable[..., torch.nn.Module]
    real: Callable[..., torch.Tensor]
    kwargs: dict
    missing: str


UP = dict(scale_factor=2, mode="bilinear")
LAYERS: dict[str, Layer] = {
    "upsample2d": Layer(2, cnn.ComplexUpsample, F.interpolate, UP, "no upsampling"),
    "upsample2d_polar": Layer(2, lambda **kw: cnn.ComplexUpsample(polar=True, **kw), F.interpolate, UP,
                              "no polar upsampling"),
    "maxpool1d": Layer(1, cnn.ComplexMaxPool1d, F.max_pool1d, dict(kernel_size=2), "no 1-d max pooling"),
    "maxpool3d": Layer(3, cnn.ComplexMaxPool3d, F.max_pool3d, dict(kernel_size=2), "no 3-d max pooling"),
    "adaptiveavgpool3d": Layer(3, cnn.ComplexAdaptiveAvgPool3d, F.adaptive_avg_pool3d, dict(output_size=(3, 5, 7)),
                               "no 3-d adaptive average pooling"),
    "spectralpool3d": Layer(3, cnn.SpectralPool3d, None, dict(output_size=(5, 6, 7)), "no 3-d spectral pooling"),
}


def _title(row: str, kw: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kw.items())


def resampling_row(row: str, sh: dict, assemble: Callable[[str, Any, Factory, str], tuple]) -> RowSpec:
    """Row ``row`` of :data:`LAYERS` on an input of ``sh["shape"]`` (N, C, *spatial)."""
    layer = LAYERS[row]
    shape = sh["shape"]
    n, c, *spatial = shape
    kw = dict(layer.kwargs)
    if "output_size" in kw:  # fit the shape of the mode (quick shapes are tiny)
        kw["output_size"] = tuple(min(o, s) for o, s in zip(kw["output_size"], spatial))
    ours_layer = layer.make(**kw)
    impls, conventions, extra = assemble(row, ResampleCase(layer.nd, kw),
                                         lambda _: Impl(f"{type(ours_layer).__name__}({_title(row, kw)})", ours_layer),
                                         layer.missing)
    if layer.real is not None:
        real = Impl(f"F.{layer.real.__name__} on {2 * c} channels", lambda t: layer.real(t, **kw), kind="real")
    else:  # spectral pooling: torch's real FFT pair on 2C real channels, cropped alike
        dims = tuple(range(-layer.nd, 0))

        def spectral(t: torch.Tensor) -> torch.Tensor:
            spec = torch.fft.rfftn(t, dim=dims, norm="forward")
            for d, m in zip(dims[:-1], kw["output_size"][:-1]):
                spec = spec.narrow(d, 0, m)
            return torch.fft.irfftn(spec, s=kw["output_size"], dim=dims, norm="forward")
        real = Impl(f"torch.fft.rfftn / irfftn on {2 * c} real channels", spectral, kind="real")
    return RowSpec(row, "x".join(map(str, shape)) + f" {_title(row, kw)}", crandn(*shape, seed=1), impls, real,
                   rrandn(n, 2 * c, *spatial, seed=2), conventions, extra)


RESAMPLE_2D = {"full": {"shape": (32, 32, 32, 32)}, "quick": {"shape": (2, 4, 4, 4)}, "agree": {"shape": (3, 4, 6, 5)}}
SIZES = {
    "upsample2d": RESAMPLE_2D,
    "upsample2d_polar": RESAMPLE_2D,
    "maxpool1d": {"full": {"shape": (64, 32, 4096)}, "quick": {"shape": (2, 4, 16)}, "agree": {"shape": (3, 4, 20)}},
    "maxpool3d": {"full": {"shape": (8, 16, 16, 32, 32)}, "quick": {"shape": (1, 2, 4, 4, 4)},
                  "agree": {"shape": (2, 3, 4, 6, 6)}},
    "adaptiveavgpool3d": {"full": {"shape": (8, 16, 16, 32, 32)}, "quick": {"shape": (1, 2, 4, 4, 4)},
                          "agree": {"shape": (2, 3, 5, 7, 9)}},
    "spectralpool3d": {"full": {"shape": (8, 16, 16, 32, 32)}, "quick": {"shape": (1, 2, 4, 4, 4)},
                       "agree": {"shape": (2, 3, 8, 9, 10)}},
}
TITLES = {"upsample2d": "upsample 2d (bilinear)", "upsample2d_polar": "upsample 2d polar (bilinear)",
          "maxpool1d": "max pool 1d", "maxpool3d": "max pool 3d", "adaptiveavgpool3d": "adaptive avg pool 3d",
          "spectralpool3d": "spectral pool 3d"}
