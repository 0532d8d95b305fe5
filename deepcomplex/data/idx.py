"""Reader of the IDX format (LeCun et al.'s MNIST files): magic, dimensions, then the raw array, big-endian."""
from __future__ import annotations

import gzip
import hashlib
import zlib
from pathlib import Path
from typing import Optional

import numpy as np

from ..io import PathLike, atomic_write_bytes

# IDX type codes: https://yann.lecun.com/exdb/mnist/ (third byte of the magic number)
_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"),
           0x0E: np.dtype(">f8")}
_CODES = {np.dtype(t).newbyteorder("="): code for code, t in _DTYPES.items()}


class DataFormatError(ValueError):
    """A data file that is truncated, malformed or fails its checksum."""


def read_bytes(path: PathLike) -> bytes:
    """The file's content, decompressed when it is gzip (by magic bytes, not by name)."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:  # bad header/CRC, cut-off stream, corrupt deflate data
            raise DataFormatError(f"{path}: corrupt or truncated gzip data ({e})") from None
    return raw


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse IDX bytes into an array of the stored type and shape; any inconsistency is a DataFormatError."""
    if len(data) < 4:
        raise DataFormatError(f"{name}: {len(data)} bytes, too short for an IDX header")
    if data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
        raise DataFormatError(f"{name}: not an IDX file (magic bytes {data[:4].hex()}, expected 0000 + type + rank)")
    dtype, ndim = np.dtype(_DTYPES[data[2]]), data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataFormatError(f"{name}: truncated header: {len(data)} bytes, the {ndim} dimensions need {header}")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "has trailing bytes"
        raise DataFormatError(f"{name}: {what}: {len(data)} bytes, shape {shape} of {dtype} needs {expected}")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="), copy=False)


def read_idx(path: PathLike, expected_sha256: Optional[str] = None) -> np.ndarray:
    """Read an IDX file (raw or gzip); with ``expected_sha256`` the *decompressed* bytes must match it."""
    data = read_bytes(path)
    if expected_sha256 is not None and sha256(data) != expected_sha256:
        raise DataFormatError(f"{path}: checksum mismatch: sha256 of the decompressed content is {sha256(data)}, "
                              f"expected {expected_sha256} (a corrupt, truncated or different file)")
    return parse_idx(data, str(path))


def write_idx(path: PathLike, array: np.ndarray, compress: Optional[bool] = None) -> None:
    """Write ``array`` as IDX (gzip when ``compress`` or the name ends in .gz); written atomically."""
    array = np.asarray(array)
    code = _CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise TypeError(f"write_idx: unsupported dtype {array.dtype}")
    body = array.astype(np.dtype(_DTYPES[code]), copy=False).tobytes()
    data = bytes([0, 0, code, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape) + body
    path = Path(path)
    if compress if compress is not None else path.suffix == ".gz":
        data = gzip.compress(data)
    atomic_write_bytes(path, data)
