"""Complex pooling: average pooling of Re and Im, max pooling by modulus, and spectral pooling (Rippel et al., 2015)."""
from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F

from .._extension import serves
from .._layout import apply_interleaved
from .._validation import check_complex, check_rank

_Size = Union[int, Sequence[int]]


def _on_interleaved(name: str, nd: int, input: torch.Tensor, fn) -> torch.Tensor:
    """Apply a per-channel real op to Re and Im at once through the interleaved real view (no copy when channels-last)."""
    check_complex(name, input)
    check_rank(name, input, (nd + 1, nd + 2), "(unbatched or batched)")
    unbatched = input.dim() == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    out = apply_interleaved(x, fn)
    return out.squeeze(0) if unbatched else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    r"""Apply 1-D average pooling to a complex signal: the mean of Re and of Im over each window.

    .. math::
        y(N_i, C_j, l) = \frac{1}{k} \sum_{m=0}^{k-1} x(N_i, C_j, \text{stride} \cdot l + m)

    with complex :math:`x` (the mean of a window of complex numbers is the mean of their real parts plus :math:`i`
    times the mean of their imaginary parts). Same arguments as ``torch.nn.functional.avg_pool1d``.

    Args:
        input (Tensor): complex input, :math:`(N, C, L)` or :math:`(C, L)`.
        kernel_size (int or tuple): window size :math:`k`.
        stride (int or tuple, optional): window stride. Default: ``kernel_size``.
        padding (int or tuple): implicit zero padding on both sides. Default: 0.
        ceil_mode (bool): use ceil instead of floor to compute the output length. Default: ``False``.
        count_include_pad (bool): include the zero padding in the averaging count. Default: ``True``.

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`, complex.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`, where
          :math:`L_{out} = \lfloor (L_{in} + 2 \, \text{padding} - k) / \text{stride} \rfloor + 1`.

    Example::

        >>> x = torch.randn(4, 3, 16, dtype=torch.cfloat)
        >>> F.avg_pool1d(x, 4).shape
        torch.Size([4, 3, 4])
    """
    return _on_interleaved("avg_pool1d", 1, input, lambda x: F.avg_pool1d(
        x, kernel_size, stride, padding, ceil_mode, count_include_pad))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):
    r"""Apply 2-D average pooling to a complex image: the mean of Re and of Im over each window.

    .. math::
        y(N_i, C_j, h, w) = \frac{1}{k_H k_W} \sum_{m=0}^{k_H-1} \sum_{n=0}^{k_W-1}
        x(N_i, C_j, \text{stride}[0] \cdot h + m, \text{stride}[1] \cdot w + n)

    with complex :math:`x`. Same arguments as ``torch.nn.functional.avg_pool2d``. Without padding (and with
    ``ceil_mode=False``) the compiled CPU kernels, where built, pool NCHW-contiguous and channels-last input in one
    pass each way and keep its memory layout; elsewhere (a GPU, no build), 2x2 windows of stride 2 on contiguous
    (N, C, H, W) input with even H and W take a faster path than the general one. All paths give the same result.

    Args:
        input (Tensor): complex input, :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        kernel_size (int or tuple): window size :math:`(k_H, k_W)`.
        stride (int or tuple, optional): window stride. Default: ``kernel_size``.
        padding (int or tuple): implicit zero padding on both sides. Default: 0.
        ceil_mode (bool): use ceil instead of floor to compute the output size. Default: ``False``.
        count_include_pad (bool): include the zero padding in the averaging count. Default: ``True``.
        divisor_override (int, optional): divide by this instead of the window size. Default: ``None``.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`, complex.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`, where
          :math:`H_{out} = \lfloor (H_{in} + 2 \, \text{padding}[0] - k_H) / \text{stride}[0] \rfloor + 1` and
          likewise :math:`W_{out}`.

    Example::

        >>> x = torch.randn(4, 3, 16, 16, dtype=torch.cfloat)
        >>> F.avg_pool2d(x, 2).shape
        torch.Size([4, 3, 8, 8])
        >>> F.avg_pool2d(torch.tensor([[[1 + 1j, 3 + 1j], [1 - 1j, 3 - 1j]]]), 2)
        tensor([[[2.+0.j]]])
    """
    geometry = _kernel_geometry(input, kernel_size, stride, padding, ceil_mode, divisor_override)
    if geometry is not None:  # the compiled kernel: windows without padding, NCHW or channels-last, kept as it is
        x = input if input.dim() == 4 else input.unsqueeze(0)
        out = _AvgPool2dKernel.apply(x, geometry, not x.is_contiguous())
        return out if input.dim() == 4 else out.squeeze(0)
    if _is_2x2_stride_2(input, kernel_size, stride, padding) and input.is_complex():
        # NCHW complex input: pool its real view (N, C, H, W, 2) in place of a channels-last copy
        return torch.view_as_complex(_AvgPool2x2.apply(torch.view_as_real(input), divisor_override or 4))
    return _on_interleaved("avg_pool2d", 2, input, lambda x: F.avg_pool2d(
        x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override))


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):
    r"""Apply 3-D average pooling to a complex volume: the mean of Re and of Im over each window.

    .. math::
        y(N_i, C_j, d, h, w) = \frac{1}{k_D k_H k_W} \sum_{l, m, n}
        x(N_i, C_j, \text{stride}[0] \cdot d + l, \text{stride}[1] \cdot h + m, \text{stride}[2] \cdot w + n)

    with complex :math:`x`. Same arguments as ``torch.nn.functional.avg_pool3d``.

    Args:
        input (Tensor): complex input, :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`.
        kernel_size (int or tuple): window size :math:`(k_D, k_H, k_W)`.
        stride (int or tuple, optional): window stride. Default: ``kernel_size``.
        padding (int or tuple): implicit zero padding on both sides. Default: 0.
        ceil_mode (bool): use ceil instead of floor to compute the output size. Default: ``False``.
        count_include_pad (bool): include the zero padding in the averaging count. Default: ``True``.
        divisor_override (int, optional): divide by this instead of the window size. Default: ``None``.

    Shape:
        - Input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or :math:`(C, D_{in}, H_{in}, W_{in})`, complex.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or without :math:`N`, where
          :math:`D_{out} = \lfloor (D_{in} + 2 \, \text{padding}[0] - k_D) / \text{stride}[0] \rfloor + 1` and
          likewise :math:`H_{out}`, :math:`W_{out}`.

    Example::

        >>> x = torch.randn(2, 3, 8, 8, 8, dtype=torch.cfloat)
        >>> F.avg_pool3d(x, 2).shape
        torch.Size([2, 3, 4, 4, 4])
    """
    return _on_interleaved("avg_pool3d", 3, input, lambda x: F.avg_pool3d(
        x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override))


