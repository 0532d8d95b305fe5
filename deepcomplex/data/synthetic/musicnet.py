"""A generated MusicNet in the release's formats (csv + wav, or ``musicnet.npz``), for tests and demos: random
pieces of harmonic notes with their note labels (the layout of Thickstun et al., 2017; the reader is
``deepcomplex.data.musicnet``)."""
from __future__ import annotations

import csv
import io
import pickle
import zipfile
from pathlib import Path

import numpy as np

from ...io import atomic_write, atomic_write_text
from ..idx import PathLike
from ..musicnet.npz import Interval, IntervalTree
from ..musicnet.records import (CSV_COLUMNS, CSV_DIRS, MAX_NOTE, MIN_NOTE, NPZ_NAME, SAMPLE_RATE, TEST_IDS,
                                VALIDATION_IDS)
from ..musicnet.wav import write_wav

__all__ = ["synthesize_recording", "write_synthetic_musicnet"]

_INSTRUMENTS = (1, 41, 42, 43, 61, 71, 72, 74)  # MusicNet's instrument codes (General MIDI program + 1)
_NOTE_VALUES = ((0.25, "Sixteenth"), (0.5, "Eighth"), (0.75, "Dotted Eighth"), (1.0, "Quarter"),
                (1.5, "Dotted Quarter"), (2.0, "Half"), (3.0, "Dotted Half"), (4.0, "Whole"))


def _synthetic_train_ids(n: int) -> list:
    reserved = set(TEST_IDS) | set(VALIDATION_IDS)
    ids, i = [], 1727  # the release's first training id
    while len(ids) < n:
        if i not in reserved:
            ids.append(i)
        i += 1
    return ids


def synthesize_recording(seconds: float, rng: np.random.Generator, sample_rate: int = SAMPLE_RATE):
    """(audio float32, labels) of a random piece: notes (mostly around middle C, 1 to 3 at once) of harmonic tones with
    an attack/decay envelope, plus a little noise; labels are rows (start, end, instrument, note, start_beat,
    duration_beats, note_value) at 120 beats per minute."""
    n = int(round(seconds * sample_rate))
    audio = np.zeros(n, np.float64)
    labels = []
    t = float(rng.uniform(0.0, 0.2))
    while t < seconds - 0.1:
        chord = np.clip(np.round(rng.normal(64.0, 9.0, size=int(rng.integers(1, 4)))), MIN_NOTE, MAX_NOTE)
        for note in np.unique(chord).astype(int).tolist():
            beats, value = _NOTE_VALUES[int(rng.integers(0, len(_NOTE_VALUES)))]
            start = int(t * sample_rate)
            end = min(n, start + int(beats * 0.5 * sample_rate))
            if end - start < 64:
                continue
            m = end - start
            tt = np.arange(m) / sample_rate
            f0 = 440.0 * 2.0 ** ((note - 69) / 12.0)
            wave = np.zeros(m)
            for h in range(1, 7):
                if f0 * h > 0.45 * sample_rate:
                    break
                wave += (0.6 ** (h - 1)) * np.sin(2 * np.pi * f0 * h * tt + rng.uniform(0, 2 * np.pi))
            attack = np.minimum(1.0, tt / 0.01)
            release = np.minimum(1.0, (m - np.arange(m)) / (0.01 * sample_rate))
            audio[start:end] += float(rng.uniform(0.15, 0.3)) * wave * attack * release * np.exp(-2.0 * tt)
            labels.append((start, end, int(rng.choice(_INSTRUMENTS)), note, round(2.0 * t, 3), beats, value))
        t += float(rng.choice([0.25, 0.5, 0.75]))
    audio += 0.003 * rng.standard_normal(n)
    audio *= 0.5 / max(0.5, float(np.abs(audio).max()))
    labels.sort(key=lambda r: (r[0], r[3]))
    return audio.astype(np.float32), labels


