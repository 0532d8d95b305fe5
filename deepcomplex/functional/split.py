"""Split layers of CoShNet-tiny (Ko et al., 2022, Sec. 4.2): independent real maps on Re and Im, no cross terms.

Two parameter-saving layers: DCF convolutions, whose kernels are learned combinations of a few fixed Fourier-Bessel
functions (Qiu et al., 2018, "DCFNet", Eq. 3), and tensor-train linear layers (Novikov et al., 2015, "Tensorizing
Neural Networks", Eq. 5) initialised by TT-SVD (Oseledets, 2011, Alg. 1). The Re/Im parts are stacked on a leading
"part" dimension of size 2 in every weight (index 0: the layer applied to Re, index 1: the one applied to Im).
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

# DCFNet keeps the Bessel modes whose root is below pi * R * 1.5 (R the disk radius in pixels): higher ones alias.
_FREQ_FACTOR = 1.5


def _bessel_j(n: int, x: np.ndarray) -> np.ndarray:
    """J_n(x) from Bessel's integral (1/2pi) int_0^2pi cos(n t - x sin t) dt; the trapezoid rule is spectrally exact."""
    x = np.asarray(x, dtype=np.float64)
    m = 2 * (int(np.max(np.abs(x), initial=0.0)) + n) + 64
    t = 2 * np.pi * np.arange(m) / m
    return np.cos(n * t - x[..., None] * np.sin(t)).mean(-1)


def _bessel_zeros(n: int, upto: float) -> list[float]:
    """The positive roots of J_n below ``upto``, bracketed on a fine grid and refined by bisection."""
    # every root of J_n exceeds n; starting there skips the rounding-noise sign flips of J_n near 0
    grid = np.linspace(n + 0.5, max(upto, n + 0.5), int(upto * 50) + 2)
    vals = _bessel_j(n, grid)
    roots = []
    for i in np.nonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)[0]:
        lo, hi = grid[i], grid[i + 1]
        flo = vals[i]
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            fm = _bessel_j(n, np.array(mid))
            if np.sign(fm) == np.sign(flo):
                lo, flo = mid, fm
            else:
                hi = mid
        roots.append(0.5 * (lo + hi))
    return roots


def fourier_bessel_basis(kernel_size: int = 5, num_bases: int = 3, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    r"""Sample the first ``num_bases`` Fourier-Bessel functions on a :math:`k \times k` grid (the fixed DCF bases).

    On the disk of radius :math:`R = k / 2` pixels (:math:`r = |(x, y)| / R`, :math:`\theta = \operatorname{atan2}(y,
    x)`, x along columns, y along rows), zero for :math:`r \ge 1`:

    .. math::
        \psi_{0q} = \frac{J_0(j_{0q} r)}{|J_1(j_{0q})|}, \qquad
        \psi_{nq}^{\cos / \sin} = \sqrt{2} \, \frac{J_n(j_{nq} r)}{|J_{n+1}(j_{nq})|} \cos(n\theta) \text{ / }
        \sin(n\theta)

    in increasing order of the Bessel root :math:`j_{nq}` (cos before sin), keeping the roots below
    :math:`1.5 \pi R` (higher ones alias); then all divided by one constant so that the mean squared norm of the
    functions is 1 (DCFNet: Qiu et al., 2018, "DCFNet: Deep Neural Network with Decomposed Convolutional Filters",
    ICML, Sec. 3). With :math:`k = 5` and 3 bases (CoShNet-tiny): :math:`J_0`, :math:`J_1 \cos`, :math:`J_1 \sin`.

    Args:
        kernel_size (int): the grid size :math:`k`, a positive odd integer. Default: 5.
        num_bases (int): the number of functions :math:`B`, from 1 to the number below the aliasing limit (at most
            :math:`k^2 - 1`). Default: 3.
        dtype (torch.dtype): dtype of the result. Default: ``torch.float64``.

    Shape:
        - Output: :math:`(B, k, k)`, real.

    Example::

        >>> bases = F.fourier_bessel_basis(5, 3)
        >>> bases.shape, bases.dtype
        (torch.Size([3, 5, 5]), torch.float64)
        >>> round(float((bases ** 2).sum((1, 2)).mean()), 6)
        1.0
    """
    if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"fourier_bessel_basis: kernel_size must be a positive odd integer, got {kernel_size!r}")
    radius = kernel_size / 2
    modes = []  # (root, n)
    limit = math.pi * radius * _FREQ_FACTOR
    for n in range(int(limit) + 1):
        modes += [(root, n) for root in _bessel_zeros(n, limit)]
    modes.sort()
    available = min(sum(1 if n == 0 else 2 for _, n in modes), kernel_size ** 2 - 1)
    if not isinstance(num_bases, int) or not 1 <= num_bases <= available:
        raise ValueError(f"fourier_bessel_basis: a {kernel_size}x{kernel_size} kernel has 1..{available} Fourier-Bessel "
                         f"functions below the aliasing limit, got num_bases={num_bases!r}")
    half = kernel_size // 2
    y, x = np.meshgrid(np.arange(-half, half + 1), np.arange(-half, half + 1), indexing="ij")
    r, theta = np.hypot(x, y) / radius, np.arctan2(y, x)
    inside = r < 1
    psi = []
    for root, n in modes:
        radial = np.where(inside, _bessel_j(n, root * r), 0.0) / abs(_bessel_j(n + 1, np.array(root)))
        psi += [radial] if n == 0 else [math.sqrt(2) * radial * np.cos(n * theta), math.sqrt(2) * radial * np.sin(n * theta)]
        if len(psi) >= num_bases:
            break
    psi = np.stack(psi[:num_bases])
    psi /= np.sqrt((psi ** 2).sum(axis=(1, 2)).mean())
    return torch.from_numpy(psi).to(dtype)


