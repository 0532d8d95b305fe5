"""TIMIT (LDC93S1) for next-frame speech spectrum prediction (Deep Complex Networks, Trabelsi et al., 2018, Sec. 4.3).

Reads the corpus in its distributed layout, ``<root>/TRAIN|TEST/DR1..DR8/<speaker>/<utterance>.WAV`` with ``.PHN``,
``.TXT`` and ``.WRD`` beside each ``.WAV`` (names in upper or lower case; ``<root>/TIMIT`` or ``<root>/data`` holding
the two parts is found too). The ``.WAV`` files are NIST SPHERE, not RIFF: ``read_sphere`` parses them (16-bit PCM,
either byte order, one channel; shorten-compressed files must be decompressed with sph2pipe first).

The task (``load_timit``): each utterance is resampled 16 kHz -> 8 kHz, turned into complex STFT frames (periodic Hann
window, ``n_fft`` = 256 samples = 32 ms, hop 64 = 8 ms, no centre padding: every frame lies inside the signal; 129
frequency bins of 31.25 Hz), and cut into non-overlapping chunks of ``seq_len`` consecutive frames (the last partial
chunk dropped). For input frame t the target is the log-magnitude of frame t + 1 (teacher forcing): x (N, T, F)
complex64, y (N, T, F) float32 with y[n, t] = log_magnitude(S[t + 1]) where x[n, t] = S[t]. ``log_magnitude`` is
``deepcomplex.functional.loss.log_magnitude`` (log(|S|^2 + eps) / 2), the same function the loss applies to a
prediction. Audio is scaled to [-1, 1) (int16 / 32768) before the STFT.

Why these settings: 8 kHz is the paper's rate (as shared/PAPERS.md recalls); its STFT window is not confirmed here,
so n_fft 256 / hop 64 (75 % overlap) is a common choice for 8 kHz speech that resolves the harmonics of a 100 Hz voice.
The SA1/SA2 dialect sentences, read by every speaker, are left out by default, as is customary.

TIMIT is licensed by the LDC and cannot be downloaded here: pass its directory (``root``, ``--data-dir``).
``write_synthetic_timit`` writes a small speech-like corpus in exactly this layout, for tests and smoke runs.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch

from ..functional.loss import LOG_EPS, log_magnitude
from .idx import DataFormatError, PathLike

__all__ = ["Utterance", "read_sphere", "parse_sphere", "write_sphere", "read_phn", "read_wrd", "read_txt",
           "find_utterances", "resample", "stft_frames", "utterance_spectrum", "next_frame_chunks", "load_timit",
           "write_synthetic_timit", "TIMIT_URL", "SAMPLE_RATE", "N_FFT", "HOP_LENGTH", "SEQ_LEN"]

TIMIT_URL = "https://catalog.ldc.upenn.edu/LDC93S1"
SAMPLE_RATE = 8000  # the task's rate (TIMIT is recorded at 16 kHz)
N_FFT = 256  # 32 ms at 8 kHz -> 129 frequency bins
HOP_LENGTH = 64  # 8 ms
SEQ_LEN = 50  # frames per training sequence (0.4 s)
PARTS = ("train", "test")
_NO_DOWNLOAD = (f"TIMIT (LDC93S1, {TIMIT_URL}) is licensed by the LDC and cannot be downloaded here: pass the "
                f"directory that holds its TRAIN/ and TEST/ parts as root (--data-dir), laid out as "
                f"<root>/TRAIN|TEST/DR1..DR8/<speaker>/<utterance>.WAV with .PHN/.TXT/.WRD beside each")

# ---------------------------------------------------------------------------------------------------- NIST SPHERE
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
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(header + data)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------------- transcriptions
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


# ---------------------------------------------------------------------------------------------------- corpus layout
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


# ---------------------------------------------------------------------------------------------------- features
def resample(signal: np.ndarray, orig_rate: int, target_rate: int) -> np.ndarray:
    """Polyphase resampling (scipy.signal.resample_poly, its default Kaiser-window anti-aliasing filter), float64."""
    signal = np.asarray(signal, dtype=np.float64)
    if orig_rate == target_rate:
        return signal
    try:
        from scipy.signal import resample_poly
    except ImportError:  # pragma: no cover - scipy is a dependency of the data extras
        raise ImportError("timit: resampling needs scipy (pip install scipy)") from None
    g = math.gcd(int(orig_rate), int(target_rate))
    return resample_poly(signal, int(target_rate) // g, int(orig_rate) // g)


def stft_frames(signal, n_fft: int = N_FFT, hop_length: int = HOP_LENGTH) -> torch.Tensor:
    """Complex STFT frames (frames, n_fft // 2 + 1), complex128, of a 1-D real signal (periodic Hann window of
    ``n_fft`` samples, no centre padding: frame t covers samples [t * hop, t * hop + n_fft)); 0 frames if shorter."""
    x = torch.as_tensor(np.asarray(signal, dtype=np.float64))
    if x.dim() != 1:
        raise ValueError(f"stft_frames expects a 1-D signal, got shape {tuple(x.shape)}")
    if len(x) < n_fft:
        return torch.zeros(0, n_fft // 2 + 1, dtype=torch.complex128)
    window = torch.hann_window(n_fft, periodic=True, dtype=torch.float64)
    spec = torch.stft(x, n_fft, hop_length, n_fft, window, center=False, return_complex=True)
    return spec.transpose(0, 1).contiguous()


def utterance_spectrum(wav: Union[PathLike, Utterance], sample_rate: int = SAMPLE_RATE, n_fft: int = N_FFT,
                       hop_length: int = HOP_LENGTH) -> torch.Tensor:
    """STFT frames (frames, F) complex128 of a SPHERE file, scaled to [-1, 1) and resampled to ``sample_rate``."""
    path = wav.wav if isinstance(wav, Utterance) else wav
    samples, rate, _ = read_sphere(path)
    return stft_frames(resample(samples / 32768.0, rate, sample_rate), n_fft, hop_length)


def next_frame_chunks(frames: torch.Tensor, seq_len: int = SEQ_LEN, eps: float = LOG_EPS):
    """Teacher-forcing pairs of one utterance's frames S (M, F): non-overlapping chunks of ``seq_len`` input frames
    x[n, t] = S[n * T + t] (complex64) and targets y[n, t] = log_magnitude(S[n * T + t + 1]) (float32);
    (M - 1) // seq_len chunks, the last partial one dropped."""
    m, f = frames.shape
    n = max(m - 1, 0) // seq_len
    x = frames[:n * seq_len].reshape(n, seq_len, f)
    y = log_magnitude(frames[1:n * seq_len + 1], eps).reshape(n, seq_len, f)
    return x.to(torch.complex64), y.to(torch.float32)


