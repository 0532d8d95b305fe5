"""Complex activations (Trabelsi et al., Sec. 3.3) and the complex-to-real head."""
from __future__ import annotations

import torch
from torch import nn

from .. import functional as CF
from .._validation import check_complex
from ._utils import KindPreservingModule


class _Elementwise(nn.Module):
    _fn = None

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_complex(type(self).__name__, input)
        return type(self)._fn(input)


class CReLU(_Elementwise):
    """CReLU(z) = ReLU(Re z) + i ReLU(Im z) (Trabelsi et al., Eq. 5)."""
    _fn = staticmethod(CF.crelu)


class ZReLU(_Elementwise):
    """zReLU(z) = z when arg z is in [0, pi/2], else 0 (Trabelsi et al., Eq. 6)."""
    _fn = staticmethod(CF.zrelu)


class CardioidReLU(_Elementwise):
    """Cardioid activation f(z) = (1 + cos(arg z)) z / 2 (Virtue et al., 2017)."""
    _fn = staticmethod(CF.cardioid)


class ModReLU(KindPreservingModule):
    """modReLU(z) = ReLU(|z| + b) z / |z| with a learned real bias per channel (Trabelsi et al., Eq. 4).

    ``num_features`` is the channel count (dimension 1 of the input) or 1 for one shared bias; ``init`` is the
    initial bias (0 makes the layer start as the identity; negative values open a dead zone around 0).
    Output and gradients are finite at z = 0, where the output is 0.
    """

    def __init__(self, num_features: int = 1, init: float = 0.0, device=None, dtype=None) -> None:
        super().__init__()
        if dtype is not None and (dtype.is_complex or not dtype.is_floating_point):
            raise TypeError(f"ModReLU bias must be a real floating dtype, got {dtype}")
        self.num_features, self.init = num_features, init
        self.bias = nn.Parameter(torch.empty(num_features, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.constant_(self.bias, self.init)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_complex(type(self).__name__, input)
        if input.real.dtype != self.bias.dtype:
            raise TypeError(f"ModReLU expects input of dtype matching its bias {self.bias.dtype} "
                            f"(complex64 for float32, complex128 for float64), got {input.dtype}")
        if self.num_features > 1:
            channels = input.shape[1] if input.dim() >= 2 else (input.shape[0] if input.dim() == 1 else 0)
            if channels != self.num_features:
                raise ValueError(f"ModReLU expects {self.num_features} channels (dimension 1), got "
                                 f"{channels if input.dim() else 'a 0D tensor'}")
        return CF.modrelu(input, self.bias)

    def extra_repr(self) -> str:
        return f"num_features={self.num_features}, init={self.init}"


class ComplexToReal(nn.Module):
    """Complex -> real head: ``mode="cat"`` gives [Re | Im] concatenated along ``dim``; ``mode="abs"`` gives |z|."""

    def __init__(self, mode: str = "cat", dim: int = 1) -> None:
        super().__init__()
        if mode not in ("cat", "abs"):
            raise ValueError(f"ComplexToReal: mode must be 'cat' or 'abs', got {mode!r}")
        self.mode, self.dim = mode, dim

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_complex(type(self).__name__, input)
        return CF.complex_to_real(input, self.mode, self.dim)

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}, dim={self.dim}"
