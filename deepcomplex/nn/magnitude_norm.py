"""Phase-preserving normalization modules: complex RMSNorm (per sample) and magnitude batch norm (per channel)."""
from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
from torch import nn

from .. import functional as CF
from .._layout import complex_dtype_of, real_dtype_of
from .._validation import check_channels, check_complex
from .module import KindPreservingModule, complex_dtype


class ComplexRMSNorm(KindPreservingModule):
    r"""Applies complex RMS normalization over the trailing dimensions, keeping the phase of every element.

    .. math::
        y = \frac{z}{\sqrt{\frac{1}{n} \sum_{k} |z_k|^2 + \epsilon}} \odot w

    RMSNorm (Zhang and Sennrich, 2019, "Root Mean Square Layer Normalization", NeurIPS, Eq. 4) on :math:`|z|^2`: the
    mean runs over the last ``len(normalized_shape)`` dimensions of each sample and :math:`w` is a real per-element
    scale, so the phase is kept (for :math:`w > 0`). The arguments and defaults of ``torch.nn.RMSNorm``; the module
    form of :func:`deepcomplex.functional.complex_rms_norm`.

    Args:
        normalized_shape (int or list of int): the trailing shape to normalize over.
        eps (float, optional): added to the mean square. Default: ``None`` (``torch.finfo`` eps of the input's real
            dtype, as torch).
        elementwise_affine (bool): if ``True``, a learnable real scale :math:`w` initialised to 1. Default: ``True``
        device (torch.device, optional): device of the scale. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``, the input dtype; :math:`w` takes
            the matching real precision. Default: the complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(*, *\text{normalized\_shape})`, complex.
        - Output: the same shape as the input.

    Attributes:
        weight (Tensor): real learnable scale of shape ``normalized_shape``, initialised to 1; ``None`` if
            ``elementwise_affine=False``.

    Example::

        >>> m = nn.ComplexRMSNorm([10, 16])
        >>> m(torch.randn(4, 10, 16, dtype=torch.cfloat)).shape
        torch.Size([4, 10, 16])
        >>> m.weight.shape, m.weight.dtype
        (torch.Size([10, 16]), torch.float32)
    """

    def __init__(self, normalized_shape: Union[int, Sequence[int]], eps: Optional[float] = None,
                 elementwise_affine: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        if not shape or any(not isinstance(s, int) or isinstance(s, bool) or s < 1 for s in shape):
            raise ValueError(f"{name}: normalized_shape must be positive ints, got {normalized_shape!r}")
        if eps is not None and not eps >= 0:
            raise ValueError(f"{name}: eps must be a non-negative number or None, got {eps!r}")
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        rdt = real_dtype_of(complex_dtype(name, dtype))
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(shape, device=device, dtype=rdt))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        """The scale back to 1."""
        if self.weight is not None:
            nn.init.ones_(self.weight)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_complex(name, input, None if self.weight is None else complex_dtype_of(self.weight.dtype))
        k = len(self.normalized_shape)
        if input.dim() < k or tuple(input.shape[input.dim() - k:]) != self.normalized_shape:
            raise ValueError(f"{name} expects input of shape (*, {', '.join(map(str, self.normalized_shape))}), "
                             f"got {tuple(input.shape)}")
        return CF.complex_rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class MagnitudeBatchNorm(KindPreservingModule):
    r"""Applies magnitude batch normalization: each channel scaled by the batch RMS of its modulus, phase kept.

    .. math::
        y_{n, c, \dots} = \gamma_c \, \frac{z_{n, c, \dots}}{\sqrt{P_c + \epsilon}}, \qquad
        P_c = \operatorname{E}_{n, \dots}\left[|z_{n, c, \dots}|^2\right]

    The statistic is exactly :math:`P_c`, the mean of :math:`|z|^2` of channel :math:`c` over the batch and every
    dimension after the channel (the uncentred second moment of the modulus: shifting a modulus could turn it
    negative and flip the phase). Batch normalization (Ioffe and Szegedy, 2015, "Batch Normalization", ICML, Alg. 1)
    of the modulus by scale only; unlike the whitening of Trabelsi et al., 2018, "Deep Complex Networks", ICLR,
    Sec. 3.5, it never rotates z. In training :math:`P_c` is the batch's and ``running_power`` tracks it as torch's
    ``running_var`` (momentum, or the cumulative average for ``momentum=None``); in evaluation the running estimate
    is used. The module form of :func:`deepcomplex.functional.magnitude_batch_norm`; any input rank from 2 up.

    Args:
        num_features (int): number of complex channels :math:`C`.
        eps (float): added to :math:`P_c`. Default: 1e-5
        momentum (float, optional): weight of the batch in the running average; ``None`` gives the cumulative
            average. Default: 0.1
        affine (bool): if ``True``, a learnable real per-channel scale :math:`\gamma`, initialised to 1.
            Default: ``True``
        track_running_stats (bool): if ``True``, keeps ``running_power`` for evaluation; if ``False``, the batch
            statistic is used in evaluation too. Default: ``True``
        device (torch.device, optional): device of parameters and buffers. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``, the input dtype; the real
            tensors take the matching real precision. Default: the complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(N, C, *)`, complex.
        - Output: the same shape as the input.

    Attributes:
        weight (Tensor): real learnable :math:`\gamma` of shape :math:`(C)`, initialised to 1; ``None`` if
            ``affine=False``.
        running_power (Tensor): real buffer :math:`\hat{P}` of shape :math:`(C)`, initialised to 1.
        num_batches_tracked (Tensor): count of training batches seen. Both buffers are ``None`` if
            ``track_running_stats=False``.

    Example::

        >>> m = nn.MagnitudeBatchNorm(16)
        >>> z = torch.randn(20, 16, 8, 8, dtype=torch.cfloat)
        >>> y = m(z)
        >>> y.shape, bool(torch.allclose(y.angle(), z.angle(), atol=1e-5))
        (torch.Size([20, 16, 8, 8]), True)
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: Optional[float] = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        if not isinstance(num_features, int) or isinstance(num_features, bool) or num_features < 1:
            raise ValueError(f"{name}: num_features must be a positive int, got {num_features!r}")
        rdt = real_dtype_of(complex_dtype(name, dtype))
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = nn.Parameter(torch.ones(num_features, device=device, dtype=rdt))
        else:
            self.register_parameter("weight", None)
        if track_running_stats:
            self.register_buffer("running_power", torch.ones(num_features, device=device, dtype=rdt))
            self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long, device=device))
        else:
            self.register_buffer("running_power", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """running_power back to 1 and the batch count to 0."""
        if self.track_running_stats:
            self.running_power.fill_(1.0)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Running statistics reset and the scale back to 1."""
        self.reset_running_stats()
        if self.weight is not None:
            nn.init.ones_(self.weight)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        state = self.weight if self.affine else self.running_power
        check_complex(name, input, None if state is None else complex_dtype_of(state.dtype))
        if input.dim() < 2:
            raise ValueError(f"{name} expects an input of at least 2 dimensions (N, C, ...), got {input.dim()}D "
                             f"input of shape {tuple(input.shape)}")
        check_channels(name, input.shape[1], self.num_features, "channels (dimension 1)")
        if self.training and input.numel() == 0:
            raise ValueError(f"{name}: expected a non-empty input when training, got shape {tuple(input.shape)}")
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
        use_running = self.track_running_stats
        return CF.magnitude_batch_norm(input, self.running_power if use_running else None, self.weight,
                                       self.training or not use_running, self.momentum, self.eps,
                                       self.num_batches_tracked)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")