def _check_positive(name: str, **values) -> None:
    for what, v in values.items():
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name}: {what} must be a positive int, got {v!r}")


def load_timit(root: Optional[PathLike], part: str = "train", seq_len: int = SEQ_LEN, sample_rate: int = SAMPLE_RATE,
               n_fft: int = N_FFT, hop_length: int = HOP_LENGTH, include_sa: bool = False,
               check_labels: bool = True, max_utterances: Optional[int] = None, eps: float = LOG_EPS):
    """Next-frame prediction data of TIMIT's ``part``: (x complex64 (N, T, F), y float32 (N, T, F)).

    Per utterance: SPHERE audio / 32768, resampled to ``sample_rate`` (8 kHz), STFT (periodic Hann window ``n_fft``,
    hop ``hop_length``, no centre padding; F = n_fft // 2 + 1), cut into non-overlapping chunks of T = ``seq_len``
    frames, the last partial chunk dropped; y[n, t] = log_magnitude(frame after x[n, t], eps) =
    log(|S|^2 + eps) / 2. ``check_labels`` reads and checks every .PHN/.TXT/.WRD (the task needs only the audio).
    ``root`` None: $DEEPCOMPLEX_DATA/timit. ``max_utterances``: the first so many (sorted) utterances only.
    Memory: about 12 bytes per frame and bin (the full training part at the defaults, ~1.4M frames: ~2.2 GB).
    """
    _check_positive("load_timit", seq_len=seq_len, sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length)
    if max_utterances is not None:
        _check_positive("load_timit", max_utterances=max_utterances)
    if root is None and os.environ.get("DEEPCOMPLEX_DATA"):
        root = Path(os.environ["DEEPCOMPLEX_DATA"]) / "timit"
    utterances = find_utterances(root, part, include_sa)
    if max_utterances is not None:
        utterances = utterances[:max_utterances]
    xs, ys = [], []
    for utt in utterances:
        if check_labels:
            check_transcriptions(utt)
        x, y = next_frame_chunks(utterance_spectrum(utt, sample_rate, n_fft, hop_length), seq_len, eps)
        xs.append(x)
        ys.append(y)
    x, y = torch.cat(xs), torch.cat(ys)
    if len(x) == 0:
        raise ValueError(f"load_timit: no utterance of {root} {part} has seq_len + 1 = {seq_len + 1} frames; "
                         f"use a smaller seq_len")
    return x, y