class _AvgPool2x2(torch.autograd.Function):
    """2x2, stride-2 average pooling of a contiguous (N, C, H, W, *E) tensor with even H and W, by two strided adds.

    E is empty for a real image and (2,) for the real view of a complex one. Used in place of torch's avg_pool2d,
    whose path for NCHW input on the CPU is slower.
    """

    @staticmethod
    def forward(ctx, x, divisor):
        n, c, h, w, *e = x.shape
        rows = x.view(n, c, h // 2, 2, w, *e)
        rows = rows[:, :, :, 0] + rows[:, :, :, 1]
        cols = rows.view(n, c, h // 2, w // 2, 2, *e)
        ctx.divisor = divisor
        return (cols[:, :, :, :, 0] + cols[:, :, :, :, 1]).div_(divisor)

    @staticmethod
    def backward(ctx, grad):
        n, c, h, w, *e = grad.shape
        g = grad.reshape(n, c, h, 1, w, 1, *e).expand(n, c, h, 2, w, 2, *e)
        return g.reshape(n, c, 2 * h, 2 * w, *e).contiguous().div_(ctx.divisor), None  # a copy: never write to grad


def _pair_of(v) -> Optional[tuple[int, int]]:
    """(a, b) from an int or a sequence of one or two ints, as torch's pooling reads them; None for anything else."""
    v = tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    v = v * 2 if len(v) == 1 else v
    ok = len(v) == 2 and all(isinstance(i, int) and not isinstance(i, bool) for i in v)
    return v if ok else None


def _window(kernel_size, stride):
    """(kernel, stride) pairs as :func:`_pair_of` reads them; the stride defaults to the window (None or empty)."""
    k = _pair_of(kernel_size)
    return k, k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else _pair_of(stride)


def _kernel_geometry(input: torch.Tensor, kernel_size, stride, padding, ceil_mode, divisor_override):
    """(kH, kW, sH, sW, divisor) when the compiled kernel computes this pooling, else None (torch's path runs)."""
    if not (input.dtype in (torch.complex64, torch.complex128) and input.dim() in (3, 4) and input.numel() > 0
            and not input.is_conj() and serves(input)):
        return None
    if not (input.is_contiguous() or (input.dim() == 4 and input.is_contiguous(memory_format=torch.channels_last))
            or (input.dim() == 3 and input.permute(1, 2, 0).is_contiguous())):
        return None
    k, s = _window(kernel_size, stride)
    if k is None or s is None or _pair_of(padding) != (0, 0) or ceil_mode or min(k + s) < 1:
        return None
    if input.shape[-2] < k[0] or input.shape[-1] < k[1]:  # torch raises its own error
        return None
    if divisor_override is not None and (not isinstance(divisor_override, int) or divisor_override == 0):
        return None
    return (*k, *s, divisor_override if divisor_override is not None else k[0] * k[1])


def _conform(t: torch.Tensor, channels_last: bool) -> torch.Tensor:
    """``t`` (complex 4-D) in the kernels' layout: NCHW-contiguous or channels-last; no copy when it already is."""
    return t.resolve_conj().contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)


class _AvgPool2dKernel(torch.autograd.Function):
    """Average pooling on the compiled kernels, NCHW or channels-last complex (N, C, H, W), windows without padding.
    Backward gathers each input element's windows (one pass, a fresh tensor); differentiable to any order, as pooling
    and its backward are each other's adjoints."""

    @staticmethod
    def forward(ctx, x, geometry, channels_last: bool):
        ctx.geometry, ctx.channels_last, ctx.size = geometry, channels_last, x.shape[-2:]
        return torch.view_as_complex(torch.ops.deepcomplex.avg_pool2d_forward(torch.view_as_real(x), *geometry))

    @staticmethod
    def backward(ctx, grad):
        return _AvgPool2dKernelGrad.apply(grad, ctx.geometry, ctx.channels_last, ctx.size), None, None


class _AvgPool2dKernelGrad(torch.autograd.Function):
    """The backward of :class:`_AvgPool2dKernel` as a function of the output gradient; its backward is the pooling."""

    @staticmethod
    def forward(ctx, grad, geometry, channels_last: bool, size):
        ctx.geometry, ctx.channels_last = geometry, channels_last
        g = torch.view_as_real(_conform(grad, channels_last))
        return torch.view_as_complex(torch.ops.deepcomplex.avg_pool2d_backward(g, *size, *geometry))

    @staticmethod
    def backward(ctx, grad):
        pooled = _AvgPool2dKernel.apply(_conform(grad, ctx.channels_last), ctx.geometry, ctx.channels_last)
        return pooled, None, None, None


def tiles_2x2(kernel_size, stride=None, padding=0) -> bool:
    """Whether pooling arguments (as torch's pooling reads them) mean 2x2 windows of stride 2 without padding, the
    windows that tile an even image: the fast paths here and CoShNet's fused stem (``models.coshnet``) take them."""
    return _window(kernel_size, stride) == ((2, 2), (2, 2)) and _pair_of(padding) == (0, 0)


def _is_2x2_stride_2(input: torch.Tensor, kernel_size, stride, padding) -> bool:
    """Whether ``_AvgPool2x2`` computes this pooling: 2x2 windows, stride 2, no padding, contiguous NCHW, even H and W."""
    return (tiles_2x2(kernel_size, stride, padding) and input.dim() == 4
            and input.is_contiguous() and input.shape[-2] % 2 == 0 and input.shape[-1] % 2 == 0
            and input.numel() > 0)


def real_avg_pool2d(input: torch.Tensor, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                    divisor_override=None) -> torch.Tensor:
    """torch.nn.functional.avg_pool2d on a real tensor, with a fast path for 2x2 windows of stride 2 on NCHW input."""
    if _is_2x2_stride_2(input, kernel_size, stride, padding) and not input.is_complex():
        return _AvgPool2x2.apply(input, divisor_override or 4)
    return F.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def adaptive_avg_pool2d(input, output_size):
    r"""Apply 2-D adaptive average pooling to a complex image: Re and Im averaged over windows fitting ``output_size``.

    Window :math:`(h, w)` of an :math:`H \times W` plane spans rows :math:`\lfloor h H / H_{out} \rfloor` to
    :math:`\lceil (h + 1) H / H_{out} \rceil - 1` (likewise columns), and the output is the mean of the complex values
    in it, as ``torch.nn.functional.adaptive_avg_pool2d`` on Re and Im.

    Args:
        input (Tensor): complex input, :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        output_size (int or tuple): target size :math:`(H_{out}, W_{out})`, or one int for a square output
            (``None`` in a tuple keeps that input dimension).

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`, complex.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`.

    Example::

        >>> x = torch.randn(4, 3, 16, 16, dtype=torch.cfloat)
        >>> F.adaptive_avg_pool2d(x, (1, 1)).shape
        torch.Size([4, 3, 1, 1])
    """
    return _on_interleaved("adaptive_avg_pool2d", 2, input, lambda x: F.adaptive_avg_pool2d(x, output_size))


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    r"""Apply 2-D max pooling by modulus: each window keeps the complex element of largest :math:`|z|`.

    .. math::
        y(N_i, C_j, h, w) = x(N_i, C_j, h^*, w^*), \qquad
        (h^*, w^*) = \operatorname*{arg\,max}_{(m, n) \in \text{window}(h, w)} |x(N_i, C_j, m, n)|

    The element itself (Re and Im together) is returned, not its modulus. The indices are exactly those of
    ``torch.nn.functional.max_pool2d(input.abs(), ..., return_indices=True)``: flat positions within each
    (H, W) plane, for any batch size and channel count.

    Args:
        input (Tensor): complex input, :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        kernel_size (int or tuple): window size :math:`(k_H, k_W)`.
        stride (int or tuple, optional): window stride. Default: ``kernel_size``.
        padding (int or tuple): implicit padding (never selected) on both sides. Default: 0.
        dilation (int or tuple): spacing between window elements. Default: 1.
        ceil_mode (bool): use ceil instead of floor to compute the output size. Default: ``False``.
        return_indices (bool): also return the int64 indices of the kept elements. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`, complex.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`, where
          :math:`H_{out} = \lfloor (H_{in} + 2 \, \text{padding}[0] - \text{dilation}[0] \, (k_H - 1) - 1)
          / \text{stride}[0] \rfloor + 1` and likewise :math:`W_{out}`; the indices (if returned) have the same shape.

    Example::

        >>> x = torch.randn(4, 3, 16, 16, dtype=torch.cfloat)
        >>> out, idx = F.max_pool2d(x, 2, return_indices=True)
        >>> out.shape, idx.dtype
        (torch.Size([4, 3, 8, 8]), torch.int64)
        >>> F.max_pool2d(torch.tensor([[[1 + 1j, -3 + 0j], [0.5j, 2j]]]), 2)
        tensor([[[-3.+0.j]]])
    """
    check_complex("max_pool2d", input)
    check_rank("max_pool2d", input, (3, 4), "(unbatched or batched)")
    _, idx = F.max_pool2d(input.abs(), kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)
    flat = input.flatten(-2)
    out = flat.gather(-1, idx.flatten(-2)).view(idx.shape)
    return (out, idx) if return_indices else out


def _kept_frequencies(n_in: int, n_out: int, device) -> torch.Tensor:
    """FFT bins kept when cropping n_in -> n_out: the (n_out + 1) // 2 lowest non-negative and n_out // 2 negative ones."""
    pos = torch.arange(0, (n_out + 1) // 2, device=device)
    neg = torch.arange(n_in - n_out // 2, n_in, device=device)
    return torch.cat([pos, neg])


def spectral_pool2d(input: torch.Tensor, output_size: _Size) -> torch.Tensor:
    r"""Apply spectral pooling: keep the lowest ``output_size`` frequencies of the 2-D DFT of each plane.

    .. math::
        y = \operatorname{IDFT}_{h w}\!\left(\operatorname{crop}_{h \times w}\!\left(\tfrac{1}{H W}
        \operatorname{DFT}_{H W}(x)\right)\right)

    (Rippel, Snoek and Adams, 2015, "Spectral Representations for Convolutional Neural Networks", NeurIPS.) Both
    transforms use ``norm="forward"``, so the mean of every plane is preserved and a signal band-limited to the kept
    frequencies is resampled exactly. The crop keeps the :math:`\lceil h / 2 \rceil` lowest non-negative and the
    :math:`\lfloor h / 2 \rfloor` highest (negative) frequency rows, likewise columns.

    Args:
        input (Tensor): complex input, :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        output_size (int or tuple): :math:`(h, w)` with :math:`1 \le h \le H` and :math:`1 \le w \le W`, or one int
            for both.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`, complex.
        - Output: :math:`(N, C, h, w)` or :math:`(C, h, w)`.

    Example::

        >>> x = torch.randn(4, 3, 16, 16, dtype=torch.cfloat)
        >>> F.spectral_pool2d(x, (8, 6)).shape
        torch.Size([4, 3, 8, 6])
        >>> F.spectral_pool2d(torch.ones(1, 4, 4, dtype=torch.cfloat), 2)
        tensor([[[1.+0.j, 1.+0.j],
                 [1.+0.j, 1.+0.j]]])
    """
    check_complex("spectral_pool2d", input)
    check_rank("spectral_pool2d", input, (3, 4), "(unbatched or batched)")
    h, w = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    H, W = input.shape[-2:]
    if not (1 <= h <= H and 1 <= w <= W):
        raise ValueError(f"spectral_pool2d: output_size must be between 1 and the input size {(H, W)}, got {(h, w)}")
    if input.numel() == 0:  # MKL's FFT rejects empty batches
        return input.new_zeros(*input.shape[:-2], h, w)
    spec = torch.fft.fft2(input, norm="forward")
    spec = spec.index_select(-2, _kept_frequencies(H, h, input.device))
    spec = spec.index_select(-1, _kept_frequencies(W, w, input.device))
    return torch.fft.ifft2(spec, norm="forward")
