"""A generated speech-like corpus in TIMIT's layout (LDC93S1; the task of Trabelsi et al., 2018, Sec. 4.3), for
tests and smoke runs: voiced segments (harmonics of a drifting pitch shaped by three moving formants), band-limited
noise bursts and pauses, written as 16 kHz SPHERE ``.WAV`` files with matching ``.PHN``, ``.WRD`` and ``.TXT``
(the reader is ``deepcomplex.data.timit``)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .._checks import check_positive
from ..idx import PathLike
from ..timit.sphere import write_sphere

__all__ = ["write_synthetic_timit"]

_VOWELS = {"aa": (730, 1090, 2440), "iy": (270, 2290, 3010), "uw": (300, 870, 2240), "ae": (660, 1720, 2410),
           "ow": (570, 840, 2410), "eh": (530, 1840, 2480), "ih": (390, 1990, 2550)}
_FRICATIVES = {"s": (5000.0, 1500.0), "sh": (3000.0, 900.0), "f": (4000.0, 3500.0)}  # noise band centre, half-width
_WORDS = ("she", "had", "your", "dark", "suit", "in", "greasy", "wash", "water", "all", "year", "dont", "ask", "me",
          "to", "carry", "an", "oily", "rag", "like", "that")
_BANDWIDTHS = (80.0, 110.0, 160.0)  # formant half-widths (Hz)


def _ramp(n: int, sr: int) -> np.ndarray:
    """Raised-cosine fade in and out over 10 ms (or half the segment)."""
    k = min(int(0.01 * sr), n // 2)
    env = np.ones(n)
    if k:
        r = 0.5 - 0.5 * np.cos(np.pi * (np.arange(k) + 0.5) / k)
        env[:k], env[n - k:] = r, r[::-1]
    return env


def _voiced(rng: np.random.Generator, n: int, sr: int, f0: float, start: tuple, stop: tuple) -> np.ndarray:
    """Harmonics of a drifting pitch contour, each weighted by three formant resonances moving start -> stop."""
    t = np.arange(n) / sr
    frac = t / max(t[-1], 1e-9)
    contour = f0 * (1.0 + 0.08 * np.sin(2 * np.pi * rng.uniform(2, 5) * t + rng.uniform(0, 2 * np.pi)))
    contour *= 1.0 + rng.uniform(-0.15, 0.1) * frac  # a rise or fall over the segment
    phase = 2 * np.pi * np.cumsum(contour) / sr + rng.uniform(0, 2 * np.pi)
    formants = np.asarray(start)[:, None] + (np.asarray(stop) - np.asarray(start))[:, None] * frac  # (3, n)
    out = np.zeros(n)
    for h in range(1, int(7000 // contour.min()) + 1):
        freq = h * contour
        gain = sum(g / (1.0 + ((freq - formants[k]) / _BANDWIDTHS[k]) ** 2) for k, g in enumerate((1.0, 0.6, 0.3)))
        gain *= (freq < 7500) / (1.0 + freq / 1000.0)  # spectral tilt, nothing near Nyquist
        out += gain * np.sin(h * phase)
    return out


def _unvoiced(rng: np.random.Generator, n: int, sr: int, centre: float, width: float) -> np.ndarray:
    """White noise band-limited (in the FFT domain) around ``centre``."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / sr)
    spec *= np.exp(-0.5 * ((f - centre) / width) ** 2)
    return np.fft.irfft(spec, n)


