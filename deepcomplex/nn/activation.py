"""Complex activations (Trabelsi et al., Sec. 3.3) and the complex-to-real head."""
from __future__ import annotations

import torch
from torch import nn

from .. import functional as CF
from .._validation import check_complex
from .module import KindPreservingModule


class _Elementwise(nn.Module):
    _fn = None

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_complex(type(self).__name__, input)
        return type(self)._fn(input)


class CReLU(_Elementwise):
    r"""Applies the complex ReLU: ReLU on the real and on the imaginary part separately.

    .. math::
        \operatorname{CReLU}(z) = \operatorname{ReLU}(\operatorname{Re} z) + i \operatorname{ReLU}(\operatorname{Im} z)

    (Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 5.) The module form of
    :func:`deepcomplex.functional.crelu`; the output keeps the memory layout of the input.

    Args:
        None: the module takes no arguments and has no parameters.

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape and dtype as the input.

    Example::

        >>> m = nn.CReLU()
        >>> m(torch.randn(2, 3, 4, 4, dtype=torch.cfloat)).shape
        torch.Size([2, 3, 4, 4])
        >>> m(torch.tensor([1 - 2j, -1 + 3j]))
        tensor([1.+0.j, 0.+3.j])
    """
    _fn = staticmethod(CF.crelu)


class ZReLU(_Elementwise):
    r"""Applies zReLU: passes :math:`z` where it lies in the first quadrant, zero elsewhere.

    .. math::
        \operatorname{zReLU}(z) = \begin{cases} z & \text{if } \arg z \in [0, \pi/2]
        \text{ (Re } z \ge 0 \text{ and Im } z \ge 0\text{)} \\ 0 & \text{otherwise} \end{cases}

    (Guberman, 2016; Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 6.) The module form of
    :func:`deepcomplex.functional.zrelu`; the boundary rays :math:`\arg z = 0` and :math:`\pi/2` are kept.

    Args:
        None: the module takes no arguments and has no parameters.

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape and dtype as the input.

    Example::

        >>> m = nn.ZReLU()
        >>> m(torch.randn(2, 3, 4, 4, dtype=torch.cfloat)).shape
        torch.Size([2, 3, 4, 4])
        >>> m(torch.tensor([1 + 2j, 1 - 2j, -1 + 2j])) != 0
        tensor([ True, False, False])
    """
    _fn = staticmethod(CF.zrelu)


class CardioidReLU(_Elementwise):
    r"""Applies the cardioid: scales each element by a factor in [0, 1] that depends on its phase only.

    .. math::
        f(z) = \tfrac{1}{2} \left(1 + \cos(\arg z)\right) z

    (Virtue, Yu and Lustig, 2017, "Better than Real: Complex-valued Neural Nets for MRI Fingerprinting", ICIP.)
    The module form of :func:`deepcomplex.functional.cardioid`; :math:`f(0) = 0`, and on the real line it is the ReLU.

    Args:
        None: the module takes no arguments and has no parameters.

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape and dtype as the input.

    Example::

        >>> m = nn.CardioidReLU()
        >>> m(torch.randn(2, 3, 4, 4, dtype=torch.cfloat)).shape
        torch.Size([2, 3, 4, 4])
        >>> m(torch.tensor([2 + 0j, 2j]))
        tensor([2.+0.j, 0.+1.j])
    """
    _fn = staticmethod(CF.cardioid)


