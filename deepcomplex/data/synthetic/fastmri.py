"""Generated look-alikes of fastMRI's single-coil knee files (Zbontar et al., 2018, "fastMRI: An Open Dataset and
Benchmarks for Accelerated MRI"), in the release's exact HDF5 format, for tests, demos and smoke runs
(``deepcomplex generate fastmri``); the reader is ``deepcomplex.data.mri``.

Each volume is a stack of slices through a random Shepp-Logan-like ellipsoid phantom (the ellipses of the modified
Shepp-Logan head phantom, jittered per volume, shrinking towards the volume's ends) with a smooth synthetic phase
(``deepcomplex.data.mri.synthetic_phase``), placed in the central 300 x 300 pixels of the (H, W) grid as a knee sits
in the readout-oversampled field of view.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch

from ...io import atomic_write_bytes
from .._checks import check_positive
from ..idx import PathLike
from ..mri.demo import synthetic_phase
from ..mri.fastmri import FASTMRI_PARTS, RECONSTRUCTION_SHAPE
from ..mri.kspace import center_crop, fft2c, ifft2c

__all__ = ["write_synthetic_fastmri", "phantom_slice"]

# the modified Shepp-Logan phantom (Toft, 1996): intensity, semi-axes (a, b), centre (x0, y0), angle (degrees)
_ELLIPSES = np.array([
    (1.0, 0.69, 0.92, 0.0, 0.0, 0.0), (-0.8, 0.6624, 0.874, 0.0, -0.0184, 0.0), (-0.2, 0.11, 0.31, 0.22, 0.0, -18.0),
    (-0.2, 0.16, 0.41, -0.22, 0.0, 18.0), (0.1, 0.21, 0.25, 0.0, 0.35, 0.0), (0.1, 0.046, 0.046, 0.0, 0.1, 0.0),
    (0.1, 0.046, 0.046, 0.0, -0.1, 0.0), (0.1, 0.046, 0.023, -0.08, -0.605, 0.0),
    (0.1, 0.023, 0.023, 0.0, -0.606, 0.0), (0.1, 0.023, 0.046, 0.06, -0.605, 0.0)])
_OBJECT = 300  # pixels spanned by the phantom's [-1, 1] square
_HEADER = """<?xml version="1.0" encoding="utf-8"?>
<ismrmrdHeader xmlns="http://www.ismrm.org/ISMRMRD">
  <measurementInformation><protocolName>{acquisition}</protocolName></measurementInformation>
  <encoding>
    <encodedSpace><matrixSize><x>{h}</x><y>{w}</y><z>1</z></matrixSize></encodedSpace>
    <reconSpace><matrixSize><x>{rh}</x><y>{rw}</y><z>1</z></matrixSize></reconSpace>
    <trajectory>cartesian</trajectory>
  </encoding>
  <userParameters><userParameterString><name>generator</name><value>deepcomplex synthetic</value>
  </userParameterString></userParameters>
