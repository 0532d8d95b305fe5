"""TIMIT's transcriptions (LDC93S1): ``.PHN`` phones, ``.WRD`` words and ``.TXT`` sentences, each a checked list of
(begin, end, label) with sample numbers at 16 kHz. The next-frame task of Trabelsi et al. (2018, Sec. 4.3) needs
only the audio; these are read to check a corpus."""
from __future__ import annotations

from pathlib import Path

from ..idx import DataFormatError, PathLike

__all__ = ["read_phn", "read_wrd", "read_txt"]


def _read_text(path: Path) -> list:
    try:
        text = path.read_bytes().decode("latin-1")
    except OSError as e:
        raise DataFormatError(f"{path}: cannot be read ({e})") from None
    return [line.strip() for line in text.splitlines() if line.strip()]


def _read_segments(path: PathLike, what: str, contiguous: bool) -> list:
    path = Path(path)
    segments, previous = [], None
    for i, line in enumerate(_read_text(path), 1):
        fields = line.split()
        if len(fields) != 3 or not fields[0].isdigit() or not fields[1].isdigit():
            raise DataFormatError(f"{path}: line {i} {line!r}: expected 'begin end {what}' with sample numbers")
        begin, end = int(fields[0]), int(fields[1])
        if end < begin:
            raise DataFormatError(f"{path}: line {i} {line!r}: ends (sample {end}) before it begins ({begin})")
        if previous is not None and begin < previous[0]:
            raise DataFormatError(f"{path}: line {i} {line!r}: begins before the previous line ({previous[0]}); "
                                  f"segments must be in time order")
        if contiguous and previous is not None and begin < previous[1]:
            raise DataFormatError(f"{path}: line {i} {line!r}: overlaps the previous {what} (which ends at "
                                  f"{previous[1]})")
        segments.append((begin, end, fields[2]))
        previous = (begin, end)
    if not segments:
        raise DataFormatError(f"{path}: no '{what}' lines (an empty transcription)")
    return segments


def read_phn(path: PathLike) -> list:
    """A .PHN file: [(begin, end, phone)] with sample numbers at 16 kHz; DataFormatError unless well-formed
    (3 fields a line, begin <= end, in time order, no overlaps)."""
    return _read_segments(path, "phone", contiguous=True)


def read_wrd(path: PathLike) -> list:
    """A .WRD file: [(begin, end, word)]; DataFormatError unless 3 fields a line, begin <= end, in time order."""
    return _read_segments(path, "word", contiguous=False)


def read_txt(path: PathLike):
    """A .TXT file: (begin, end, text) from its single 'begin end text' line; DataFormatError otherwise."""
    path = Path(path)
    lines = _read_text(path)
    if len(lines) != 1:
        raise DataFormatError(f"{path}: expected one 'begin end text' line, got {len(lines)} lines")
    fields = lines[0].split(None, 2)
    if len(fields) != 3 or not fields[0].isdigit() or not fields[1].isdigit() or int(fields[1]) < int(fields[0]):
        raise DataFormatError(f"{path}: line {lines[0]!r}: expected 'begin end text' with begin <= end")
    return int(fields[0]), int(fields[1]), fields[2]

