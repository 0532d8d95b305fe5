"""Complex weight initialisation: Rayleigh or uniform modulus with uniform phase, and the unitary variant.

(Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 3.6.)

Both give Var(Re W) = Var(Im W) = sigma^2, i.e. Var(W) = E|W|^2 = 2 sigma^2, with
sigma^2 = 1 / fan_in ("he") or 1 / (fan_in + fan_out) ("glorot"); fans count complex channels times kernel size.
Native torch init applied to a complex tensor instead draws Re and Im each with the real layer's variance (so E|W|^2
is twice the real layer's, and for ConvTranspose the fans are torch's real ones); these follow the paper's criteria.
"""
from __future__ import annotations

import math
from typing import Optional

import torch

__all__ = ["calculate_fans", "complex_rayleigh_", "complex_independent_", "complex_bias_uniform_",
           "complex_kaiming_uniform_", "complex_xavier_uniform_"]

_CRITERIA = ("he", "glorot")


def calculate_fans(tensor: torch.Tensor, transposed: bool = False, groups: int = 1) -> tuple[int, int]:
    r"""Compute ``(fan_in, fan_out)`` of a Linear, ConvNd or ConvTransposeNd weight, counting complex channels.

    .. math::
        \text{fan\_in} = \frac{C_{in}}{\text{groups}} \prod_j k_j, \qquad
        \text{fan\_out} = \frac{C_{out}}{\text{groups}} \prod_j k_j

    the inputs that feed one output and the outputs that one input feeds (a Linear weight has no kernel and
    groups 1). For a transposed convolution the first two axes of the weight swap roles. These are the fans of the
    He and Glorot criteria of Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 3.6.

    Args:
        tensor (Tensor): the weight, real or complex: Linear :math:`(\text{out}, \text{in})`, ConvNd
            :math:`(C_{out}, C_{in} / \text{groups}, *k)` or ConvTransposeNd :math:`(C_{in}, C_{out} / \text{groups},
            *k)`.
        transposed (bool): the weight is a transposed convolution's. Default: ``False``.
        groups (int): the layer's number of groups. Default: 1.

    Shape:
        - tensor: any shape with at least 2 dimensions (a 0-D or 1-D tensor raises ``ValueError``).
        - Output: a tuple of two ints ``(fan_in, fan_out)``.

    Example::

        >>> w = torch.empty(16, 3, 5, 5, dtype=torch.cfloat)
        >>> deepcomplex.init.calculate_fans(w)
        (75, 400)
        >>> deepcomplex.init.calculate_fans(torch.empty(8, 4, 3, 3, dtype=torch.cfloat), transposed=True, groups=2)
        (36, 36)
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
    r"""Fill a complex tensor in place with a Rayleigh-distributed modulus and a uniform phase.

    .. math::
        |W| \sim \operatorname{Rayleigh}(\sigma), \quad \arg W \sim \mathcal{U}(-\pi, \pi), \qquad
        \sigma^2 = \frac{1}{\text{fan\_in}} \text{ ("he")} \text{ or } \frac{1}{\text{fan\_in} + \text{fan\_out}}
        \text{ ("glorot")}

    so that :math:`\operatorname{Var}(\operatorname{Re} W) = \operatorname{Var}(\operatorname{Im} W) = \sigma^2` and
    :math:`\operatorname{E}|W|^2 = 2 \sigma^2` (Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 3.6), with
    the fans of :func:`calculate_fans`. The modulus is drawn by the inverse CDF
    :math:`\sigma \sqrt{-2 \log(1 - u)}`, :math:`u \sim \mathcal{U}(0, 1)`.

    Args:
        tensor (Tensor): the complex weight to fill (Linear, ConvNd or ConvTransposeNd layout).
        criterion (str): ``"he"`` or ``"glorot"``. Default: ``"he"``.
        transposed (bool): the weight is a transposed convolution's (keyword only). Default: ``False``.
        groups (int): the layer's number of groups (keyword only). Default: 1.
        generator (torch.Generator, optional): the random generator to draw from (keyword only). Default: ``None``.

    Shape:
        - tensor: complex, any shape with at least 2 dimensions.
        - Output: ``tensor`` itself, filled in place.

    Example::

        >>> w = torch.empty(256, 128, 3, 3, dtype=torch.cfloat)
        >>> w = deepcomplex.init.complex_rayleigh_(w, "he")
        >>> round(float(w.abs().pow(2).mean() * 128 * 9), 1)  # E|W|^2 fan_in = 2
        2.0
    """
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
    r"""Fill a complex tensor in place with a semi-unitary draw ("independent" filters), scaled per part.

    .. math::
        G = U S V^{H} \text{ (SVD of a complex Gaussian matrix)}, \qquad
        W = \sigma \left( \frac{\operatorname{Re}(U V^{H})}{\operatorname{std}(\operatorname{Re}(U V^{H}))}
        + i \, \frac{\operatorname{Im}(U V^{H})}{\operatorname{std}(\operatorname{Im}(U V^{H}))} \right)

    (Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 3.6.) :math:`G` has shape
    :math:`(d_0 d_1, \prod k)` for a convolution weight :math:`(d_0, d_1, *k)` (or :math:`(d_0, d_1)` for a Linear
    weight); the semi-unitary factor :math:`U V^H` is reshaped to the weight and its real and imaginary parts are
    each scaled to variance :math:`\sigma^2`, the same :math:`\sigma` as :func:`complex_rayleigh_` (the square root
    the original code omitted is applied).

    Args:
        tensor (Tensor): the complex weight to fill (Linear, ConvNd or ConvTransposeNd layout).
        criterion (str): ``"he"`` (:math:`\sigma^2 = 1 / \text{fan\_in}`) or ``"glorot"``
            (:math:`\sigma^2 = 1 / (\text{fan\_in} + \text{fan\_out})`). Default: ``"he"``.
        transposed (bool): the weight is a transposed convolution's (keyword only). Default: ``False``.
        groups (int): the layer's number of groups (keyword only). Default: 1.
        generator (torch.Generator, optional): the random generator to draw from (keyword only). Default: ``None``.

    Shape:
        - tensor: complex, any shape with at least 2 dimensions.
        - Output: ``tensor`` itself, filled in place.

    Example::

        >>> w = torch.empty(64, 128, 3, 3, dtype=torch.cfloat)
        >>> w = deepcomplex.init.complex_independent_(w, "glorot")
        >>> round(float(w.real.var() * (128 * 9 + 64 * 9)), 3)  # Var(Re W) = 1 / (fan_in + fan_out)
        1.0
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
    r"""Fill a complex bias in place with uniform real and imaginary parts (torch's default bias rule, per part).

    .. math::
        \operatorname{Re} b, \operatorname{Im} b \sim \mathcal{U}\left(-\frac{1}{\sqrt{\text{fan\_in}}},
        \frac{1}{\sqrt{\text{fan\_in}}}\right) \text{ independently}

    as ``torch.nn.Linear`` / ``torch.nn.Conv2d`` initialise their bias; a ``fan_in`` of 0 gives zeros.

    Args:
        tensor (Tensor): the complex bias to fill.
        fan_in (int): the layer's fan-in (e.g. the first value of :func:`calculate_fans`).
        generator (torch.Generator, optional): the random generator to draw from (keyword only). Default: ``None``.

    Shape:
        - tensor: complex, any shape (usually :math:`(C_{out})`).
        - Output: ``tensor`` itself, filled in place.

    Example::

        >>> b = deepcomplex.init.complex_bias_uniform_(torch.empty(16, dtype=torch.cfloat), fan_in=75)
        >>> b.shape, bool((torch.view_as_real(b).abs() <= 75 ** -0.5).all())
        (torch.Size([16]), True)
    """
    _check_complex("complex_bias_uniform_", tensor)
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    with torch.no_grad():
        r = torch.view_as_real(tensor)
        r.copy_(torch.rand(r.shape, dtype=r.dtype, device=r.device, generator=generator) * 2 * bound - bound)
    return tensor


