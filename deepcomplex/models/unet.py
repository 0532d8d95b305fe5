"""Complex U-Net for image-to-image reconstruction (accelerated MRI) and its real twin: ``complex_unet``,
``complex_unet_real``.

The U-Net of Ronneberger et al., 2015 ("U-Net: Convolutional Networks for Biomedical Image Segmentation", MICCAI), as
fastMRI's single-coil baseline uses it (Zbontar et al., 2018, "fastMRI: An Open Dataset and Benchmarks for
Accelerated MRI", Sec. 6), with the complex layers of Deep Complex Networks (Trabelsi et al., 2018, ICLR) and a
residual connection (the network learns the correction of the zero-filled image, output = input + net(input)).

Layout, widths :math:`w_l` (``base_channels * 2**l``), :math:`D` = ``depth``:

- encoder level :math:`l = 0..D-1`: block(:math:`c_{in} \\to w_l`), then a 2x downsampling (max pooling by modulus,
  or a stride-2 3x3 convolution :math:`w_l \\to w_l`); a block = two (3x3 convolution, padding 1 -> normalization ->
  activation);
- bottleneck: block(:math:`w_{D-1} \\to w_D`);
- decoder level :math:`l = D-1..0`: 2x upsampling :math:`w_{l+1} \\to w_l` (bilinear upsampling then a 1x1
  convolution, or a 2x2 stride-2 transposed convolution), concatenation with the encoder's output of level
  :math:`l` (skip), block(:math:`2 w_l \\to w_l`);
- a final 1x1 convolution :math:`w_0 \\to` ``out_channels``.

The 3x3 convolutions of the blocks have a bias only when ``norm="none"`` (a normalization's shift replaces it); the
strided, up and final convolutions always have one. Any H, W: the input is zero-padded (bottom, right) to multiples
of :math:`2^D` and the output cropped back.

Parameter counts (real numbers; a complex one counts two): complex k x k convolution :math:`2 (k^2 c_{in} c_{out} +
c_{out} b)`, naive complex BN :math:`4c`, whitening complex BN and complex instance norm :math:`5c` (symmetric 2x2
gamma, complex beta), ModReLU :math:`c`; real convolution :math:`k^2 c_{in} c_{out} + c_{out} b`, BatchNorm2d and
GroupNorm :math:`2c`. With ``residual=True`` the last convolution starts at zero, so an untrained network returns its
input (the zero-filled image) and training learns the correction. The real twin takes
:math:`2 \\cdot` ``in_channels`` real channels (the Re parts of the input channels, then their Im parts) and returns
:math:`2 \\cdot` ``out_channels`` read the same way. Defaults (16 wide, depth 3, instance norm, CReLU, max pooling,
bilinear upsampling): ``complex_unet`` 901,090; ``complex_unet_real`` automatically sized (see ``real_unet_widths``)
to widths (22, 45, 91, 181), 901,437 (+0.04 %). The real twin's widths come within 2 % of the complex count for
depth >= 3 (base_channels >= 2) and depth 2 (base_channels >= 4); a depth-1 net has too few widths to tune.
"""
from __future__ import annotations

import itertools
import math
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .. import backends
from .. import nn as cnn
from .._validation import check_positive_ints
from ..nn.module import KindPreservingModule
from .registry import register_model

__all__ = ["ComplexUNet", "complex_unet", "complex_unet_real", "unet_parameter_count", "real_unet_widths",
           "NORMS", "ACTIVATIONS", "DOWNS", "UPS"]

NORMS = ("naive", "whitening", "instance", "none")
ACTIVATIONS = ("crelu", "modrelu")
DOWNS = ("maxpool", "stride")
UPS = ("upsample", "transpose")


def _check_options(name: str, norm: str, activation: str, down: str, up: str) -> None:
    for what, value, allowed in (("norm", norm, NORMS), ("activation", activation, ACTIVATIONS),
                                 ("down", down, DOWNS), ("up", up, UPS)):
        if value not in allowed:
            raise ValueError(f"{name}: unknown {what} {value!r}; choose from {', '.join(map(repr, allowed))}")


