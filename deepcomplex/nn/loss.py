"""Complex losses as modules (torch.nn's ``reduction`` convention): complex MSE and L1, the TIMIT log-magnitude MSE
and a magnitude + wrapped-phase loss. The math is in deepcomplex.functional.loss."""
from __future__ import annotations

import torch
from torch import nn

from .. import functional as CF
from ..functional.loss import LOG_EPS

_REDUCTIONS = ("mean", "sum", "none")


class _Loss(nn.Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {', '.join(_REDUCTIONS)}, got "
                             f"{reduction!r}")
        self.reduction = reduction

    def _call(self, fn, *args, **kwargs) -> torch.Tensor:
        """fn's checks name the function; re-raise them naming this module."""
        try:
            return fn(*args, **kwargs)
        except (TypeError, ValueError) as e:
            raise type(e)(f"{type(self).__name__}: {str(e).split(' ', 1)[1]}") from None

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class ComplexMSELoss(_Loss):
    r"""Measures the mean squared modulus of the complex error: :math:`\operatorname{mean} |\hat{z} - z|^2`.

    .. math::
        \ell_k = |\hat{z}_k - z_k|^2, \qquad L = \operatorname{mean}_k \ell_k \; (\text{or sum, or } \ell)

    The complex quadratic error of the complex LMS algorithm (Widrow, McCool and Ball, 1975, "The Complex LMS
    Algorithm", Proc. IEEE 63(4), Eq. 1); for ``"mean"`` twice ``torch.nn.MSELoss`` on the real views (which averages
    over twice as many numbers). The module form of :func:`deepcomplex.functional.complex_mse_loss`.

    Args:
        reduction (str): ``"mean"``, ``"sum"`` or ``"none"`` (else ``ValueError``), as ``torch.nn.MSELoss``.
            Default: ``"mean"``

    Shape:
        - Input: :math:`(*)` complex; Target: :math:`(*)`, the same shape and dtype.
        - Output: a real scalar, or :math:`(*)` for ``reduction="none"``.

    Example::

        >>> loss = nn.ComplexMSELoss()
        >>> loss(torch.tensor([1 + 1j, 0j]), torch.tensor([1 - 1j, 3 + 4j]))
        tensor(14.5000)
    """

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self._call(CF.complex_mse_loss, input, target, self.reduction)


class ComplexL1Loss(_Loss):
    r"""Measures the mean modulus of the complex error: :math:`\operatorname{mean} |\hat{z} - z|`.

    .. math::
        \ell_k = |\hat{z}_k - z_k|, \qquad L = \operatorname{mean}_k \ell_k \; (\text{or sum, or } \ell)

    The modulus of the complex error (Widrow, McCool and Ball, 1975, "The Complex LMS Algorithm", Proc. IEEE 63(4),
    Eq. 1), rotation invariant: not ``torch.nn.L1Loss`` on the real views, which sums :math:`|\Delta \operatorname{Re}|
    + |\Delta \operatorname{Im}|`. The module form of :func:`deepcomplex.functional.complex_l1_loss`.

    Args:
        reduction (str): ``"mean"``, ``"sum"`` or ``"none"`` (else ``ValueError``), as ``torch.nn.L1Loss``.
            Default: ``"mean"``

    Shape:
        - Input: :math:`(*)` complex; Target: :math:`(*)`, the same shape and dtype.
        - Output: a real scalar, or :math:`(*)` for ``reduction="none"``.

    Example::

        >>> nn.ComplexL1Loss()(torch.tensor([1 + 1j, 0j]), torch.tensor([1 - 1j, 3 + 4j]))
        tensor(3.5000)
    """

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self._call(CF.complex_l1_loss, input, target, self.reduction)


