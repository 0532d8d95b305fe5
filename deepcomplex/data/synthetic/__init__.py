"""Generated look-alikes of the audio corpora, in their real file formats, for tests, demos and smoke runs
(``deepcomplex generate``): MusicNet (``musicnet``) and TIMIT (``timit``); the readers are ``deepcomplex.data.musicnet``
and ``deepcomplex.data.timit``."""
from .musicnet import synthesize_recording, write_synthetic_musicnet
from .timit import write_synthetic_timit

__all__ = ["synthesize_recording", "write_synthetic_musicnet", "write_synthetic_timit"]
