"""Regenerate tests/reference/coshrem_32.npz with pyCoShREM 0.0.2 (a reference only; never a dependency).

pyCoShREM needs numpy<2, so it gets its own environment (``make coshrem-reference`` does all of this):
    python3 -m venv /tmp/coshrem-venv && /tmp/coshrem-venv/bin/pip install 'numpy<2' pycoshrem
    /tmp/coshrem-venv/bin/python tests/reference/make_coshrem_reference.py
Stored: the test image, CoShNet's 20 filters (EdgeSystem with CoShNet's parameters, normalize=False), the same with
pyCoShREM's default per-scale normalization, and pyCoShREM's transform of the image.
"""
from pathlib import Path

import numpy as np
from coshrem.shearletsystem import EdgeSystem

PARAMS = dict(wavelet_eff_supp=32 / 7, gaussian_eff_supp=32 / 14, scales_per_octave=2, shear_level=3, alpha=0.5,
              octaves=1)

image = np.random.default_rng(0).random((32, 32)) * 255
system = EdgeSystem(32, 32, normalize=False, **PARAMS)
np.savez_compressed(
    Path(__file__).with_name("coshrem_32.npz"),
    image=image,
    filters=system.shearlets,  # (32, 32, 20) centred spectra
    filters_normalized=EdgeSystem(32, 32, normalize=True, **PARAMS).shearlets,
    coefficients=system._transform(image),  # pyCoShREM's convention: the conjugate of CoShNet's
)
