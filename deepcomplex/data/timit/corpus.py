"""TIMIT's corpus layout (LDC93S1): ``<root>/TRAIN|TEST/DR1..DR8/<speaker>/<utterance>.WAV`` with ``.PHN``,
``.TXT`` and ``.WRD`` beside each ``.WAV`` (names in upper or lower case; ``<root>/TIMIT`` or ``<root>/data`` holding
the two parts is found too)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..idx import PathLike
from .transcripts import read_phn, read_txt, read_wrd

__all__ = ["TIMIT_URL", "PARTS", "Utterance", "find_utterances", "check_transcriptions"]

TIMIT_URL = "https://catalog.ldc.upenn.edu/LDC93S1"
PARTS = ("train", "test")
_NO_DOWNLOAD = (f"TIMIT (LDC93S1, {TIMIT_URL}) is licensed by the LDC and cannot be downloaded here: pass the "
                f"directory that holds its TRAIN/ and TEST/ parts as root (--data-dir), laid out as "
                f"<root>/TRAIN|TEST/DR1..DR8/<speaker>/<utterance>.WAV with .PHN/.TXT/.WRD beside each")


@dataclass(frozen=True)
class Utterance:
    """One TIMIT utterance: where its files are (``phn``/``txt``/``wrd`` None when absent)."""
    part: str  # "train" or "test"
    dialect: str  # "DR1".."DR8" as spelled on disk
    speaker: str
    name: str  # e.g. "SX137"
    wav: Path
    phn: Optional[Path]
    txt: Optional[Path]
    wrd: Optional[Path]


def _children(directory: Path) -> dict:
    """Entries of a directory by lower-case name (the first in sorted order when two differ only in case)."""
    out: dict = {}
    for p in sorted(directory.iterdir()):
        out.setdefault(p.name.lower(), p)
    return out


def _part_dir(root: Path, part: str) -> Optional[Path]:
    """The directory of ``part`` under root, root/TIMIT, root/data (any case, one or two levels)."""
    level = [root]
    for _ in range(3):
        nxt = []
        for d in level:
            entries = _children(d)
            if part in entries and entries[part].is_dir():
                return entries[part]
            nxt += [p for name, p in entries.items() if name in ("timit", "data") and p.is_dir()]
        level = nxt
    return None


def find_utterances(root: PathLike, part: str, include_sa: bool = False) -> list:
    """The utterances of ``part`` ("train"/"test") under a TIMIT ``root``, sorted by dialect region, speaker, name.

    Layout: <root>/TRAIN|TEST/DR1..DR8/<speaker>/<utterance>.WAV (upper or lower case). Files such as SA1.WAV.wav
    (RIFF copies some distributions add) are skipped. ``include_sa`` keeps the SA1/SA2 dialect sentences (left out
    by default). A root without this layout raises FileNotFoundError saying what is missing.
    """
    part = str(part).lower()
    if part not in PARTS:
        raise ValueError(f"timit: part must be 'train' or 'test', got {part!r}")
    if root is None:
        raise FileNotFoundError(f"timit: no data directory given; {_NO_DOWNLOAD}")
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"timit: data directory {root} does not exist; {_NO_DOWNLOAD}")
    part_dir = _part_dir(root, part)
    if part_dir is None:
        raise FileNotFoundError(f"timit: no {part.upper()}/ directory in {root} (nor in {root}/TIMIT or "
                                f"{root}/data); {_NO_DOWNLOAD}")
    regions = [p for name, p in _children(part_dir).items() if re.fullmatch(r"dr[1-8]", name) and p.is_dir()]
    if not regions:
        raise FileNotFoundError(f"timit: {part_dir} holds no dialect-region directories DR1..DR8; {_NO_DOWNLOAD}")
    found = []
    for region in regions:
        for speaker in (p for p in _children(region).values() if p.is_dir()):
            files = _children(speaker)
            for lname, wav in files.items():
                stem, dot, ext = lname.rpartition(".")
                if ext != "wav" or not dot or "." in stem or not wav.is_file():
                    continue
                if not include_sa and stem in ("sa1", "sa2"):
                    continue
                found.append(Utterance(part, region.name, speaker.name, wav.name[:len(stem)], wav,
                                       *(files.get(f"{stem}.{e}") for e in ("phn", "txt", "wrd"))))
    if not found:
        raise FileNotFoundError(f"timit: no utterance .WAV files under {part_dir}/DR*/<speaker>/"
                                f"{'' if include_sa else ' (SA1/SA2 excluded)'}; {_NO_DOWNLOAD}")
    return found


def check_transcriptions(utt: Utterance) -> None:
    """Read the .PHN and .TXT (and .WRD if present) of an utterance; a missing or malformed one raises."""
    for what, path in (("PHN", utt.phn), ("TXT", utt.txt)):
        if path is None:
            raise FileNotFoundError(f"timit: {utt.wav} has no .{what} file beside it")
    read_phn(utt.phn)
    read_txt(utt.txt)
    if utt.wrd is not None:
        read_wrd(utt.wrd)

