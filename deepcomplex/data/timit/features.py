"""TIMIT's next-frame speech spectrum prediction task (Trabelsi et al., 2018, Sec. 4.3): STFT frames of each
utterance and teacher-forcing chunks (see ``deepcomplex.data.timit`` for the settings and why)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch

from ...functional.loss import LOG_EPS, log_magnitude
from .._checks import check_positive
from ..audio import resample
from ..idx import PathLike
from .corpus import Utterance, check_transcriptions, find_utterances
from .sphere import read_sphere

__all__ = ["SAMPLE_RATE", "N_FFT", "HOP_LENGTH", "SEQ_LEN", "stft_frames", "utterance_spectrum", "next_frame_chunks",
           "load_timit"]

SAMPLE_RATE = 8000  # the task's rate (TIMIT is recorded at 16 kHz)
N_FFT = 256  # 32 ms at 8 kHz -> 129 frequency bins
HOP_LENGTH = 64  # 8 ms
SEQ_LEN = 50  # frames per training sequence (0.4 s)


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
    return stft_frames(resample(samples / 32768.0, rate, sample_rate, np.float64), n_fft, hop_length)


def next_frame_chunks(frames: torch.Tensor, seq_len: int = SEQ_LEN, eps: float = LOG_EPS):
    """Teacher-forcing pairs of one utterance's frames S (M, F): non-overlapping chunks of ``seq_len`` input frames
    x[n, t] = S[n * T + t] (complex64) and targets y[n, t] = log_magnitude(S[n * T + t + 1]) (float32);
    (M - 1) // seq_len chunks, the last partial one dropped."""
    m, f = frames.shape
    n = max(m - 1, 0) // seq_len
    x = frames[:n * seq_len].reshape(n, seq_len, f)
    y = log_magnitude(frames[1:n * seq_len + 1], eps).reshape(n, seq_len, f)
    return x.to(torch.complex64), y.to(torch.float32)



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
    check_positive("load_timit", seq_len=seq_len, sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length)
    if max_utterances is not None:
        check_positive("load_timit", max_utterances=max_utterances)
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

