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

__all__ = ["LOG_EPS", "complex_l1_loss", "complex_mse_loss", "log_magnitude", "log_magnitude_mse",
           "magnitude_phase_loss"]

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
    r"""Compute the log-magnitude of a complex spectrum, :math:`\log(|S|^2 + \epsilon) / 2` (natural log).

    .. math::
        \operatorname{logmag}(S) = \tfrac{1}{2} \log\left((\operatorname{Re} S)^2 + (\operatorname{Im} S)^2
        + \epsilon\right)

    The log-magnitude on which Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 4.3 score TIMIT next-frame
    prediction; written on :math:`|S|^2` it is smooth everywhere, with gradient at most :math:`1 / (2
    \sqrt{\epsilon})` (see this module's docstring for the choice of ``LOG_EPS = 1e-6``).

    Args:
        input (Tensor): complex64 or complex128 spectrum, any shape.
        eps (float): positive floor added to :math:`|S|^2`. Default: ``LOG_EPS`` (1e-6).

    Shape:
        - Input: :math:`(*)` complex.
        - Output: :math:`(*)` real, float32 for complex64 and float64 for complex128.

    Example::

        >>> F.log_magnitude(torch.tensor([3 + 4j]), eps=1e-12)
        tensor([1.6094])
    """
    _check_spectrum("log_magnitude", input)
    _check_eps("log_magnitude", eps)
    return 0.5 * torch.log(input.real.square() + input.imag.square() + eps)