def _split_parts(input: torch.Tensor) -> torch.Tensor:
    """Complex (N, *rest) -> real (N, 2, *rest): [Re, Im] on a new dimension 1."""
    return torch.stack((input.real, input.imag), 1)


def dcf_kernels(weight: torch.Tensor, bases: torch.Tensor) -> torch.Tensor:
    """DCF kernels K[p, o, c] = sum_b weight[p, o, c, b] * bases[b]: (2, O, C, k, k) from (2, O, C, B) and (B, k, k)."""
    return torch.einsum("pocb,bhw->pochw", weight, bases)


def split_dcf_conv2d(input: torch.Tensor, bases: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor] = None,
                     stride=1, padding=0) -> torch.Tensor:
    r"""Apply a split DCF convolution: Re and Im each convolved with its own kernels built from fixed bases.

    .. math::
        K_{p, o, c} = \sum_{b} w_{p, o, c, b} \, \psi_b, \qquad
        y = \left(K_0 \star \operatorname{Re} x + \beta_0\right)
        + i \left(K_1 \star \operatorname{Im} x + \beta_1\right)

    a split layer of CoShNet-tiny (Ko et al., 2022, Sec. 4.2) with DCF kernels (Qiu et al., 2018, "DCFNet", Eq. 3):
    no cross terms between Re and Im; :math:`\star` is ``torch.nn.functional.conv2d``'s cross-correlation.
    Two ways to compute it, the one with fewer multiply-adds is taken: the kernels assembled and applied as two real
    convolutions (O k^2 per input channel and output pixel), or DCFNet's two stages (Qiu et al., 2018, Sec. 3.2):
    every channel against the B fixed bases, then a 1x1 mix. The first stage runs as one matrix product with the
    (H W, B H' W') matrix of the fixed convolution (H W B + O B per channel and pixel), since oneDNN's single-channel
    convolutions are slow; used for small images only (CoShNet-tiny's second layer: 14 x 14, 738 against 1250
    multiply-adds).

    Args:
        input (Tensor): complex input :math:`x`, :math:`(N, C, H, W)`.
        bases (Tensor): the real fixed bases :math:`\psi`, :math:`(B, k, k)` (e.g. :func:`fourier_bessel_basis`), of
            the weight's dtype.
        weight (Tensor): real coefficients :math:`w`, :math:`(2, O, C, B)`; part 0 acts on Re, part 1 on Im.
        bias (Tensor, optional): real :math:`\beta`, :math:`(2, O)`; part 0 is added to Re, part 1 to Im.
            Default: ``None``.
        stride (int or tuple): stride of the convolutions. Default: 1.
        padding (int, tuple or str): zero padding as ``torch.nn.functional.conv2d``. Default: 0.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})`, complex.
        - Output: :math:`(N, O, H_{out}, W_{out})`, complex, with :math:`H_{out}, W_{out}` as for
          ``torch.nn.functional.conv2d`` with a :math:`k \times k` kernel.

    Example::

        >>> bases = F.fourier_bessel_basis(5, 3, dtype=torch.float32)
        >>> x = torch.randn(2, 4, 14, 14, dtype=torch.cfloat)
        >>> weight, bias = torch.randn(2, 8, 4, 3), torch.zeros(2, 8)
        >>> F.split_dcf_conv2d(x, bases, weight, bias, padding=2).shape
        torch.Size([2, 8, 14, 14])
    """
    if _two_stage_is_cheaper(input.shape[-2:], bases.shape, weight.shape[1], padding):
        return _split_dcf_conv2d_two_stage(input, bases, weight, bias, stride, padding)
    kernels = dcf_kernels(weight, bases)
    parts = [F.conv2d(x, kernels[p], None if bias is None else bias[p], stride, padding)
             for p, x in enumerate(_split_parts(input).unbind(1))]
    return torch.complex(*parts)


