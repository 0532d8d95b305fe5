"""Between real and complex: a real input made complex (zero or learned imaginary part), the real layouts of a complex
tensor read back as complex, and the modulus and phase heads. The complex-to-real layouts are ``ComplexToReal``."""
from __future__ import annotations

import torch
from torch import nn

from .. import functional as CF
from .._validation import check_channels, check_complex
from ..functional.conversion import check_real
from .module import KindPreservingModule

_MODES = ("zero", "learned")
_CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
_BN = {1: nn.BatchNorm1d, 2: nn.BatchNorm2d, 3: nn.BatchNorm3d}


class RealToComplex(KindPreservingModule):
    r"""Makes a real input complex: a zero imaginary part, or DCN's imaginary part learned from the real input.

    .. math::
        \text{zero}: \; z = x + 0i, \qquad
        \text{learned}: \; z = x + i \, g(x), \quad
        g = \operatorname{Conv}_{1 \times 1} \circ \operatorname{ReLU} \circ \operatorname{BN} \circ
        \operatorname{Conv}_{1 \times 1} \circ \operatorname{ReLU} \circ \operatorname{BN}

    The learned variant is the input block of Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 3.7: the
    imaginary part is predicted from the real image by a small real network, here (BN -> ReLU -> 1x1 conv, no bias)
    twice with :math:`C \to C` channels, BatchNorm eps 1e-4 and momentum 0.1 (Keras' 0.9 of the original code) and
    He-normal conv weights: the same block and initialisation as ``learn_imag`` in deepcomplex/models/dcn.py, so a
    DCN ResNet's ``learn_imag`` state dict loads into ``imag`` here. Its BatchNorm layers follow train/eval.

    Args:
        mode (str): ``"zero"`` or ``"learned"`` (else ``ValueError``). Default: ``"zero"``
        in_channels (int, optional): channels :math:`C` of the input, required by ``"learned"``. Default: ``None``
        spatial_dims (int): 1, 2 or 3, the spatial dimensions of the ``"learned"`` block's input
            (Conv1d/2d/3d). Default: 2
        device (torch.device, optional): device of the learned block. Default: torch's default device.
        dtype (torch.dtype, optional): real dtype of the learned block, ``torch.float32`` or ``torch.float64``
            (the input's; the output is its complex counterpart). Default: torch's default dtype.

    Shape:
        - Input: :math:`(*)` real for ``"zero"``; :math:`(N, C, *)` with ``spatial_dims`` trailing dimensions for
          ``"learned"``.
        - Output: the same shape, complex (complex64 for float32, complex128 for float64).

    Attributes:
        imag (torch.nn.Sequential): the learned block :math:`g` for ``"learned"``; ``None`` for ``"zero"``.

    Example::

        >>> nn.RealToComplex()(torch.randn(2, 3)).dtype
        torch.complex64
        >>> m = nn.RealToComplex("learned", in_channels=3)
        >>> m(torch.randn(4, 3, 8, 8)).shape
        torch.Size([4, 3, 8, 8])
    """

    def __init__(self, mode: str = "zero", in_channels: int | None = None, spatial_dims: int = 2, device=None,
                 dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        if mode not in _MODES:
            raise ValueError(f"{name}: mode must be 'zero' or 'learned', got {mode!r}")
        if spatial_dims not in _CONV:
            raise ValueError(f"{name}: spatial_dims must be 1, 2 or 3, got {spatial_dims!r}")
        self.mode, self.in_channels, self.spatial_dims = mode, in_channels, spatial_dims
        if mode == "zero":
            self.imag = None
            return
        if not isinstance(in_channels, int) or isinstance(in_channels, bool) or in_channels < 1:
            raise ValueError(f"{name}: mode='learned' needs in_channels, a positive int, got {in_channels!r}")
        if dtype is not None and dtype not in (torch.float32, torch.float64):
            raise TypeError(f"{name}: the learned block is real: dtype must be torch.float32 or torch.float64, got "
                            f"{dtype}")
        conv, bn, c = _CONV[spatial_dims], _BN[spatial_dims], in_channels
        kw = {"device": device, "dtype": dtype}
        self.imag = nn.Sequential(bn(c, eps=1e-4, momentum=0.1, **kw), nn.ReLU(), conv(c, c, 1, bias=False, **kw),
                                  bn(c, eps=1e-4, momentum=0.1, **kw), nn.ReLU(), conv(c, c, 1, bias=False, **kw))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """He-normal 1x1 conv weights and fresh BatchNorms, as DCN's block (nothing for ``"zero"``)."""
        if self.imag is None:
            return
        for m in self.imag:
            if isinstance(m, tuple(_CONV.values())):
                nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, tuple(_BN.values())):
                m.reset_parameters()

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_real(name, input)
        if self.imag is None:
            return CF.real_to_complex(input)
        param = self.imag[2].weight
        if input.dtype != param.dtype:
            raise TypeError(f"{name} expects input of dtype {param.dtype} (the dtype of its learned block), got "
                            f"{input.dtype}")
        want = self.spatial_dims + 2
        if input.dim() != want:
            raise ValueError(f"{name} expects a {want}D input (N, C, {self.spatial_dims} spatial dims), got "
                             f"{input.dim()}D input of shape {tuple(input.shape)}")
        check_channels(name, input.shape[1], self.in_channels, "channels (dimension 1)")
        return torch.complex(input, self.imag(input))

    def extra_repr(self) -> str:
        extra = f", in_channels={self.in_channels}, spatial_dims={self.spatial_dims}" if self.imag is not None else ""
        return f"mode={self.mode!r}{extra}"