def unet_parameter_count(widths: Sequence[int], in_channels: int = 1, out_channels: int = 1, norm: str = "instance",
                         activation: str = "crelu", down: str = "maxpool", up: str = "upsample",
                         is_complex: bool = True) -> int:
    """Real parameters of the U-Net of per-level widths ``widths`` (length depth + 1), from the layer formulas.

    Args:
        widths: channels of encoder levels 0..depth-1 and of the bottleneck (the last).
        in_channels, out_channels: complex channels of input and output (the real twin has twice as many reals).
        norm, activation, down, up: as ``complex_unet``.
        is_complex: count the complex model (True) or its real twin (False).

    Returns:
        The count, as ``deepcomplex.models.count_parameters`` of the built model.

    Example:
        >>> unet_parameter_count((16, 32, 64, 128))
        901090
    """
    cx = 2 if is_complex else 1  # reals per weight
    block_bias = 1 if norm == "none" else 0
    norm_per_channel = {"none": 0, "naive": 4 if is_complex else 2, "whitening": 5 if is_complex else 2,
                        "instance": 5 if is_complex else 2}[norm]
    act_per_channel = 1 if (is_complex and activation == "modrelu") else 0

    def conv(k: int, cin: int, cout: int, bias: int = 1) -> int:
        return cx * (k * k * cin * cout + cout * bias)

    def block(cin: int, c: int) -> int:
        return conv(3, cin, c, block_bias) + conv(3, c, c, block_bias) + 2 * (norm_per_channel + act_per_channel) * c

    depth = len(widths) - 1
    cin = in_channels if is_complex else 2 * in_channels
    total = 0
    for level in range(depth):
        total += block(cin, widths[level])
        if down == "stride":
            total += conv(3, widths[level], widths[level])
        cin = widths[level]
    total += block(cin, widths[depth])
    for level in reversed(range(depth)):
        total += conv(2 if up == "transpose" else 1, widths[level + 1], widths[level])
        total += block(2 * widths[level], widths[level])
    return total + conv(1, widths[0], out_channels if is_complex else 2 * out_channels)


def _round(x: float) -> int:
    return max(1, int(math.floor(x + 0.5)))


def real_unet_widths(in_channels: int = 1, out_channels: int = 1, base_channels: int = 16, depth: int = 3,
                     norm: str = "instance", activation: str = "crelu", down: str = "maxpool",
                     up: str = "upsample") -> tuple[int, ...]:
    """Widths of the real twin whose parameter count is closest to ``complex_unet``'s with the same arguments.

    First the integer bases b (widths b * 2**l) are searched; when none comes within 1 % of the complex count (the
    count grows about as b^2, so consecutive integers can straddle a 2 % band), b also runs over the multiples of
    1 / 2**depth and each level's width is either integer next to b * 2**l (every combination tried). The closest
    count wins; ties go to the smaller widths.

    Returns:
        The widths, of length ``depth + 1``.

    Example:
        >>> real_unet_widths()
        (22, 45, 91, 181)
    """
    options = dict(norm=norm, activation=activation, down=down, up=up)
    target = unet_parameter_count([base_channels * 2 ** level for level in range(depth + 1)], in_channels,
                                  out_channels, **options)

    def search(step: float, both: bool) -> tuple[float, tuple[int, ...]]:
        best: tuple = (math.inf, ())
        b = step
        while True:
            ideal = [b * 2 ** level for level in range(depth + 1)]
            choices = [sorted({max(1, math.floor(x)), max(1, math.ceil(x))}) if both else [_round(x)] for x in ideal]
            counts = [(unet_parameter_count(w, in_channels, out_channels, is_complex=False, **options), w)
                      for w in itertools.product(*choices)]
            best = min([best] + [(abs(c - target) / target, w) for c, w in counts])
            if min(c for c, _ in counts) > target:  # the counts grow with b: past the target only further away
                return best
            b += step

    best = search(1.0, False)
    if best[0] > 0.01:
        best = min(best, search(1.0 / 2 ** depth, True))
    return best[1]


