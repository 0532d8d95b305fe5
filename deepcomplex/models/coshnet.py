"""CoShNet (Ko et al., 2022): the fixed CoShRem front end followed by a small complex CNN."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import init as cinit
from .. import nn as cnn
from ..shearlet import ComplexShearlet2d
from .registry import register_model

# CoShNet's input normalization, applied to x / 255 before padding 28 x 28 to 32 x 32 (its code's constants).
COSHNET_MEAN, COSHNET_STD = 0.5042909979820251, 1.1458107233047485


class CoShNetBase(nn.Module):
    """CoShNet base (Ko et al., 2022, Fig. 3): CoShRem (20 complex channels at 32 x 32) -> complex conv 5x5 20->30 ->
    CReLU -> avg pool 2 -> complex conv 5x5 30->50 -> CReLU -> avg pool 2 -> complex linear 1250->500 -> CReLU ->
    complex linear 500->10 -> CReLU -> [Re | Im] -> real linear 20->10. 1,366,390 real parameters.

    Input: (N, 1, 28, 28) images in [0, 1]. Complex weights start from the Rayleigh init with the Glorot criterion and
    complex biases from U(+-1/sqrt(fan_in)) per part, as the CoShNet code does.
    """

    def __init__(self, num_classes: int = 10, shear: str = "exact", image_size: int = 28, padded_size: int = 32) -> None:
        super().__init__()
        self.pad = (padded_size - image_size) // 2, padded_size - image_size - (padded_size - image_size) // 2
        self.frontend = ComplexShearlet2d(padded_size, shear=shear)
        k = self.frontend.num_filters
        self.features = nn.Sequential(
            cnn.ComplexConv2d(k, 30, 5), cnn.CReLU(), cnn.ComplexAvgPool2d(2),
            cnn.ComplexConv2d(30, 50, 5), cnn.CReLU(), cnn.ComplexAvgPool2d(2),
        )
        side = ((padded_size - 4) // 2 - 4) // 2
        self.classifier = nn.Sequential(
            nn.Flatten(), cnn.ComplexLinear(50 * side * side, 500), cnn.CReLU(),
            cnn.ComplexLinear(500, num_classes), cnn.CReLU(),
            cnn.ComplexToReal("cat"), nn.Linear(2 * num_classes, num_classes),
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for m in self.modules():
            if isinstance(m, (cnn.ComplexConv2d, cnn.ComplexLinear)):
                cinit.complex_rayleigh_(m.weight, "glorot")
                cinit.complex_bias_uniform_(m.bias, cinit.calculate_fans(m.weight)[0])

    def preprocess(self, x: torch.Tensor) -> torch.Tensor:
        """x / 255 in [0, 1] -> normalized with CoShNet's constants -> zero-padded to the front end's size."""
        l, r = self.pad
        return F.pad((x - COSHNET_MEAN) / COSHNET_STD, (l, r, l, r))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(self.frontend(self.preprocess(x))))


@register_model
def coshnet_base(num_classes: int = 10, shear: str = "exact") -> CoShNetBase:
    """CoShNet base for 28 x 28 grey images; ``shear="coshrem"`` uses the CoShNet code's (near-duplicate) filters."""
    return CoShNetBase(num_classes, shear)