def _uniform_modulus_(name: str, tensor: torch.Tensor, criterion: str, transposed: bool, groups: int,
                      generator: Optional[torch.Generator]) -> torch.Tensor:
    """|W| ~ U(0, sqrt(6) sigma), arg W ~ U(-pi, pi): E|W|^2 = 2 sigma^2 (a uniform modulus on [0, a] has
    E|W|^2 = a^2 / 3), so Var(Re W) = Var(Im W) = sigma^2 as complex_rayleigh_."""
    _check_complex(name, tensor)
    sigma = _sigma(tensor, criterion, transposed, groups)
    real = tensor.real.dtype
    with torch.no_grad():
        modulus = torch.rand(tensor.shape, dtype=real, device=tensor.device, generator=generator)
        modulus.mul_(math.sqrt(6.0) * sigma)
        phase = (torch.rand(tensor.shape, dtype=real, device=tensor.device, generator=generator) * 2.0 - 1.0) * math.pi
        tensor.copy_(torch.polar(modulus, phase))
    return tensor


def complex_kaiming_uniform_(tensor: torch.Tensor, *, transposed: bool = False, groups: int = 1,
                             generator: Optional[torch.Generator] = None) -> torch.Tensor:
    r"""Fill a complex tensor in place with a uniform modulus and a uniform phase, scaled by the He criterion.

    .. math::
        |W| \sim \mathcal{U}\left(0, \sqrt{6} \sigma\right), \quad \arg W \sim \mathcal{U}(-\pi, \pi),
        \qquad \sigma^2 = \frac{1}{\text{fan\_in}}

    so :math:`\operatorname{E}|W|^2 = 6 \sigma^2 / 3 = 2 \sigma^2` and :math:`\operatorname{Var}(\operatorname{Re} W)
    = \operatorname{Var}(\operatorname{Im} W) = \sigma^2`: the variance of :func:`complex_rayleigh_` with
    ``"he"`` (Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 3.6; He et al., 2015, "Delving Deep into
    Rectifiers", ICCV, Eq. 10), with a bounded modulus :math:`|W| \le \sqrt{6 / \text{fan\_in}}` in place of the
    Rayleigh tail. The fans are those of :func:`calculate_fans`.

    Args:
        tensor (Tensor): the complex weight to fill (Linear, ConvNd or ConvTransposeNd layout).
        transposed (bool): the weight is a transposed convolution's (keyword only). Default: ``False``.
        groups (int): the layer's number of groups (keyword only). Default: 1.
        generator (torch.Generator, optional): the random generator to draw from (keyword only). Default: ``None``.

    Shape:
        - tensor: complex, any shape with at least 2 dimensions.
        - Output: ``tensor`` itself, filled in place.

    Example::

        >>> w = deepcomplex.init.complex_kaiming_uniform_(torch.empty(256, 128, 3, 3, dtype=torch.cfloat))
        >>> round(float(w.abs().pow(2).mean() * 128 * 9), 1), bool(w.abs().max() <= (6 / (128 * 9)) ** 0.5)
        (2.0, True)
    """
    return _uniform_modulus_("complex_kaiming_uniform_", tensor, "he", transposed, groups, generator)


