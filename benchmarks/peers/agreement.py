"""Agreement of every library with deepcomplex, and the default initialisations of their Linear and batch norm.

Every library's layer gets deepcomplex's weights (mapped to its layout by its adapter) and the same input and output
gradient, on small fixed shapes (the rows' ``agree`` sizes, the same with and without --quick); output and input
gradient are compared with deepcomplex's (CoShNet: the logits and the first complex convolution's weight gradient).
A disagreement is checked against a reference written in the peer's own convention (its adapter's), which confirms
(or not) the explanation given for it.
"""
from __future__ import annotations

import math
import warnings
from typing import Optional

import torch

import deepcomplex.nn as cnn
from benchmarks.harness import crandn, rrandn

from .adapters import ADAPTERS, PEERS, modules_of
from .measure import forward_backward, instantiate
from .rows import TITLES, build_row
from .spec import RTOL, Impl, RowSpec


def max_abs(a: torch.Tensor, b: torch.Tensor) -> float:
    """max |a - b|, infinite where the shapes differ."""
    if a.shape != b.shape:
        return math.inf
    return (a - b).abs().max().item() if a.numel() else 0.0


def close(ya, ga, yb, gb) -> tuple[float, float, float, bool]:
    """(max |dy|, max |dgrad|, tolerance on y, agree) of (ya, ga) against the reference (yb, gb)."""
    dy, dg = max_abs(ya, yb), max_abs(ga, gb)
    tol_y = RTOL * max(1.0, yb.abs().max().item() if yb.numel() else 1.0)
    tol_g = RTOL * max(1.0, gb.abs().max().item() if gb.numel() else 1.0)
    return dy, dg, tol_y, bool(dy <= tol_y and dg <= tol_g)


def agreement_row(row: str, peers: dict) -> list[dict]:
    """Compare every library's output and input gradient with the reference on the agreement shapes of ``row``."""
    spec = build_row(row, "agree")
    impls = instantiate(spec, peers)
    ref = impls["deepcomplex"]
    assert isinstance(ref, Impl)
    with torch.no_grad():
        y_probe = ref.fn(spec.x)
    g = (crandn if y_probe.is_complex() else rrandn)(*y_probe.shape, seed=7)
    y_ref, g_ref = forward_backward(ref, spec.x, g)
    variants = [(lib, "", impl) for lib, impl in impls.items() if lib != "deepcomplex"]
    variants += [(lib, impl.note if isinstance(impl, Impl) else "", impl)
                 for lib, impl in instantiate(spec, peers, extra=True).items()]
    out = []
    for lib, variant, impl in variants:
        entry = {"row": row, "title": TITLES[row], "library": lib, "variant": variant, "reference": spec.reference,
                 "reference_layer": ref.layer, "shape": spec.shape, "grad_of": spec.grad_name}
        if isinstance(impl, dict):
            if impl["status"] == "n/a":
                continue  # the library (or torch) has no such layer: nothing to compare
            entry.update({"status": impl["status"], "reason": impl["reason"]})
            out.append(entry)
            continue
        entry["layer"] = impl.layer
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                y, gx = forward_backward(impl, spec.x, g)
        except Exception as e:
            if lib == "native":
                continue  # torch refuses complex input for this op (reported with the timings)
            entry.update({"status": "error", "reason": f"{type(e).__name__}: {e}"})
            out.append(entry)
            continue
        dy, dg, tol, ok = close(y, gx, y_ref, g_ref)
        entry.update({"status": "ok", "out_max_abs": dy, "grad_max_abs": dg, "tol": tol, "agree": ok})
        if not ok:
            entry["explanation"], entry["confirmed"], entry["confirm_max_abs"] = explain(spec, lib, y, gx, g, peers)
        out.append(entry)
    return out


def explain(spec: RowSpec, lib: str, y: torch.Tensor, gx: torch.Tensor, g: torch.Tensor,
            peers: dict) -> tuple[str, bool, Optional[float]]:
    """Why ``lib`` disagrees: the row's convention sentence, confirmed if the peer matches a reference in it."""
    if lib not in spec.conventions:
        return "unexplained: no known convention difference accounts for it.", False, None
    sentence, factory = spec.conventions[lib]
    ref = factory(modules_of(lib, peers))
    y_c, g_c = forward_backward(ref, spec.x, g)
    dy, dg, _, ok = close(y, gx, y_c, g_c)
    return sentence, ok, max(dy, dg)


def _available(lib: str, peers: dict) -> bool:
    return lib not in PEERS or peers[lib]["status"] == "ok"


def init_checks(peers: dict, rows: list[str]) -> dict[str, list[dict]]:
    """Default initialisation of each library's Linear (scale, bias bound) and whitening BN (gamma, output RMS)."""
    out: dict[str, list[dict]] = {}
    if "linear" in rows:
        fin, fout = 512, 32  # in != out, so a swapped fan-in shows
        lin = []

        def stats(lib: str, layer: str, w: torch.Tensor, b: Optional[torch.Tensor]) -> dict:
            d = {"library": lib, "layer": layer, "in": fin, "out": fout,
                 "E|W|^2*fan_in": (w.abs() ** 2).mean().item() * fin}
            mb = b.real.abs().max().item() if b is not None else 0.0
            d["max|Re b|"] = mb
            d["bias bound 1/sqrt(k): k"] = (1.0 / mb ** 2) if mb > 0 else None
            return d

        torch.manual_seed(0)
        ours = cnn.ComplexLinear(fin, fout)
        lin.append(stats("deepcomplex", "ComplexLinear", ours.weight.detach(), ours.bias.detach()))
        for lib, adapter in ADAPTERS.items():
            if not hasattr(adapter, "default_linear"):
                continue
            if not _available(lib, peers):
                lin.append({"library": lib, "status": "unavailable"})
                continue
            lin.append(stats(lib, *adapter.default_linear(modules_of(lib, peers), fin, fout)))
        out["linear"] = lin
    if "batchnorm" in rows:
        x = crandn(16, 8, 8, 8, seed=11)
        bns = []
        with torch.no_grad():
            y_ours = cnn.ComplexBatchNorm2d(8)(x)
            rms_ours = y_ours.abs().pow(2).mean().sqrt().item()
            layer = cnn.ComplexBatchNorm2d(8)
            found = [("deepcomplex", (type(layer).__name__, y_ours, layer.weight.detach()[0, 0].item()))]
            for lib, adapter in ADAPTERS.items():
                if hasattr(adapter, "default_batchnorm"):
                    found.append((lib, adapter.default_batchnorm(modules_of(lib, peers), x)
                                  if _available(lib, peers) else None))
        for lib, got in found:
            if got is None:
                bns.append({"library": lib, "status": "unavailable"})
                continue
            name, y, gamma_diag = got
            rms = y.abs().pow(2).mean().sqrt().item()
            bns.append({"library": lib, "layer": name, "gamma_diag_init": gamma_diag, "output_rms": rms,
                        "rms_over_ours": rms / rms_ours})
        out["batchnorm"] = bns
    return out
