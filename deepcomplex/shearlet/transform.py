"""The fixed CoShRem front end of CoShNet as an nn.Module: batched FFTs against filters held as a buffer."""
from __future__ import annotations

from typing import Optional, Sequence, Union

import torch

from ..nn._utils import KindPreservingModule
from .filters import SHEAR_MODES, coshrem_filters

CONVENTIONS = ("coshnet", "pycoshrem")


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

    def conv2d(self, input: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor] = None) -> torch.Tensor:
        """This transform followed by a valid, stride-1 convolution, computed as one filter per output channel.

        weight: complex (O, 2K, k, k), the convolution seen as acting on the real channels [Re C_1..C_K, Im C_1..C_K]
        (a complex conv W is [W, 1j W]; a split one [W_re, 1j W_im]); bias: complex (O,). Equal to convolving
        ``self(input)`` (up to rounding) at a fraction of the cost: see ``shearlet_conv2d``.
        """
        self._check_input(input)
        if self.convention != "coshnet":
            raise ValueError(f"{type(self).__name__}.conv2d supports convention='coshnet' only, got {self.convention!r}")
        return shearlet_conv2d(input, self.kernel, weight, bias)

    def extra_repr(self) -> str:
        return (f"size={self.size}, filters={self.num_filters}, shear={self.shear!r}, convention={self.convention!r}, "
                f"dtype={self.kernel.dtype}")


def _dft_matrix(n: int, k: int, dtype: torch.dtype, device) -> torch.Tensor:
    """E[w, u] = exp(+2 pi i w u / n), w < n, u < k: the unnormalized inverse DFT of a length-k kernel padded to n."""
    w = torch.arange(n, device=device, dtype=torch.float64)[:, None] * torch.arange(k, device=device,
                                                                                   dtype=torch.float64)[None]
    return torch.polar(torch.ones_like(w), 2 * torch.pi * w / n).to(dtype)


def shearlet_conv2d(image: torch.Tensor, kernel: torch.Tensor, weight: torch.Tensor,
                    bias: Optional[torch.Tensor] = None) -> torch.Tensor:
    """A fixed FFT front end C_k = ifft2(fft2(x) * kernel_k) followed by a valid conv, folded into one filter per output.

    Both maps are linear in the real image x, so output o is x correlated with a single filter
    F_o = sum_j G_j * A(weight[o, j]), where G_j is the frequency response of the real channel j (Re C_k: the Hermitian
    part of kernel_k; Im C_k: its anti-Hermitian part / 1j) and A(w)(xi) = sum_u w[u] exp(+i xi u). A valid k x k
    convolution never reads across the periodic boundary, so cropping the circular result is exact. The cost is one
    inverse FFT per output channel instead of K FFTs and a K-channel convolution.

    image: real (N, 1, H, W); kernel: complex (K, H, W) in FFT order; weight: complex (O, 2K, k, k); bias: complex (O,).
    Returns complex (N, O, H - k + 1, W - k + 1).
    """
    n_filters, h, w = kernel.shape
    if weight.dim() != 4 or weight.shape[1] != 2 * n_filters or not weight.is_complex():
        raise ValueError(f"shearlet_conv2d: expected a complex weight (O, {2 * n_filters}, k, k), got "
                         f"{weight.dtype} of shape {tuple(weight.shape)}")
    kh, kw = weight.shape[-2:]
    mirrored = torch.roll(torch.flip(kernel, (-2, -1)), (1, 1), (-2, -1)).conj()  # conj(kernel(-xi))
    resp = torch.cat(((kernel + mirrored) / 2, (kernel - mirrored) / 2j))  # (2K, H, W)
    eh, ew = _dft_matrix(h, kh, kernel.dtype, kernel.device), _dft_matrix(w, kw, kernel.dtype, kernel.device)
    spectra = torch.matmul(torch.matmul(eh, weight.to(kernel.dtype)), ew.transpose(0, 1))  # (O, 2K, H, W)
    filt = (spectra * resp).sum(1)  # (O, H, W); an einsum here runs as H*W tiny matmuls
    # computed as (N, H, W, O) so that the result is channels-last, the layout the following layers run fastest in
    spec = torch.fft.fft2(image[:, 0])[..., None] * filt.permute(1, 2, 0)
    out = torch.fft.ifft2(spec, dim=(1, 2))[:, :h - kh + 1, :w - kw + 1]
    if bias is not None:
        out = out + bias
    return out.permute(0, 3, 1, 2)
