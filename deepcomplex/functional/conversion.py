"""Between real and complex tensors: a real signal as a complex one, and the two real layouts of a complex tensor
(concatenated [Re | Im] and interleaved [Re_0, Im_0, Re_1, Im_1, ...] along a dimension) back to complex. The
inverses are ``complex_to_real(z, "cat" | "interleaved", dim)``."""
from __future__ import annotations

import torch

__all__ = ["concatenated_to_complex", "interleaved_to_complex", "real_to_complex"]

_COMPLEX_OF = {torch.float32: torch.complex64, torch.float64: torch.complex128}


def check_real(name: str, x) -> None:
    """Raise TypeError unless ``x`` is a float32/float64 tensor (the real input of a real-to-complex conversion)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} expects a real tensor, got {type(x).__name__}")
    if x.dtype not in _COMPLEX_OF:
        hint = " (it is complex already)" if x.is_complex() else ""
        raise TypeError(f"{name} expects a float32 or float64 tensor, got {x.dtype}{hint}")


def _split_dim(name: str, x: torch.Tensor, dim: int) -> int:
    check_real(name, x)
    if x.dim() == 0:
        raise ValueError(f"{name} expects at least a 1D input, got a 0D tensor")
    if not -x.dim() <= dim < x.dim():
        raise ValueError(f"{name}: dim {dim} is out of range for a {x.dim()}D input of shape {tuple(x.shape)}")
    dim = dim % x.dim()
    if x.shape[dim] % 2:
        raise ValueError(f"{name} expects an even size along dim {dim} (Re and Im halves), got input of shape "
                         f"{tuple(x.shape)}")
    return dim


def real_to_complex(input: torch.Tensor) -> torch.Tensor:
    r"""Lift a real tensor to a complex one with a zero imaginary part: :math:`z = x + 0i`.

    .. math::
        z = x + i \cdot 0

    The plain real-to-complex input of a complex network (Trabelsi et al., 2018, "Deep Complex Networks", ICLR,
    Sec. 3.7, the alternative to learning the imaginary part: see :class:`deepcomplex.nn.RealToComplex`). float32
    gives complex64, float64 gives complex128; the gradient flows back to ``input`` as the real part of the
    output's.

    Args:
        input (Tensor): real float32 or float64 tensor, any shape.

    Shape:
        - Input: :math:`(*)` real.
        - Output: :math:`(*)` complex, the same shape.

    Example::

        >>> z = F.real_to_complex(torch.randn(2, 3))
        >>> z.dtype, z.shape, bool((z.imag == 0).all())
        (torch.complex64, torch.Size([2, 3]), True)
    """
    check_real("real_to_complex", input)
    return torch.complex(input, torch.zeros_like(input))


def concatenated_to_complex(input: torch.Tensor, dim: int = 1) -> torch.Tensor:
    r"""Read a real tensor holding [Re | Im] halves along ``dim`` as a complex tensor: the inverse of ``"cat"``.

    .. math::
        z_{\dots, k, \dots} = x_{\dots, k, \dots} + i \, x_{\dots, C + k, \dots}, \qquad k < C = \text{size} / 2

    The layout of :func:`complex_to_real` with ``mode="cat"`` and of CoShNet's [Re | Im] head (Ko et al., 2022,
    "CoShNet: A Hybrid Complex Valued Neural Network using Shearlets", Fig. 3) and the concatenated real layout of
    Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 3.1.

    Args:
        input (Tensor): real float32/float64 tensor with an even size along ``dim``.
        dim (int): the dimension holding the real half, then the imaginary half. Default: 1.

    Shape:
        - Input: :math:`(N, 2C, *)` real (for ``dim=1``).
        - Output: :math:`(N, C, *)` complex.

    Example::

        >>> x = torch.randn(8, 20, 5)
        >>> z = F.concatenated_to_complex(x)
        >>> z.shape, torch.equal(F.complex_to_real(z, "cat"), x)
        (torch.Size([8, 10, 5]), True)
    """
    dim = _split_dim("concatenated_to_complex", input, dim)
    re, im = input.chunk(2, dim)
    return torch.complex(re, im)


def interleaved_to_complex(input: torch.Tensor, dim: int = 1) -> torch.Tensor:
    r"""Read a real tensor holding [Re_0, Im_0, Re_1, Im_1, ...] along ``dim`` as a complex tensor.

    .. math::
        z_{\dots, k, \dots} = x_{\dots, 2k, \dots} + i \, x_{\dots, 2k + 1, \dots}

    The inverse of :func:`complex_to_real` with ``mode="interleaved"``; the layout of the real channels of a complex
    convolution computed as a real one (Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 3.2), and of
    ``torch.view_as_real`` flattened into the last dimension when ``dim=-1``.

    Args:
        input (Tensor): real float32/float64 tensor with an even size along ``dim``.
        dim (int): the dimension holding the interleaved pairs. Default: 1.

    Shape:
        - Input: :math:`(N, 2C, *)` real (for ``dim=1``).
        - Output: :math:`(N, C, *)` complex.

    Example::

        >>> x = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
        >>> F.interleaved_to_complex(x)
        tensor([[1.+2.j, 3.+4.j]])
    """
    dim = _split_dim("interleaved_to_complex", input, dim)
    pairs = input.unflatten(dim, (-1, 2))
    return torch.complex(pairs.select(dim + 1, 0), pairs.select(dim + 1, 1))
