"""The fixed CoShRem front end of CoShNet as an nn.Module: batched FFTs against filters held as a buffer."""
from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F

from .. import backends
from .._extension import serves
from ..functional.pooling import real_avg_pool2d
from ..nn.module import KindPreservingModule
from .filters import SHEAR_MODES, coshrem_filters

CONVENTIONS = ("coshnet", "pycoshrem")


@backends.eager_under_compile
class ComplexShearlet2d(KindPreservingModule):
    """Complex shearlet transform (CoShRem; Ko et al., 2022, Sec. 3): real (N, 1, H, W) -> complex (N, K, H, W).

    C_k = ifft2(fft2(x) * conj(Psi_k)), a circular correlation with the k-th filter (NumPy's default FFT
    normalization), the coefficients CoShNet feeds its network; ``convention="pycoshrem"`` returns their complex
    conjugate, as pyCoShREM's EdgeSystem does. The filters are built once (see ``coshrem_filters``) and kept as the
    buffer ``kernel`` (K, H, W) in FFT order; nothing here trains. Defaults are CoShNet's 32 x 32 setting with correct
    shears; ``shear="coshrem"`` reproduces the CoShNet / pyCoShREM filters exactly.
    """

    def __init__(self, size: Union[int, Sequence[int]] = 32, *, scales_per_octave: int = 2, octaves: float = 1,
                 shear_level: int = 3, alpha: float = 0.5, wavelet_eff_support: Optional[float] = None,
                 gaussian_eff_support: Optional[float] = None, shear: str = "exact", normalize: bool = False,
                 convention: str = "coshnet", device=None, dtype: Optional[torch.dtype] = None) -> None:
        super().__init__()
        rows, cols = (size, size) if isinstance(size, int) else tuple(size)
        if convention not in CONVENTIONS:
            raise ValueError(f"ComplexShearlet2d: convention must be one of {CONVENTIONS}, got {convention!r}")
        if shear not in SHEAR_MODES:
            raise ValueError(f"ComplexShearlet2d: shear must be one of {SHEAR_MODES}, got {shear!r}")
        dtype = dtype or (torch.complex128 if torch.get_default_dtype() == torch.float64 else torch.complex64)
        if dtype not in (torch.complex64, torch.complex128):
            raise TypeError(f"ComplexShearlet2d: dtype must be torch.complex64 or torch.complex128, got {dtype}")
        self.size, self.shear, self.convention = (rows, cols), shear, convention
        self.config = dict(scales_per_octave=scales_per_octave, octaves=octaves, shear_level=shear_level, alpha=alpha,
                           wavelet_eff_support=wavelet_eff_support, gaussian_eff_support=gaussian_eff_support,
                           normalize=normalize)
        psi = coshrem_filters(rows, cols, shear=shear, **self.config)
        kernel = torch.fft.ifftshift(psi, dim=(-2, -1)).conj()
        self.register_buffer("kernel", kernel.to(device=device, dtype=dtype))

    @property
    def num_filters(self) -> int:
        return self.kernel.shape[0]

    def filters(self) -> torch.Tensor:
        """The frequency responses Psi_k (K, H, W), centred (DC at [H // 2, W // 2])."""
        return torch.fft.fftshift(self.kernel.conj(), dim=(-2, -1)).resolve_conj()

    def _check_input(self, input) -> None:
        name = type(self).__name__
        if not isinstance(input, torch.Tensor):
            raise TypeError(f"{name} expects a real tensor, got {type(input).__name__}")
        want = self.kernel.real.dtype
        if input.is_complex() or not input.is_floating_point():
            raise TypeError(f"{name} expects a real floating-point image tensor, got {input.dtype}")
        if input.dtype != want:
            raise TypeError(f"{name} expects input of dtype {want} (its filters are {self.kernel.dtype}), got "
                            f"{input.dtype}; convert explicitly (no silent casts)")
        if input.dim() != 4 or input.shape[1] != 1:
            raise ValueError(f"{name} expects a (N, 1, H, W) input, got shape {tuple(input.shape)}")
        if tuple(input.shape[-2:]) != self.size:
            raise ValueError(f"{name} was built for {self.size[0]} x {self.size[1]} images, got "
                             f"{input.shape[-2]} x {input.shape[-1]}")

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        self._check_input(input)
        if input.shape[0] == 0:
            return input.new_zeros(0, self.num_filters, *self.size, dtype=self.kernel.dtype)
        out = torch.fft.ifft2(torch.fft.fft2(input) * self.kernel)
        return out.conj().resolve_conj() if self.convention == "pycoshrem" else out

    def conv2d(self, input: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor] = None, *,
               real_parts: bool = False, relu_pool: bool = False) -> torch.Tensor:
        """This transform followed by a valid, stride-1 convolution, computed as one filter per output channel.

        weight: complex (O, 2K, k, k), the convolution seen as acting on the real channels [Re C_1..C_K, Im C_1..C_K]
        (a complex conv W is [W, 1j W]; a split one [W_re, 1j W_im]); bias: complex (O,). Equal to convolving
        ``self(input)`` (up to rounding) at a fraction of the cost: see ``shearlet_conv2d``. With ``real_parts`` the
        result is the real (N, 2O, H', W') tensor [Re | Im] of ``shearlet_conv2d_real``, and ``relu_pool`` (with
        ``real_parts`` only) follows it with ReLU and 2x2 average pooling, in one pass where the kernel serves.
        """
        self._check_input(input)
        if self.convention != "coshnet":
            raise ValueError(f"{type(self).__name__}.conv2d supports convention='coshnet' only, got "
                             f"{self.convention!r}")
        if real_parts:
            return shearlet_conv2d_real(input, self.kernel, weight, bias, relu_pool=relu_pool)
        if relu_pool:
            raise ValueError(f"{type(self).__name__}.conv2d: relu_pool=True needs real_parts=True")
        return shearlet_conv2d(input, self.kernel, weight, bias)

    def extra_repr(self) -> str:
        return (f"size={self.size}, filters={self.num_filters}, shear={self.shear!r}, convention={self.convention!r}, "
                f"dtype={self.kernel.dtype}")


