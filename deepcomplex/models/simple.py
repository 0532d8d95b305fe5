"""A small complex CNN for grey images (the quick demo model): complex convs, CReLU, complex linear, real head."""
from __future__ import annotations

import torch
from torch import nn

from .. import backends
from .. import nn as cnn
from .registry import register_model


@backends.eager_under_compile
class ComplexCNN(nn.Module):
    """Real image -> complex (imaginary part 0) -> 2 x (complex conv 3x3, CReLU, pool) -> complex linear -> [Re | Im]
    -> linear."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10, width: int = 8, hidden: int = 64) -> None:
        super().__init__()
        self.features = nn.Sequential(
            cnn.ComplexConv2d(in_channels, width, 3, padding=1), cnn.CReLU(), cnn.ComplexAvgPool2d(2),
            cnn.ComplexConv2d(width, 2 * width, 3, padding=1), cnn.CReLU(), cnn.ComplexAdaptiveAvgPool2d(4),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), cnn.ComplexLinear(2 * width * 16, hidden), cnn.CReLU(),
            cnn.ComplexToReal("cat"), nn.Linear(2 * hidden, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(torch.complex(x, torch.zeros_like(x))))


@register_model
def complex_cnn_small(in_channels: int = 1, num_classes: int = 10, width: int = 8, hidden: int = 64) -> ComplexCNN:
    """Small complex CNN (about 37k real parameters at the defaults) for 8x8 to 32x32 grey images."""
    return ComplexCNN(in_channels, num_classes, width, hidden)
