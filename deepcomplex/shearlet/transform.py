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
        if input.shape[0] == 0:
            return input.new_zeros(0, self.num_filters, *self.size, dtype=self.kernel.dtype)
        out = torch.fft.ifft2(torch.fft.fft2(input) * self.kernel)
        return out.conj().resolve_conj() if self.convention == "pycoshrem" else out

    def extra_repr(self) -> str:
        return (f"size={self.size}, filters={self.num_filters}, shear={self.shear!r}, convention={self.convention!r}, "
                f"dtype={self.kernel.dtype}")