# the first-stage matrix has (H W)^2 B entries at most: 4 M for 32 x 32 images and 3 bases
_TWO_STAGE_MAX_PIXELS = 1024


def _two_stage_is_cheaper(size: Sequence[int], bases_shape: Sequence[int], out_channels: int, padding) -> bool:
    (h, w), (nb, kh, kw) = size, bases_shape
    return (h * w * nb + out_channels * nb < out_channels * kh * kw and h * w <= _TWO_STAGE_MAX_PIXELS
            and not isinstance(padding, str))


def dcf_stage1_matrix(bases: torch.Tensor, size: Sequence[int], stride=1, padding=0) -> torch.Tensor:
    """The (H W, B H' W') matrix M with x.flatten() @ M = conv2d(x, bases[:, None], stride, padding).flatten() for one
    (H, W) channel x: DCF's fixed first stage as a matrix, built by convolving the H W unit images."""
    return _unit_responses(bases, size, stride, padding).flatten(1)


def _unit_responses(bases: torch.Tensor, size: Sequence[int], stride, padding) -> torch.Tensor:
    """(H W, B, H', W'): the bases' convolution of each of the H W unit images."""
    h, w = size
    eye = torch.eye(h * w, dtype=bases.dtype, device=bases.device).view(h * w, 1, h, w)
    return F.conv2d(eye, bases[:, None], stride=stride, padding=padding)


def _split_dcf_conv2d_two_stage(input, bases, weight, bias, stride, padding) -> torch.Tensor:
    n, c, h, w = input.shape
    nb = bases.shape[0]
    out_channels = weight.shape[1]
    units = _unit_responses(bases.to(input.real.dtype), (h, w), stride, padding)  # (H W, B, H', W')
    oh, ow = units.shape[-2:]
    z = (_split_parts(input).reshape(-1, h * w) @ units.flatten(1)).view(n, 2, c * nb, oh * ow)  # (c, b) order
    out = torch.matmul(weight.reshape(1, 2, out_channels, c * nb), z)  # (N, 2, O, H' W')
    if bias is not None:
        out = out + bias.view(1, 2, out_channels, 1)
    out = out.view(n, 2, out_channels, oh, ow)
    return torch.complex(out[:, 0], out[:, 1])


