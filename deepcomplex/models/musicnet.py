"""Deep Complex Networks' MusicNet models (Trabelsi et al., 2018, Sec. 4.2): automatic music transcription of
4096-sample windows of 11 kHz audio into the 84 notes MIDI 21..104 sounding at the window's centre.

All four take float32 waveform windows (N, 1, window) and return logits (N, num_notes), to be trained with
BCEWithLogitsLoss (the original's sigmoid + binary cross-entropy); the output bias starts at -5, as in the original
code. The layouts follow the original Keras code (musicnet/models in the DCN repository):

* ``musicnet_shallow_real``: conv(64 filters, kernel 512, stride 16) + ReLU on the raw waveform -> max pool(4, 2) ->
  dense 2048 + ReLU -> dense 84. 14,755,988 parameters at window 4096.
* ``musicnet_shallow``: the waveform as a complex signal with zero imaginary part -> complex conv(32 complex filters,
  kernel 512, stride 16) + CReLU -> average pool(4, 2) of Re and Im -> complex dense 2048 + CReLU -> complex dense 84,
  whose real part gives the logits. 14,930,152 real parameters. (The original code's data pipeline hands this model a
  one-channel real input where its complex layers expect [Re | Im] channels; zero imaginary part is our reading.)
* ``musicnet_deep``: the 4096-point FFT of the window as one complex channel (no log, no normalization) -> 6 complex
  conv1d (16, 32, 64, 64, 128, 128 filters, kernels 6, 3, 3, 3, 3, 3, strides 2, 2, 1, 1, 1, 1, 'same' padding as
  Keras/TensorFlow pads: ceil(n / stride) outputs, any odd padding sample on the right); complex BN -> CReLU -> average
  pool 2 after layers 1-4 and 6, CReLU only after layer 5 -> [Re | Im] flattened (128 x 32 x 2 = 8192) -> dense 2048 +
  ReLU -> dense 84. 17,141,348 trainable real parameters (the paper's 17.14M; 1,520 more, 17,142,868, counting the
  complex BNs' running statistics as Keras's count_params does).
* ``musicnet_deep_real``: |FFT| of the window -> 6 real conv1d (64, 64, 128, 128, 256, 256 filters, valid padding), BN
  -> ReLU -> max pool 2 after layers 1-4 and 6, ReLU only after layer 5 -> flatten (256 x 18) -> dense 2048 + ReLU ->
  dense 84. The original code's first layer has kernel 7 and stride 3 (the others kernel 3, strides 2, 1, 1, 1, 1);
  this is what gives the paper's 10.0M: 9,994,900 trainable parameters (9,996,180 with the BNs' running statistics).
  With the complex model's kernel 6 / stride 2 it would have 15.8M.

Initialisation as the original: complex convolutions of the deep model complex-independent (He criterion), the other
complex layers Rayleigh/He (this package's default), real kernels Glorot normal except the output layers (Glorot
uniform, Keras's default), biases zero except the output's -5. Batch norm as Keras's defaults: real BN momentum 0.01
and eps 1e-3 in torch's convention, complex BN momentum 0.1 and eps 1e-4.
"""
from __future__ import annotations

import itertools

import torch
from torch import nn

from .. import backends
from .. import init as cinit
from .. import nn as cnn
from ..layers import KerasSamePad1d, same_length, valid_length
from .registry import register_model

NUM_NOTES = 84
WINDOW = 4096
OUTPUT_BIAS = -5.0
_REAL_BN = {"eps": 1e-3, "momentum": 0.01}  # Keras BatchNormalization(momentum=0.99, epsilon=1e-3)
_COMPLEX_BN = {"eps": 1e-4, "momentum": 0.1}  # complexnn ComplexBN(momentum=0.9, epsilon=1e-4)


