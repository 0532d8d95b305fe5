"""MusicNet's label csvs (``train_labels/<id>.csv``; Thickstun et al., 2017): columns ``start_time, end_time,
instrument, note, start_beat, end_beat, note_value``, times in samples of the recording's wav."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from ..idx import DataFormatError, PathLike
from .records import CSV_COLUMNS, _check_notes, _integral

__all__ = ["read_labels_csv"]

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