def tt_svd(matrix: torch.Tensor, in_shape: Sequence[int], out_shape: Sequence[int], rank: int) -> list[torch.Tensor]:
    r"""Decompose an :math:`(M, N)` matrix into TT-matrix cores by TT-SVD, with ranks at most ``rank``.

    .. math::
        W[(m_1, \dots, m_d), (n_1, \dots, n_d)] \approx G_1[n_1, m_1] \, G_2[n_2, m_2] \cdots G_d[n_d, m_d]

    where :math:`G_k[n_k, m_k]` is an :math:`r_{k-1} \times r_k` matrix and :math:`r_0 = r_d = 1` (Oseledets, 2011,
    "Tensor-Train Decomposition", SIAM J. Sci. Comput., Alg. 1, on the TT-matrix format of Novikov et al., 2015,
    "Tensorizing Neural Networks", NeurIPS, Eq. 5): sequential truncated SVDs of the reshaped matrix. Exact when
    ``rank`` is at least the TT ranks of ``matrix`` (see :func:`tt_to_dense`). :math:`M = \prod \text{out\_shape}`,
    :math:`N = \prod \text{in\_shape}`; row and column indices are row-major over ``out_shape`` / ``in_shape``.

    Args:
        matrix (Tensor): real :math:`(M, N)` matrix (e.g. a Linear weight, :math:`(\text{out}, \text{in})`).
        in_shape (sequence of int): the factorization :math:`(n_1, \dots, n_d)` of :math:`N`.
        out_shape (sequence of int): the factorization :math:`(m_1, \dots, m_d)` of :math:`M`, same length.
        rank (int): the maximal TT rank, :math:`\ge 1`.

    Shape:
        - matrix: :math:`(M, N)`.
        - Output: a list of :math:`d` cores, core :math:`k` of shape :math:`(r_{k-1}, n_k, m_k, r_k)` with
          :math:`r_0 = r_d = 1` and :math:`r_k \le \text{rank}`.

    Example::

        >>> w = torch.randn(12, 20, dtype=torch.float64)
        >>> cores = F.tt_svd(w, (4, 5), (3, 4), rank=2)
        >>> [tuple(core.shape) for core in cores]
        [(1, 4, 3, 2), (2, 5, 4, 1)]
        >>> torch.allclose(F.tt_to_dense(F.tt_svd(w, (4, 5), (3, 4), rank=12)), w)
        True
    """
    in_shape, out_shape = tuple(int(s) for s in in_shape), tuple(int(s) for s in out_shape)
    d = len(in_shape)
    if matrix.dim() != 2 or matrix.shape != (math.prod(out_shape), math.prod(in_shape)):
        raise ValueError(f"tt_svd: expected a ({math.prod(out_shape)}, {math.prod(in_shape)}) matrix for out_shape "
                         f"{out_shape} and in_shape {in_shape}, got shape {tuple(matrix.shape)}")
    if len(out_shape) != d or d < 1:
        raise ValueError(f"tt_svd: in_shape and out_shape need the same number of modes, got {in_shape} and {out_shape}")
    if rank < 1:
        raise ValueError(f"tt_svd: rank must be >= 1, got {rank}")
    order = [i for k in range(d) for i in (d + k, k)]  # (n1, m1, n2, m2, ...)
    rest = matrix.reshape(*out_shape, *in_shape).permute(*order)
    cores, r = [], 1
    for k in range(d - 1):
        u, s, vh = torch.linalg.svd(rest.reshape(r * in_shape[k] * out_shape[k], -1), full_matrices=False)
        r_next = min(rank, s.shape[0])
        cores.append(u[:, :r_next].reshape(r, in_shape[k], out_shape[k], r_next))
        rest, r = s[:r_next, None] * vh[:r_next], r_next
    cores.append(rest.reshape(r, in_shape[-1], out_shape[-1], 1))
    return cores


