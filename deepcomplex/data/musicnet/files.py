"""Finding MusicNet on disk (Thickstun et al., 2017), in either layout of the release, and reading its recordings;
the train/validation/test split of the DCN code (Trabelsi et al., 2018, Sec. 4.2).

``musicnet.npz`` or the csv + wav directories (``train_data/``, ``train_labels/``, ``test_data/``, ``test_labels/``)
may sit in the directory given or in its ``musicnet/`` subdirectory; ``musicnet.npz`` is used when both are there.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

from ..idx import DataFormatError, PathLike
from .labels import read_labels_csv
from .npz import npz_members, open_npz, read_npz_record
from .records import (_LAYOUTS, _NO_DOWNLOAD, CSV_DIRS, NPZ_NAME, PARTS, TEST_IDS, VALIDATION_IDS,
                      MusicNetMissingError, Recording)
from .wav import read_wav

__all__ = ["musicnet_ids", "read_musicnet", "split_ids"]

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
    for data_dir, label_dir in CSV_DIRS:
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
        return _Source("npz", root, npz_members(root))
    if not root.is_dir():
        raise MusicNetMissingError(f"musicnet: {root} does not exist; expected {_LAYOUTS}. {_NO_DOWNLOAD}")
    for directory in (root, root / "musicnet"):
        npz = directory / NPZ_NAME
        has_csv = any((directory / d).is_dir() for d, _ in CSV_DIRS)
        if npz.is_file() and layout in (None, "npz"):
            return _Source("npz", npz, npz_members(npz))
        if has_csv and layout in (None, "csv"):
            return _Source("csv", directory, _csv_files(directory))
    wanted = {"npz": f"{NPZ_NAME}", "csv": "train_data/ and test_data/ with their _labels/ directories"}
    expected = _LAYOUTS if layout is None else wanted[layout]
    raise MusicNetMissingError(f"musicnet: no MusicNet files in {root} or {root / 'musicnet'}; expected {expected}. "
                               f"{_NO_DOWNLOAD}")


def _read(source: _Source, ids: Sequence[int]) -> Iterable:
    """(id, Recording) for each id, one at a time (the full release is large)."""
    if source.layout == "npz":
        with open_npz(source.path) as zf:
            for i in ids:
                yield i, read_npz_record(zf, source.files[i], f"musicnet: {source.path}: {source.files[i]}")
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

