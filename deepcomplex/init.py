"""Complex weight initialisation (Trabelsi et al., Sec. 3.6): Rayleigh modulus with uniform phase, and the unitary variant.

Both give Var(Re W) = Var(Im W) = sigma^2, i.e. Var(W) = E|W|^2 = 2 sigma^2, with
sigma^2 = 1 / fan_in ("he") or 1 / (fan_in + fan_out) ("glorot"); fans count complex channels times kernel size.
Native torch init applied to a complex tensor instead draws Re and Im each with the real layer's variance (so E|W|^2
is twice the real layer's, and for ConvTranspose the fans are torch's real ones); these follow the paper's criteria.
"""
from __future__ import annotations

import math
from typing import Optional

import torch

__all__ = ["calculate_fans", "complex_rayleigh_", "complex_independent_", "complex_bias_uniform_"]

_CRITERIA = ("he", "glorot")


def calculate_fans(tensor: torch.Tensor, transposed: bool = False, groups: int = 1) -> tuple[int, int]:
    """(fan_in, fan_out) of a Linear (out, in), ConvNd (out, in / groups, *k) or ConvTransposeNd (in, out / groups, *k) weight.

    For a convolution fan_in = (in / groups) * prod(k) and fan_out = (out / groups) * prod(k): the inputs that feed
    one output and the outputs that one input feeds. For a transposed convolution the first two axes swap roles.
    """
    if tensor.dim() < 2:
        raise ValueError(f"calculate_fans needs a weight of at least 2 dimensions, got shape {tuple(tensor.shape)}")
    receptive = math.prod(tensor.shape[2:]) if tensor.dim() > 2 else 1
    if transposed:
        fan_in = tensor.shape[0] // groups * receptive
        fan_out = tensor.shape[1] * receptive
    else:
        fan_in = tensor.shape[1] * receptive
        fan_out = tensor.shape[0] // groups * receptive
    return fan_in, fan_out


def _sigma(tensor: torch.Tensor, criterion: str, transposed: bool, groups: int) -> float:
    if criterion not in _CRITERIA:
        raise ValueError(f"criterion must be one of {_CRITERIA}, got {criterion!r}")
    fan_in, fan_out = calculate_fans(tensor, transposed, groups)
    denom = fan_in if criterion == "he" else fan_in + fan_out
    if denom == 0:
        raise ValueError(f"cannot initialise a weight with zero fan, shape {tuple(tensor.shape)}")
    return 1.0 / math.sqrt(denom)


def _check_complex(name: str, tensor: torch.Tensor) -> None:
    if not tensor.is_complex():
        raise TypeError(f"{name} expects a complex tensor, got {tensor.dtype}")


def complex_rayleigh_(tensor: torch.Tensor, criterion: str = "he", *, transposed: bool = False, groups: int = 1,
                      generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Fill ``tensor`` in place with |W| ~ Rayleigh(sigma), arg W ~ U(-pi, pi) (Trabelsi et al., Sec. 3.6)."""
    _check_complex("complex_rayleigh_", tensor)
    sigma = _sigma(tensor, criterion, transposed, groups)
    real = tensor.real.dtype
    with torch.no_grad():
        u = torch.rand(tensor.shape, dtype=real, device=tensor.device, generator=generator)
        modulus = sigma * torch.sqrt(-2.0 * torch.log1p(-u))  # inverse CDF of Rayleigh(sigma); 1 - u lies in (0, 1]
        phase = (torch.rand(tensor.shape, dtype=real, device=tensor.device, generator=generator) * 2.0 - 1.0) * math.pi
        tensor.copy_(torch.polar(modulus, phase))
    return tensor


def complex_independent_(tensor: torch.Tensor, criterion: str = "he", *, transposed: bool = False, groups: int = 1,
                         generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Fill ``tensor`` with a semi-unitary draw (Trabelsi et al., Sec. 3.6, "independent" filters), scaled per part.

    A complex Gaussian matrix of shape (d0 * d1, prod(kernel)) (or (d0, d1) for a Linear weight) is replaced by the
    semi-unitary factor U Vh of its SVD, reshaped to the weight, and its real and imaginary parts are each scaled to
    variance sigma^2 (the same sigma as complex_rayleigh_; the square root the original code omitted is applied).
    """
    _check_complex("complex_independent_", tensor)
    sigma = _sigma(tensor, criterion, transposed, groups)
    with torch.no_grad():
        rows, cols = (tensor.shape[0] * tensor.shape[1], math.prod(tensor.shape[2:])) if tensor.dim() > 2 else tensor.shape
        draw = torch.randn((rows, cols), dtype=torch.complex128, device=tensor.device, generator=generator)
        u, _, vh = torch.linalg.svd(draw, full_matrices=False)
        unitary = (u @ vh).reshape(tensor.shape)
        re, im = unitary.real, unitary.imag
        re = re * (sigma / re.std()) if re.numel() > 1 and re.std() > 0 else re
        im = im * (sigma / im.std()) if im.numel() > 1 and im.std() > 0 else im
        tensor.copy_(torch.complex(re, im).to(tensor.dtype))
    return tensor


def complex_bias_uniform_(tensor: torch.Tensor, fan_in: int, *, generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Fill a complex bias with Re and Im each ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (torch's default bias rule, per part)."""
    _check_complex("complex_bias_uniform_", tensor)
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    with torch.no_grad():
        r = torch.view_as_real(tensor)
        r.copy_(torch.rand(r.shape, dtype=r.dtype, device=r.device, generator=generator) * 2 * bound - bound)
    return tensor