class _MusicNetModel(nn.Module):
    """Common input check and output layer of the MusicNet models."""

    name = "musicnet"

    def __init__(self, window: int, num_notes: int) -> None:
        super().__init__()
        for arg, value in (("window", window), ("num_notes", num_notes)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{self.name}: {arg} must be a positive integer, got {value!r}")
        self.window, self.num_notes = window, num_notes

    @classmethod
    def _feature_length(cls, n: int) -> int:
        """Length of the feature maps the dense head sees, for a window of n samples (the deep models)."""
        raise NotImplementedError

    def _min_window(self) -> int:
        """The shortest window whose feature maps are not empty (lengths only grow with the window)."""
        return next(w for w in itertools.count(1) if self._feature_length(w) >= 1)

    def _too_small(self, minimum: int) -> None:
        if self.window < minimum:
            raise ValueError(f"{self.name}: window {self.window} is too short for its layers; it needs at least "
                             f"{minimum} samples (the paper uses {WINDOW})")

    def _check_input(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.dim() != 3 or x.shape[1] != 1 \
                or x.shape[2] != self.window:
            what = (f"a {x.dim()}-D {x.dtype} tensor of shape {tuple(x.shape)}" if isinstance(x, torch.Tensor)
                    else f"a {type(x).__name__}")
            raise ValueError(f"{self.name}: expected real float waveform windows of shape (N, 1, {self.window}), got "
                             f"{what}")

    @staticmethod
    def _output_layer(layer: nn.Module) -> nn.Module:
        with torch.no_grad():
            layer.bias.fill_(OUTPUT_BIAS)
        return layer


def _glorot_normal(layer: nn.Module) -> nn.Module:
    nn.init.xavier_normal_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def _glorot_uniform(layer: nn.Module) -> nn.Module:
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


class ShallowReal(_MusicNetModel):
    """Conv(64, kernel 512, stride 16) + ReLU -> max pool(4, 2) -> dense 2048 + ReLU -> dense num_notes."""

    name = "musicnet_shallow_real"

    def __init__(self, window: int = WINDOW, num_notes: int = NUM_NOTES, filters: int = 64, kernel: int = 512,
                 stride: int = 16, hidden: int = 2048) -> None:
        super().__init__(window, num_notes)
        self._too_small(kernel + 3 * stride)
        length = valid_length(valid_length(window, kernel, stride), 4, 2)
        self.features = nn.Sequential(_glorot_normal(nn.Conv1d(1, filters, kernel, stride)), nn.ReLU(),
                                      nn.MaxPool1d(4, 2), nn.Flatten())
        self.classifier = nn.Sequential(_glorot_normal(nn.Linear(filters * length, hidden)), nn.ReLU(),
                                        self._output_layer(_glorot_uniform(nn.Linear(hidden, num_notes))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        return self.classifier(self.features(x))


@backends.eager_under_compile
class ShallowComplex(_MusicNetModel):
    """Waveform + 0i -> complex conv(32, kernel 512, stride 16) + CReLU -> avg pool(4, 2) -> complex dense 2048 + CReLU
    -> complex dense num_notes -> real part."""

    name = "musicnet_shallow"

    def __init__(self, window: int = WINDOW, num_notes: int = NUM_NOTES, filters: int = 32, kernel: int = 512,
                 stride: int = 16, hidden: int = 2048) -> None:
        super().__init__(window, num_notes)
        self._too_small(kernel + 3 * stride)
        length = valid_length(valid_length(window, kernel, stride), 4, 2)
        self.features = nn.Sequential(cnn.ComplexConv1d(1, filters, kernel, stride), cnn.CReLU(),
                                      cnn.ComplexAvgPool1d(4, 2), nn.Flatten())
        self.classifier = nn.Sequential(cnn.ComplexLinear(filters * length, hidden), cnn.CReLU(),
                                        self._output_layer(cnn.ComplexLinear(hidden, num_notes)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        return self.classifier(self.features(torch.complex(x, torch.zeros_like(x)))).real


@backends.eager_under_compile
class DeepComplex(_MusicNetModel):
    """FFT -> 6 complex convs ('same') with complex BN, CReLU and average pooling -> dense 2048 + ReLU -> dense."""

    name = "musicnet_deep"
    FILTERS, KERNELS, STRIDES = (16, 32, 64, 64, 128, 128), (6, 3, 3, 3, 3, 3), (2, 2, 1, 1, 1, 1)
    BLOCKS = (True, True, True, True, False, True)  # BN -> CReLU -> pool after the layer; False: CReLU only

    def __init__(self, window: int = WINDOW, num_notes: int = NUM_NOTES, hidden: int = 2048) -> None:
        super().__init__(window, num_notes)
        self._too_small(self._min_window())
        layers, cin = [], 1
        for cout, k, s, block in zip(self.FILTERS, self.KERNELS, self.STRIDES, self.BLOCKS):
            conv = cnn.ComplexConv1d(cin, cout, k, s)
            cinit.complex_independent_(conv.weight, "he")
            layers += [KerasSamePad1d(k, s), conv]
            if block:
                layers += [cnn.ComplexBatchNorm1d(cout, **_COMPLEX_BN), cnn.CReLU(), cnn.ComplexAvgPool1d(2)]
            else:
                layers.append(cnn.CReLU())
            cin = cout
        n = self._feature_length(window)
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(_glorot_normal(nn.Linear(2 * cin * n, hidden)), nn.ReLU(),
                                        self._output_layer(_glorot_uniform(nn.Linear(hidden, num_notes))))

    @classmethod
    def _feature_length(cls, n: int) -> int:
        for s, block in zip(cls.STRIDES, cls.BLOCKS):
            n = same_length(n, s) // (2 if block else 1)
        return n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        h = self.features(torch.fft.fft(x.to(torch.float32)))  # (N, 1, window) complex64: one complex channel
        return self.classifier(torch.cat([h.real, h.imag], 1).flatten(1))


class DeepReal(_MusicNetModel):
    """|FFT| -> 6 real convs ('valid') with BN, ReLU and max pooling -> dense 2048 + ReLU -> dense."""

    name = "musicnet_deep_real"
    FILTERS, KERNELS, STRIDES = (64, 64, 128, 128, 256, 256), (7, 3, 3, 3, 3, 3), (3, 2, 1, 1, 1, 1)
    BLOCKS = DeepComplex.BLOCKS

    def __init__(self, window: int = WINDOW, num_notes: int = NUM_NOTES, hidden: int = 2048) -> None:
        super().__init__(window, num_notes)
        self._too_small(self._min_window())
        layers, cin = [], 1
        for cout, k, s, block in zip(self.FILTERS, self.KERNELS, self.STRIDES, self.BLOCKS):
            layers.append(_glorot_normal(nn.Conv1d(cin, cout, k, s)))
            if block:
                layers += [nn.BatchNorm1d(cout, **_REAL_BN), nn.ReLU(), nn.MaxPool1d(2)]
            else:
                layers.append(nn.ReLU())
            cin = cout
        n = self._feature_length(window)
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.classifier = nn.Sequential(_glorot_normal(nn.Linear(cin * n, hidden)), nn.ReLU(),
                                        self._output_layer(_glorot_uniform(nn.Linear(hidden, num_notes))))

    @classmethod
    def _feature_length(cls, n: int) -> int:
        for k, s, block in zip(cls.KERNELS, cls.STRIDES, cls.BLOCKS):
            n = valid_length(n, k, s) // (2 if block else 1)
        return n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        return self.classifier(self.features(torch.fft.fft(x.to(torch.float32)).abs()))


def _example_windows(batch: int, window: int = 4096, **kwargs) -> torch.Tensor:
    """A batch of waveform windows (N, 1, window), as the MusicNet task feeds the models."""
    return torch.randn(batch, 1, window)


@register_model(example_input=_example_windows)
def musicnet_shallow_real(window: int = WINDOW, num_notes: int = NUM_NOTES) -> ShallowReal:
    """DCN's shallow real MusicNet model: conv(64, 512, stride 16) + ReLU, max pool(4, 2), dense 2048, dense 84
    (14,755,988 parameters at window 4096)."""
    return ShallowReal(window, num_notes)


@register_model(example_input=_example_windows)
def musicnet_shallow(window: int = WINDOW, num_notes: int = NUM_NOTES) -> ShallowComplex:
    """DCN's shallow complex MusicNet model: complex conv(32, 512, stride 16) + CReLU, avg pool(4, 2), complex dense
    2048, complex dense 84, real part (14,930,152 real parameters at window 4096)."""
    return ShallowComplex(window, num_notes)


@register_model(example_input=_example_windows)
def musicnet_deep(window: int = WINDOW, num_notes: int = NUM_NOTES) -> DeepComplex:
    """DCN's deep complex MusicNet model on the window's FFT (17,141,348 real parameters at window 4096)."""
    return DeepComplex(window, num_notes)


@register_model(example_input=_example_windows)
def musicnet_deep_real(window: int = WINDOW, num_notes: int = NUM_NOTES) -> DeepReal:
    """DCN's deep real MusicNet model on the window's |FFT| (9,994,900 parameters at window 4096)."""
    return DeepReal(window, num_notes)
