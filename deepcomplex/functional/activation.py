"""Complex activations: CReLU, modReLU, zReLU (Trabelsi et al., Sec. 3.3) and the cardioid (Virtue et al., 2017)."""
from __future__ import annotations

import torch

from .._extension import serves
from .._layout import apply_real_mask, channel_pairs, dense, split_relu
from .._validation import check_channels, check_complex


def crelu(input: torch.Tensor) -> torch.Tensor:
    """CReLU(z) = ReLU(Re z) + i ReLU(Im z) (Trabelsi et al., Eq. 5); keeps the memory layout of ``input``."""
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
    """modReLU(z) = ReLU(|z| + b) z / |z| (Arjovsky et al., 2016; Trabelsi et al., Eq. 4), defined as 0 at z = 0.

    ``bias`` is real with one entry per channel (dim 1) or a single shared entry. The output and its gradient are
    finite everywhere: at z = 0 the phase z/|z| is replaced by 0, so no 0/0 reaches autograd.
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


def zrelu(input: torch.Tensor) -> torch.Tensor:
    """zReLU(z) = z if arg z lies in [0, pi/2] (Re z >= 0 and Im z >= 0), else 0 (Guberman, 2016; Trabelsi et al., Eq. 6)."""
    check_complex("zrelu", input)
    parts = torch.view_as_real(input)
    # min(Re, Im) >= 0: one comparison per element, 2x faster than (parts >= 0).all(-1); NaN gives 0 either way
    return apply_real_mask(input, (torch.minimum(parts[..., 0], parts[..., 1]) >= 0).unsqueeze(-1))


def cardioid(input: torch.Tensor) -> torch.Tensor:
    """Cardioid f(z) = (1 + cos(arg z)) z / 2 (Virtue et al., 2017), with cos(arg 0) taken as 1 so f(0) = 0."""
    check_complex("cardioid", input)
    r = input.abs()
    nonzero = r > 0
    cos = torch.where(nonzero, input.real / torch.where(nonzero, r, torch.ones_like(r)), torch.ones_like(r))
    return input * (0.5 * (1.0 + cos))


def complex_to_real(input: torch.Tensor, mode: str = "cat", dim: int = 1) -> torch.Tensor:
    """Complex -> real for heads: ``"cat"`` concatenates [Re | Im] along ``dim``; ``"abs"`` takes the modulus."""
    check_complex("complex_to_real", input)
    if mode == "cat":
        return torch.cat([input.real, input.imag], dim=dim)
    if mode == "abs":
        return input.abs()
    raise ValueError(f"complex_to_real: mode must be 'cat' or 'abs', got {mode!r}")
