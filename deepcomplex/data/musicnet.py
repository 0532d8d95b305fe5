"""MusicNet (Thickstun et al., 2017) as Deep Complex Networks uses it (Trabelsi et al., 2018, Sec. 4.2).

Reads the public release in either of its two layouts, with structural checks and without running pickled code:

* ``musicnet.npz``: numpy's zip of ``<id>.npy`` members, each an object array (audio, labels): the audio a float array
  at 44,100 Hz, the labels an ``intervaltree.IntervalTree`` of ``Interval(start_sample, end_sample, (instrument, note,
  start_beat, end_beat, note_value))``. The members are pickles; they are read with a restricted unpickler that builds
  numpy arrays, plain containers and small stand-ins of ours for the intervaltree (and sortedcontainers) classes, so a
  crafted file cannot run code and intervaltree is not needed to read it.
* the csv + wav layout: ``train_data/<id>.wav`` with ``train_labels/<id>.csv``, ``test_data/`` with ``test_labels/``;
  csv columns ``start_time,end_time,instrument,note,start_beat,end_beat,note_value``, times in samples of the wav.

Either may sit in the directory given or in its ``musicnet/`` subdirectory (where the release's archives extract to);
``musicnet.npz`` is used when both are there. MusicNet cannot be downloaded by this package: fetch it elsewhere and
pass its directory (``--data-dir`` / ``root``).

For training (``load_musicnet``) the audio is resampled to 11,000 Hz (scipy.signal.resample_poly, 110/441 for
44.1 kHz) and cut into windows of 4096 samples; a window's label is the 84-dim multi-hot vector of the notes sounding
at its centre sample (start + window // 2, in resampled time; index = MIDI note - 21). The splits are those of the
DCN code: test 2303, 2382, 1819; validation 2131, 2384, 1792, 2514, 2567, 1876; train the other recordings present
(321 in the full release). Train windows start every ``stride`` = 512 resampled samples (a fixed table the training
loop samples from, in place of the DCN code's one random window per recording per step); validation and test use
the paper's evaluation: 7,500 windows per recording from 1 s in at stride 128, clipped to the recording's length.
"""
from __future__ import annotations

import csv
import io
import math
import os
import pickle
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence, Union

import numpy as np
import torch

from ._pickle import latin1_encode, numpy_globals, restricted_unpickler
from .idx import DataFormatError, PathLike

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
NPZ_NAME = "musicnet.npz"
MUSICNET_URL = "https://zenodo.org/records/5120004 (musicnet.tar.gz or musicnet.npz)"
_NO_DOWNLOAD = ("MusicNet cannot be downloaded here: fetch it elsewhere and pass its directory as root / --data-dir "
                "(or set $DEEPCOMPLEX_DATA, read as $DEEPCOMPLEX_DATA/musicnet)")
_LAYOUTS = (f"either {NPZ_NAME} (the official numpy archive) or the csv + wav layout of musicnet.tar.gz "
            f"(train_data/<id>.wav, train_labels/<id>.csv, test_data/, test_labels/), in that directory or in its "
            f"musicnet/ subdirectory; from {MUSICNET_URL}")
_CSV_DIRS = (("train_data", "train_labels"), ("test_data", "test_labels"))


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


# ----------------------------------------------------------------------------------------------------------------------
# checks shared by both layouts
# ----------------------------------------------------------------------------------------------------------------------

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
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise DataFormatError(f"{where}: {what} is {value!r}, expected an integer") from None
    if not f.is_integer():
        raise DataFormatError(f"{where}: {what} is {value!r}, expected an integer")
    return int(f)


# ----------------------------------------------------------------------------------------------------------------------
# the npz layout: a restricted unpickler with stand-ins for intervaltree's classes
# ----------------------------------------------------------------------------------------------------------------------

class Interval(tuple):
    """Stand-in for ``intervaltree.Interval``: the tuple (begin, end, data)."""

    def __new__(cls, begin=None, end=None, data=None):
        return tuple.__new__(cls, (begin, end, data))

    begin = property(lambda self: self[0])
    end = property(lambda self: self[1])
    data = property(lambda self: self[2])

    def __reduce__(self):
        return Interval, tuple(self)


