"""MusicNet's ``musicnet.npz`` (Thickstun et al., 2017): numpy's zip of ``<id>.npy`` members, each an object array
(audio, labels), read without running pickled code.

The audio is a float array at 44,100 Hz, the labels an ``intervaltree.IntervalTree`` of ``Interval(start_sample,
end_sample, (instrument, note, start_beat, end_beat, note_value))``. The members are pickles; they are read with a
restricted unpickler that builds numpy arrays, plain containers and the small stand-ins below for the intervaltree
(and sortedcontainers) classes, so a crafted file cannot run code and intervaltree is not needed to read it.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any, Iterable, Optional

import numpy as np

from .._pickle import latin1_encode, numpy_globals, restricted_unpickler
from ..idx import DataFormatError
from .records import NPZ_NAME, SAMPLE_RATE, Recording, _check_audio, _check_notes, _integral

__all__ = ["Interval", "IntervalTree", "npz_members", "open_npz", "read_npz_record"]

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


def open_npz(path: Path) -> zipfile.ZipFile:
    """``path`` opened as a zip archive; DataFormatError if it is not one."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise DataFormatError(f"musicnet: {path}: not a readable zip archive ({e}); {NPZ_NAME} is numpy's zip of "
                              f"<id>.npy members (corrupt or truncated download?)") from None


def npz_members(path: Path) -> dict:
    """{recording id: member name} of the ``<id>.npy`` members of ``path``, checked."""
    with open_npz(path) as zf:
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


def read_npz_record(zf: zipfile.ZipFile, member: str, where: str) -> Recording:
    """The Recording of one ``<id>.npy`` member, unpickled with the restricted unpickler and checked."""
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

