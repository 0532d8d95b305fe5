"""deepcomplex.data.audio.resample: the one resampler of MusicNet (44.1 -> 11 kHz, float32) and TIMIT (16 -> 8 kHz,
float64). The expected values are literals: what each reader's own resampler returned before the two were merged,
so both call sites keep their results bit for bit."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from deepcomplex.data import musicnet, timit
from deepcomplex.data.audio import resample

# MusicNet's call: float32 audio, 44,100 -> 11,000 Hz (110/441), float32 out
MUSICNET_IN = (np.sin(0.05 * np.arange(60) ** 1.5) * 0.5).astype(np.float32)
MUSICNET_OUT = [
    "0x1.bad46e0000000p-8", "0x1.88f69c0000000p-3", "0x1.d2c0960000000p-2", "0x1.bc660e0000000p-2",
    "-0x1.1493b80000000p-5", "-0x1.f3b55a0000000p-2", "-0x1.819a800000000p-3", "0x1.d5dc580000000p-2",
    "0x1.4fd1220000000p-3", "-0x1.f25d6a0000000p-2", "0x1.a26e480000000p-5", "0x1.d2906c0000000p-2",
    "-0x1.c45fda0000000p-2", "0x1.7e84540000000p-6", "0x1.5c84960000000p-2"]
# TIMIT's call: int16 samples / 32768 (float64), 16,000 -> 8,000 Hz, float64 out
TIMIT_IN = (np.arange(-20, 20, dtype=np.int16) * 773 % 2000 - 1000).astype(np.int16)
TIMIT_OUT = [
    "-0x1.53912ea24bff8p-8", "-0x1.366d9d7f91827p-7", "-0x1.52dfe804e117cp-12", "0x1.57079a1ca0124p-8",
    "0x1.7b9caa7b82edfp-7", "-0x1.55daa1af24f8ep-7", "0x1.b2860532b871ap-7", "-0x1.38feae76b144fp-7",
    "-0x1.9593e98988712p-10", "0x1.34109c9e526f9p-10", "-0x1.f4423c79fb5c3p-7", "-0x1.34109c9e52700p-10",
    "0x1.9593e9898871dp-10", "0x1.38feae76b1450p-7", "-0x1.b2860532b871dp-7", "0x1.55daa1af24f8dp-7",
    "-0x1.7b9caa7b82edfp-7", "-0x1.57079a1ca0122p-8", "0x1.52dfe804e1180p-12", "0x1.366d9d7f91827p-7"]


def _values(hexes: list[str], dtype) -> np.ndarray:
    return np.array([float.fromhex(h) for h in hexes], dtype=dtype)


def test_musicnet_call_site_bit_for_bit():
    for dtype in (None, np.float32):  # the default for float32 input, and the explicit dtype the window store passes
        out = resample(MUSICNET_IN, 44100, 11000, dtype)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, _values(MUSICNET_OUT, np.float32))


def test_timit_call_site_bit_for_bit():
    for dtype in (None, np.float64):
        out = resample(TIMIT_IN / 32768.0, 16000, 8000, dtype)
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, _values(TIMIT_OUT, np.float64))


def test_one_function_for_both_readers_and_its_dtypes():
    assert musicnet.resample is timit.resample is resample
    assert resample(TIMIT_IN, 16000, 8000).dtype == np.float64  # integers: float64
    np.testing.assert_array_equal(resample(TIMIT_IN, 16000, 8000), _values(TIMIT_OUT, np.float64) * 32768.0)
    same = resample(MUSICNET_IN, 11000, 11000)
    assert same.dtype == np.float32 and np.array_equal(same, MUSICNET_IN)
    assert resample(TIMIT_IN, 8000, 8000).dtype == np.float64
    # lengths: ceil(n * target / source)
    assert len(resample(np.zeros(441, np.float32), 44100, 11000)) == 110
    assert len(resample(np.zeros(443), 44100, 11000)) == 111


def test_resample_needs_scipy(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy.signal", None)
    with pytest.raises(ImportError, match="16000 Hz -> 8000 Hz needs scipy"):
        resample(np.zeros(10), 16000, 8000)
