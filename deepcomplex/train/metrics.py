"""Evaluation metrics beyond accuracy: MusicNet's micro-averaged average precision (Trabelsi et al., 2018, Sec. 4.2),
and the MRI reconstruction metrics of ``mri_metrics`` (fastMRI's NMSE, PSNR, SSIM; a phase error), re-exported here."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .mri_metrics import nmse, phase_error, psnr, ssim, volume_metrics

__all__ = ["average_precision_micro", "nmse", "phase_error", "psnr", "ssim", "volume_metrics"]


def _as_float64(values: Any, name: str) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        if values.is_complex():
            raise ValueError(f"average_precision_micro: {name} are complex; expected real numbers")
        values = values.detach().cpu().to(torch.float64).numpy()
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"average_precision_micro: {name} have dtype {array.dtype}; expected real numbers")
    return array.astype(np.float64)


def average_precision_micro(scores: Any, targets: Any) -> float:
    """Micro-averaged average precision over all (window, note) pairs: every entry of ``scores`` (any shape, e.g.
    (N, 84) logits or probabilities; only their order matters) is one prediction of the matching 0/1 entry of
    ``targets``. Torch tensors or numpy arrays in, a float out.

    The definition of scikit-learn's ``average_precision_score(targets, scores, average="micro")``: with the distinct
    scores taken as thresholds from the highest down (tied scores form one threshold), AP = sum_n (R_n - R_{n-1}) P_n,
    P_n and R_n the precision and recall of predicting positive every entry scoring at least the n-th threshold
    (R_0 = 0): a step-wise area under the precision-recall curve, no interpolation.
    """
    s, t = _as_float64(scores, "scores"), _as_float64(targets, "targets")
    if s.shape != t.shape:
        raise ValueError(f"average_precision_micro: scores have shape {s.shape} but targets {t.shape}; expected the "
                         f"same shape, one score per target")
    s, t = s.ravel(), t.ravel()
    if s.size == 0:
        raise ValueError("average_precision_micro: no predictions (empty scores and targets)")
    if not np.isfinite(s).all():
        raise ValueError("average_precision_micro: scores hold NaN or infinite values")
    if not np.isin(t, (0.0, 1.0)).all():
        bad = t[~np.isin(t, (0.0, 1.0))][0]
        raise ValueError(f"average_precision_micro: targets must be 0 or 1 (binary multi-label), found {bad!r}")
    positives = t.sum()
    if positives == 0:
        raise ValueError("average_precision_micro: targets hold no positive entry, so recall and average precision "
                         "are undefined")
    order = np.argsort(-s, kind="stable")
    s, t = s[order], t[order]
    # the last entry of each run of tied scores closes one threshold
    last = np.flatnonzero(np.r_[s[1:] != s[:-1], True])
    tp = np.cumsum(t)[last]
    predicted = last + 1.0
    precision = tp / predicted
    recall = tp / positives
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))
