"""MusicNet's constants (rates, notes, the DCN split), a recording as read from either layout, and the checks both
layouts share (Thickstun et al., 2017; the split of Trabelsi et al., 2018, Sec. 4.2)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..idx import DataFormatError

SAMPLE_RATE = 44100  # the release's audio and label times
TARGET_RATE = 11000  # DCN's resampled rate
WINDOW = 4096
MIN_NOTE, MAX_NOTE = 21, 104
NUM_NOTES = MAX_NOTE - MIN_NOTE + 1  # 84
TEST_IDS = (2303, 2382, 1819)
VALIDATION_IDS = (2131, 2384, 1792, 2514, 2567, 1876)
PARTS = ("train", "validation", "test")
TRAIN_STRIDE = 512  # default stride of the training window table (resampled samples)
EVAL_STRIDE, EVAL_WINDOWS, EVAL_START_SECONDS = 128, 7500, 1.0  # the DCN evaluation: 7,500 windows from 1 s, stride 128
CSV_COLUMNS = ("start_time", "end_time", "instrument", "note", "start_beat", "end_beat", "note_value")
CSV_DIRS = (("train_data", "train_labels"), ("test_data", "test_labels"))  # (audio, labels) directories of a part
NPZ_NAME = "musicnet.npz"
MUSICNET_URL = "https://zenodo.org/records/5120004 (musicnet.tar.gz or musicnet.npz)"
_NO_DOWNLOAD = ("MusicNet cannot be downloaded here: fetch it elsewhere and pass its directory as root / --data-dir "
                "(or set $DEEPCOMPLEX_DATA, read as $DEEPCOMPLEX_DATA/musicnet)")
_LAYOUTS = (f"either {NPZ_NAME} (the official numpy archive) or the csv + wav layout of musicnet.tar.gz "
            f"(train_data/<id>.wav, train_labels/<id>.csv, test_data/, test_labels/), in that directory or in its "
            f"musicnet/ subdirectory; from {MUSICNET_URL}")


class MusicNetMissingError(DataFormatError, FileNotFoundError):
    """MusicNet files that are not where they were looked for (both a DataFormatError and a FileNotFoundError)."""


@dataclass(frozen=True, eq=False)
class Recording:
    """One MusicNet recording: mono ``audio`` (float32, 1-D) at ``sample_rate`` Hz and its ``notes``, an int64 array
    (K, 3) of [start_sample, end_sample, midi_note] rows (a note sounds on samples start..end-1), sorted by
    (start, end, note)."""
    audio: np.ndarray
    sample_rate: int
    notes: np.ndarray

    def __repr__(self) -> str:
        seconds = len(self.audio) / self.sample_rate
        return f"Recording({len(self.audio)} samples, {self.sample_rate} Hz, {seconds:.1f} s, {len(self.notes)} notes)"


def _check_notes(notes: np.ndarray, where: str) -> np.ndarray:
    """(K, 3) int64 rows [start, end, note], checked (0 <= start < end, MIDI note in 21..104), sorted."""
    notes = np.asarray(notes, dtype=np.int64).reshape(-1, 3)
    if len(notes):
        bad = np.flatnonzero((notes[:, 2] < MIN_NOTE) | (notes[:, 2] > MAX_NOTE))
        if len(bad):
            raise DataFormatError(f"{where}: note {int(notes[bad[0], 2])} (label {int(bad[0])}) outside MIDI "
                                  f"{MIN_NOTE}..{MAX_NOTE}, the {NUM_NOTES} notes of MusicNet")
        bad = np.flatnonzero((notes[:, 0] < 0) | (notes[:, 1] <= notes[:, 0]))
        if len(bad):
            s, e = notes[bad[0], :2]
            raise DataFormatError(f"{where}: label {int(bad[0])} spans samples {int(s)}..{int(e)}; expected "
                                  f"0 <= start_time < end_time")
    return notes[np.lexsort((notes[:, 2], notes[:, 1], notes[:, 0]))]


def _check_audio(audio: Any, where: str) -> np.ndarray:
    """``audio`` as float32 if it is a 1-D numeric numpy array of finite samples; DataFormatError otherwise."""
    if not isinstance(audio, np.ndarray):
        raise DataFormatError(f"{where}: audio is a {type(audio).__name__}, expected a 1-D numpy float array")
    if audio.dtype.kind not in "fiu" or audio.ndim != 1:
        raise DataFormatError(f"{where}: audio has dtype {audio.dtype} and shape {audio.shape}, expected a 1-D float "
                              f"array (mono)")
    audio = audio.astype(np.float32)
    if not np.isfinite(audio).all():
        raise DataFormatError(f"{where}: audio holds NaN or infinite samples")
    return audio


def _integral(value: Any, what: str, where: str) -> int:
    """``value`` (a number or numeric string) as an int if it is integral; DataFormatError otherwise."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise DataFormatError(f"{where}: {what} is {value!r}, expected an integer") from None
    if not f.is_integer():
        raise DataFormatError(f"{where}: {what} is {value!r}, expected an integer")
    return int(f)