class _FromLayout(nn.Module):
    _fn = None

    def __init__(self, dim: int = 1) -> None:
        super().__init__()
        if not isinstance(dim, int) or isinstance(dim, bool):
            raise TypeError(f"{type(self).__name__}: dim must be an int, got {dim!r}")
        self.dim = dim

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_real(name, input)
        try:
            return type(self)._fn(input, self.dim)
        except ValueError as e:  # re-raised with the module's name
            raise ValueError(f"{name}: {str(e).split(' ', 1)[1]}") from None

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class ConcatenatedToComplex(_FromLayout):
    r"""Reads a real tensor holding [Re | Im] halves along ``dim`` as complex: the inverse of ``ComplexToReal("cat")``.

    .. math::
        z_{\dots, k, \dots} = x_{\dots, k, \dots} + i \, x_{\dots, C + k, \dots}, \qquad k < C = \text{size} / 2

    The concatenated real layout of a complex tensor (Trabelsi et al., 2018, "Deep Complex Networks", ICLR,
    Sec. 3.1; CoShNet's [Re | Im] head, Ko et al., 2022, Fig. 3). The module form of
    :func:`deepcomplex.functional.concatenated_to_complex`.

    Args:
        dim (int): the dimension holding the real half, then the imaginary half. Default: 1

    Shape:
        - Input: :math:`(N, 2C, *)` real float32/float64 (for ``dim=1``; any even size along ``dim``).
        - Output: :math:`(N, C, *)` complex (complex64 or complex128).

    Example::

        >>> nn.ConcatenatedToComplex()(torch.randn(8, 20)).shape
        torch.Size([8, 10])
    """
    _fn = staticmethod(CF.concatenated_to_complex)


class InterleavedToComplex(_FromLayout):
    r"""Reads [Re_0, Im_0, Re_1, Im_1, ...] along ``dim`` as complex: the inverse of ``ComplexToReal("interleaved")``.

    .. math::
        z_{\dots, k, \dots} = x_{\dots, 2k, \dots} + i \, x_{\dots, 2k + 1, \dots}

    The interleaved real layout of a complex tensor (Trabelsi et al., 2018, "Deep Complex Networks", ICLR,
    Sec. 3.2: the channels of a complex convolution computed as a real one). The module form of
    :func:`deepcomplex.functional.interleaved_to_complex`.

    Args:
        dim (int): the dimension holding the interleaved pairs. Default: 1

    Shape:
        - Input: :math:`(N, 2C, *)` real float32/float64 (for ``dim=1``; any even size along ``dim``).
        - Output: :math:`(N, C, *)` complex (complex64 or complex128).

    Example::

        >>> nn.InterleavedToComplex(dim=-1)(torch.tensor([[1.0, 2.0, 3.0, 4.0]]))
        tensor([[1.+2.j, 3.+4.j]])
    """
    _fn = staticmethod(CF.interleaved_to_complex)


class ComplexModulus(nn.Module):
    r"""Maps a complex tensor to its modulus (or squared modulus), a real head.

    .. math::
        y = |z| = \sqrt{(\operatorname{Re} z)^2 + (\operatorname{Im} z)^2}, \qquad
        \text{squared}: \; y = |z|^2

    The magnitude head of complex networks (Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 4.2 reads
    out |z| for MusicNet); the gradient of :math:`|z|` at :math:`z = 0` is taken as 0 (torch's convention), the
    squared form is smooth everywhere. ``squared=False`` is ``ComplexToReal("abs")``.

    Args:
        squared (bool): return :math:`|z|^2` instead of :math:`|z|`. Default: ``False``

    Shape:
        - Input: :math:`(*)` complex.
        - Output: :math:`(*)` real (float32 for complex64, float64 for complex128).

    Example::

        >>> nn.ComplexModulus()(torch.tensor([3 + 4j]))
        tensor([5.])
    """

    def __init__(self, squared: bool = False) -> None:
        super().__init__()
        self.squared = squared

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_complex(type(self).__name__, input)
        if self.squared:
            return input.real.square() + input.imag.square()
        return CF.complex_to_real(input, "abs")

    def extra_repr(self) -> str:
        return f"squared={self.squared}"


class ComplexAngle(nn.Module):
    r"""Maps a complex tensor to its phase in :math:`(-\pi, \pi]`, a real head.

    .. math::
        y = \arg z = \operatorname{atan2}(\operatorname{Im} z, \operatorname{Re} z)

    The phase read-out of a complex network (the polar form of Trabelsi et al., 2018, "Deep Complex Networks",
    ICLR, Sec. 3.3), ``torch.angle``: :math:`\arg 0 = 0`, with gradient 0 there (torch's convention).

    Args:
        None: the module takes no arguments and has no parameters.

    Shape:
        - Input: :math:`(*)` complex.
        - Output: :math:`(*)` real (float32 for complex64, float64 for complex128).

    Example::

        >>> nn.ComplexAngle()(torch.tensor([1j, -1 + 0j]))
        tensor([1.5708, 3.1416])
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_complex(type(self).__name__, input)
        return torch.angle(input)