def _synthetic_utterance(rng: np.random.Generator, sr: int, duration: float, f0: float):
    """(int16 samples, phones [(begin, end, label)], words [(begin, end, word)]) of one speech-like utterance."""
    total = int(duration * sr)
    lead, tail = int(rng.uniform(0.04, 0.08) * sr), int(rng.uniform(0.04, 0.08) * sr)
    phones, pieces = [(0, lead, "h#")], [np.zeros(lead)]
    pos, vowel = lead, str(rng.choice(list(_VOWELS)))
    while pos < total - tail - int(0.03 * sr):
        kind = rng.choice(["voiced", "unvoiced", "pause"], p=[0.6, 0.25, 0.15])
        if kind == "voiced":
            n = int(rng.uniform(0.08, 0.2) * sr)
            nxt = str(rng.choice(list(_VOWELS)))
            stop = tuple(0.5 * (a + b) for a, b in zip(_VOWELS[vowel], _VOWELS[nxt]))
            sig, label = 0.5 * _voiced(rng, n, sr, f0, _VOWELS[vowel], stop), vowel
            vowel = nxt
        elif kind == "unvoiced":
            n = int(rng.uniform(0.04, 0.1) * sr)
            label = str(rng.choice(list(_FRICATIVES)))
            sig = 0.15 * _unvoiced(rng, n, sr, *_FRICATIVES[label])
        else:
            n, label = int(rng.uniform(0.03, 0.06) * sr), "pau"
            sig = np.zeros(n)
        n = min(n, total - tail - pos)
        pieces.append(sig[:n] * _ramp(n, sr))
        phones.append((pos, pos + n, label))
        pos += n
    phones.append((pos, total, "h#"))  # the trailing silence fills the utterance to its exact duration
    pieces.append(np.zeros(total - pos))
    signal = np.concatenate(pieces)
    signal += 3e-4 * rng.standard_normal(len(signal))  # a recording's noise floor
    signal *= 0.3 / max(np.abs(signal).max(), 1e-9)
    samples = np.round(signal * 32767).astype(np.int16)
    words, run = [], None  # a word: a run of phones between silences
    for begin, end, label in phones + [(len(samples), len(samples), "h#")]:
        if label in ("h#", "pau"):
            if run is not None:
                words.append((run[0], run[1], str(rng.choice(_WORDS))))
                run = None
        else:
            run = (begin, end) if run is None else (run[0], end)
    return samples, phones, words


def write_synthetic_timit(root: PathLike, n_speakers: int = 2, utterances: int = 3, seed: int = 0,
                          duration: float = 0.8, lowercase: bool = False) -> Path:
    """Write a small speech-like corpus in TIMIT's layout under ``root``; returns ``root``.

    TRAIN and TEST each get ``n_speakers`` speakers (alternating DR1/DR2, ids like FABC0), each with SA1, SA2 and
    ``utterances`` SX/SI utterances of ``duration`` seconds: 16 kHz int16 SPHERE .WAV (voiced segments: a pitch
    contour's harmonics shaped by three moving formant resonances; unvoiced band-limited noise bursts; pauses and
    leading/trailing silence over a low noise floor) with matching .PHN, .WRD and .TXT. ``lowercase`` names every
    directory and file in lower case (some distributions do). Deterministic for a given ``seed``.
    """
    check_positive("write_synthetic_timit", n_speakers=n_speakers, utterances=utterances)
    if not duration >= 0.3:
        raise ValueError(f"write_synthetic_timit: duration must be at least 0.3 s, got {duration!r}")
    rng = np.random.default_rng(seed)
    root, sr = Path(root), 16000
    case = str.lower if lowercase else str.upper
    for p, part in enumerate(("TRAIN", "TEST")):
        used: set = set()
        for s in range(n_speakers):
            sex = "MF"[(s + p) % 2]
            while True:
                spk = sex + "".join(rng.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), 3)) + str(s % 10)
                if spk not in used:
                    used.add(spk)
                    break
            f0 = rng.uniform(95, 140) if sex == "M" else rng.uniform(170, 240)
            directory = root / case(part) / case(f"DR{1 + s % 2}") / case(spk)
            directory.mkdir(parents=True, exist_ok=True)
            names = ["SA1", "SA2"] + [f"SX{100 + 5 * s + k}" if k % 2 == 0 else f"SI{1000 + 5 * s + k}"
                                      for k in range(utterances)]
            for name in names:
                samples, phones, words = _synthetic_utterance(rng, sr, duration, f0)
                stem = directory / case(name)
                write_sphere(stem.with_suffix(case(".WAV")), samples, sr,
                             extra={"database_id": "TIMIT", "database_version": "synthetic",
                                    "utterance_id": f"{spk.lower()}_{name.lower()}", "speaker_id": spk})
                stem.with_suffix(case(".PHN")).write_text("".join(f"{b} {e} {lab}\n" for b, e, lab in phones))
                stem.with_suffix(case(".WRD")).write_text("".join(f"{b} {e} {w}\n" for b, e, w in words))
                text = " ".join(w for _, _, w in words).capitalize() + "."
                stem.with_suffix(case(".TXT")).write_text(f"0 {len(samples)} {text}\n")
    return root