</ismrmrdHeader>
"""


def phantom_slice(shape: tuple, ellipses: np.ndarray, z: float) -> np.ndarray:
    """float32 (H, W) magnitude of the slice at height ``z`` in [-1, 1] through ellipsoids with these ellipses.

    Each ellipse (intensity, a, b, x0, y0, angle) is the cross-section of an ellipsoid of the same semi-axes and
    depth 1, so its semi-axes shrink by ``sqrt(1 - z^2)``; the phantom's [-1, 1] square spans the central 300 pixels
    (or the whole grid when smaller). Negative sums are clipped to 0. A Shepp-Logan-like test object for fastMRI
    look-alikes (Zbontar et al., 2018).

    Args:
        shape: (H, W) of the slice.
        ellipses: (E, 6) array of (intensity, a, b, x0, y0, angle in degrees).
        z: the slice's height, |z| < 1.

    Returns:
        float32 array (H, W).

    Example::

        >>> phantom_slice((64, 48), _ELLIPSES, 0.0).shape
        (64, 48)
    """
    h, w = shape
    span = min(_OBJECT, h, w) / 2
    y, x = np.meshgrid((np.arange(h) - h / 2) / span, (np.arange(w) - w / 2) / span, indexing="ij")
    shrink = np.sqrt(max(1.0 - z * z, 0.0))
    out = np.zeros(shape)
    for value, a, b, x0, y0, angle in ellipses:
        t = np.deg2rad(angle)
        u, v = (x - x0) * np.cos(t) + (y - y0) * np.sin(t), -(x - x0) * np.sin(t) + (y - y0) * np.cos(t)
        out[(u / (a * shrink + 1e-12)) ** 2 + (v / (b * shrink + 1e-12)) ** 2 <= 1] += value
    return np.clip(out, 0, None).astype(np.float32)


def _volume(rng: np.random.Generator, slices: int, shape: tuple) -> np.ndarray:
    """complex64 (slices, H, W) images of one random phantom volume with a smooth phase per slice."""
    ellipses = _ELLIPSES.copy()
    ellipses[:, 1:3] *= rng.uniform(0.85, 1.1, (len(ellipses), 2))
    ellipses[:, 3:5] += rng.uniform(-0.03, 0.03, (len(ellipses), 2))
    ellipses[:, 5] += rng.uniform(-10, 10, len(ellipses))
    ellipses[1:, 0] *= rng.uniform(0.8, 1.2, len(ellipses) - 1)
    heights = np.linspace(-0.6, 0.6, slices) if slices > 1 else np.zeros(1)
    scale = rng.uniform(2e-5, 1e-4)  # raw scanner units, as small as the release's
    return np.stack([scale * phantom_slice(shape, ellipses, z) * np.exp(1j * synthetic_phase(shape, rng))
                     for z in heights]).astype(np.complex64)


def _h5py():
    try:
        import h5py
    except ImportError as err:
        raise ImportError("writing fastMRI's HDF5 files needs h5py: pip install 'deepcomplex[mri]'") from err
    return h5py


def _file_bytes(kspace: np.ndarray, acquisition: str, patient_id: str) -> bytes:
    """One fastMRI single-coil HDF5 file, in memory."""
    h5py = _h5py()
    image = center_crop(ifft2c(torch.from_numpy(kspace)), RECONSTRUCTION_SHAPE)
    recon = image.abs().numpy().astype(np.float32)
    header = _HEADER.format(acquisition=acquisition, h=kspace.shape[1], w=kspace.shape[2], rh=RECONSTRUCTION_SHAPE[0],
                            rw=RECONSTRUCTION_SHAPE[1])
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.create_dataset("ismrmrd_header", data=np.bytes_(header.encode()))
        f.create_dataset("kspace", data=kspace)
        f.create_dataset("reconstruction_esc", data=recon)
        f.attrs["acquisition"] = acquisition
        f.attrs["max"] = float(recon.max())
        f.attrs["norm"] = float(np.linalg.norm(recon.astype(np.float64)))
        f.attrs["patient_id"] = patient_id
    return buffer.getvalue()


def write_synthetic_fastmri(out: PathLike, n_train: int = 2, n_val: int = 1, slices: int = 4,
                            shape: tuple = (640, 368), seed: int = 0) -> Path:
    """Write fastMRI look-alike single-coil files under ``out``; returns ``out``.

    ``out/singlecoil_train/`` gets ``n_train`` files and ``out/singlecoil_val/`` ``n_val``, named
    ``file1000001.h5``, ``file1000002.h5``, ... as the release's, each in its exact format (Zbontar et al., 2018):
    ``kspace`` complex64 (slices, H, W) = fft2c of a complex phantom volume (see the module),
    ``reconstruction_esc`` float32 (slices, 320, 320) = |center_crop(ifft2c(kspace), 320 x 320)|, a small
    ``ismrmrd_header`` XML, and the attributes ``acquisition`` ("CORPD_FBK" or "CORPDFS_FBK", alternating), ``max``
    and ``norm`` (of ``reconstruction_esc``) and ``patient_id``. Each file is written atomically. Deterministic for a
    given ``seed``. Needs h5py (``pip install 'deepcomplex[mri]'``).

    Args:
        out: the directory to write into (created if missing).
        n_train: volumes in ``singlecoil_train/``.
        n_val: volumes in ``singlecoil_val/``.
        slices: slices per volume.
        shape: (H, W) of the k-space, at least 320 x 320 (the release's knee files: 640 x 368 and similar).
        seed: seed of the phantoms and phases.

    Returns:
        ``out`` as a :class:`pathlib.Path`.

    Example::

        >>> write_synthetic_fastmri("fastmri-lookalike", n_train=3)  # doctest: +SKIP
        PosixPath('fastmri-lookalike')
    """
    name = "write_synthetic_fastmri"
    check_positive(name, n_train=n_train, n_val=n_val, slices=slices)
    shape = tuple(shape)
    if len(shape) != 2 or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) for s in shape) \
            or shape[0] < RECONSTRUCTION_SHAPE[0] or shape[1] < RECONSTRUCTION_SHAPE[1]:
        raise ValueError(f"{name}: shape must be (H, W), two ints of at least {RECONSTRUCTION_SHAPE[0]} (the "
                         f"reconstructions are the central {RECONSTRUCTION_SHAPE[0]}x{RECONSTRUCTION_SHAPE[1]}), "
                         f"got {shape!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{name}: seed must be an int >= 0, got {seed!r}")
    _h5py()  # the ImportError before anything is written
    out = Path(out)
    rng = np.random.default_rng(seed)
    number = 1000001
    for part, count in (("train", n_train), ("test", n_val)):
        for _ in range(count):
            kspace = fft2c(torch.from_numpy(_volume(rng, slices, shape))).numpy()
            acquisition = ("CORPD_FBK", "CORPDFS_FBK")[number % 2 == 0]
            patient_id = rng.bytes(32).hex()
            data = _file_bytes(kspace, acquisition, patient_id)
            atomic_write_bytes(out / FASTMRI_PARTS[part] / f"file{number}.h5", data)
            number += 1
    return out
