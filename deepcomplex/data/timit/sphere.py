"""NIST SPHERE audio, the format of TIMIT's ``.WAV`` files (LDC93S1; used by Trabelsi et al., 2018, Sec. 4.3):
a checked reader (16-bit PCM, either byte order, one channel) and an atomic writer."""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Optional

import numpy as np

from ...io import atomic_write_bytes
from ..idx import DataFormatError, PathLike

__all__ = ["parse_sphere", "read_sphere", "write_sphere"]

_MAGIC = b"NIST_1A\n"
_BYTE_ORDERS = {"01": "<", "10": ">"}  # sample_byte_format: 01 = least significant byte first (little-endian)


def _parse_header_value(kind: str, value: str, where: str):
    if kind == "-i":
        try:
            return int(value)
        except ValueError:
            raise DataFormatError(f"{where}: integer field has value {value!r}") from None
    if kind == "-r":
        try:
            return float(value)
        except ValueError:
            raise DataFormatError(f"{where}: real field has value {value!r}") from None
    if re.fullmatch(r"-s\d+", kind):
        return value
    raise DataFormatError(f"{where}: unknown field type {kind!r} (expected -i, -r or -sN)")


def parse_sphere(data: bytes, name: str = "<bytes>"):
    """Samples (int16, native byte order), sample rate and header dict of NIST SPHERE bytes; see ``read_sphere``."""
    if not data.startswith(_MAGIC):
        hint = (" (a RIFF/WAVE file: this reader takes TIMIT's original SPHERE files)" if data[:4] == b"RIFF"
                else "")
        raise DataFormatError(f"{name}: not a NIST SPHERE file: it starts with {data[:8]!r}, expected "
                              f"{_MAGIC!r}{hint}")
    end = data.find(b"\n", len(_MAGIC))
    try:
        header_size = int(data[len(_MAGIC):end]) if end > 0 else -1
    except ValueError:
        header_size = -1
    if header_size < 16 or header_size > len(data):
        raise DataFormatError(f"{name}: bad SPHERE header size line {data[len(_MAGIC):len(_MAGIC) + 16]!r} "
                              f"(expected a byte count such as 1024, at most the file's {len(data)} bytes)")
    header: dict = {}
    lines = data[end + 1:header_size].decode("latin-1").split("\n")
    for i, line in enumerate(lines):
        line = line.strip("\r")
        if line.strip() == "end_head":
            break
        if not line.strip() or line.startswith(";"):
            continue
        where = f"{name}: header line {line!r}"
        parts = line.split(None, 2)
        if len(parts) != 3:
            raise DataFormatError(f"{where}: expected 'key -type value'")
        key, kind, value = parts  # a -sN string is the rest of the line, which may hold spaces
        header[key] = _parse_header_value(kind, value, where)
    else:
        raise DataFormatError(f"{name}: no 'end_head' line within the {header_size}-byte SPHERE header")

    coding = str(header.get("sample_coding", "pcm")).lower()
    if "shorten" in coding:
        raise DataFormatError(f"{name}: shorten-compressed SPHERE data (sample_coding {header['sample_coding']!r}); "
                              f"decompress it first, e.g. 'sph2pipe -f sph {name} out.wav' (sph2pipe is LDC's "
                              f"free tool), then read the output")
    if coding != "pcm":
        raise DataFormatError(f"{name}: unsupported sample_coding {header['sample_coding']!r}; only linear 'pcm' is "
                              f"read")
    for key in ("sample_count", "sample_rate"):
        if not isinstance(header.get(key), int) or header[key] < 0:
            raise DataFormatError(f"{name}: the SPHERE header has no valid integer {key} (got {header.get(key)!r})")
    n_bytes = header.get("sample_n_bytes", 2)
    if n_bytes != 2:
        raise DataFormatError(f"{name}: unsupported sample_n_bytes {n_bytes!r}; only 16-bit (2-byte) samples are read")
    channels = header.get("channel_count", 1)
    if channels != 1:
        raise DataFormatError(f"{name}: unsupported channel_count {channels!r}; only mono (1 channel) is read")
    order = _BYTE_ORDERS.get(str(header.get("sample_byte_format", "01")))
    if order is None:
        raise DataFormatError(f"{name}: unsupported sample_byte_format {header.get('sample_byte_format')!r} "
                              f"(expected '01' little-endian or '10' big-endian)")
    if header["sample_rate"] <= 0:
        raise DataFormatError(f"{name}: sample_rate must be positive, got {header['sample_rate']}")
    count = header["sample_count"]
    need = count * 2
    if len(data) - header_size < need:
        raise DataFormatError(f"{name}: truncated: the header says sample_count {count} ({need} bytes of data) but "
                              f"only {len(data) - header_size} bytes follow the {header_size}-byte header")
    samples = np.frombuffer(data, dtype=np.dtype(order + "i2"), count=count, offset=header_size)
    return samples.astype(np.int16), header["sample_rate"], header


