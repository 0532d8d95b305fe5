"""CoShNet (Ko et al., 2022): the fixed CoShRem front end followed by a small complex CNN."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import backends
from .. import init as cinit
from .. import nn as cnn
from ..functional.pooling import real_avg_pool2d, tiles_2x2
from ..functional.split import dcf_kernels
from ..shearlet import ComplexShearlet2d
from ..shearlet.transform import real_parts_to_complex
from .registry import register_model

# CoShNet's input normalization, applied to x / 255 before padding 28 x 28 to 32 x 32 (its code's constants).
COSHNET_MEAN, COSHNET_STD = 0.5042909979820251, 1.1458107233047485


@backends.eager_under_compile
class _CoShNet(nn.Module):
    """The part every CoShNet shares: preprocessing and the fixed CoShRem front end; subclasses set the two stages.

    With ``fuse_frontend`` (the default) the front end and the first convolution run as one FFT filter per output
    channel (``ComplexShearlet2d.conv2d``): the same function, far fewer operations, since the front end is fixed.
    """

    features: nn.Module
    classifier: nn.Module

    def __init__(self, shear: str, image_size: int, padded_size: int, fuse_frontend: bool) -> None:
        super().__init__()
        self.fuse_frontend = fuse_frontend
        self.pad = (padded_size - image_size) // 2, padded_size - image_size - (padded_size - image_size) // 2
        self.frontend = ComplexShearlet2d(padded_size, shear=shear)
        self.side = ((padded_size - 4) // 2 - 4) // 2  # after two valid 5x5 convs and two 2x2 pools

    def preprocess(self, x: torch.Tensor) -> torch.Tensor:
        """x / 255 in [0, 1] -> normalized with CoShNet's constants -> zero-padded to the front end's size."""
        l, r = self.pad
        return F.pad((x - COSHNET_MEAN) / COSHNET_STD, (l, r, l, r))

    def stem(self, x: torch.Tensor) -> torch.Tensor:
        """Preprocessing, the front end and the first block (convolution, CReLU, pooling): the input of
        ``features[3:]``. Fused, the convolution is one FFT filter per output channel and CReLU and pooling act on
        the real parts."""
        x = self.preprocess(x)
        if not self.fuse_frontend:
            return self.features[:3](self.frontend(x))
        weight, bias = _real_channel_kernel(self.features[0])
        # CReLU and average pooling act on Re and Im alike: run them on the real parts, where they are cheapest
        pool = self.features[2]
        plain = not pool.ceil_mode and pool.divisor_override is None
        if plain and tiles_2x2(pool.kernel_size, pool.stride, pool.padding):
            return real_parts_to_complex(self.frontend.conv2d(x, weight, bias, real_parts=True, relu_pool=True))
        parts = self.frontend.conv2d(x, weight, bias, real_parts=True)
        parts = real_avg_pool2d(F.relu(parts), pool.kernel_size, pool.stride, pool.padding, pool.ceil_mode,
                                pool.count_include_pad, pool.divisor_override)
        return real_parts_to_complex(parts)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features[3:](self.stem(x)))


def _real_channel_kernel(conv: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """The first convolution as a complex (O, 2C, k, k) kernel on the real channels [Re C | Im C], and its bias."""
    if conv.stride not in (1, (1, 1)) or conv.padding not in (0, (0, 0)):
        raise ValueError(f"fuse_frontend needs a first convolution with stride 1 and no padding, got stride="
                         f"{conv.stride}, padding={conv.padding}; build the model with fuse_frontend=False")
    if isinstance(conv, cnn.ComplexConv2d):
        w, b = conv.weight, conv.bias
        return torch.cat((w, 1j * w), 1), b
    w = dcf_kernels(conv.weight, conv.bases)
    b = torch.complex(conv.bias[0], conv.bias[1]) if conv.bias is not None else None
    return torch.complex(torch.cat((w[0], torch.zeros_like(w[1])), 1), torch.cat((torch.zeros_like(w[0]), w[1]), 1)), b


class CoShNetBase(_CoShNet):
    """CoShNet base (Ko et al., 2022, Fig. 3): CoShRem (20 complex channels at 32 x 32) -> complex conv 5x5 20->30 ->
    CReLU -> avg pool 2 -> complex conv 5x5 30->50 -> CReLU -> avg pool 2 -> complex linear 1250->500 -> CReLU ->
    complex linear 500->10 -> CReLU -> [Re | Im] -> real linear 20->10. 1,366,390 real parameters.

    Input: (N, 1, 28, 28) images in [0, 1]. Complex weights start from the Rayleigh init with the Glorot criterion and
    complex biases from U(+-1/sqrt(fan_in)) per part, as the CoShNet code does.
    """

    def __init__(self, num_classes: int = 10, shear: str = "exact", image_size: int = 28, padded_size: int = 32,
                 fuse_frontend: bool = True) -> None:
        super().__init__(shear, image_size, padded_size, fuse_frontend)
        k = self.frontend.num_filters
        self.features = nn.Sequential(
            cnn.ComplexConv2d(k, 30, 5), cnn.CReLU(), cnn.ComplexAvgPool2d(2),
            cnn.ComplexConv2d(30, 50, 5), cnn.CReLU(), cnn.ComplexAvgPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), cnn.ComplexLinear(50 * self.side ** 2, 500), cnn.CReLU(),
            cnn.ComplexLinear(500, num_classes), cnn.CReLU(),
            cnn.ComplexToReal("cat"), nn.Linear(2 * num_classes, num_classes),
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for m in self.modules():
            if isinstance(m, (cnn.ComplexConv2d, cnn.ComplexLinear)):
                cinit.complex_rayleigh_(m.weight, "glorot")
                cinit.complex_bias_uniform_(m.bias, cinit.calculate_fans(m.weight)[0])


class CoShNetTiny(_CoShNet):
    """CoShNet tiny (Ko et al., 2022, Sec. 4.2; 49,990 real parameters): CoShNet base with split DCF convolutions
    (3 fixed Fourier-Bessel functions per 5x5 kernel) and a split rank-8 tensor-train fc1 ((50, 25) -> (20, 25)).

    fc1 starts from the TT-SVD of a Rayleigh/Glorot dense layer, the DCF coefficients from DCFNet's He init; fc2 and the
    head are initialised as in the base model.
    """

    def __init__(self, num_classes: int = 10, shear: str = "exact", image_size: int = 28, padded_size: int = 32,
                 num_bases: int = 3, tt_rank: int = 8, fuse_frontend: bool = True) -> None:
        super().__init__(shear, image_size, padded_size, fuse_frontend)
        k = self.frontend.num_filters
        self.features = nn.Sequential(
            cnn.SplitDCFConv2d(k, 30, 5, num_bases), cnn.CReLU(), cnn.ComplexAvgPool2d(2),
            cnn.SplitDCFConv2d(30, 50, 5, num_bases), cnn.CReLU(), cnn.ComplexAvgPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), cnn.SplitTTLinear((50, self.side ** 2), (20, 25), tt_rank), cnn.CReLU(),
            cnn.ComplexLinear(500, num_classes), cnn.CReLU(),
            cnn.ComplexToReal("cat"), nn.Linear(2 * num_classes, num_classes),
        )
        fc2 = self.classifier[3]
        cinit.complex_rayleigh_(fc2.weight, "glorot")
        cinit.complex_bias_uniform_(fc2.bias, cinit.calculate_fans(fc2.weight)[0])


@register_model
def coshnet_base(num_classes: int = 10, shear: str = "exact", fuse_frontend: bool = True) -> CoShNetBase:
    """CoShNet base for 28 x 28 grey images; ``shear="coshrem"`` uses the CoShNet code's (near-duplicate) filters."""
    return CoShNetBase(num_classes, shear, fuse_frontend=fuse_frontend)


@register_model
def coshnet_tiny(num_classes: int = 10, shear: str = "exact", fuse_frontend: bool = True) -> CoShNetTiny:
    """CoShNet tiny (49,990 parameters) for 28 x 28 grey images; ``shear="coshrem"`` uses the CoShNet code's filters."""
    return CoShNetTiny(num_classes, shear, fuse_frontend=fuse_frontend)
