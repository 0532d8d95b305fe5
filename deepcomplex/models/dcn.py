"""Deep Complex Networks' vision ResNets (Trabelsi et al., 2018, Sec. 4.1) and their real twins.

The layout of the original code: the input's imaginary part is learned from the real image (BN -> ReLU -> 1x1 conv,
twice), the first 3x3 convolution is followed by BN and the activation, then three stages of pre-activation residual
blocks (BN -> act -> 3x3 conv, twice). The first block of stages 2 and 3 is a projection block: its first convolution
has stride 2 and its output is concatenated (channels) with a strided 1x1 projection of its input, doubling the width.
Global average pooling and a real linear layer on [Re | Im] make the head. Sizes (filters per stage 1, blocks per
stage), about 1.7M real parameters each: complex WS (12, 16), DN (10, 23), IB (11, 19). The real twins use the same
layout with real layers and are sized to the complex model's parameter count (within 2 %): WS (17, 16), DN (14, 24),
IB (16, 18). The paper's real sizes, WS (18, 14), DN (14, 23), IB (16, 18), come out 2.6 % and 2.4 % smaller than
their complex WS and DN models in this layout; ``filters=`` and ``blocks=`` select them (or any other size).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .. import backends
from .. import init as cinit
from .. import nn as cnn
from .registry import register_model

ACTIVATIONS = ("crelu", "modrelu", "zrelu")
NORMALIZATIONS = ("whitening", "naive")
# Keras's BatchNormalization(momentum=0.9, epsilon=1e-4) of the original code, in torch's convention
_BN = {"eps": 1e-4, "momentum": 0.1}


class _Builder:
    """Makes the layers of one model kind: complex (with an activation and normalization choice) or real."""

    def __init__(self, is_complex: bool, activation: str = "crelu", normalization: str = "whitening") -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose from {', '.join(ACTIVATIONS)}")
        if normalization not in NORMALIZATIONS:
            raise ValueError(f"unknown normalization {normalization!r}; choose from {', '.join(NORMALIZATIONS)}")
        self.is_complex, self.activation, self.normalization = is_complex, activation, normalization

    def conv(self, cin: int, cout: int, k: int, stride: int = 1) -> nn.Module:
        if self.is_complex:
            conv = cnn.ComplexConv2d(cin, cout, k, stride, k // 2, bias=False)
            cinit.complex_independent_(conv.weight, "he")  # the original code's default for convolutions
            return conv
        conv = nn.Conv2d(cin, cout, k, stride, k // 2, bias=False)
        nn.init.orthogonal_(conv.weight, math.sqrt(2.0))
        return conv

    def norm(self, c: int) -> nn.Module:
        if not self.is_complex:
            return nn.BatchNorm2d(c, **_BN)
        if self.normalization == "naive":
            return cnn.NaiveComplexBatchNorm2d(c, **_BN)
        return cnn.ComplexBatchNorm2d(c, **_BN)

    def act(self, c: int) -> nn.Module:
        if not self.is_complex:
            return nn.ReLU()
        return {"crelu": lambda: cnn.CReLU(), "zrelu": lambda: cnn.ZReLU(),
                "modrelu": lambda: cnn.ModReLU(c)}[self.activation]()


class ResidualBlock(nn.Module):
    """Pre-activation block: y = x + conv(act(bn(conv(act(bn(x)))))); a projection block halves the resolution and
    returns [1x1 strided projection of x | block output] along the channels."""

    def __init__(self, make: _Builder, cin: int, width: int, projection: bool = False) -> None:
        super().__init__()
        stride = 2 if projection else 1
        self.branch = nn.Sequential(make.norm(cin), make.act(cin), make.conv(cin, width, 3, stride),
                                    make.norm(width), make.act(width), make.conv(width, width, 3))
        self.projection = make.conv(cin, width, 1, 2) if projection else None
        if not projection and cin != width:
            raise ValueError(f"a regular residual block keeps its width: got {cin} -> {width}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.branch(x)
        if self.projection is None:
            return out + x
        return torch.cat([self.projection(x), out], 1)


@backends.eager_under_compile
class DCNResNet(nn.Module):
    """The DCN ResNet (complex, or its real twin with ``is_complex=False``) for (N, in_channels, H, W) real images."""

    def __init__(self, filters: int, blocks: int, in_channels: int = 3, num_classes: int = 10, is_complex: bool = True,
                 activation: str = "crelu", normalization: str = "whitening") -> None:
        super().__init__()
        if blocks < 1 or filters < 1:
            raise ValueError(f"DCNResNet needs at least one block and one filter, got blocks={blocks}, "
                             f"filters={filters}")
        make = _Builder(is_complex, activation, normalization)
        self.is_complex = is_complex
        # the learned imaginary part (also in the real twin, whose input is then [x | learned])
        self.learn_imag = nn.Sequential(
            nn.BatchNorm2d(in_channels, **_BN), nn.ReLU(), nn.Conv2d(in_channels, in_channels, 1, bias=False),
            nn.BatchNorm2d(in_channels, **_BN), nn.ReLU(), nn.Conv2d(in_channels, in_channels, 1, bias=False))
        for m in self.learn_imag:
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
        stem_in = in_channels if is_complex else 2 * in_channels
        self.stem = nn.Sequential(make.conv(stem_in, filters, 3), make.norm(filters), make.act(filters))
        stages, width = [], filters
        for stage in range(3):
            layers = []
            for b in range(blocks):
                projection = stage > 0 and b == 0
                layers.append(ResidualBlock(make, width, width, projection))
                if projection:
                    width *= 2
            stages.append(nn.Sequential(*layers))
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1) if not is_complex else cnn.ComplexAdaptiveAvgPool2d(1)
        self.head = nn.Linear(2 * width if is_complex else width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        imag = self.learn_imag(x)
        h = torch.complex(x, imag) if self.is_complex else torch.cat([x, imag], 1)
        h = self.pool(self.stages(self.stem(h))).flatten(1)
        if self.is_complex:
            h = torch.cat([h.real, h.imag], 1)
        return self.head(h)


SIZES = {"ws": (12, 16), "dn": (10, 23), "ib": (11, 19)}
REAL_SIZES = {"ws": (17, 16), "dn": (14, 24), "ib": (16, 18)}  # the complex model's parameter count, within 2 %
PAPER_REAL_SIZES = {"ws": (18, 14), "dn": (14, 23), "ib": (16, 18)}  # Trabelsi et al.'s real models


def _complex_factory(size: str):
    default_filters, default_blocks = SIZES[size]

    def factory(in_channels: int = 3, num_classes: int = 10, activation: str = "crelu",
                normalization: str = "whitening", filters: int = default_filters,
                blocks: int = default_blocks) -> DCNResNet:
        return DCNResNet(filters, blocks, in_channels, num_classes, True, activation, normalization)

    factory.__name__ = f"dcn_resnet_{size}"
    factory.__doc__ = (f"Complex DCN ResNet {size.upper()} ({default_filters} complex filters in stage 1, "
                       f"{default_blocks} blocks per "
                       f"stage; Trabelsi et al., Sec. 4.1); activation in {ACTIVATIONS}, normalization in "
                       f"{NORMALIZATIONS}.")
    return factory


def _real_factory(size: str):
    default_filters, default_blocks = REAL_SIZES[size]

    def factory(in_channels: int = 3, num_classes: int = 10, filters: int = default_filters,
                blocks: int = default_blocks) -> DCNResNet:
        return DCNResNet(filters, blocks, in_channels, num_classes, False)

    factory.__name__ = f"dcn_resnet_{size}_real"
    paper_filters, paper_blocks = PAPER_REAL_SIZES[size]
    factory.__doc__ = (f"Real twin of DCN ResNet {size.upper()} ({default_filters} filters in stage 1, "
                       f"{default_blocks} blocks per stage: the complex model's parameter count within 2 %), the same "
                       f"layout with real layers; the paper's real model is filters={paper_filters}, "
                       f"blocks={paper_blocks}.")
    return factory


for _size in SIZES:
    register_model(_complex_factory(_size))
    register_model(_real_factory(_size))
