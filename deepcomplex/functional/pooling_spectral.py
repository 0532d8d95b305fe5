"""Complex spectral pooling in 1-D and 3-D (2-D: ``pooling.spectral_pool2d``): keep the lowest DFT frequencies."""
from __future__ import annotations

import torch

from .._validation import check_complex, check_rank
from .pooling import _kept_frequencies


def _spectral_pool(name: str, nd: int, input: torch.Tensor, output_size) -> torch.Tensor:
    check_complex(name, input)
    check_rank(name, input, (nd + 1, nd + 2), "(unbatched or batched)")
    size = (output_size,) * nd if isinstance(output_size, int) else tuple(output_size)
    full = tuple(input.shape[-nd:])
    if len(size) != nd or not all(isinstance(s, int) and 1 <= s <= n for s, n in zip(size, full)):
        raise ValueError(f"{name}: output_size must be {nd} int(s) between 1 and the input size {full}, got "
                         f"{output_size!r}")
    if input.numel() == 0:  # MKL's FFT rejects empty batches
        return input.new_zeros(*input.shape[:-nd], *size)
    dims = tuple(range(-nd, 0))
    spec = torch.fft.fftn(input, dim=dims, norm="forward")
    for d, n, s in zip(dims, full, size):
        if s != n:
            spec = spec.index_select(d, _kept_frequencies(n, s, input.device))
    return torch.fft.ifftn(spec, dim=dims, norm="forward")


_DOC = r"""Apply spectral pooling: keep the lowest ``output_size`` frequencies of the {nd}-D DFT of each {what}.

    .. math::
        y = \operatorname{{IDFT}}_{{{small}}}\!\left(\operatorname{{crop}}_{{{small}}}\!\left(\tfrac{{1}}{{{norm}}}
        \operatorname{{DFT}}_{{{big}}}(x)\right)\right)

    (Rippel, Snoek and Adams, 2015, "Spectral Representations for Convolutional Neural Networks", NeurIPS, Sec. 3.)
    Both transforms use ``norm="forward"``, so the mean is preserved and a signal band-limited to the kept frequencies
    is resampled exactly. Along each axis the crop keeps the :math:`\lceil m / 2 \rceil` lowest non-negative and the
    :math:`\lfloor m / 2 \rfloor` highest (negative) frequencies, as :func:`spectral_pool2d`.

    Args:
        input (Tensor): complex input, :math:`{shape}` or without :math:`N`.
        output_size (int or tuple): {size_note}, each between 1 and the input size.

    Shape:
        - Input: :math:`{shape}` or without :math:`N`, complex.
        - Output: :math:`{shape_out}` or without :math:`N`, complex.

    Example::

        >>> F.spectral_pool{nd}d(torch.randn({example}, dtype=torch.cfloat), {size}).shape
        torch.Size([{example_out}])
        >>> F.spectral_pool{nd}d(torch.full(({ones}), 2 - 1j), 1)
        tensor({ones_out})
    """


def spectral_pool1d(input: torch.Tensor, output_size) -> torch.Tensor:
    return _spectral_pool("spectral_pool1d", 1, input, output_size)


def spectral_pool3d(input: torch.Tensor, output_size) -> torch.Tensor:
    return _spectral_pool("spectral_pool3d", 3, input, output_size)


spectral_pool1d.__doc__ = _DOC.format(nd=1, what="signal", small="l", big="L", norm="L", shape="(N, C, L)",
                                      shape_out="(N, C, l)", size_note=":math:`l` (or a 1-tuple)",
                                      example="4, 3, 16", size="5", example_out="4, 3, 5", ones="1, 4",
                                      ones_out="[[2.-1.j]]")
spectral_pool3d.__doc__ = _DOC.format(nd=3, what="volume", small="d h w", big="D H W", norm="D H W",
                                      shape="(N, C, D, H, W)", shape_out="(N, C, d, h, w)",
                                      size_note=":math:`(d, h, w)`, or one int for all three", example="2, 3, 8, 8, 6",
                                      size="(4, 5, 3)", example_out="2, 3, 4, 5, 3", ones="1, 2, 2, 2",
                                      ones_out="[[[[2.-1.j]]]]")