def complex_xavier_uniform_(tensor: torch.Tensor, *, transposed: bool = False, groups: int = 1,
                            generator: Optional[torch.Generator] = None) -> torch.Tensor:
    r"""Fill a complex tensor in place with a uniform modulus and a uniform phase, scaled by the Glorot criterion.

    .. math::
        |W| \sim \mathcal{U}\left(0, \sqrt{6} \sigma\right), \quad \arg W \sim \mathcal{U}(-\pi, \pi),
        \qquad \sigma^2 = \frac{1}{\text{fan\_in} + \text{fan\_out}}

    so :math:`\operatorname{E}|W|^2 = 2 \sigma^2` and :math:`\operatorname{Var}(\operatorname{Re} W) =
    \operatorname{Var}(\operatorname{Im} W) = \sigma^2`: the variance of :func:`complex_rayleigh_` with
    ``"glorot"`` (Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 3.6; Glorot and Bengio, 2010,
    "Understanding the Difficulty of Training Deep Feedforward Neural Networks", AISTATS, Eq. 12), with a bounded
    modulus :math:`|W| \le \sqrt{6 / (\text{fan\_in} + \text{fan\_out})}`. The fans are those of
    :func:`calculate_fans`.

    Args:
        tensor (Tensor): the complex weight to fill (Linear, ConvNd or ConvTransposeNd layout).
        transposed (bool): the weight is a transposed convolution's (keyword only). Default: ``False``.
        groups (int): the layer's number of groups (keyword only). Default: 1.
        generator (torch.Generator, optional): the random generator to draw from (keyword only). Default: ``None``.

    Shape:
        - tensor: complex, any shape with at least 2 dimensions.
        - Output: ``tensor`` itself, filled in place.

    Example::

        >>> w = deepcomplex.init.complex_xavier_uniform_(torch.empty(300, 200, dtype=torch.cfloat))
        >>> round(float(w.real.var() * (200 + 300)), 1)  # Var(Re W) = 1 / (fan_in + fan_out)
        1.0
    """
    return _uniform_modulus_("complex_xavier_uniform_", tensor, "glorot", transposed, groups, generator)