def log_magnitude_mse(input: Tensor, target: Tensor, eps: float = LOG_EPS, reduction: str = "mean") -> Tensor:
    r"""Compute the mean squared error of the log-magnitude of a predicted spectrum against target log-magnitudes.

    .. math::
        \ell_k = \left(\tfrac{1}{2} \log(|\hat{S}_k|^2 + \epsilon) - y_k\right)^2, \qquad
        L = \operatorname{mean}_k \ell_k \;(\text{or } \textstyle\sum_k \ell_k, \text{ or } \ell)

    The TIMIT loss and metric ("MSE on the log-magnitude", Trabelsi et al., 2018, "Deep Complex Networks", ICLR,
    Sec. 4.3) with :func:`log_magnitude`; ``deepcomplex.train``'s ``timit`` task uses it with ``reduction="none"``.
    No silent casts: a real ``input``, a complex ``target`` or a precision mismatch is a ``TypeError``; a shape
    mismatch a ``ValueError``.

    Args:
        input (Tensor): predicted complex spectrum :math:`\hat{S}`, complex64 or complex128.
        target (Tensor): real log-magnitudes :math:`y` of the same shape, float32 for complex64 and float64 for
            complex128 (e.g. ``log_magnitude`` of the true spectrum with the same ``eps``).
        eps (float): positive floor added to :math:`|\hat{S}|^2`. Default: ``LOG_EPS`` (1e-6).
        reduction (str): ``"mean"``, ``"sum"`` or ``"none"``, as torch's losses. Default: ``"mean"``.

    Shape:
        - Input: :math:`(*)` complex; target: :math:`(*)` real, the same shape.
        - Output: a scalar, or :math:`(*)` for ``reduction="none"``.

    Example::

        >>> s = torch.randn(4, 10, 129, dtype=torch.cfloat)
        >>> F.log_magnitude_mse(s, F.log_magnitude(s))
        tensor(0.)
        >>> F.log_magnitude_mse(s, torch.zeros(4, 10, 129), reduction="none").shape
        torch.Size([4, 10, 129])
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


def _check_pair(name: str, input: Tensor, target: Tensor, reduction: str) -> None:
    """Both complex, one dtype (no silent casts), one shape (no broadcasting), a known reduction."""
    for what, t in (("input", input), ("target", target)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} expects a complex {what} tensor, got {type(t).__name__}")
        if t.dtype not in _REAL:
            raise TypeError(f"{name} expects a complex64 or complex128 {what}, got {t.dtype}")
    if input.dtype != target.dtype:
        raise TypeError(f"{name}: input of dtype {input.dtype} and target of dtype {target.dtype} differ (convert one "
                        f"of them explicitly)")
    if input.shape != target.shape:
        raise ValueError(f"{name}: input of shape {tuple(input.shape)} and target of shape {tuple(target.shape)} "
                         f"differ")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {', '.join(_REDUCTIONS)}, got {reduction!r}")


def _reduce(err: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return err.mean()
    return err.sum() if reduction == "sum" else err


def complex_mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    r"""Compute the mean squared modulus of the complex error, :math:`\operatorname{mean} |\hat{z} - z|^2`.

    .. math::
        \ell_k = |\hat{z}_k - z_k|^2 = (\operatorname{Re} \hat{z}_k - \operatorname{Re} z_k)^2
        + (\operatorname{Im} \hat{z}_k - \operatorname{Im} z_k)^2, \qquad L = \operatorname{mean}_k \ell_k

    The complex quadratic error, the cost of the complex LMS algorithm (Widrow, McCool and Ball, 1975, "The Complex
    LMS Algorithm", Proc. IEEE 63(4), Eq. 1: the squared modulus of the complex error): twice
    ``torch.nn.functional.mse_loss`` of the real views for ``"mean"`` (which averages over 2n real numbers), equal to
    it for ``"sum"``. Its Wirtinger
    gradient :math:`\partial L / \partial \bar{\hat{z}}` is :math:`(\hat{z} - z) / n`; torch's ``.grad`` holds
    :math:`2 (\hat{z} - z) / n`.

    Args:
        input (Tensor): prediction :math:`\hat{z}`, complex64 or complex128.
        target (Tensor): target :math:`z`, the same shape and dtype.
        reduction (str): ``"mean"``, ``"sum"`` or ``"none"``, as torch's losses. Default: ``"mean"``.

    Shape:
        - Input: :math:`(*)` complex; target: :math:`(*)`, the same shape.
        - Output: a real scalar, or :math:`(*)` real for ``reduction="none"``.

    Example::

        >>> F.complex_mse_loss(torch.tensor([1 + 1j, 0j]), torch.tensor([1 - 1j, 3 + 4j]))
        tensor(14.5000)
    """
    _check_pair("complex_mse_loss", input, target, reduction)
    d = input - target
    return _reduce(d.real.square() + d.imag.square(), reduction)


def complex_l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    r"""Compute the mean modulus of the complex error, :math:`\operatorname{mean} |\hat{z} - z|`.

    .. math::
        \ell_k = |\hat{z}_k - z_k| = \sqrt{(\operatorname{Re} \hat{z}_k - \operatorname{Re} z_k)^2
        + (\operatorname{Im} \hat{z}_k - \operatorname{Im} z_k)^2}, \qquad L = \operatorname{mean}_k \ell_k

    The complex L1 (Euclidean distance in :math:`\mathbb{C}`, rotation invariant; not the split
    :math:`|\Delta \operatorname{Re}| + |\Delta \operatorname{Im}|` of ``torch.nn.functional.l1_loss`` on the real
    views): the modulus of the complex error of Widrow, McCool and Ball, 1975, "The Complex LMS Algorithm", Proc.
    IEEE 63(4), Eq. 1, not squared. At :math:`\hat{z} = z` the gradient is taken as 0 (torch's ``abs`` convention).

    Args:
        input (Tensor): prediction :math:`\hat{z}`, complex64 or complex128.
        target (Tensor): target :math:`z`, the same shape and dtype.
        reduction (str): ``"mean"``, ``"sum"`` or ``"none"``, as torch's losses. Default: ``"mean"``.

    Shape:
        - Input: :math:`(*)` complex; target: :math:`(*)`, the same shape.
        - Output: a real scalar, or :math:`(*)` real for ``reduction="none"``.

    Example::

        >>> F.complex_l1_loss(torch.tensor([1 + 1j, 0j]), torch.tensor([1 - 1j, 3 + 4j]))
        tensor(3.5000)
    """
    _check_pair("complex_l1_loss", input, target, reduction)
    return _reduce((input - target).abs(), reduction)


def magnitude_phase_loss(input: Tensor, target: Tensor, phase_weight: float = 1.0,
                         reduction: str = "mean") -> Tensor:
    r"""Compute a phase-aware loss: squared magnitude error plus a weighted squared wrapped-phase error.

    .. math::
        \ell_k = \left(|\hat{z}_k| - |z_k|\right)^2 + \lambda \, \Delta_k^2, \qquad
        \Delta_k = \arg\left(\hat{z}_k \, \bar{z}_k\right) = \operatorname{wrap}(\arg \hat{z}_k - \arg z_k)
        \in (-\pi, \pi]

    so a phase error of :math:`2\pi - \delta` counts as :math:`-\delta` (unlike a difference of ``angle`` values), and
    :math:`\Delta_k = 0` (with zero gradient) where :math:`\hat{z}_k = 0` or :math:`z_k = 0`. The error split in
    the polar form :math:`z = |z| e^{i \arg z}` (Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 3.3
    writes complex activations in it); this weighting and the wrapping are deepcomplex's own definition, documented
    here in full. Units: the first term in squared magnitude, the
    second in squared radians times :math:`\lambda`.

    Args:
        input (Tensor): prediction :math:`\hat{z}`, complex64 or complex128.
        target (Tensor): target :math:`z`, the same shape and dtype.
        phase_weight (float): :math:`\lambda \ge 0`, the weight of the phase term. Default: 1.0.
        reduction (str): ``"mean"``, ``"sum"`` or ``"none"`` of :math:`\ell`, as torch's losses. Default: ``"mean"``.

    Shape:
        - Input: :math:`(*)` complex; target: :math:`(*)`, the same shape.
        - Output: a real scalar, or :math:`(*)` real for ``reduction="none"``.

    Example::

        >>> z = torch.tensor([1 + 0j, -1 + 0j])
        >>> F.magnitude_phase_loss(z * torch.tensor([1j, 1j]), z, phase_weight=1.0, reduction="none")
        tensor([2.4674, 2.4674])
    """
    name = "magnitude_phase_loss"
    _check_pair(name, input, target, reduction)
    if not isinstance(phase_weight, (int, float)) or isinstance(phase_weight, bool) or not phase_weight >= 0:
        raise ValueError(f"{name}: phase_weight must be a non-negative number, got {phase_weight!r}")
    magnitude = (input.abs() - target.abs()).square()
    phase = torch.angle(input * target.conj())  # wrapped into (-pi, pi]; angle(0) = 0 with gradient 0
    return _reduce(magnitude + phase_weight * phase.square(), reduction)
