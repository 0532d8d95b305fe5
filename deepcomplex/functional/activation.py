"""Complex activations: CReLU, modReLU, zReLU (Trabelsi et al., Sec. 3.3) and the cardioid (Virtue et al., 2017)."""
from __future__ import annotations

import torch

from .._extension import serves
from .._layout import as_complex, channel_pairs, dense, split_relu
from .._validation import check_channels, check_complex


def crelu(input: torch.Tensor) -> torch.Tensor:
    r"""Apply the complex ReLU: ReLU on the real and on the imaginary part separately.

    .. math::
        \operatorname{CReLU}(z) = \operatorname{ReLU}(\operatorname{Re} z) + i \operatorname{ReLU}(\operatorname{Im} z)

    (Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 5.) The output keeps the memory layout of ``input``.

    Args:
        input (Tensor): complex input of any shape.

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape, dtype and memory layout as the input.

    Example::

        >>> z = torch.randn(2, 3, 4, 4, dtype=torch.cfloat)
        >>> F.crelu(z).shape
        torch.Size([2, 3, 4, 4])
        >>> F.crelu(torch.tensor([1 - 2j, -1 + 3j]))
        tensor([1.+0.j, 0.+3.j])
    """
    check_complex("crelu", input)
    return split_relu(input)


def _channel_view(name: str, param: torch.Tensor, input: torch.Tensor) -> torch.Tensor:
    """Reshape a per-channel parameter of shape (C,) to broadcast along dim 1 (dim 0 for 1-D input), as torch.nn.PReLU."""
    if param.numel() == 1:
        return param.reshape(())
    channels = input.shape[1] if input.dim() >= 2 else input.shape[0]
    check_channels(name, channels, param.numel(), "channels (dimension 1)")
    if input.dim() < 2:
        return param
    return param.reshape(-1, *([1] * (input.dim() - 2)))


def _modrelu_operand(x: torch.Tensor, per_channel: bool) -> torch.Tensor:
    """The kernels' (N, C, P, 2) view: channels along dimension 1, or all of ``x`` as one channel for a shared bias."""
    return channel_pairs(x) if per_channel else torch.view_as_real(x.reshape(1, 1, -1))


class _ModReLU(torch.autograd.Function):
    """modReLU on the compiled CPU kernels: one pass forward; backward dz = (1 + t) g - t u Re(conj(u) g) and
    db = sum Re(conj(u) g) on the active set, u = z / |z|, t = b / |z| (once differentiable)."""

    @staticmethod
    def forward(ctx, x, bias, per_channel: bool):
        x = dense(x)
        v = _modrelu_operand(x, per_channel)
        ctx.save_for_backward(x, bias)
        ctx.per_channel = per_channel
        return torch.view_as_complex(torch.ops.deepcomplex.modrelu_forward(v, bias).view(v.shape)).view(x.shape)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out):
        x, bias = ctx.saved_tensors
        g = grad_out if grad_out.stride() == x.stride() else torch.empty_like(x).copy_(grad_out)
        gx, gb = torch.ops.deepcomplex.modrelu_backward(_modrelu_operand(g, ctx.per_channel),
                                                        _modrelu_operand(x, ctx.per_channel), bias)
        gx = torch.view_as_complex(gx).view(x.shape)
        return gx, gb.to(bias.dtype).reshape(bias.shape), None


