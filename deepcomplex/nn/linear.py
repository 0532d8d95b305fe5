"""Complex fully connected layer y = W x + b (Trabelsi et al., Eq. 1 with a 1x1 kernel)."""
from __future__ import annotations

import torch
from torch import nn

from .. import functional as CF
from .. import init as cinit
from .._validation import check_channels, check_complex
from ._utils import KindPreservingModule, complex_dtype


class ComplexLinear(KindPreservingModule):
    """Complex affine map y = x W^T + b on (*, in_features) complex input; arguments as torch.nn.Linear.

    Weights default to the paper's Rayleigh/He init (Var(Re W) = Var(Im W) = 1 / in_features, E|W|^2 = 2 / in_features),
    biases to zero. (torch's default init of a complex Linear draws Re and Im each with the real layer's variance,
    so its E|W|^2 is twice the real layer's, with no complex criterion behind it.)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        dtype = complex_dtype(type(self).__name__, dtype)
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features, device=device, dtype=dtype))
        self.bias = nn.Parameter(torch.empty(out_features, device=device, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        cinit.complex_rayleigh_(self.weight, "he")
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_complex(name, input, self.weight.dtype)
        if input.dim() == 0:
            raise ValueError(f"{name} expects an input of shape (*, {self.in_features}), got a 0D tensor")
        check_channels(name, input.shape[-1], self.in_features, "input features (last dimension)")
        return CF.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}, dtype={self.weight.dtype}")
