"""Spectral losses: the log-magnitude of a complex spectrum and the mean squared error on it.

``log_magnitude(S) = log(|S|^2 + eps) / 2 = log sqrt(Re S^2 + Im S^2 + eps)``, natural log. Written on the squared
modulus it is a smooth function of (Re S, Im S) everywhere, the origin included (no square root of |S|^2 to
differentiate), and its gradient is bounded: |d/dS| = |S| / (|S|^2 + eps) <= 1 / (2 sqrt(eps)). The form
``log(|S| + eps)`` instead has the gradient 1 / (|S| + eps), up to 1 / eps near S = 0, and the non-smooth |S| at 0.
For |S|^2 >> eps both equal log |S|.

``LOG_EPS = 1e-6`` (on |S|^2, i.e. a magnitude floor of 1e-3, log-magnitude floor log(1e-6) / 2 = -6.91): for audio
scaled to [-1, 1) and a 256-point Hann STFT, a full-scale sinusoid reaches |S| = 64 (log-magnitude 4.16), so the
floor sits 96 dB below it, about 21 dB above the quantization noise of 16-bit audio (|S| ~ 9e-5), and bounds the
gradient by 500.

The Deep Complex Networks paper (Trabelsi et al., 2018) evaluates TIMIT next-frame spectrum prediction by "MSE on the
log-magnitude" (its exact log base and floor are not confirmed here), which is what
``log_magnitude_mse`` computes with this definition.
"""
from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["LOG_EPS", "log_magnitude", "log_magnitude_mse"]

LOG_EPS = 1e-6
_REAL = {torch.complex64: torch.float32, torch.complex128: torch.float64}
_REDUCTIONS = ("mean", "sum", "none")


def _check_spectrum(name: str, input: Tensor) -> None:
    if not isinstance(input, torch.Tensor):
        raise TypeError(f"{name} expects a complex tensor (a spectrum), got {type(input).__name__}")
    if input.dtype not in _REAL:
        raise TypeError(f"{name} expects a complex64 or complex128 tensor (a spectrum), got {input.dtype}")


def _check_eps(name: str, eps: float) -> None:
    if not isinstance(eps, (int, float)) or isinstance(eps, bool) or not eps > 0:
        raise ValueError(f"{name}: eps must be a positive number, got {eps!r}")


def log_magnitude(input: Tensor, eps: float = LOG_EPS) -> Tensor:
    """log(|S|^2 + eps) / 2 of a complex tensor, as a real tensor of the matching precision (natural log)."""
    _check_spectrum("log_magnitude", input)
    _check_eps("log_magnitude", eps)
    return 0.5 * torch.log(input.real.square() + input.imag.square() + eps)


def log_magnitude_mse(input: Tensor, target: Tensor, eps: float = LOG_EPS, reduction: str = "mean") -> Tensor:
    """Squared error of ``log_magnitude(input, eps)`` against ``target`` log-magnitudes, averaged (or summed/none).

    ``input``: a predicted complex spectrum, complex64 or complex128; ``target``: real log-magnitudes of the same shape
    and matching precision (float32 for complex64, float64 for complex128), e.g. from ``log_magnitude`` of the true
    spectrum with the same ``eps``. No silent casts: a real ``input``, a complex ``target``, a precision mismatch is a
    TypeError; a shape mismatch a ValueError.
    """
    name = "log_magnitude_mse"
    _check_spectrum(name, input)
    if not isinstance(target, torch.Tensor):
        raise TypeError(f"{name} expects the target as a real tensor of log-magnitudes, got {type(target).__name__}")
    if target.is_complex() or not target.is_floating_point():
        hint = "; turn a complex target spectrum into them with log_magnitude(target)" if target.is_complex() else ""
        raise TypeError(f"{name} expects the target as real log-magnitudes (float32/float64), got {target.dtype}"
                        f"{hint}")
    if target.dtype != _REAL[input.dtype]:
        raise TypeError(f"{name}: a {input.dtype} input needs a {_REAL[input.dtype]} target, got {target.dtype} "
                        f"(convert one of them explicitly)")
    if input.shape != target.shape:
        raise ValueError(f"{name}: input of shape {tuple(input.shape)} and target of shape {tuple(target.shape)} "
                         f"differ")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {', '.join(_REDUCTIONS)}, got {reduction!r}")
    err = (log_magnitude(input, eps) - target).square()
    if reduction == "mean":
        return err.mean()
    return err.sum() if reduction == "sum" else err