def modrelu(input: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    r"""Apply modReLU: a ReLU on the modulus with a learned real bias, keeping the phase.

    .. math::
        \operatorname{modReLU}(z) = \operatorname{ReLU}(|z| + b) \, \frac{z}{|z|}, \qquad \operatorname{modReLU}(0) = 0

    (Arjovsky et al., 2016, "Unitary Evolution Recurrent Neural Networks", ICML; Trabelsi et al., 2018, "Deep Complex
    Networks", ICLR, Eq. 4.) The output and its gradient are finite everywhere: at :math:`z = 0` the phase
    :math:`z / |z|` is replaced by 0, so no 0/0 reaches autograd.

    Args:
        input (Tensor): complex input, channels along dimension 1 (dimension 0 for 1-D input).
        bias (Tensor): real bias :math:`b`, one entry per channel (as ``torch.nn.PReLU``'s weight) or a single
            entry shared by all elements. A complex bias raises ``TypeError``.

    Shape:
        - Input: :math:`(N, C, *)`, :math:`(C)` or any shape when ``bias`` has one entry; complex.
        - Bias: :math:`(C)` or :math:`(1)`, real.
        - Output: the shape of the input.

    Example::

        >>> z = torch.randn(2, 3, 4, 4, dtype=torch.cfloat)
        >>> F.modrelu(z, torch.full((3,), -0.5)).shape
        torch.Size([2, 3, 4, 4])
        >>> F.modrelu(torch.tensor([3 + 4j, 0.3 + 0.4j]), torch.tensor([-1.0]))
        tensor([2.4000+3.2000j, 0.0000+0.0000j])
    """
    check_complex("modrelu", input)
    if bias.is_complex():
        raise TypeError(f"modrelu expects a real bias, got {bias.dtype}")
    b = _channel_view("modrelu", bias, input)
    if serves(input) and input.numel() > 0 and (input.dim() >= 2 or bias.numel() == 1):
        return _ModReLU.apply(input, bias, bias.numel() > 1)
    r = input.abs()
    nonzero = r > 0
    safe_r = torch.where(nonzero, r, torch.ones_like(r))
    scale = torch.relu(r + b) / safe_r
    return input * torch.where(nonzero, scale, torch.zeros_like(scale))


def _is_dense(x: torch.Tensor) -> bool:
    """Whether the elements of ``x`` fill a block of memory with no gap or overlap, in whatever dimension order."""
    expected = 1
    for size, stride in sorted(zip(x.shape, x.stride()), key=lambda t: t[1]):
        if size != 1:
            if stride != expected:
                return False
            expected *= size
    return True


def _zrelu_kernel_serves(x: torch.Tensor) -> bool:
    """Whether the compiled zReLU runs for ``x``: CPU complex64/128, not empty, dense (any dimension order)."""
    return (x.dtype in (torch.complex64, torch.complex128) and x.numel() > 0 and not x.is_conj() and serves(x)
            and _is_dense(x))


def _first_quadrant(x: torch.Tensor) -> torch.Tensor:
    """The (..., 1) 0/1 mask of the real view, in its dtype: Re >= 0 and Im >= 0 (a NaN part fails it, -0 passes)."""
    parts = torch.view_as_real(x)
    # min(Re, Im) >= 0: one comparison per element, not two as (parts >= 0).all(-1); NaN propagates and fails
    return (torch.minimum(parts[..., 0], parts[..., 1]) >= 0).unsqueeze(-1).to(parts.dtype)


def _select(v: torch.Tensor, saved: torch.Tensor, kernel: bool) -> torch.Tensor:
    """``v`` where the input lies in the first quadrant, 0 elsewhere: a select, not a product with a 0/1 mask, so NaN
    and inf outside the quadrant give 0. ``saved`` is the input (kernel) or its :func:`_first_quadrant` mask."""
    v = v.resolve_conj()  # a gradient may come as a conjugate view, which view_as_real rejects
    if not kernel:  # threshold_backward(v, mask, 0.5) = v where mask > 0.5: a select, faster than torch.where here
        return as_complex(torch.ops.aten.threshold_backward(torch.view_as_real(v), saved, 0.5))
    if v.stride() != saved.stride():  # the kernel walks both as one flat array: the same layout
        v = torch.empty_like(saved).copy_(v)
    return torch.view_as_complex(torch.ops.deepcomplex.zrelu_backward(torch.view_as_real(v), torch.view_as_real(saved)))


class _ZReLU(torch.autograd.Function):
    """zReLU z -> z [z in the first quadrant], on the compiled kernel or torch's ops; keeps the memory layout."""

    @staticmethod
    def forward(ctx, x, kernel: bool):
        ctx.kernel = kernel
        if kernel:
            ctx.save_for_backward(x)
            return torch.view_as_complex(torch.ops.deepcomplex.zrelu_forward(torch.view_as_real(x)))
        keep = _first_quadrant(x)
        ctx.save_for_backward(keep)
        return _select(x, keep, kernel)

    @staticmethod
    def backward(ctx, grad):
        (saved,) = ctx.saved_tensors
        return _ZReLUGrad.apply(grad, saved, ctx.kernel), None


class _ZReLUGrad(torch.autograd.Function):
    """zReLU's backward g -> g [x in the first quadrant]: linear in g, so its own backward is itself (any order)."""

    @staticmethod
    def forward(ctx, grad, saved, kernel: bool):
        ctx.save_for_backward(saved)
        ctx.kernel = kernel
        return _select(grad, saved, kernel)

    @staticmethod
    def backward(ctx, grad):
        (saved,) = ctx.saved_tensors
        return _ZReLUGrad.apply(grad, saved, ctx.kernel), None, None


def zrelu(input: torch.Tensor) -> torch.Tensor:
    r"""Apply zReLU: pass :math:`z` where it lies in the first quadrant, zero elsewhere.

    .. math::
        \operatorname{zReLU}(z) = \begin{cases} z & \text{if } \arg z \in [0, \pi/2]
        \text{ (Re } z \ge 0 \text{ and Im } z \ge 0\text{)} \\ 0 & \text{otherwise} \end{cases}

    (Guberman, 2016, "On Complex Valued Convolutional Neural Networks"; Trabelsi et al., 2018, "Deep Complex Networks",
    ICLR, Eq. 6.) An element with a NaN part gives 0, and so does one with an infinite part outside the first
    quadrant; :math:`-0` counts as :math:`\ge 0`. The gradient is the incoming gradient where the element passes,
    0 elsewhere.

    Args:
        input (Tensor): complex input of any shape.

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape as the input.

    Example::

        >>> z = torch.randn(2, 3, 4, 4, dtype=torch.cfloat)
        >>> F.zrelu(z).shape
        torch.Size([2, 3, 4, 4])
        >>> F.zrelu(torch.tensor([1 + 2j, 1 - 2j, -1 + 2j])) != 0
        tensor([ True, False, False])
    """
    check_complex("zrelu", input)
    return _ZReLU.apply(input, _zrelu_kernel_serves(input))


def cardioid(input: torch.Tensor) -> torch.Tensor:
    r"""Apply the cardioid: scale each element by a factor in [0, 1] that depends on its phase only.

    .. math::
        f(z) = \tfrac{1}{2} \left(1 + \cos(\arg z)\right) z

    (Virtue, Yu and Lustig, 2017, "Better than Real: Complex-valued Neural Nets for MRI Fingerprinting", ICIP.)
    :math:`\cos(\arg 0)` is taken as 1, so :math:`f(0) = 0`; on the real line the cardioid is the ReLU.

    Args:
        input (Tensor): complex input of any shape.

    Shape:
        - Input: :math:`(*)` complex, any number of dimensions.
        - Output: :math:`(*)`, the same shape as the input.

    Example::

        >>> z = torch.randn(2, 3, 4, 4, dtype=torch.cfloat)
        >>> F.cardioid(z).shape
        torch.Size([2, 3, 4, 4])
        >>> F.cardioid(torch.tensor([2 + 0j, -2 + 0j, 2j]))
        tensor([2.+0.j, -0.+0.j, 0.+1.j])
    """
    check_complex("cardioid", input)
    r = input.abs()
    nonzero = r > 0
    cos = torch.where(nonzero, input.real / torch.where(nonzero, r, torch.ones_like(r)), torch.ones_like(r))
    return input * (0.5 * (1.0 + cos))


def complex_to_real(input: torch.Tensor, mode: str = "cat", dim: int = 1) -> torch.Tensor:
    r"""Map a complex tensor to a real one for real-valued heads: [Re | Im] concatenated or interleaved, or |z|.

    .. math::
        \text{cat}: \; y = [\operatorname{Re} z \,|\, \operatorname{Im} z] \text{ along } \texttt{dim}, \qquad
        \text{interleaved}: \; y_{2k} = \operatorname{Re} z_k, \; y_{2k+1} = \operatorname{Im} z_k, \qquad
        \text{abs}: \; y = |z|

    The real layouts of a complex tensor (Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 3.1);
    ``"cat"`` and ``"interleaved"`` are undone by :func:`concatenated_to_complex` and
    :func:`interleaved_to_complex`.

    Args:
        input (Tensor): complex input.
        mode (str): ``"cat"`` concatenates the real and imaginary parts along ``dim``; ``"interleaved"`` puts
            [Re z_0, Im z_0, Re z_1, Im z_1, ...] along ``dim``; ``"abs"`` takes the modulus elementwise. Any other
            value raises ``ValueError``. Default: ``"cat"``.
        dim (int): dimension along which ``"cat"`` and ``"interleaved"`` lay out the parts (ignored by ``"abs"``).
            Default: 1.

    Shape:
        - Input: :math:`(N, C, *)` complex (any shape with a dimension ``dim`` for ``"cat"``/``"interleaved"``).
        - Output: real; :math:`(N, 2C, *)` for ``"cat"`` with ``dim=1`` (Re channels first, then Im) and for
          ``"interleaved"``, :math:`(N, C, *)` for ``"abs"``.

    Example::

        >>> z = torch.randn(8, 10, dtype=torch.cfloat)
        >>> F.complex_to_real(z).shape
        torch.Size([8, 20])
        >>> F.complex_to_real(z, mode="abs").dtype
        torch.float32
    """
    check_complex("complex_to_real", input)
    if mode == "cat":
        return torch.cat([input.real, input.imag], dim=dim)
    if mode == "abs":
        return input.abs()
    if mode == "interleaved":
        if not -input.dim() <= dim < input.dim():
            raise ValueError(f"complex_to_real: dim {dim} is out of range for a {input.dim()}D input")
        dim = dim % input.dim()
        return torch.stack([input.real, input.imag], dim + 1).flatten(dim, dim + 1)
    raise ValueError(f"complex_to_real: mode must be 'cat', 'interleaved' or 'abs', got {mode!r}")