class LogMagnitudeMSELoss(_Loss):
    r"""Measures the squared error of the log-magnitude of a predicted spectrum against target log-magnitudes.

    .. math::
        \ell_k = \left(\tfrac{1}{2} \log(|\hat{S}_k|^2 + \epsilon) - y_k\right)^2, \qquad
        L = \operatorname{mean}_k \ell_k \; (\text{or sum, or } \ell)

    The TIMIT next-frame prediction loss ("MSE on the log-magnitude", Trabelsi et al., 2018, "Deep Complex Networks",
    ICLR, Sec. 4.3), the one ``deepcomplex.train``'s ``timit`` task trains and scores with: the module form of
    :func:`deepcomplex.functional.log_magnitude_mse`, with the same numbers. The target holds real log-magnitudes
    (``deepcomplex.functional.log_magnitude`` of the true spectrum, as the TIMIT dataset's targets).

    Args:
        eps (float): positive floor added to :math:`|\hat{S}|^2`. Default: 1e-6 (``LOG_EPS``)
        reduction (str): ``"mean"``, ``"sum"`` or ``"none"`` (else ``ValueError``). Default: ``"mean"``

    Shape:
        - Input: :math:`(*)` complex; Target: :math:`(*)` real (float32 for complex64, float64 for complex128).
        - Output: a real scalar, or :math:`(*)` for ``reduction="none"``.

    Example::

        >>> s = torch.randn(4, 10, 129, dtype=torch.cfloat)
        >>> nn.LogMagnitudeMSELoss()(s, torch.zeros(4, 10, 129)).shape
        torch.Size([])
    """

    def __init__(self, eps: float = LOG_EPS, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if not isinstance(eps, (int, float)) or isinstance(eps, bool) or not eps > 0:
            raise ValueError(f"{type(self).__name__}: eps must be a positive number, got {eps!r}")
        self.eps = eps

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self._call(CF.log_magnitude_mse, input, target, self.eps, self.reduction)

    def extra_repr(self) -> str:
        return f"eps={self.eps}, reduction={self.reduction!r}"


class MagnitudePhaseLoss(_Loss):
    r"""Measures a phase-aware error: squared magnitude error plus a weighted squared wrapped-phase error.

    .. math::
        \ell_k = \left(|\hat{z}_k| - |z_k|\right)^2 + \lambda \, \Delta_k^2, \qquad
        \Delta_k = \arg(\hat{z}_k \bar{z}_k) = \operatorname{wrap}(\arg \hat{z}_k - \arg z_k) \in (-\pi, \pi]

    with :math:`\Delta_k = 0` (and zero gradient) where either value is 0. The error in the polar form
    :math:`z = |z| e^{i \arg z}` (Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 3.3), with the phase
    difference wrapped so that :math:`\pm\pi` are neighbours; the exact definition is deepcomplex's own. The module
    form of :func:`deepcomplex.functional.magnitude_phase_loss`.

    Args:
        phase_weight (float): :math:`\lambda \ge 0` (else ``ValueError``). Default: 1.0
        reduction (str): ``"mean"``, ``"sum"`` or ``"none"`` (else ``ValueError``). Default: ``"mean"``

    Shape:
        - Input: :math:`(*)` complex; Target: :math:`(*)`, the same shape and dtype.
        - Output: a real scalar, or :math:`(*)` for ``reduction="none"``.

    Example::

        >>> loss = nn.MagnitudePhaseLoss(phase_weight=0.5)
        >>> loss(torch.randn(8, 16, dtype=torch.cfloat), torch.randn(8, 16, dtype=torch.cfloat)).shape
        torch.Size([])
    """

    def __init__(self, phase_weight: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if not isinstance(phase_weight, (int, float)) or isinstance(phase_weight, bool) or not phase_weight >= 0:
            raise ValueError(f"{type(self).__name__}: phase_weight must be a non-negative number, got {phase_weight!r}")
        self.phase_weight = phase_weight

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self._call(CF.magnitude_phase_loss, input, target, self.phase_weight, self.reduction)

    def extra_repr(self) -> str:
        return f"phase_weight={self.phase_weight}, reduction={self.reduction!r}"