def _dft_matrix(n: int, k: int, dtype: torch.dtype, device) -> torch.Tensor:
    """E[w, u] = exp(+2 pi i w u / n), w < n, u < k: the unnormalized inverse DFT of a length-k kernel padded to n."""
    w = torch.arange(n, device=device, dtype=torch.float64)[:, None] * torch.arange(k, device=device,
                                                                                   dtype=torch.float64)[None]
    return torch.polar(torch.ones_like(w), 2 * torch.pi * w / n).to(dtype)


def _traced() -> bool:
    """Whether torch.compile or torch.export is tracing the current call."""
    return torch.compiler.is_compiling() or torch.compiler.is_exporting()


class _SpectralFilter(torch.autograd.Function):
    """y = crop(irfft2(spectrum * filters)) + bias, with a backward that never builds the zero-padded full-size
    gradient: one rfft2 of the gradient and a product with the spectrum.

    spectrum: (N, 1, H, W // 2 + 1), the rfft2 of the real images; filters: (C, H, W // 2 + 1), half spectra of real
    filters; bias: real (C,) or None; returns real (N, C, h, w), the top-left h x w of each circular convolution.
    Batches run in chunks whose spectra stay under 16 MiB: cache-friendlier, and below glibc's largest mmap threshold,
    so that a tuned allocator (``deepcomplex.train.runtime.tune_malloc``) reuses their memory instead of faulting in
    fresh pages.
    """

    @staticmethod
    def _chunks(n, filters: torch.Tensor):
        if _traced():
            return [slice(None)]  # one piece when traced: a loop over the batch would fix its size in the graph
        per_image = filters.numel() * filters.element_size()
        step = max(1, (16 << 20) // per_image)
        return [slice(i, min(i + step, n)) for i in range(0, n, step)]

    @staticmethod
    def forward(ctx, spectrum, filters, bias, size, out_size, relu_pool=False):
        n, (oh, ow) = spectrum.shape[0], out_size
        ctx.size, ctx.has_bias, ctx.relu_pool = size, bias is not None, relu_pool
        if relu_pool:  # the compiled kernel adds the bias, applies ReLU and pools the crop of the full output
            out = torch.empty((n, filters.shape[0], oh // 2, ow // 2), dtype=filters.real.dtype,
                              device=filters.device)
            full = []  # per chunk (irfft2 into a slice of one buffer would compute elsewhere and copy)
            for sl in _SpectralFilter._chunks(n, filters):
                full.append(torch.fft.irfft2(spectrum[sl] * filters, s=size))
                out[sl] = torch.ops.deepcomplex.relu_pool2x2_forward(full[-1], bias, oh, ow)
            ctx.save_for_backward(spectrum, filters, bias, *full)
            return out
        ctx.save_for_backward(spectrum, filters)
        if _traced():  # one piece: the result itself, not a buffer filled in place (a scatter in an exported graph)
            y = torch.fft.irfft2(spectrum * filters, s=size)[..., :oh, :ow]
            return (y if bias is None else y + bias[:, None, None]).contiguous()
        out = torch.empty((n, filters.shape[0], oh, ow), dtype=filters.real.dtype, device=filters.device)
        for sl in _SpectralFilter._chunks(n, filters):
            y = torch.fft.irfft2(spectrum[sl] * filters, s=size)[..., :oh, :ow]
            if bias is None:
                out[sl].copy_(y)
            else:
                torch.add(y, bias[:, None, None], out=out[sl])
        return out

    @staticmethod
    def backward(ctx, grad):
        spectrum, filters, *kept = ctx.saved_tensors
        h, w = ctx.size
        grad = grad.contiguous()
        grad_spectrum = torch.empty_like(spectrum) if ctx.needs_input_grad[0] else None
        grad_filters = torch.zeros_like(filters) if ctx.needs_input_grad[1] else None
        grad_bias = None
        twice = torch.ones(w // 2 + 1, dtype=spectrum.real.dtype, device=spectrum.device)
        twice[1:(w + 1) // 2] = 2
        for i, sl in enumerate(_SpectralFilter._chunks(grad.shape[0], filters)):
            if ctx.relu_pool:  # the zero-padded gradient of the full output, and its per-plane sums
                bias, full = kept[0], kept[1 + i]
                if torch.is_grad_enabled():  # create_graph: the same gradient in differentiable operations
                    part, sums = _relu_pool2x2_backward(grad[sl], full, bias)
                else:
                    part, sums = torch.ops.deepcomplex.relu_pool2x2_backward(grad[sl], full, bias)
                grad_bias = sums.sum(0) if grad_bias is None else grad_bias + sums.sum(0)
                g = torch.fft.rfft2(part, norm="forward")
            else:
                g = torch.fft.rfft2(grad[sl], s=(h, w), norm="forward")
            # the adjoint of irfft2: rfft2 with the same 1/(HW), bins that stand for a conjugate pair counted twice
            # (the factor 2 goes on the small operand of each product, not on g)
            if grad_spectrum is not None:
                grad_spectrum[sl] = (g * (filters.conj() * twice)).sum(1, keepdim=True)
            if grad_filters is not None:
                theirs = spectrum[sl].conj() * twice
                g = g.mul_(theirs) if grad_spectrum is None else g * theirs  # g is ours: reuse it when done
                grad_filters = grad_filters + g.sum(0)
        if not (ctx.has_bias and ctx.needs_input_grad[2]):
            grad_bias = None
        elif ctx.relu_pool:
            grad_bias = grad_bias.to(grad.dtype)
        else:
            grad_bias = grad.sum((0, 2, 3))
        return grad_spectrum, grad_filters, grad_bias, None, None, None


def _relu_pool2x2_backward(grad: torch.Tensor, full: torch.Tensor, bias: Optional[torch.Tensor]):
    """The relu_pool2x2_backward kernel in PyTorch operations (differentiable in ``grad``): the zero-padded gradient
    of the full (N, C, H, W) output and its per-plane sums."""
    n, c, ph, pw = grad.shape
    pre = full[..., :2 * ph, :2 * pw]
    pre = pre if bias is None else pre + bias[:, None, None]
    up = grad[:, :, :, None, :, None].expand(n, c, ph, 2, pw, 2).reshape(n, c, 2 * ph, 2 * pw) / 4
    part = torch.where(pre > 0, up, torch.zeros((), dtype=up.dtype))
    return F.pad(part, (0, full.shape[-1] - 2 * pw, 0, full.shape[-2] - 2 * ph)), part.sum((2, 3))


def shearlet_conv2d_real(image: torch.Tensor, kernel: torch.Tensor, weight: torch.Tensor,
                         bias: Optional[torch.Tensor] = None, relu_pool: bool = False) -> torch.Tensor:
    """``shearlet_conv2d`` returned as its real parts: real (N, 2O, H - k + 1, W - k + 1), channels [Re | Im].

    With ``relu_pool`` the parts then go through ReLU and 2x2 average pooling of stride 2 (CReLU and complex average
    pooling, on the real parts): real (N, 2O, (H - k + 1) // 2, (W - k + 1) // 2). The compiled CPU kernel
    (``relu_pool.cpp``) does both in one pass over the inverse FFT's output where it serves (eager, CPU, an even
    output); elsewhere ``F.relu`` and ``real_avg_pool2d`` do, with the same result.

    Both parts are real images correlated with real filters, so each is one inverse real FFT of a half spectrum:
    output o's filter F_o = sum_j G_j * A(weight[o, j]) splits into the real-filter spectra sum_j G_j * A(Re weight)
    and sum_j G_j * A(Im weight) (G_j, the response of a real channel, is Hermitian; so is A of a real kernel).
    """
    n_filters, h, w = kernel.shape
    if weight.dim() != 4 or weight.shape[1] != 2 * n_filters or not weight.is_complex():
        raise ValueError(f"shearlet_conv2d: expected a complex weight (O, {2 * n_filters}, k, k), got "
                         f"{weight.dtype} of shape {tuple(weight.shape)}")
    kh, kw = weight.shape[-2:]
    half = w // 2 + 1
    mirrored = torch.roll(torch.flip(kernel, (-2, -1)), (1, 1), (-2, -1)).conj()  # conj(kernel(-xi))
    resp = torch.cat(((kernel + mirrored) / 2, (kernel - mirrored) / 2j))[..., :half]  # (2K, H, W // 2 + 1)
    eh, ew = _dft_matrix(h, kh, kernel.dtype, kernel.device), _dft_matrix(w, kw, kernel.dtype, kernel.device)[:half]
    parts = torch.cat((weight.real, weight.imag)).to(kernel.dtype)  # (2O, 2K, k, k): the real filters of Re, then Im
    spectra = torch.matmul(torch.matmul(eh, parts), ew.transpose(0, 1))  # (2O, 2K, H, W // 2 + 1)
    filt = (spectra * resp).sum(1)  # an einsum here runs as H*W tiny matmuls
    if bias is not None:
        bias = bias.to(kernel.dtype)
        bias = torch.cat((bias.real, bias.imag))
    spectrum = torch.fft.rfft2(image)  # (N, 1, H, W // 2 + 1)
    out_size = (h - kh + 1, w - kw + 1)
    fused = relu_pool and out_size[0] % 2 == 0 and out_size[1] % 2 == 0 and serves(spectrum) and not _traced()
    parts = _SpectralFilter.apply(spectrum, filt, bias, (h, w), out_size, fused)
    if relu_pool and not fused:
        parts = real_avg_pool2d(F.relu(parts), 2, 2)
    return parts


def real_parts_to_complex(parts: torch.Tensor) -> torch.Tensor:
    """Real (N, 2C, H, W) [Re | Im] -> complex (N, C, H, W), stored channels-last (one copy)."""
    n, c2, h, w = parts.shape
    inter = parts.unflatten(1, (2, c2 // 2)).permute(0, 3, 4, 2, 1).contiguous()  # (N, H, W, C, 2)
    return torch.view_as_complex(inter).permute(0, 3, 1, 2)


def shearlet_conv2d(image: torch.Tensor, kernel: torch.Tensor, weight: torch.Tensor,
                    bias: Optional[torch.Tensor] = None) -> torch.Tensor:
    """A fixed FFT front end C_k = ifft2(fft2(x) * kernel_k) then a valid conv, folded into one filter per output.

    Both maps are linear in the real image x, so output o is x correlated with a single filter
    F_o = sum_j G_j * A(weight[o, j]), where G_j is the frequency response of the real channel j (Re C_k: the Hermitian
    part of kernel_k; Im C_k: its anti-Hermitian part / 1j) and A(w)(xi) = sum_u w[u] exp(+i xi u). A valid k x k
    convolution never reads across the periodic boundary, so cropping the circular result is exact. The cost is one
    inverse FFT per output channel instead of K FFTs and a K-channel convolution.

    image: real (N, 1, H, W); kernel: complex (K, H, W) in FFT order; weight: complex (O, 2K, k, k); bias: complex (O,).
    Returns complex (N, O, H - k + 1, W - k + 1).
    """
    return real_parts_to_complex(shearlet_conv2d_real(image, kernel, weight, bias))