def tt_to_dense(cores: Sequence[torch.Tensor]) -> torch.Tensor:
    r"""Contract TT-matrix cores into the dense :math:`(M, N)` matrix they represent.

    .. math::
        W[(m_1, \dots, m_d), (n_1, \dots, n_d)] = G_1[n_1, m_1] \, G_2[n_2, m_2] \cdots G_d[n_d, m_d]

    the TT-matrix format of Novikov et al., 2015, "Tensorizing Neural Networks", NeurIPS, Eq. 5; the inverse of
    :func:`tt_svd` at full rank. Row and column indices are row-major over :math:`(m_1, \dots, m_d)` and
    :math:`(n_1, \dots, n_d)`.

    Args:
        cores (sequence of Tensor): the cores :math:`G_k`, core :math:`k` of shape :math:`(r_{k-1}, n_k, m_k, r_k)`
            with :math:`r_0 = r_d = 1`.

    Shape:
        - cores: :math:`d` tensors :math:`(r_{k-1}, n_k, m_k, r_k)`.
        - Output: :math:`(M, N)` with :math:`M = \prod_k m_k` and :math:`N = \prod_k n_k`.

    Example::

        >>> cores = [torch.randn(1, 4, 3, 2), torch.randn(2, 5, 4, 1)]
        >>> F.tt_to_dense(cores).shape
        torch.Size([12, 20])
    """
    full = cores[0]  # (1, n1, m1, r1) -> grows to (1, n1, m1, ..., nk, mk, rk)
    for core in cores[1:]:
        full = torch.tensordot(full, core, dims=1)
    d = len(cores)
    full = full.reshape(*[s for core in cores for s in core.shape[1:3]])
    in_shape, out_shape = [c.shape[1] for c in cores], [c.shape[2] for c in cores]
    perm = [2 * k + 1 for k in range(d)] + [2 * k for k in range(d)]
    return full.permute(*perm).reshape(math.prod(out_shape), math.prod(in_shape))


def split_tt_linear(input: torch.Tensor, cores: Sequence[torch.Tensor], bias: Optional[torch.Tensor] = None) -> torch.Tensor:
    r"""Apply a split tensor-train linear layer: Re and Im each mapped by its own TT-matrix.

    .. math::
        y = \left(W_0 \operatorname{Re} x + \beta_0\right) + i \left(W_1 \operatorname{Im} x + \beta_1\right), \qquad
        W_p[(m_1, \dots, m_d), (n_1, \dots, n_d)] = G^{(p)}_1[n_1, m_1] \cdots G^{(p)}_d[n_d, m_d]

    a split layer of CoShNet-tiny (Ko et al., 2022, Sec. 4.2) with TT-matrix weights (Novikov et al., 2015,
    "Tensorizing Neural Networks", NeurIPS, Eq. 5): no cross terms between Re and Im. Contracted core by core, never
    forming the dense :math:`(M, N)` matrices (:func:`tt_to_dense` gives them).

    Args:
        input (Tensor): complex input :math:`x` whose last dimension holds :math:`N = \prod_k n_k` features.
        cores (sequence of Tensor): real cores, core :math:`k` of shape :math:`(2, r_{k-1}, n_k, m_k, r_k)` with
            :math:`r_0 = r_d = 1`; part 0 maps Re, part 1 maps Im.
        bias (Tensor, optional): real :math:`\beta`, :math:`(2, M)`; part 0 is added to Re, part 1 to Im.
            Default: ``None``.

    Shape:
        - Input: :math:`(*, N)`, complex.
        - Output: :math:`(*, M)`, complex, with :math:`M = \prod_k m_k`.

    Example::

        >>> cores = [torch.randn(2, 1, 4, 3, 2), torch.randn(2, 2, 5, 4, 1)]
        >>> x = torch.randn(8, 20, dtype=torch.cfloat)
        >>> F.split_tt_linear(x, cores, torch.zeros(2, 12)).shape
        torch.Size([8, 12])
    """
    lead = input.shape[:-1]
    batch = math.prod(lead)
    t = _split_parts(input.reshape(batch, -1)).transpose(0, 1)  # (2, B, N)
    t = t.reshape(2, batch, 1, cores[0].shape[2], -1)  # (2, B, r0, n1, rest)
    for k, core in enumerate(cores):
        t = torch.einsum("pbrnz,prnms->pbszm", t, core)
        nxt = cores[k + 1].shape[2] if k + 1 < len(cores) else 1
        t = t.reshape(2, batch, core.shape[-1], nxt, -1)
    out = t.reshape(2, batch, -1)
    if bias is not None:
        out = out + bias.unsqueeze(1)
    return torch.complex(out[0], out[1]).reshape(*lead, -1)
