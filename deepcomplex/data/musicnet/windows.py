"""MusicNet for training: the resampled audio of a part kept in memory once, and lazy, indexable views of its windows
and their labels (Trabelsi et al., 2018, Sec. 4.2).

The audio is resampled to 11,000 Hz (``deepcomplex.data.audio.resample``: scipy.signal.resample_poly, 110/441 for
44.1 kHz) and cut into windows of 4096 samples; a window's label is the 84-dim multi-hot vector of the notes sounding
at its centre sample (start + window // 2, in resampled time; index = MIDI note - 21). Train windows start every
``stride`` = 512 resampled samples (a fixed table the training loop samples from, in place of the DCN code's one
random window per recording per step); validation and test use the paper's evaluation: 7,500 windows per recording
from 1 s in at stride 128, clipped to the recording's length.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional, Union

import numpy as np
import torch

from ..audio import resample
from .._index import row_index
from ..idx import DataFormatError, PathLike
from .files import _find_source, _read, _Source, split_ids
from .records import (EVAL_START_SECONDS, EVAL_STRIDE, EVAL_WINDOWS, MIN_NOTE, NUM_NOTES, PARTS, TARGET_RATE,
                      TRAIN_STRIDE, WINDOW)

__all__ = ["MusicNetWindows", "MusicNetLabels", "load_musicnet", "clear_musicnet_cache"]


class _Store:
    """Resampled audio of some recordings, concatenated, and their labels as piecewise-constant segments.

    Audio: one float32 tensor, recording r at [offsets[r], offsets[r] + lengths[r]). Labels: the sorted segment
    starts ``bounds`` (global sample positions, strictly increasing, each recording's first segment starting at its
    offset) and ``bits`` (segments, 11) uint8, the packed 84-note multi-hot vector of each segment. A note [s, e) at
    the source rate sounds on resampled samples ceil(s * target / source) .. ceil(e * target / source) - 1, i.e. at
    resampled sample c exactly when s <= c * source / target < e."""

    def __init__(self, ids: list, recordings: Iterable, target_rate: int) -> None:
        audio, bounds, bits, lengths = [], [], [], []
        offset = 0
        for i, rec in recordings:
            x = resample(rec.audio, rec.sample_rate, target_rate, np.float32)
            n = len(x)
            lo = -((-rec.notes[:, 0] * target_rate) // rec.sample_rate)  # ceil
            hi = -((-rec.notes[:, 1] * target_rate) // rec.sample_rate)
            lo, hi = np.clip(lo, 0, n), np.clip(hi, 0, n)
            cuts = np.unique(np.concatenate([[0], lo, hi]))
            cuts = cuts[cuts < n]  # segment starts within the recording
            diff = np.zeros((len(cuts) + 1, NUM_NOTES), np.int32)
            keep = lo < hi
            note = rec.notes[keep, 2] - MIN_NOTE
            np.add.at(diff, (np.searchsorted(cuts, lo[keep]), note), 1)
            np.add.at(diff, (np.searchsorted(cuts, hi[keep]), note), -1)
            active = np.cumsum(diff, axis=0)[:len(cuts)] > 0
            bits.append(np.packbits(active, axis=1, bitorder="little"))
            bounds.append(cuts + offset)
            audio.append(x)
            lengths.append(n)
            offset += n
        self.ids = tuple(ids)
        self.target_rate = target_rate
        self.lengths = torch.tensor(lengths, dtype=torch.int64)
        self.offsets = torch.cumsum(self.lengths, 0) - self.lengths
        self.audio = torch.from_numpy(np.concatenate(audio) if audio else np.zeros(0, np.float32))
        self.bounds = torch.from_numpy(np.concatenate(bounds).astype(np.int64))
        self.bits = torch.from_numpy(np.concatenate(bits))
        self._shifts = torch.arange(8, dtype=torch.uint8)

    def labels_at(self, positions: torch.Tensor) -> torch.Tensor:
        """(B, 84) float32 multi-hot of the notes sounding at global sample ``positions`` (B,)."""
        seg = torch.searchsorted(self.bounds, positions, right=True) - 1
        packed = self.bits[seg]  # (B, 11)
        unpacked = (packed.unsqueeze(-1) >> self._shifts).bitwise_and_(1)  # (B, 11, 8), bit j of byte k = note 8k + j
        return unpacked.flatten(-2)[:, :NUM_NOTES].float()


_CACHE: dict = {}


def clear_musicnet_cache() -> None:
    """Forget the resampled audio that load_musicnet keeps in memory."""
    _CACHE.clear()


def _store(source: _Source, ids: list, target_rate: int) -> _Store:
    key = (source.signature(ids), target_rate)
    if key not in _CACHE:
        _CACHE[key] = _Store(ids, _read(source, ids), target_rate)
    return _CACHE[key]


class _WindowView:
    """A lazy, indexable view of windows of a _Store: ``positions`` (N,) are the windows' global start samples."""

    def __init__(self, store: _Store, positions: torch.Tensor, window: int) -> None:
        self.store, self.positions, self.window = store, positions, window

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def dtype(self) -> torch.dtype:
        return torch.float32

    @property
    def recording_index(self) -> torch.Tensor:
        """(N,) index into ``recording_ids`` of each window's recording."""
        return torch.searchsorted(self.store.offsets, self.positions, right=True) - 1

    @property
    def recording_ids(self) -> tuple:
        return self.store.ids

    @property
    def starts(self) -> torch.Tensor:
        """(N,) start sample of each window within its recording (resampled time)."""
        return self.positions - self.store.offsets[self.recording_index]

    def subset(self, index: Any) -> "_WindowView":
        """A new view of the windows at ``index`` (int tensor, list, slice or bool mask), in that order."""
        idx = row_index("MusicNet windows", index, len(self))
        pos = self.positions[idx] if not isinstance(idx, int) else self.positions[idx:idx + 1 or None]
        return type(self)(self.store, pos.clone(), self.window)

    def __getitem__(self, index: Any) -> torch.Tensor:
        idx = row_index("MusicNet windows", index, len(self))
        if isinstance(idx, int):  # one window, without the batch dimension; IndexError when out of range
            return self._gather(self.positions[idx].reshape(1))[0]
        return self._gather(self.positions[idx])

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def _gather(self, positions: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class MusicNetWindows(_WindowView):
    """Audio windows: ``x[index]`` is a float32 tensor (B, 1, window) (``x[i]``: (1, window)); ``len(x)``, ``x.shape``
    = (N, 1, window), ``x.subset(index)``. Cut from the shared resampled audio on demand."""

    @property
    def shape(self) -> torch.Size:
        return torch.Size((len(self), 1, self.window))

    def _gather(self, positions: torch.Tensor) -> torch.Tensor:
        offsets = torch.arange(self.window, dtype=torch.int64)
        return self.store.audio[positions.unsqueeze(-1) + offsets].unsqueeze(1)

    def __repr__(self) -> str:
        return (f"MusicNetWindows({len(self)} windows of {self.window} samples at {self.store.target_rate} Hz from "
                f"{len(self.store.ids)} recordings)")


class MusicNetLabels(_WindowView):
    """Labels of the windows: ``y[index]`` is a float32 multi-hot tensor (B, 84) of the notes (MIDI 21..104) sounding at
    each window's centre sample, start + window // 2; ``len(y)``, ``y.shape`` = (N, 84), ``y.subset(index)``."""

    @property
    def shape(self) -> torch.Size:
        return torch.Size((len(self), NUM_NOTES))

    def _gather(self, positions: torch.Tensor) -> torch.Tensor:
        return self.store.labels_at(positions + self.window // 2)

    def __repr__(self) -> str:
        return f"MusicNetLabels({len(self)} windows x {NUM_NOTES} notes from {len(self.store.ids)} recordings)"


def _window_starts(length: int, window: int, stride: int, first: int, max_windows: Optional[int]) -> np.ndarray:
    if length - window < first:
        return np.zeros(0, np.int64)
    n = (length - window - first) // stride + 1
    if max_windows is not None:
        n = min(n, max_windows)
    return first + stride * np.arange(n, dtype=np.int64)


def load_musicnet(root: Optional[PathLike] = None, part: str = "train", window: int = WINDOW,
                  sample_rate: int = TARGET_RATE, stride: Optional[int] = None, start_seconds: Optional[float] = None,
                  max_windows: Optional[int] = None, layout: Optional[str] = None):
    """Lazy (x, y) views of the windows of MusicNet's ``part`` ("train", "validation" or "test"; DCN's split).

    The part's recordings are read once, resampled to ``sample_rate`` and kept in memory (shared by every view of
    the same files and rate; clear_musicnet_cache() frees them). Windows of ``window`` samples start at
    ``start_seconds`` into each recording, every ``stride`` samples, at most ``max_windows`` per recording, and lie
    wholly inside it. Defaults: train: stride 512, from 0 s, all windows; validation/test: the paper's evaluation,
    stride 128 from 1 s, 7,500 windows per recording. ``x[index]`` gives float32 (B, 1, window) audio, ``y[index]``
    float32 (B, 84) the notes sounding at each window's centre sample (start + window // 2); both also take slices,
    have ``len()``, ``.shape`` and ``.subset(index)``.
    """
    if part not in PARTS:
        raise ValueError(f"musicnet: part must be one of {', '.join(PARTS)}, got {part!r}")
    evaluation = part != "train"
    stride = stride if stride is not None else (EVAL_STRIDE if evaluation else TRAIN_STRIDE)
    start_seconds = start_seconds if start_seconds is not None else (EVAL_START_SECONDS if evaluation else 0.0)
    max_windows = max_windows if max_windows is not None else (EVAL_WINDOWS if evaluation else None)
    for name, value in (("window", window), ("sample_rate", sample_rate), ("stride", stride)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"musicnet: {name} must be a positive integer, got {value!r}")
    if max_windows is not None and (not isinstance(max_windows, (int, np.integer)) or max_windows < 1):
        raise ValueError(f"musicnet: max_windows must be a positive integer or None, got {max_windows!r}")
    if not start_seconds >= 0:
        raise ValueError(f"musicnet: start_seconds must be >= 0, got {start_seconds!r}")
    source = _find_source(root, layout)
    ids = split_ids(source.files, part)
    store = _store(source, ids, int(sample_rate))
    first = int(round(start_seconds * sample_rate))
    starts = [store.offsets[r].item() + _window_starts(int(store.lengths[r]), window, stride, first, max_windows)
              for r in range(len(ids))]
    positions = torch.from_numpy(np.concatenate(starts))
    if len(positions) == 0:
        longest = int(store.lengths.max()) if len(ids) else 0
        raise DataFormatError(f"musicnet {part}: no window of {window} samples starting {start_seconds} s in fits in "
                              f"any of its {len(ids)} recordings (longest: {longest} samples at {sample_rate} Hz)")
    return MusicNetWindows(store, positions, int(window)), MusicNetLabels(store, positions, int(window))

