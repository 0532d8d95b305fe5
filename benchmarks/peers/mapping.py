"""deepcomplex's parameters in the peers' layouts, the whitening reference the conventions use, and CoShNet-base
composed from one library's layers behind the shared FFT front end (benchmarks/harness.py)."""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

from benchmarks.harness import fft_frontend

from .spec import Impl

FRONT_END = "FFT front end ifft2(fft2(x) * kernel) + "
HEAD = "; head: deepcomplex's real Linear on [Re | Im]"


def copy_(dst: torch.Tensor, src: torch.Tensor) -> None:
    """``dst.copy_(src)`` outside autograd."""
    with torch.no_grad():
        dst.copy_(src)


def split_bias(b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """complexPyTorch bias pair (b_r, b_i) whose apply_complex sum equals the complex bias b (see set_split)."""
    # apply_complex(fr, fi, x) = (fr(Re x) - fi(Im x)) + i (fr(Im x) + fi(Re x)): each real layer adds its own bias to
    # both parts, so the effective bias is (b_r - b_i) + i (b_r + b_i). Solving for b = B_r + i B_i:
    return (b.real + b.imag) / 2, (b.imag - b.real) / 2


def set_torch(layer: nn.Module, w: torch.Tensor, b: torch.Tensor) -> None:
    """A torch layer with a complex dtype (complextorch's .conv / .linear, torchcvnn's choice): weight/bias = W/b."""
    copy_(layer.weight, w), copy_(layer.bias, b)


def set_split(layer_r: nn.Module, layer_i: nn.Module, w: torch.Tensor, b: torch.Tensor) -> None:
    """complexPyTorch's pair of real layers (conv_r/conv_i, fc_r/fc_i): weights Re W and Im W, biases by split_bias."""
    br, bi = split_bias(b)
    copy_(layer_r.weight, w.real), copy_(layer_i.weight, w.imag)
    copy_(layer_r.bias, br), copy_(layer_i.bias, bi)


def set_cplx(layer: nn.Module, w: torch.Tensor, b: torch.Tensor) -> None:
    """cplxmodule's CplxParameter pairs: weight.real/imag = Re/Im W, bias.real/imag = Re/Im b."""
    copy_(layer.weight.real, w.real), copy_(layer.weight.imag, w.imag)
    copy_(layer.bias.real, b.real), copy_(layer.bias.imag, b.imag)


def gamma_matrix(gamma: torch.Tensor) -> torch.Tensor:
    """[g_rr, g_ri, g_ii] (..., 3) as the symmetric matrices [[g_rr, g_ri], [g_ri, g_ii]] (..., 2, 2)."""
    return torch.stack([gamma[..., 0], gamma[..., 1], gamma[..., 1], gamma[..., 2]], -1).reshape(*gamma.shape[:-1], 2,
                                                                                              2)


def whiten_reference(x: torch.Tensor, dims: tuple[int, ...], gamma: torch.Tensor, beta: torch.Tensor,
                     param_shape: tuple[int, ...], eps: float, unbiased: bool) -> torch.Tensor:
    """Complex whitening (Trabelsi et al., 2018, Eq. 11) with statistics over ``dims``, in plain real ops: the
    reference the peers' normalization conventions are checked against."""
    re, im = x.real, x.imag
    cr, ci = re - re.mean(dims, keepdim=True), im - im.mean(dims, keepdim=True)
    count = math.prod(x.shape[d] for d in dims)
    scale = count / (count - 1) if unbiased else 1.0
    vrr = (cr * cr).mean(dims, keepdim=True) * scale + eps
    vii = (ci * ci).mean(dims, keepdim=True) * scale + eps
    vri = (cr * ci).mean(dims, keepdim=True) * scale
    s = (vrr * vii - vri * vri).sqrt()
    inv = 1.0 / (s * (vrr + vii + 2 * s).sqrt())
    wrr, wri, wii = (vii + s) * inv, -vri * inv, (vrr + s) * inv
    yr, yi = wrr * cr + wri * ci, wri * cr + wii * ci
    grr, gri, gii = (gamma[..., j].reshape(param_shape) for j in range(3))
    br, bi = beta.real.reshape(param_shape), beta.imag.reshape(param_shape)
    return torch.complex(grr * yr + gri * yi + br, gri * yr + gii * yi + bi)


def frontend_of(model: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """harness.fft_frontend bound to ``model``: the FFT front end every peer's CoShNet shares."""
    return lambda x: fft_frontend(model, x)


class ComposedCoShNet(nn.Module):
    """CoShNet base from one library's layers, with the weights of deepcomplex's model ``ours``, on the FFT front end.

    ``conv(W, b)`` / ``linear(W, b)`` build the library's layer holding deepcomplex's complex W and b; ``wrap`` turns
    the front end's complex output into the library's type; the last CReLU's [Re | Im] goes to ours' real head.
    """

    def __init__(self, ours: nn.Module, conv: Callable, linear: Callable, crelu: Callable, pool: Callable,
                 wrap: Callable = lambda z: z) -> None:
        super().__init__()
        self.frontend, self.wrap, self.crelu, self.pool = frontend_of(ours), wrap, crelu, pool
        c1, c2, f1, f2, head = (ours.features[0], ours.features[3], ours.classifier[1], ours.classifier[3],
                                ours.classifier[6])
        self.conv1, self.conv2 = (conv(m.weight.detach(), m.bias.detach()) for m in (c1, c2))
        self.fc1, self.fc2 = (linear(m.weight.detach(), m.bias.detach()) for m in (f1, f2))
        self.head = nn.Linear(head.in_features, head.out_features)
        copy_(self.head.weight, head.weight), copy_(self.head.bias, head.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.wrap(self.frontend(x))
        h = self.pool(self.crelu(self.conv1(h)))
        h = self.pool(self.crelu(self.conv2(h)))
        h = self.crelu(self.fc2(self.crelu(self.fc1(h.flatten(1)))))
        return self.head(torch.cat((h.real, h.imag), 1))


def network_impl(net: nn.Module, layers: str, note: str, grad_of: Callable[[], torch.Tensor],
                 defect: str = "") -> Impl:
    """The Impl of a composed CoShNet: a whole network, images in and logits out, compared on ``grad_of``."""
    return Impl(FRONT_END + layers, net, list(net.parameters()), kind="real", note=note + HEAD, defect=defect,
                grad_of=grad_of)
