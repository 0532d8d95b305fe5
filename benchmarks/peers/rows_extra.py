"""Row builders of the issue-23 layers (RMSNorm, complex MSE loss, bilinear), kept beside rows.py so that file stays
one table; rows.ROW_TABLE names them. Each builds deepcomplex's layer, the case its adapters get and the real layer
of the same size."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

import deepcomplex.nn as cnn
from benchmarks.harness import crandn, rrandn

from .spec import BilinearCase, Impl, LossCase, RMSNormCase, RowSpec

RMS_EPS = 1e-5  # every library's RMSNorm gets this eps (torch's default is finfo.eps; complextorch's 1e-5)


SIZES = {
    "rmsnorm": {"full": {"shape": (64, 64, 256)}, "quick": {"shape": (2, 3, 8)}, "agree": {"shape": (4, 5, 16)}},
    "mseloss": {"full": {"shape": (64, 32, 32, 32)}, "quick": {"shape": (2, 4, 4, 4)},
                "agree": {"shape": (4, 6, 5, 5)}},
    "bilinear": {"full": {"n": 256, "in1": 64, "in2": 64, "out": 64}, "quick": {"n": 4, "in1": 3, "in2": 4, "out": 5},
                 "agree": {"n": 8, "in1": 5, "in2": 6, "out": 4}},
}
TITLES = {"rmsnorm": "RMS norm", "mseloss": "complex MSE loss", "bilinear": "bilinear"}


def build(row: str, sh: dict, assemble) -> RowSpec:
    """The RowSpec of ``row`` (a key of SIZES) at sizes ``sh``; ``assemble`` is rows.assemble."""
    return {"rmsnorm": rmsnorm_row, "mseloss": mseloss_row, "bilinear": bilinear_row}[row](sh, assemble)


def rmsnorm_row(sh: dict, assemble) -> RowSpec:
    """ComplexRMSNorm over the last dimension (a non-trivial real weight) against the peers' RMSNorms and the real
    nn.RMSNorm(2D) on the same number of scalars."""
    n, length, d = sh["shape"]
    torch.manual_seed(0)
    ours = cnn.ComplexRMSNorm(d, eps=RMS_EPS)
    with torch.no_grad():
        ours.weight.uniform_(0.5, 1.5)
    real = nn.RMSNorm(2 * d, eps=RMS_EPS)
    impls, conventions, extra = assemble("rmsnorm", RMSNormCase(d, ours.weight.detach().clone(), RMS_EPS),
                                          lambda _: Impl(f"ComplexRMSNorm({d})", ours, list(ours.parameters())),
                                          "no RMSNorm")
    return RowSpec("rmsnorm", f"{n}x{length}x{d} over ({d},)", crandn(n, length, d, seed=1), impls,
                   Impl(f"torch.nn.RMSNorm({2 * d})", real, list(real.parameters()), kind="real"),
                   rrandn(n, length, 2 * d, seed=2), conventions, extra)


def mseloss_row(sh: dict, assemble) -> RowSpec:
    """ComplexMSELoss against the peers' complex MSE losses and F.mse_loss on the real view: each library's loss with
    reduction "none" (so agreement compares every element) and the timed step reduces it by the mean."""
    shape = sh["shape"]
    target = crandn(*shape, seed=3)
    loss = cnn.ComplexMSELoss(reduction="none")
    target_real = torch.view_as_real(target).clone()
    impls, conventions, extra = assemble("mseloss", LossCase(target),
                                         lambda _: Impl('ComplexMSELoss(reduction="none")', lambda x: loss(x, target)),
                                         "no complex MSE loss")
    return RowSpec("mseloss", "x".join(map(str, shape)) + ", |z - t|^2, then the mean", crandn(*shape, seed=1), impls,
                   Impl("F.mse_loss on the real view (2x elements)",
                        lambda x: F.mse_loss(x, target_real, reduction="none"), kind="real"),
                   torch.view_as_real(crandn(*shape, seed=2)).clone(), conventions, extra, loss=lambda y: y.mean())


def bilinear_row(sh: dict, assemble) -> RowSpec:
    """ComplexBilinear(in1, in2, out) on [x1 | x2] against the peers' bilinear layers and the real nn.Bilinear."""
    n, in1, in2, out = sh["n"], sh["in1"], sh["in2"], sh["out"]
    torch.manual_seed(0)
    ours = cnn.ComplexBilinear(in1, in2, out)
    with torch.no_grad():
        ours.bias.normal_()  # a non-zero bias, so that its mapping is checked too
    real = nn.Bilinear(in1, in2, out)
    case = BilinearCase(in1, in2, out, ours.weight.detach(), ours.bias.detach())
    impls, conventions, extra = assemble(
        "bilinear", case,
        lambda _: Impl(f"ComplexBilinear({in1}, {in2}, {out})", lambda x: ours(x[..., :in1], x[..., in1:]),
                       list(ours.parameters())), "no bilinear layer")
    return RowSpec("bilinear", f"N={n} ({in1}, {in2})->{out}", crandn(n, in1 + in2, seed=1), impls,
                   Impl(f"torch.nn.Bilinear({in1}, {in2}, {out})", lambda x: real(x[..., :in1], x[..., in1:]),
                        list(real.parameters()), kind="real"), rrandn(n, in1 + in2, seed=2), conventions, extra)