class _Block(nn.Sequential):
    """Two (3x3 convolution, padding 1 -> normalization -> activation)."""


@backends.eager_under_compile
class ComplexUNet(KindPreservingModule):
    """U-Net image-to-image network: complex (N, in_channels, H, W) -> complex (N, out_channels, H, W).

    ``is_complex``: complex convolutions, normalization and activations (the layout of the module docstring);
    otherwise the real twin (Re and Im as 2 * in_channels real channels, Conv2d, BatchNorm2d (GroupNorm(c, c) for
    ``'instance'``), ReLU for either
    activation, MaxPool2d, Upsample, ConvTranspose2d; 2 * out_channels reals read back as Re and Im). Takes complex64
    input (complex128 after ``.to(torch.float64)`` or ``.to(torch.complex128)``).

    Args:
        in_channels (int): complex input channels. Default: 1
        out_channels (int): complex output channels. Default: 1
        widths (sequence of int): channels of each encoder level and of the bottleneck (length depth + 1).
        norm (str): ``'naive'`` (``NaiveComplexBatchNorm2d``), ``'whitening'`` (``ComplexBatchNorm2d``),
            ``'instance'`` (``ComplexGroupNorm(c, c)``: whitening per sample and channel, as fastMRI's U-Net
            normalizes each instance; the twin's ``GroupNorm(c, c)``; the same in training and eval) or ``'none'``.
            Default: ``'instance'``
        activation (str): ``'crelu'`` or ``'modrelu'`` (one learned bias per channel). Default: ``'crelu'``
        down (str): ``'maxpool'`` (``ComplexMaxPool2d(2)``, max by modulus) or ``'stride'`` (3x3 stride-2
            convolution). Default: ``'maxpool'``
        up (str): ``'upsample'`` (bilinear ``ComplexUpsample`` then a 1x1 convolution) or ``'transpose'``
            (``ComplexConvTranspose2d(kernel_size=2, stride=2)``). Default: ``'upsample'``
        residual (bool): return input + net(input); needs in_channels == out_channels. Default: ``True``
        is_complex (bool): the complex model or its real twin. Default: ``True``
        name (str, optional): the name in error messages. Default: the registered model's name.

    Shape:
        - Input: :math:`(N, C_{in}, H, W)`, complex, any :math:`H, W \\ge 1`.
        - Output: :math:`(N, C_{out}, H, W)`, complex.

    Example:
        >>> net = ComplexUNet(widths=(4, 8, 16))
        >>> net(torch.randn(2, 1, 15, 20, dtype=torch.complex64)).shape
        torch.Size([2, 1, 15, 20])
    """

    def __init__(self, in_channels: int = 1, out_channels: int = 1, widths: Sequence[int] = (16, 32, 64, 128),
                 norm: str = "instance", activation: str = "crelu", down: str = "maxpool", up: str = "upsample",
                 residual: bool = True, is_complex: bool = True, name: Optional[str] = None) -> None:
        super().__init__()
        self.name = name or ("complex_unet" if is_complex else "complex_unet_real")
        widths = tuple(widths)
        check_positive_ints(self.name, in_channels=in_channels, out_channels=out_channels)
        if len(widths) < 2:
            raise ValueError(f"{self.name}: widths needs depth + 1 >= 2 entries, got {widths}")
        check_positive_ints(self.name, **{f"widths[{i}]": w for i, w in enumerate(widths)})
        _check_options(self.name, norm, activation, down, up)
        if residual and in_channels != out_channels:
            raise ValueError(f"{self.name}: residual=True adds the input to the output and needs in_channels == "
                             f"out_channels, got {in_channels} and {out_channels}; pass residual=False")
        self.in_channels, self.out_channels, self.widths = in_channels, out_channels, widths
        self.depth, self.residual, self.is_complex = len(widths) - 1, residual, is_complex
        self.norm, self.activation, self.down_mode, self.up_mode = norm, activation, down, up
        cin = in_channels if is_complex else 2 * in_channels
        self.encoder, self.down = nn.ModuleList(), nn.ModuleList()
        for w in widths[:-1]:
            self.encoder.append(self._block(cin, w))
            self.down.append(self._down(w))
            cin = w
        self.bottleneck = self._block(cin, widths[-1])
        self.up, self.decoder = nn.ModuleList(), nn.ModuleList()
        for level in reversed(range(self.depth)):
            self.up.append(self._up(widths[level + 1], widths[level]))
            self.decoder.append(self._block(2 * widths[level], widths[level]))
        self.head = self._conv(widths[0], out_channels if is_complex else 2 * out_channels, 1)
        if residual:  # start as the identity (output = input): training learns the correction from there
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)

    # -- layer makers ----------------------------------------------------------------------------------------------
    def _conv(self, cin: int, cout: int, k: int, stride: int = 1, bias: bool = True) -> nn.Module:
        conv = cnn.ComplexConv2d if self.is_complex else nn.Conv2d
        return conv(cin, cout, k, stride, k // 2, bias=bias)

    def _block(self, cin: int, c: int) -> nn.Module:
        layers = []
        for i in range(2):
            layers.append(self._conv(cin if i == 0 else c, c, 3, bias=self.norm == "none"))
            if self.norm == "instance":  # per sample and channel: group norm with one channel per group
                layers.append(cnn.ComplexGroupNorm(c, c) if self.is_complex else nn.GroupNorm(c, c))
            elif self.norm != "none":
                layers.append(nn.BatchNorm2d(c) if not self.is_complex else (
                    cnn.NaiveComplexBatchNorm2d(c) if self.norm == "naive" else cnn.ComplexBatchNorm2d(c)))
            layers.append(nn.ReLU() if not self.is_complex else (
                cnn.CReLU() if self.activation == "crelu" else cnn.ModReLU(c)))
        return _Block(*layers)

    def _down(self, c: int) -> nn.Module:
        if self.down_mode == "stride":
            return self._conv(c, c, 3, stride=2)
        return cnn.ComplexMaxPool2d(2) if self.is_complex else nn.MaxPool2d(2)

    def _up(self, cin: int, cout: int) -> nn.Module:
        if self.up_mode == "transpose":
            return (cnn.ComplexConvTranspose2d if self.is_complex else nn.ConvTranspose2d)(cin, cout, 2, stride=2)
        up = (cnn.ComplexUpsample if self.is_complex else nn.Upsample)(scale_factor=2, mode="bilinear",
                                                                          align_corners=False)
        return nn.Sequential(up, self._conv(cin, cout, 1))

    # -- forward ---------------------------------------------------------------------------------------------------
    def _check_input(self, x) -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{self.name} expects a complex tensor (N, C, H, W), got {type(x).__name__}")
        param = self.head.weight
        want = param.dtype if param.is_complex() else {torch.float32: torch.complex64,
                                                        torch.float64: torch.complex128}.get(param.dtype)
        if not x.is_complex():
            raise TypeError(f"{self.name} expects a complex image tensor ({want}), got {x.dtype}; a real image x "
                            f"becomes torch.complex(x, torch.zeros_like(x))")
        if x.dtype != want:
            raise TypeError(f"{self.name} expects {want} input (its parameters' precision), got {x.dtype}; convert "
                            f"explicitly")
        if x.dim() != 4:
            raise ValueError(f"{self.name} expects a 4D input (N, C, H, W), got {x.dim()}D input of shape "
                             f"{tuple(x.shape)}")
        if x.shape[1] != self.in_channels:
            raise ValueError(f"{self.name} expects {self.in_channels} input channels (in_channels), got "
                             f"{x.shape[1]} (input of shape {tuple(x.shape)})")
        if x.numel() == 0:
            raise ValueError(f"{self.name} expects a non-empty input, got shape {tuple(x.shape)}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        h, w = x.shape[-2:]
        m = 2 ** self.depth
        pad_h, pad_w = -h % m, -w % m
        z = F.pad(x, (0, pad_w, 0, pad_h)) if pad_h or pad_w else x
        if not self.is_complex:
            z = torch.cat([z.real, z.imag], 1)
        skips = []
        for block, down in zip(self.encoder, self.down):
            z = block(z)
            skips.append(z)
            z = down(z)
        z = self.bottleneck(z)
        for up, block in zip(self.up, self.decoder):
            z = block(torch.cat([skips.pop(), up(z)], 1))
        z = self.head(z)
        if not self.is_complex:
            z = torch.complex(z[:, :self.out_channels], z[:, self.out_channels:])
        z = z[..., :h, :w]
        return x + z if self.residual else z

    def extra_repr(self) -> str:
        return (f"in_channels={self.in_channels}, out_channels={self.out_channels}, widths={self.widths}, "
                f"norm={self.norm!r}, activation={self.activation!r}, down={self.down_mode!r}, "
                f"up={self.up_mode!r}, residual={self.residual}")


def _example_image(batch: int, in_channels: int = 1, **kwargs) -> torch.Tensor:
    """A batch of complex 32 x 32 images (N, in_channels, 32, 32), as the reconstruction task feeds the models."""
    return torch.randn(batch, in_channels, 32, 32, dtype=torch.complex64)


@register_model(example_input=_example_image)
def complex_unet(in_channels: int = 1, out_channels: int = 1, base_channels: int = 16, depth: int = 3,
                 norm: str = "instance", activation: str = "crelu", down: str = "maxpool", up: str = "upsample",
                 residual: bool = True) -> ComplexUNet:
    """Complex U-Net for image reconstruction, widths base_channels * 2**level (901,090 real parameters at the
    defaults); see ``deepcomplex.models.unet``."""
    check_positive_ints("complex_unet", base_channels=base_channels, depth=depth)
    widths = [base_channels * 2 ** level for level in range(depth + 1)]
    return ComplexUNet(in_channels, out_channels, widths, norm, activation, down, up, residual, True, "complex_unet")


@register_model(example_input=_example_image)
def complex_unet_real(in_channels: int = 1, out_channels: int = 1, base_channels: Optional[int] = 16,
                      depth: int = 3, norm: str = "instance", activation: str = "crelu", down: str = "maxpool",
                      up: str = "upsample", residual: bool = True,
                      widths: Optional[Sequence[int]] = None) -> ComplexUNet:
    """Real twin of complex_unet (Re/Im as channels; real Conv2d, BatchNorm2d for either norm, ReLU for either
    activation), sized to the complex_unet built with the same arguments: its widths are ``real_unet_widths`` of
    them, within 2 % of its parameter count (901,437 against 901,090 at the defaults); ``base_channels`` is the
    complex model's (None: 16). ``widths`` (length depth + 1) sets the real widths explicitly instead."""
    name = "complex_unet_real"
    base_channels = 16 if base_channels is None else base_channels
    check_positive_ints(name, base_channels=base_channels, depth=depth)
    _check_options(name, norm, activation, down, up)
    if widths is None:
        widths = real_unet_widths(in_channels, out_channels, base_channels, depth, norm, activation, down, up)
    elif len(widths) != depth + 1:
        raise ValueError(f"{name}: widths needs depth + 1 = {depth + 1} entries, got {tuple(widths)}")
    return ComplexUNet(in_channels, out_channels, widths, norm, activation, down, up, residual, False, name)