class IntervalTree:
    """Stand-in for ``intervaltree.IntervalTree``: just its list of intervals (no queries)."""

    def __init__(self, intervals: Optional[Iterable] = None) -> None:
        self.intervals = list(intervals) if intervals is not None else []

    def __setstate__(self, state: Any) -> None:  # a pickle of a version without __reduce__: its __dict__
        items = state.get("all_intervals", state.get("intervals", [])) if isinstance(state, dict) else []
        self.intervals = list(items)

    def __iter__(self):
        return iter(self.intervals)

    def __len__(self) -> int:
        return len(self.intervals)

    def __reduce__(self):
        return IntervalTree, (sorted(self.intervals),)


def _sorted_container(*args):
    """Stand-in for sortedcontainers' SortedList/SortedSet/SortedDict: the plain container of the last argument."""
    if not args:
        return []
    last = args[-1]
    return dict(last) if isinstance(last, dict) else list(last) if isinstance(last, (list, tuple, set, frozenset)) \
        else last


def _reconstructor(cls, base, state=None):
    """copyreg._reconstructor for our stand-ins only (pickles of classes without __reduce__)."""
    if cls not in (IntervalTree, Interval) or base is not object:
        raise DataFormatError(f"refused copyreg._reconstructor of {getattr(cls, '__name__', cls)!r}")
    return cls.__new__(cls)


def _npz_globals() -> dict:
    allowed = dict(numpy_globals())
    allowed[("_codecs", "encode")] = latin1_encode
    for module in ("intervaltree.intervaltree", "intervaltree"):
        allowed[(module, "IntervalTree")] = IntervalTree
    for module in ("intervaltree.interval", "intervaltree"):
        allowed[(module, "Interval")] = Interval
    for module, names in (("sortedcontainers.sortedlist", ("SortedList", "SortedKeyList", "SortedListWithKey")),
                          ("sortedcontainers.sortedset", ("SortedSet",)),
                          ("sortedcontainers.sorteddict", ("SortedDict",)),
                          ("sortedcontainers", ("SortedList", "SortedKeyList", "SortedSet", "SortedDict"))):
        for name in names:
            allowed[(module, name)] = _sorted_container
    for module in ("copyreg", "copy_reg"):
        allowed[(module, "_reconstructor")] = _reconstructor
    allowed[("builtins", "object")] = allowed[("__builtin__", "object")] = object
    return allowed


_NpzUnpickler = restricted_unpickler(
    _npz_globals, "a MusicNet record holds only numpy arrays and intervaltree intervals (the file is not MusicNet's, "
                  "or is malicious)")