class _DisguisedPickler(pickle._Pickler):  # the pure-Python pickler: its dispatch table can name our stand-ins
    """Pickles our Interval/IntervalTree stand-ins under intervaltree's module names, as the release's file has them."""
    dispatch = dict(pickle._Pickler.dispatch)

    def _global(self, obj, module: str, name: str) -> None:
        self.write(pickle.GLOBAL + f"{module}\n{name}\n".encode("ascii"))
        self.memoize(obj)


def _save_stand_in_class(self, obj):
    if obj is IntervalTree:
        return self._global(obj, "intervaltree.intervaltree", "IntervalTree")
    if obj is Interval:
        return self._global(obj, "intervaltree.interval", "Interval")
    return pickle._Pickler.save_type(self, obj)


_DisguisedPickler.dispatch[type] = _save_stand_in_class


def _write_npz_member(zf: zipfile.ZipFile, name: str, audio: np.ndarray, labels: list) -> None:
    try:
        import intervaltree
        tree = intervaltree.IntervalTree(intervaltree.Interval(s, e, (ins, note, sb, eb, nv))
                                         for s, e, ins, note, sb, eb, nv in labels)
    except ImportError:
        tree = IntervalTree(Interval(s, e, (ins, note, sb, eb, nv)) for s, e, ins, note, sb, eb, nv in labels)
    record = np.empty(2, dtype=object)
    record[0], record[1] = audio, tree
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "|O", "fortran_order": False, "shape": (2,)})
    if isinstance(tree, IntervalTree):
        _DisguisedPickler(buf, protocol=2).dump(record)
    else:
        pickle.dump(record, buf, protocol=2)
    zf.writestr(name, buf.getvalue())


def write_synthetic_musicnet(root: PathLike, layout: str = "csv", seconds: float = 8.0, n_train: int = 12,
                             n_validation: int = len(VALIDATION_IDS), seed: int = 0,
                             wav_format: str = "pcm16") -> Path:
    """Write a generated MusicNet in the release's ``layout`` ("csv": train_data/ test_data/ wavs at 44.1 kHz with
    their label csvs; "npz": musicnet.npz) under ``root`` and return the path to pass to load_musicnet.

    Recordings: the 3 test ids, the first ``n_validation`` validation ids and ``n_train`` training ids (1727, 1728,
    ...), each ``seconds`` long (synthesize_recording). Deterministic in ``seed``. The npz uses real intervaltree
    objects when intervaltree is installed, else our stand-ins pickled under intervaltree's names (same bytes on
    the reading side)."""
    if layout not in ("csv", "npz"):
        raise ValueError(f"layout must be 'csv' or 'npz', got {layout!r}")
    if not 0 <= n_validation <= len(VALIDATION_IDS):
        raise ValueError(f"n_validation must be in 0..{len(VALIDATION_IDS)}, got {n_validation}")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    ids = list(TEST_IDS) + list(VALIDATION_IDS[:n_validation]) + _synthetic_train_ids(n_train)
    pieces = {i: synthesize_recording(seconds, np.random.default_rng([seed, i])) for i in ids}
    if layout == "npz":
        def write_npz(f) -> None:
            with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as zf:
                for i in ids:
                    _write_npz_member(zf, f"{i}.npy", *pieces[i])

        return atomic_write(root / NPZ_NAME, write_npz)
    for i in ids:
        data_dir, label_dir = CSV_DIRS[1] if i in TEST_IDS else CSV_DIRS[0]
        (root / data_dir).mkdir(exist_ok=True)
        (root / label_dir).mkdir(exist_ok=True)
        audio, labels = pieces[i]
        write_wav(root / data_dir / f"{i}.wav", audio, SAMPLE_RATE, wav_format)
        text = io.StringIO(newline="")
        w = csv.writer(text)
        w.writerow(CSV_COLUMNS)
        w.writerows(labels)
        atomic_write_text(root / label_dir / f"{i}.csv", text.getvalue())
    return root