def read_sphere(path: PathLike):
    """Read a NIST SPHERE audio file (TIMIT's .WAV) -> (samples int16 (n,), sample_rate int, header dict).

    Header: "NIST_1A\\n", a header-size line (usually 1024), "key -type value" lines (-i int, -r real, -sN string)
    up to "end_head". Read: 16-bit linear PCM, sample_byte_format 01 (little-endian) or 10 (big-endian), one channel.
    A wrong magic, a bad header, truncated data, shorten compression (decompress with sph2pipe), other codings, sample
    widths or channel counts raise DataFormatError. Bytes after sample_count samples are ignored.
    """
    path = Path(path)
    return parse_sphere(path.read_bytes(), str(path))


def write_sphere(path: PathLike, samples, sample_rate: int, byte_order: str = "little",
                 extra: Optional[dict] = None) -> None:
    """Write int16 mono ``samples`` as a NIST SPHERE file (1024-byte header unless ``extra`` needs more); atomic.

    ``byte_order`` "little" (sample_byte_format 01, as TIMIT) or "big" (10); ``extra``: more header fields, int ->
    -i, float -> -r, str -> -sN.
    """
    samples = np.asarray(samples)
    if samples.ndim != 1:
        raise ValueError(f"write_sphere: samples must be 1-D (mono), got shape {samples.shape}")
    if samples.dtype != np.int16:
        if samples.dtype.kind not in "iu" or (samples.size and (samples.min() < -32768 or samples.max() > 32767)):
            raise TypeError(f"write_sphere: samples must be int16 (or integers within its range), got "
                            f"{samples.dtype}")
        samples = samples.astype(np.int16)
    if byte_order not in ("little", "big"):
        raise ValueError(f"write_sphere: byte_order must be 'little' or 'big', got {byte_order!r}")
    if not isinstance(sample_rate, int) or isinstance(sample_rate, bool) or sample_rate <= 0:
        raise ValueError(f"write_sphere: sample_rate must be a positive int, got {sample_rate!r}")
    fields = {"sample_count": len(samples), "sample_rate": sample_rate, "channel_count": 1,
              "sample_byte_format": "01" if byte_order == "little" else "10", "sample_n_bytes": 2,
              "sample_sig_bits": 16, "sample_coding": "pcm", **(extra or {})}
    lines = []
    for key, value in fields.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise TypeError(f"write_sphere: header field {key} must be int, float or str, got {type(value).__name__}")
        if isinstance(value, int):
            lines.append(f"{key} -i {value}")
        elif isinstance(value, float):
            lines.append(f"{key} -r {value!r}")
        else:
            lines.append(f"{key} -s{len(value)} {value}")
    body = ("\n".join(lines) + "\nend_head\n").encode("latin-1")
    size = 1024 * math.ceil((16 + len(body)) / 1024)
    header = _MAGIC + f"{size:>7}\n".encode() + body
    header += b" " * (size - len(header))
    data = samples.astype("<i2" if byte_order == "little" else ">i2").tobytes()
    atomic_write_bytes(path, header + data)

