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

Why these settings: 8 kHz is the rate of Deep Complex Networks (Trabelsi et al., 2018, ICLR, Sec. 4.3); its STFT
window is not confirmed here, so n_fft 256 / hop 64 (75 % overlap) is a common choice for 8 kHz speech that
resolves the harmonics of a 100 Hz voice. The SA1/SA2 dialect sentences, read by every speaker, are left out by
default, as is customary.

TIMIT is licensed by the LDC and cannot be downloaded here: pass its directory (``root``, ``--data-dir``).
``write_synthetic_timit`` (``deepcomplex.data.synthetic.timit``, re-exported here) writes a small speech-like corpus
in exactly this layout, for tests and smoke runs.

Modules: ``sphere`` (SPHERE audio), ``transcripts`` (.PHN/.WRD/.TXT), ``corpus`` (finding the utterances),
``features`` (STFT frames, next-frame chunks, ``load_timit``).
"""
from __future__ import annotations

from ..audio import resample
from .corpus import PARTS, TIMIT_URL, Utterance, check_transcriptions, find_utterances
from .features import HOP_LENGTH, N_FFT, SAMPLE_RATE, SEQ_LEN, load_timit, next_frame_chunks, stft_frames, \
    utterance_spectrum
from .sphere import parse_sphere, read_sphere, write_sphere
from .transcripts import read_phn, read_txt, read_wrd

__all__ = ["Utterance", "read_sphere", "parse_sphere", "write_sphere", "read_phn", "read_wrd", "read_txt",
           "find_utterances", "resample", "stft_frames", "utterance_spectrum", "next_frame_chunks", "load_timit",
           "write_synthetic_timit", "TIMIT_URL", "SAMPLE_RATE", "N_FFT", "HOP_LENGTH", "SEQ_LEN"]


def __getattr__(name: str):
    """The generator, imported on first use: ``deepcomplex.data.synthetic.timit`` imports this package."""
    if name == "write_synthetic_timit":
        from ..synthetic.timit import write_synthetic_timit
        return write_synthetic_timit
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