def _open_npz(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise DataFormatError(f"musicnet: {path}: not a readable zip archive ({e}); {NPZ_NAME} is numpy's zip of "
                              f"<id>.npy members (corrupt or truncated download?)") from None


def _npz_members(path: Path) -> dict:
    with _open_npz(path) as zf:
        names = zf.namelist()
    members = {}
    for name in names:
        stem = name[:-4] if name.endswith(".npy") else None
        if stem is None or not stem.isdigit():
            raise DataFormatError(f"musicnet: {path}: member {name!r} is not <id>.npy with a numeric recording id")
        members[int(stem)] = name
    if not members:
        raise DataFormatError(f"musicnet: {path}: the archive holds no recordings")
    return members


def _read_npz_record(zf: zipfile.ZipFile, member: str, where: str) -> Recording:
    fmt = np.lib.format
    try:
        with zf.open(member) as f:
            version = fmt.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = fmt.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, _, dtype = fmt.read_array_header_2_0(f)
            else:
                raise DataFormatError(f"unsupported .npy format version {version}")
            if dtype != np.dtype(object) or shape != (2,):
                raise DataFormatError(f"holds an array of dtype {dtype} and shape {shape}, expected an object array "
                                      f"of shape (2,): (audio, labels)")
            record = _NpzUnpickler(f, encoding="latin1").load()
    except DataFormatError as e:
        raise DataFormatError(f"{where}: {e}") from None
    except Exception as e:  # BadZipFile (CRC), ValueError (magic/header), UnpicklingError, EOFError, ...
        raise DataFormatError(f"{where}: corrupt or truncated member ({type(e).__name__}: {e})") from None
    if isinstance(record, np.ndarray) and record.dtype == object:
        record = list(record.ravel())
    if not isinstance(record, (list, tuple)) or len(record) != 2:
        raise DataFormatError(f"{where}: expected the pair (audio, labels), got {type(record).__name__}")
    audio, tree = record
    audio = _check_audio(audio, where)
    if not isinstance(tree, IntervalTree):
        raise DataFormatError(f"{where}: labels are a {type(tree).__name__}, expected an intervaltree.IntervalTree")
    rows = []
    for k, iv in enumerate(tree.intervals):
        if not isinstance(iv, Interval) or not isinstance(iv.data, (tuple, list)) or len(iv.data) < 2:
            raise DataFormatError(f"{where}: label {k} is {iv!r}, expected Interval(start, end, (instrument, note, "
                                  f"start_beat, end_beat, note_value))")
        rows.append((_integral(iv.begin, f"label {k} start", where), _integral(iv.end, f"label {k} end", where),
                     _integral(iv.data[1], f"label {k} note", where)))
    return Recording(audio, SAMPLE_RATE, _check_notes(np.array(rows, dtype=np.int64), where))


# ----------------------------------------------------------------------------------------------------------------------
# the csv + wav layout
# ----------------------------------------------------------------------------------------------------------------------

_WAV_FLOAT, _WAV_PCM, _WAV_EXTENSIBLE = 3, 1, 0xFFFE


def read_wav(path: PathLike) -> tuple:
    """(audio float32 1-D, sample_rate) of a mono RIFF/WAVE file: PCM 8/16/32-bit (scaled to [-1, 1)) or IEEE float
    32/64-bit; anything truncated or malformed is a DataFormatError."""
    path = Path(path)
    data = path.read_bytes()
    where = f"musicnet: {path}"
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise DataFormatError(f"{where}: not a WAV file (expected a RIFF/WAVE header, got {data[:12]!r})")
    pos, fmt, samples = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            if len(body) < 16:
                raise DataFormatError(f"{where}: truncated fmt chunk ({len(body)} bytes, expected at least 16)")
            tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", body[:16])
            if tag == _WAV_EXTENSIBLE and len(body) >= 26:
                tag = struct.unpack("<H", body[24:26])[0]  # the first two bytes of the sub-format GUID
            fmt = (tag, channels, rate, align, bits)
        elif cid == b"data":
            if fmt is None:
                raise DataFormatError(f"{where}: data chunk before the fmt chunk")
            if len(body) < size:
                raise DataFormatError(f"{where}: truncated: the data chunk declares {size} bytes, the file holds "
                                      f"{len(body)}")
            samples = body
            break
        pos += 8 + size + (size & 1)  # chunks are padded to even sizes
    if fmt is None or samples is None:
        raise DataFormatError(f"{where}: truncated or malformed WAV: no {'fmt' if fmt is None else 'data'} chunk")
    tag, channels, rate, align, bits = fmt
    if channels != 1:
        raise DataFormatError(f"{where}: {channels} channels; MusicNet recordings are mono")
    if rate <= 0:
        raise DataFormatError(f"{where}: sample rate {rate}")
    dtypes = {(_WAV_PCM, 8): np.uint8, (_WAV_PCM, 16): np.dtype("<i2"), (_WAV_PCM, 32): np.dtype("<i4"),
              (_WAV_FLOAT, 32): np.dtype("<f4"), (_WAV_FLOAT, 64): np.dtype("<f8")}
    if (tag, bits) not in dtypes:
        raise DataFormatError(f"{where}: unsupported sample format (format tag {tag}, {bits} bits); expected PCM "
                              f"8/16/32-bit or IEEE float 32/64-bit")
    dtype = np.dtype(dtypes[(tag, bits)])
    if len(samples) % dtype.itemsize:
        raise DataFormatError(f"{where}: truncated: {len(samples)} data bytes is not a whole number of "
                              f"{dtype.itemsize}-byte samples")
    x = np.frombuffer(samples, dtype=dtype)
    if tag == _WAV_PCM:
        x = (x.astype(np.float32) - 128.0) / 128.0 if bits == 8 else x.astype(np.float32) / float(2 ** (bits - 1))
    return _check_audio(x, where), int(rate)


def write_wav(path: PathLike, audio: np.ndarray, sample_rate: int = SAMPLE_RATE, sample_format: str = "pcm16") -> None:
    """Write mono ``audio`` (floats in [-1, 1]) as a WAV file, ``sample_format`` "pcm16" or "float32"."""
    audio = np.asarray(audio, dtype=np.float64).ravel()
    if sample_format == "pcm16":
        raw, tag, bits = np.clip(np.round(audio * 32768.0), -32768, 32767).astype("<i2").tobytes(), _WAV_PCM, 16
    elif sample_format == "float32":
        raw, tag, bits = audio.astype("<f4").tobytes(), _WAV_FLOAT, 32
    else:
        raise ValueError(f"sample_format must be 'pcm16' or 'float32', got {sample_format!r}")
    align = bits // 8
    fmt = struct.pack("<HHIIHH", tag, 1, sample_rate, sample_rate * align, align, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(raw)) + raw
    Path(path).write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def read_labels_csv(path: PathLike) -> np.ndarray:
    """The notes (K, 3) int64 [start, end, midi_note] of a MusicNet label csv, checked and sorted."""
    path = Path(path)
    where = f"musicnet: {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise DataFormatError(f"{where}: not a text csv ({e})") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise DataFormatError(f"{where}: empty file; expected the header {','.join(CSV_COLUMNS)}")
    header = tuple(c.strip() for c in rows[0])
    if header != CSV_COLUMNS:
        raise DataFormatError(f"{where}: columns {','.join(header)}; expected {','.join(CSV_COLUMNS)}")
    notes = []
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(CSV_COLUMNS):
            raise DataFormatError(f"{where}: line {line} has {len(row)} fields, expected {len(CSV_COLUMNS)}")
        at = f"{where}: line {line}"
        start, end = _integral(row[0], "start_time", at), _integral(row[1], "end_time", at)
        _integral(row[2], "instrument", at)
        notes.append((start, end, _integral(row[3], "note", at)))
    return _check_notes(np.array(notes, dtype=np.int64), where)


# ----------------------------------------------------------------------------------------------------------------------
# finding the files
# ----------------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Source:
    layout: str  # "npz" or "csv"
    path: Path  # the npz file, or the directory holding train_data/ etc.
    files: dict  # id -> npz member name, or id -> (wav path, csv path)

    def signature(self, ids: Sequence[int]) -> tuple:
        """What the cached resampled audio depends on: the files' paths, sizes and modification times."""
        def stat(p: Path) -> tuple:
            s = p.stat()
            return str(p.resolve()), s.st_size, s.st_mtime_ns
        if self.layout == "npz":
            return ("npz", stat(self.path), tuple(ids))
        return ("csv",) + tuple((i, stat(self.files[i][0]), stat(self.files[i][1])) for i in ids)


def _resolve_root(root: Optional[PathLike]) -> Path:
    if root is not None:
        return Path(root)
    env = os.environ.get("DEEPCOMPLEX_DATA")
    if env:
        return Path(env) / "musicnet"
    raise MusicNetMissingError(f"musicnet: no data directory given; expected {_LAYOUTS}. {_NO_DOWNLOAD}")


def _csv_files(directory: Path) -> dict:
    files = {}
    for data_dir, label_dir in _CSV_DIRS:
        if not (directory / data_dir).is_dir():
            continue
        for wav in sorted((directory / data_dir).glob("*.wav")):
            if not wav.stem.isdigit():
                raise DataFormatError(f"musicnet: {wav}: expected <id>.wav with a numeric recording id")
            label = directory / label_dir / f"{wav.stem}.csv"
            if not label.is_file():
                raise MusicNetMissingError(f"musicnet: {label} not found: every {data_dir}/<id>.wav needs its "
                                           f"{label_dir}/<id>.csv (incomplete extraction of musicnet.tar.gz?)")
            if int(wav.stem) in files:
                raise DataFormatError(f"musicnet: recording {wav.stem} is in both train_data/ and test_data/")
            files[int(wav.stem)] = (wav, label)
    if not files:
        raise MusicNetMissingError(f"musicnet: no <id>.wav files in {directory}/train_data or {directory}/test_data; "
                                   f"expected {_LAYOUTS}. {_NO_DOWNLOAD}")
    return files


def _find_source(root: Optional[PathLike], layout: Optional[str] = None) -> _Source:
    if layout not in (None, "npz", "csv"):
        raise ValueError(f"musicnet: layout must be None (auto), 'npz' or 'csv', got {layout!r}")
    root = _resolve_root(root)
    if root.is_file():
        if layout == "csv":
            raise ValueError(f"musicnet: layout='csv' needs a directory, got the file {root}")
        return _Source("npz", root, _npz_members(root))
    if not root.is_dir():
        raise MusicNetMissingError(f"musicnet: {root} does not exist; expected {_LAYOUTS}. {_NO_DOWNLOAD}")
    for directory in (root, root / "musicnet"):
        npz = directory / NPZ_NAME
        has_csv = any((directory / d).is_dir() for d, _ in _CSV_DIRS)
        if npz.is_file() and layout in (None, "npz"):
            return _Source("npz", npz, _npz_members(npz))
        if has_csv and layout in (None, "csv"):
            return _Source("csv", directory, _csv_files(directory))
    wanted = {"npz": f"{NPZ_NAME}", "csv": "train_data/ and test_data/ with their _labels/ directories"}
    expected = _LAYOUTS if layout is None else wanted[layout]
    raise MusicNetMissingError(f"musicnet: no MusicNet files in {root} or {root / 'musicnet'}; expected {expected}. "
                               f"{_NO_DOWNLOAD}")


def _read(source: _Source, ids: Sequence[int]) -> Iterable:
    """(id, Recording) for each id, one at a time (the full release is large)."""
    if source.layout == "npz":
        with _open_npz(source.path) as zf:
            for i in ids:
                yield i, _read_npz_record(zf, source.files[i], f"musicnet: {source.path}: {source.files[i]}")
        return
    for i in ids:
        wav, label = source.files[i]
        audio, rate = read_wav(wav)
        yield i, Recording(audio, rate, read_labels_csv(label))


def _check_ids(source: _Source, ids: Optional[Iterable[int]]) -> list:
    if ids is None:
        return sorted(source.files)
    ids = [int(i) for i in ids]
    missing = [i for i in ids if i not in source.files]
    if missing:
        raise MusicNetMissingError(f"musicnet: recording(s) {', '.join(map(str, missing))} not in {source.path} "
                                   f"({source.layout} layout, {len(source.files)} recordings); the full release has "
                                   f"330. {_NO_DOWNLOAD}")
    return ids


def musicnet_ids(root: Optional[PathLike] = None, layout: Optional[str] = None) -> list:
    """The sorted recording ids present under ``root`` (no audio is read)."""
    return sorted(_find_source(root, layout).files)


def read_musicnet(root: Optional[PathLike] = None, ids: Optional[Iterable[int]] = None,
                  layout: Optional[str] = None) -> dict:
    """{id: Recording} of the MusicNet release under ``root`` (a directory, or the musicnet.npz file itself), at the
    files' own rate (44.1 kHz). ``ids`` restricts to those recordings (the full release holds ~1.3 G samples, 5 GB as
    float32); ``layout`` forces "npz" or "csv" (default: musicnet.npz when present, else the csv + wav directories).
    Missing files raise MusicNetMissingError (a DataFormatError and a FileNotFoundError); truncated, malformed or unsafe
    files a DataFormatError naming the file."""
    source = _find_source(root, layout)
    return dict(_read(source, _check_ids(source, ids)))


def split_ids(available: Iterable[int], part: str) -> list:
    """The recording ids of ``part`` (train/validation/test) among ``available``, as the DCN code splits MusicNet;
    a validation or test recording that is missing is an error (MusicNetMissingError)."""
    available = sorted(set(int(i) for i in available))
    if part not in PARTS:
        raise ValueError(f"musicnet: part must be one of {', '.join(PARTS)}, got {part!r}")
    if part == "train":
        ids = [i for i in available if i not in TEST_IDS and i not in VALIDATION_IDS]
        if not ids:
            raise MusicNetMissingError(f"musicnet: no training recordings: all {len(available)} present are "
                                       f"validation or test recordings")
        return ids
    wanted = list(TEST_IDS if part == "test" else VALIDATION_IDS)
    missing = [i for i in wanted if i not in available]
    if missing:
        raise MusicNetMissingError(f"musicnet: the {part} recordings {', '.join(map(str, missing))} are missing "
                                   f"(the {part} split is {', '.join(map(str, wanted))}); {_NO_DOWNLOAD}")
    return wanted


# ----------------------------------------------------------------------------------------------------------------------
# resampling and the lazy window views
# ----------------------------------------------------------------------------------------------------------------------

def resample(audio: np.ndarray, source_rate: int, target_rate: int = TARGET_RATE) -> np.ndarray:
    """``audio`` resampled from ``source_rate`` to ``target_rate`` with scipy.signal.resample_poly (up/down = the
    reduced ratio, 110/441 for 44.1 -> 11 kHz); float32, ceil(n * target / source) samples."""
    if source_rate == target_rate:
        return np.asarray(audio, dtype=np.float32)
    try:
        from scipy.signal import resample_poly
    except ImportError:
        raise ImportError(f"musicnet: resampling {source_rate} Hz -> {target_rate} Hz needs scipy "
                          f"(scipy.signal.resample_poly): pip install scipy") from None
    g = math.gcd(int(source_rate), int(target_rate))
    return resample_poly(np.asarray(audio, dtype=np.float32), target_rate // g, source_rate // g).astype(np.float32)


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
            x = resample(rec.audio, rec.sample_rate, target_rate)
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


def _as_index(index: Any, n: int) -> Union[int, slice, torch.Tensor]:
    if isinstance(index, (int, np.integer)):
        return int(index)
    if isinstance(index, slice):
        return index
    if isinstance(index, torch.Tensor):
        t = index
    elif isinstance(index, (np.ndarray, list, tuple, range)):
        t = torch.as_tensor(np.asarray(index))
    else:
        raise TypeError(f"MusicNet windows are indexed by an int, a slice or an integer/bool tensor, got "
                        f"{type(index).__name__}")
    if t.dtype == torch.bool:
        if t.shape != (n,):
            raise IndexError(f"boolean index of shape {tuple(t.shape)} for {n} windows")
        return t.nonzero().flatten()
    if t.is_floating_point() or t.is_complex() or t.dim() > 1:
        raise IndexError(f"MusicNet windows are indexed by a 1-D integer tensor, got dtype {t.dtype} and shape "
                         f"{tuple(t.shape)}")
    return t.to(torch.int64).reshape(-1)


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
        idx = _as_index(index, len(self))
        pos = self.positions[idx] if not isinstance(idx, int) else self.positions[idx:idx + 1 or None]
        return type(self)(self.store, pos.clone(), self.window)

    def __getitem__(self, index: Any) -> torch.Tensor:
        idx = _as_index(index, len(self))
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


# ----------------------------------------------------------------------------------------------------------------------
# a synthetic data set in the release's formats (tests and demos)
# ----------------------------------------------------------------------------------------------------------------------

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
        path = root / NPZ_NAME
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
            for i in ids:
                _write_npz_member(zf, f"{i}.npy", *pieces[i])
        return path
    for i in ids:
        data_dir, label_dir = _CSV_DIRS[1] if i in TEST_IDS else _CSV_DIRS[0]
        (root / data_dir).mkdir(exist_ok=True)
        (root / label_dir).mkdir(exist_ok=True)
        audio, labels = pieces[i]
        write_wav(root / data_dir / f"{i}.wav", audio, SAMPLE_RATE, wav_format)
        with open(root / label_dir / f"{i}.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(CSV_COLUMNS)
            w.writerows(labels)
    return root
