"""MusicNet (Thickstun et al., 2017) as Deep Complex Networks uses it (Trabelsi et al., 2018, Sec. 4.2).

Reads the public release in either of its two layouts, with structural checks and without running pickled code:

* ``musicnet.npz`` (``npz``): numpy's zip of ``<id>.npy`` members, each an object array (audio, labels), read with
  a restricted unpickler and stand-ins for the intervaltree classes.
* the csv + wav layout (``wav``, ``labels``): ``train_data/<id>.wav`` with ``train_labels/<id>.csv``, ``test_data/``
  with ``test_labels/``; csv columns ``start_time,end_time,instrument,note,start_beat,end_beat,note_value``, times in
  samples of the wav.

Either may sit in the directory given or in its ``musicnet/`` subdirectory (``files``); ``musicnet.npz`` is used when
both are there. MusicNet cannot be downloaded by this package: fetch it elsewhere and pass its directory
(``--data-dir`` / ``root``).

For training (``load_musicnet``, in ``windows``) the audio is resampled to 11,000 Hz and cut into windows of 4096
samples labelled by the notes sounding at their centre. The splits are those of the DCN code: test 2303, 2382, 1819;
validation 2131, 2384, 1792, 2514, 2567, 1876; train the other recordings present (321 in the full release).
A generated data set in the release's formats: ``deepcomplex.data.synthetic.musicnet`` (re-exported here).
"""
from __future__ import annotations

from ..audio import resample
from .files import musicnet_ids, read_musicnet, split_ids
from .labels import read_labels_csv
from .npz import Interval, IntervalTree
from .records import (CSV_COLUMNS, CSV_DIRS, EVAL_START_SECONDS, EVAL_STRIDE, EVAL_WINDOWS, MAX_NOTE, MIN_NOTE,
                      MUSICNET_URL, NPZ_NAME, NUM_NOTES, PARTS, SAMPLE_RATE, TARGET_RATE, TEST_IDS, TRAIN_STRIDE,
                      VALIDATION_IDS, WINDOW, MusicNetMissingError, Recording)
from .wav import read_wav, write_wav
from .windows import MusicNetLabels, MusicNetWindows, clear_musicnet_cache, load_musicnet

__all__ = ["CSV_COLUMNS", "CSV_DIRS", "EVAL_START_SECONDS", "EVAL_STRIDE", "EVAL_WINDOWS", "MAX_NOTE", "MIN_NOTE",
           "MUSICNET_URL", "NPZ_NAME", "NUM_NOTES", "PARTS", "SAMPLE_RATE", "TARGET_RATE", "TEST_IDS", "TRAIN_STRIDE",
           "VALIDATION_IDS", "WINDOW", "Interval", "IntervalTree", "MusicNetLabels", "MusicNetMissingError",
           "MusicNetWindows", "Recording", "clear_musicnet_cache", "load_musicnet", "musicnet_ids", "read_labels_csv",
           "read_musicnet", "read_wav", "resample", "split_ids", "synthesize_recording", "write_synthetic_musicnet",
           "write_wav"]


def __getattr__(name: str):
    """The generator's names, imported on first use: ``deepcomplex.data.synthetic.musicnet`` imports this package."""
    if name in ("synthesize_recording", "write_synthetic_musicnet"):
        from ..synthetic import musicnet as synthetic
        return getattr(synthetic, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