class ModReLU(KindPreservingModule):
    r"""Applies modReLU: a ReLU on the modulus with a learned real bias per channel, keeping the phase.

    .. math::
        \operatorname{modReLU}(z) = \operatorname{ReLU}(|z| + b) \, \frac{z}{|z|}, \qquad \operatorname{modReLU}(0) = 0

    (Arjovsky et al., 2016, "Unitary Evolution Recurrent Neural Networks", ICML; Trabelsi et al., 2018, "Deep Complex
    Networks", ICLR, Eq. 4.) The module form of :func:`deepcomplex.functional.modrelu`. Output and gradients are
    finite at :math:`z = 0`, where the output is 0.

    Args:
        num_features (int): the channel count :math:`C` (dimension 1 of the input, dimension 0 of a 1-D input), or 1
            for one bias shared by all elements. Default: 1
        init (float): the initial bias :math:`b`; 0 makes the layer start as the identity, negative values open a
            dead zone around 0. Default: 0.0
        device (torch.device, optional): device of the bias. Default: torch's default device.
        dtype (torch.dtype, optional): real floating dtype of the bias; it sets the input dtype (float32 bias:
            complex64 input, float64 bias: complex128 input). A complex or integer dtype raises ``TypeError``.
            Default: torch's default dtype.

    Shape:
        - Input: :math:`(N, C, *)` or :math:`(C)` complex; any shape when ``num_features=1``.
        - Output: the same shape as the input.

    Attributes:
        bias (Tensor): the learnable real bias :math:`b` of shape :math:`(\text{num\_features})`, initialised to
            ``init``.

    Example::

        >>> m = nn.ModReLU(3, init=-0.5)
        >>> m(torch.randn(2, 3, 4, 4, dtype=torch.cfloat)).shape
        torch.Size([2, 3, 4, 4])
        >>> m.bias
        Parameter containing:
        tensor([-0.5000, -0.5000, -0.5000], requires_grad=True)
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
    r"""Maps a complex tensor to a real one for a real-valued head: [Re | Im] concatenated or interleaved, or |z|.

    .. math::
        \text{cat}: \; y = [\operatorname{Re} z \,|\, \operatorname{Im} z] \text{ along } \texttt{dim}, \qquad
        \text{interleaved}: \; y_{2k} = \operatorname{Re} z_k, \; y_{2k+1} = \operatorname{Im} z_k, \qquad
        \text{abs}: \; y = |z|

    The module form of :func:`deepcomplex.functional.complex_to_real`, used between the complex body of a network and
    a real classifier, as CoShNet's "[Re | Im] -> real linear" head (Ko et al., 2022, "CoShNet: A Hybrid Complex
    Valued Neural Network using Shearlets", Fig. 3).

    Args:
        mode (str): ``"cat"`` concatenates the real and imaginary parts along ``dim`` (undone by
            :class:`ConcatenatedToComplex`); ``"interleaved"`` puts [Re z_0, Im z_0, Re z_1, ...] along ``dim``
            (undone by :class:`InterleavedToComplex`); ``"abs"`` takes the modulus elementwise. Any other value
            raises ``ValueError``. Default: ``"cat"``
        dim (int): dimension along which ``"cat"`` and ``"interleaved"`` lay out the parts (ignored by ``"abs"``).
            Default: 1

    Shape:
        - Input: :math:`(N, C, *)` complex (any shape with a dimension ``dim`` for ``"cat"``/``"interleaved"``).
        - Output: real; :math:`(N, 2C, *)` for ``"cat"`` with ``dim=1`` (Re channels first, then Im) and for
          ``"interleaved"``, :math:`(N, C, *)` for ``"abs"``.

    Example::

        >>> z = torch.randn(8, 10, dtype=torch.cfloat)
        >>> nn.ComplexToReal()(z).shape
        torch.Size([8, 20])
        >>> nn.ComplexToReal(mode="abs")(z).dtype
        torch.float32
    """

    def __init__(self, mode: str = "cat", dim: int = 1) -> None:
        super().__init__()
        if mode not in ("cat", "interleaved", "abs"):
            raise ValueError(f"ComplexToReal: mode must be 'cat', 'interleaved' or 'abs', got {mode!r}")
        self.mode, self.dim = mode, dim

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        check_complex(type(self).__name__, input)
        return CF.complex_to_real(input, self.mode, self.dim)

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}, dim={self.dim}"
