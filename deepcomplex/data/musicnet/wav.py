"""WAV I/O for MusicNet's csv + wav layout (``train_data/<id>.wav``, mono RIFF/WAVE at 44,100 Hz; Thickstun et al.,
2017): a small checked reader of PCM and IEEE-float files and a writer of the two formats the generator uses."""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from ...io import atomic_write_bytes
from ..idx import DataFormatError, PathLike
from .records import SAMPLE_RATE, _check_audio

__all__ = ["read_wav", "write_wav"]

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
    """Write mono ``audio`` (floats in [-1, 1]) as a WAV file, ``sample_format`` "pcm16" or "float32"; atomic."""
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
    atomic_write_bytes(path, b"RIFF" + struct.pack("<I", len(body)) + body)