# ---------------------------------------------------------------------------------------------------- synthetic corpus
_VOWELS = {"aa": (730, 1090, 2440), "iy": (270, 2290, 3010), "uw": (300, 870, 2240), "ae": (660, 1720, 2410),
           "ow": (570, 840, 2410), "eh": (530, 1840, 2480), "ih": (390, 1990, 2550)}
_FRICATIVES = {"s": (5000.0, 1500.0), "sh": (3000.0, 900.0), "f": (4000.0, 3500.0)}  # noise band centre, half-width
_WORDS = ("she", "had", "your", "dark", "suit", "in", "greasy", "wash", "water", "all", "year", "dont", "ask", "me",
          "to", "carry", "an", "oily", "rag", "like", "that")
_BANDWIDTHS = (80.0, 110.0, 160.0)  # formant half-widths (Hz)


def _ramp(n: int, sr: int) -> np.ndarray:
    """Raised-cosine fade in and out over 10 ms (or half the segment)."""
    k = min(int(0.01 * sr), n // 2)
    env = np.ones(n)
    if k:
        r = 0.5 - 0.5 * np.cos(np.pi * (np.arange(k) + 0.5) / k)
        env[:k], env[n - k:] = r, r[::-1]
    return env


def _voiced(rng: np.random.Generator, n: int, sr: int, f0: float, start: tuple, stop: tuple) -> np.ndarray:
    """Harmonics of a drifting pitch contour, each weighted by three formant resonances moving start -> stop."""
    t = np.arange(n) / sr
    frac = t / max(t[-1], 1e-9)
    contour = f0 * (1.0 + 0.08 * np.sin(2 * np.pi * rng.uniform(2, 5) * t + rng.uniform(0, 2 * np.pi)))
    contour *= 1.0 + rng.uniform(-0.15, 0.1) * frac  # a rise or fall over the segment
    phase = 2 * np.pi * np.cumsum(contour) / sr + rng.uniform(0, 2 * np.pi)
    formants = np.asarray(start)[:, None] + (np.asarray(stop) - np.asarray(start))[:, None] * frac  # (3, n)
    out = np.zeros(n)
    for h in range(1, int(7000 // contour.min()) + 1):
        freq = h * contour
        gain = sum(g / (1.0 + ((freq - formants[k]) / _BANDWIDTHS[k]) ** 2) for k, g in enumerate((1.0, 0.6, 0.3)))
        gain *= (freq < 7500) / (1.0 + freq / 1000.0)  # spectral tilt, nothing near Nyquist
        out += gain * np.sin(h * phase)
    return out


def _unvoiced(rng: np.random.Generator, n: int, sr: int, centre: float, width: float) -> np.ndarray:
    """White noise band-limited (in the FFT domain) around ``centre``."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / sr)
    spec *= np.exp(-0.5 * ((f - centre) / width) ** 2)
    return np.fft.irfft(spec, n)


def _synthetic_utterance(rng: np.random.Generator, sr: int, duration: float, f0: float):
    """(int16 samples, phones [(begin, end, label)], words [(begin, end, word)]) of one speech-like utterance."""
    total = int(duration * sr)
    lead, tail = int(rng.uniform(0.04, 0.08) * sr), int(rng.uniform(0.04, 0.08) * sr)
    phones, pieces = [(0, lead, "h#")], [np.zeros(lead)]
    pos, vowel = lead, str(rng.choice(list(_VOWELS)))
    while pos < total - tail - int(0.03 * sr):
        kind = rng.choice(["voiced", "unvoiced", "pause"], p=[0.6, 0.25, 0.15])
        if kind == "voiced":
            n = int(rng.uniform(0.08, 0.2) * sr)
            nxt = str(rng.choice(list(_VOWELS)))
            stop = tuple(0.5 * (a + b) for a, b in zip(_VOWELS[vowel], _VOWELS[nxt]))
            sig, label = 0.5 * _voiced(rng, n, sr, f0, _VOWELS[vowel], stop), vowel
            vowel = nxt
        elif kind == "unvoiced":
            n = int(rng.uniform(0.04, 0.1) * sr)
            label = str(rng.choice(list(_FRICATIVES)))
            sig = 0.15 * _unvoiced(rng, n, sr, *_FRICATIVES[label])
        else:
            n, label = int(rng.uniform(0.03, 0.06) * sr), "pau"
            sig = np.zeros(n)
        n = min(n, total - tail - pos)
        pieces.append(sig[:n] * _ramp(n, sr))
        phones.append((pos, pos + n, label))
        pos += n
    phones.append((pos, total, "h#"))  # the trailing silence fills the utterance to its exact duration
    pieces.append(np.zeros(total - pos))
    signal = np.concatenate(pieces)
    signal += 3e-4 * rng.standard_normal(len(signal))  # a recording's noise floor
    signal *= 0.3 / max(np.abs(signal).max(), 1e-9)
    samples = np.round(signal * 32767).astype(np.int16)
    words, run = [], None  # a word: a run of phones between silences
    for begin, end, label in phones + [(len(samples), len(samples), "h#")]:
        if label in ("h#", "pau"):
            if run is not None:
                words.append((run[0], run[1], str(rng.choice(_WORDS))))
                run = None
        else:
            run = (begin, end) if run is None else (run[0], end)
    return samples, phones, words


def write_synthetic_timit(root: PathLike, n_speakers: int = 2, utterances: int = 3, seed: int = 0,
                          duration: float = 0.8, lowercase: bool = False) -> Path:
    """Write a small speech-like corpus in TIMIT's layout under ``root``; returns ``root``.

    TRAIN and TEST each get ``n_speakers`` speakers (alternating DR1/DR2, ids like FABC0), each with SA1, SA2 and
    ``utterances`` SX/SI utterances of ``duration`` seconds: 16 kHz int16 SPHERE .WAV (voiced segments: a pitch
    contour's harmonics shaped by three moving formant resonances; unvoiced band-limited noise bursts; pauses and
    leading/trailing silence over a low noise floor) with matching .PHN, .WRD and .TXT. ``lowercase`` names every
    directory and file in lower case (some distributions do). Deterministic for a given ``seed``.
    """
    _check_positive("write_synthetic_timit", n_speakers=n_speakers, utterances=utterances)
    if not duration >= 0.3:
        raise ValueError(f"write_synthetic_timit: duration must be at least 0.3 s, got {duration!r}")
    rng = np.random.default_rng(seed)
    root, sr = Path(root), 16000
    case = str.lower if lowercase else str.upper
    for p, part in enumerate(("TRAIN", "TEST")):
        used: set = set()
        for s in range(n_speakers):
            sex = "MF"[(s + p) % 2]
            while True:
                spk = sex + "".join(rng.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), 3)) + str(s % 10)
                if spk not in used:
                    used.add(spk)
                    break
            f0 = rng.uniform(95, 140) if sex == "M" else rng.uniform(170, 240)
            directory = root / case(part) / case(f"DR{1 + s % 2}") / case(spk)
            directory.mkdir(parents=True, exist_ok=True)
            names = ["SA1", "SA2"] + [f"SX{100 + 5 * s + k}" if k % 2 == 0 else f"SI{1000 + 5 * s + k}"
                                      for k in range(utterances)]
            for name in names:
                samples, phones, words = _synthetic_utterance(rng, sr, duration, f0)
                stem = directory / case(name)
                write_sphere(stem.with_suffix(case(".WAV")), samples, sr,
                             extra={"database_id": "TIMIT", "database_version": "synthetic",
                                    "utterance_id": f"{spk.lower()}_{name.lower()}", "speaker_id": spk})
                stem.with_suffix(case(".PHN")).write_text("".join(f"{b} {e} {lab}\n" for b, e, lab in phones))
                stem.with_suffix(case(".WRD")).write_text("".join(f"{b} {e} {w}\n" for b, e, w in words))
                text = " ".join(w for _, _, w in words).capitalize() + "."
                stem.with_suffix(case(".TXT")).write_text(f"0 {len(samples)} {text}\n")
    return root
