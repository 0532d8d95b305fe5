"""Audio helpers shared by the MusicNet and TIMIT readers: the one polyphase resampler of the data package.

MusicNet is resampled 44.1 -> 11 kHz as in Deep Complex Networks (Trabelsi et al., 2018, Sec. 4.2) and TIMIT
16 -> 8 kHz (Sec. 4.3); both use ``scipy.signal.resample_poly`` with its default Kaiser-window anti-aliasing filter.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

__all__ = ["resample"]


def resample(signal: np.ndarray, source_rate: int, target_rate: int, dtype: Optional[np.dtype] = None) -> np.ndarray:
    """``signal`` (1-D) resampled from ``source_rate`` to ``target_rate`` Hz with scipy.signal.resample_poly.

    Args:
        signal: the samples; converted to ``dtype`` first.
        source_rate: its rate in Hz.
        target_rate: the wanted rate in Hz; up/down factors are the reduced ratio (110/441 for 44.1 -> 11 kHz).
        dtype: of the input as converted and of the result; default: float32 for a float32 ``signal`` (MusicNet's
            audio), float64 for anything else (TIMIT's int16 / 32768).

    Returns:
        ceil(n * target_rate / source_rate) samples of ``dtype`` (the converted input itself when the rates are
        equal).

    Example:
        >>> resample(np.zeros(441, np.float32), 44100, 11000).shape
        (110,)
    """
    if dtype is None:
        dtype = np.float32 if np.asarray(signal).dtype == np.float32 else np.float64
    signal = np.asarray(signal, dtype=dtype)
    if source_rate == target_rate:
        return signal
    try:
        from scipy.signal import resample_poly
    except ImportError:
        raise ImportError(f"resampling {source_rate} Hz -> {target_rate} Hz needs scipy "
                          f"(scipy.signal.resample_poly): pip install scipy") from None
    g = math.gcd(int(source_rate), int(target_rate))
    return resample_poly(signal, int(target_rate) // g, int(source_rate) // g).astype(dtype, copy=False)
