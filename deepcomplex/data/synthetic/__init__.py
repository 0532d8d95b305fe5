"""Generated look-alikes of the audio corpora and of fastMRI, in their real file formats, for tests, demos and smoke
runs (``deepcomplex generate``): MusicNet (``musicnet``), TIMIT (``timit``) and fastMRI's single-coil knee files
(``fastmri``); the readers are ``deepcomplex.data.musicnet``, ``deepcomplex.data.timit`` and ``deepcomplex.data.mri``."""
from .fastmri import write_synthetic_fastmri
from .musicnet import synthesize_recording, write_synthetic_musicnet
from .timit import write_synthetic_timit

__all__ = ["synthesize_recording", "write_synthetic_musicnet", "write_synthetic_timit", "write_synthetic_fastmri"]
