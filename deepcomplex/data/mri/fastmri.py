"""fastMRI's single-coil knee data (Zbontar et al., 2018, "fastMRI: An Open Dataset and Benchmarks for Accelerated
MRI"): reading its HDF5 files with checks, and lazy views of undersampled (zero-filled) and fully sampled slices.

A release file ``file<id>.h5`` holds the dataset ``kspace`` (complex64, (slices, H, W), typically 640 x 368, the
readout H oversampled twice), ``reconstruction_esc`` (float32, (slices, 320, 320): the magnitude of the centre-cropped
fully sampled image), ``ismrmrd_header`` (the scan's XML header) and the attributes ``acquisition`` (e.g.
"CORPD_FBK"), ``max`` and ``norm`` (of ``reconstruction_esc``) and ``patient_id``. The train part is
``singlecoil_train/``, the test part here is ``singlecoil_val/`` (the challenge's test files have no ground truth).
fastMRI cannot be downloaded by this package (it is given out by NYU on request, https://fastmri.med.nyu.edu);
``deepcomplex generate fastmri DIR`` writes look-alike files in the same format.
"""
from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import torch

from ..idx import DataFormatError, PathLike
from .kspace import add_kspace_noise, center_crop, ifft2c, zero_filled
from .masks import MASK_TYPES, slice_seed
from .slices import LazySlices

__all__ = ["FASTMRI_PARTS", "FASTMRI_URL", "RECONSTRUCTION_SHAPE", "FastMRIMissingError", "read_fastmri_file",
           "load_fastmri", "fastmri_files"]

FASTMRI_PARTS = {"train": "singlecoil_train", "test": "singlecoil_val"}  # part -> the release's directory
FASTMRI_URL = "https://fastmri.med.nyu.edu"
RECONSTRUCTION_SHAPE = (320, 320)
_ATTRS = ("acquisition", "max", "norm", "patient_id")
_INSTALL = "reading fastMRI's HDF5 files needs h5py: pip install 'deepcomplex[mri]'"


class FastMRIMissingError(DataFormatError, FileNotFoundError):
    """fastMRI files that are not where they were looked for (both a DataFormatError and a FileNotFoundError)."""


def _h5py():
    try:
        import h5py
    except ImportError as err:
        raise ImportError(_INSTALL) from err
    return h5py


def _open(path: Path, name: str):
    """The open h5py.File of ``path``; clear errors for a missing, truncated or non-HDF5 file."""
    h5py = _h5py()
    if not path.is_file():
        raise FastMRIMissingError(f"{name}: {path} not found")
    try:
        return h5py.File(path, "r")
    except OSError as err:
        raise DataFormatError(f"{name}: {path} is not a readable HDF5 file (truncated or corrupt download?): "
                              f"{err}") from None


def _check_layout(f, path: Path, name: str) -> tuple:
    """(slices, H, W) of an open fastMRI file after checking its datasets' names, dtypes and ranks."""
    if "kspace" not in f:
        raise DataFormatError(f"{name}: {path} has no 'kspace' dataset (found {sorted(f.keys())}); expected a "
                              f"fastMRI single-coil file with 'kspace', 'reconstruction_esc' and 'ismrmrd_header'")
    k = f["kspace"]
    if not hasattr(k, "dtype") or k.dtype.kind != "c" or k.ndim != 3:
        what = f"{k.dtype} of shape {k.shape}" if hasattr(k, "dtype") else type(k).__name__
        raise DataFormatError(f"{name}: {path}: 'kspace' must be complex (slices, H, W) (single-coil), got {what}"
                              + (" (multi-coil files are (slices, coils, H, W))" if getattr(k, "ndim", 0) == 4
                                 else ""))
    if 0 in k.shape:
        raise DataFormatError(f"{name}: {path}: 'kspace' is empty, shape {k.shape}")
    if "reconstruction_esc" in f:
        r = f["reconstruction_esc"]
        if not hasattr(r, "dtype") or r.dtype.kind != "f" or r.ndim != 3 or r.shape[0] != k.shape[0]:
            what = f"{r.dtype} of shape {r.shape}" if hasattr(r, "dtype") else type(r).__name__
            raise DataFormatError(f"{name}: {path}: 'reconstruction_esc' must be float ({k.shape[0]}, H, W), one "
                                  f"image per k-space slice, got {what}")
    return tuple(int(s) for s in k.shape)


def read_fastmri_file(path: PathLike) -> dict:
    """Everything in one fastMRI single-coil HDF5 file, checked (Zbontar et al., 2018).

    Args:
        path: a ``file<id>.h5`` of ``singlecoil_train/`` or ``singlecoil_val/``.

    Returns:
        dict with ``kspace`` (complex64 tensor (slices, H, W)), ``reconstruction_esc`` (float32 tensor
        (slices, 320, 320), None for files without it such as the challenge's test files), ``ismrmrd_header``
        (bytes, None if absent) and ``attrs`` (the file's attributes: acquisition, max, norm, patient_id, ...).

    Raises:
        FastMRIMissingError: the file does not exist (also a FileNotFoundError).
        DataFormatError: the file is truncated or not HDF5, lacks ``kspace``, or a dataset has the wrong dtype or rank.
        ImportError: h5py is not installed (``pip install 'deepcomplex[mri]'``).

    Example::

        >>> data = read_fastmri_file("fastmri/singlecoil_val/file1000000.h5")  # doctest: +SKIP
        >>> data["kspace"].shape, data["attrs"]["acquisition"]  # doctest: +SKIP
        (torch.Size([35, 640, 368]), 'CORPD_FBK')
    """
    path = Path(path)
    name = "read_fastmri_file"
    with _open(path, name) as f:
        _check_layout(f, path, name)
        try:
            kspace = torch.from_numpy(np.ascontiguousarray(f["kspace"][()], dtype=np.complex64))
            recon = f["reconstruction_esc"][()].astype(np.float32) if "reconstruction_esc" in f else None
            header = f["ismrmrd_header"][()] if "ismrmrd_header" in f else None
        except (OSError, ValueError) as err:
            raise DataFormatError(f"{name}: {path}: reading its datasets failed (truncated file?): {err}") from None
        attrs = {k: (v.decode() if isinstance(v, bytes) else v.item() if isinstance(v, np.generic) else v)
                 for k, v in f.attrs.items()}
    if isinstance(header, np.ndarray):
        header = header.tobytes()
    elif isinstance(header, str):
        header = header.encode()
    elif isinstance(header, bytes):
        header = bytes(header)  # numpy.bytes_ -> bytes
    return {"kspace": kspace, "reconstruction_esc": None if recon is None else torch.from_numpy(recon),
            "ismrmrd_header": header, "attrs": attrs}


def _resolve_dir(data_dir: Optional[PathLike]) -> Path:
    if data_dir is not None:
        return Path(data_dir)
    env = os.environ.get("DEEPCOMPLEX_DATA")
    if env:
        return Path(env) / "fastmri"
    raise FastMRIMissingError(f"fastmri: no data directory given; pass data_dir (--data-dir) holding "
                              f"{' and '.join(d + '/' for d in FASTMRI_PARTS.values())} (or set $DEEPCOMPLEX_DATA, "
                              f"read as $DEEPCOMPLEX_DATA/fastmri). fastMRI is given out by NYU on request "
                              f"({FASTMRI_URL}); `deepcomplex generate fastmri DIR` writes look-alike files")


def fastmri_files(data_dir: Optional[PathLike], part: str) -> list:
    """The sorted ``*.h5`` files of a part ("train": ``singlecoil_train/``, "test": ``singlecoil_val/``).

    Args:
        data_dir: the directory holding the release's ``singlecoil_*`` directories; None: $DEEPCOMPLEX_DATA/fastmri.
        part: "train" or "test".

    Returns:
        list of paths, sorted by name.

    Example::

        >>> fastmri_files("fastmri", "test")[:1]  # doctest: +SKIP
        [PosixPath('fastmri/singlecoil_val/file1000000.h5')]
    """
    if part not in FASTMRI_PARTS:
        raise ValueError(f"fastmri: part must be one of {', '.join(FASTMRI_PARTS)}, got {part!r}")
    directory = _resolve_dir(data_dir) / FASTMRI_PARTS[part]
    if not directory.is_dir():
        raise FastMRIMissingError(f"fastmri: {directory} not found: the {part} part is the release's "
                                  f"{FASTMRI_PARTS[part]}/ directory of file<id>.h5 (from {FASTMRI_URL}; "
                                  f"`deepcomplex generate fastmri DIR` writes look-alike files)")
    files = sorted(directory.glob("*.h5"))
    if not files:
        raise FastMRIMissingError(f"fastmri: {directory} holds no .h5 file (incomplete extraction?)")
    return files


def _read_kspace(f, path: Path, index) -> np.ndarray:
    """``f["kspace"][index]``; a DataFormatError naming the file when the read fails."""
    try:
        return f["kspace"][index]
    except (OSError, ValueError) as err:
        what = "its k-space" if index == () else f"slice {getattr(index, 'start', index)}"
        raise DataFormatError(f"fastmri: {path}: reading {what} failed (truncated file?): {err}") from None


class _FastMRISource:
    """The rows (file, slice) of some fastMRI files and how to turn one into (zero-filled, fully sampled) images.

    Both images are divided by the volume's scale, the largest magnitude of its zero-filled images (computed once
    per volume on first use, from the undersampled data only). The last ``cache_rows`` computed pairs are kept."""

    def __init__(self, files: list, shapes: list, crop: tuple, mask: str, acceleration: float,
                 center_fraction: Optional[float], noise: float, seed: int, cache_rows: int = 64) -> None:
        self.files, self.crop = files, crop
        self.mask_fn, self.acceleration, self.center_fraction = MASK_TYPES[mask], acceleration, center_fraction
        self.noise, self.seed = float(noise), int(seed)
        counts = [s[0] for s in shapes]
        self.file_of = torch.repeat_interleave(torch.arange(len(files)), torch.tensor(counts))
        self.volumes = self.file_of.clone()
        self.slices = torch.cat([torch.arange(c) for c in counts]).to(torch.int64)
        self.image_shape = tuple(crop)
        self._scales: dict = {}
        self._cache: OrderedDict = OrderedDict()
        self._cache_rows = cache_rows

    def _zero_filled(self, kspace: np.ndarray, volume: int, indices: Sequence[int]) -> torch.Tensor:
        """Unscaled zero-filled complex64 (n, h, w) images of slices ``indices`` of a volume, k-space (n, H, W)."""
        k = torch.from_numpy(np.ascontiguousarray(kspace, dtype=np.complex64))
        seeds = [slice_seed(self.seed, self.files[volume].name, i) for i in indices]
        if self.noise:
            k = torch.stack([add_kspace_noise(s, self.noise, np.random.default_rng([q, 1])) for s, q in zip(k, seeds)])
        masks = torch.stack([self.mask_fn(k.shape[-1], self.acceleration, self.center_fraction, seed=q)
                             for q in seeds])
        return zero_filled(k, masks[:, None, :], self.crop)

    def _scale(self, f, volume: int) -> float:
        if volume not in self._scales:
            kspace = _read_kspace(f, self.files[volume], ())
            peak = max(float(self._zero_filled(kspace[i:i + 8], volume, range(i, min(i + 8, len(kspace))))
                             .abs().max()) for i in range(0, len(kspace), 8))
            self._scales[volume] = peak if peak > 0 else 1.0
        return self._scales[volume]

    def read(self, rows: torch.Tensor, which: str) -> torch.Tensor:
        out = torch.empty(len(rows), 1, *self.crop, dtype=torch.complex64)
        todo: dict = {}
        for j, r in enumerate(rows.tolist()):
            if r in self._cache:
                self._cache.move_to_end(r)
                out[j, 0] = self._cache[r][which == "targets"]
            else:
                todo.setdefault(int(self.file_of[r]), []).append((j, r))
        for volume, items in todo.items():
            path = self.files[volume]
            with _open(path, "fastmri") as f:
                _check_layout(f, path, "fastmri")
                scale = self._scale(f, volume)
                for j, r in items:
                    index = int(self.slices[r])
                    kspace = _read_kspace(f, path, slice(index, index + 1))
                    pair = (self._zero_filled(kspace, volume, [index])[0] / scale,
                            center_crop(ifft2c(torch.from_numpy(kspace[0].astype(np.complex64))), self.crop) / scale)
                    self._cache[r] = pair
                    if len(self._cache) > self._cache_rows:
                        self._cache.popitem(last=False)
                    out[j, 0] = pair[which == "targets"]
        return out


def load_fastmri(data_dir: Optional[PathLike] = None, part: str = "train", acceleration: float = 4,
                 center_fraction: Optional[float] = None, mask: str = "random", noise: float = 0.0, seed: int = 0,
                 crop: Sequence[int] = RECONSTRUCTION_SHAPE):
    """Lazy (inputs, targets) views of fastMRI's single-coil slices, undersampled as in Zbontar et al., 2018.

    For each slice with k-space ``k`` (H, W): ``inputs = center_crop(ifft2c(mask * (k + n)), crop) / s`` (the
    zero-filled image) and ``targets = center_crop(ifft2c(k), crop) / s`` (the fully sampled one, complex; its
    magnitude is the file's ``reconstruction_esc``), where ``mask`` is a column mask of ``MASK_TYPES[mask]`` drawn
    with ``slice_seed(seed, file name, slice index)``, ``n`` is complex Gaussian k-space noise of standard deviation
    ``noise`` x the slice's k-space RMS (seeded per slice; none when ``noise == 0``), and ``s`` is the volume's largest
    zero-filled magnitude (known at test time: the scale uses no fully sampled data). Each file is one volume
    (``v.volumes``: its index in the part's sorted files). Files are opened when rows are read; the index of every
    file's slices is read at once (their layout checked).

    Args:
        data_dir: directory holding ``singlecoil_train/`` and ``singlecoil_val/``; None: $DEEPCOMPLEX_DATA/fastmri.
        part: "train" (``singlecoil_train/``) or "test" (``singlecoil_val/``).
        acceleration: undersampling factor (4 or 8 in fastMRI), >= 1.
        center_fraction: fully sampled centre fraction; None: 0.08 at 4x, 0.04 at 8x (``default_center_fraction``).
        mask: "random" or "equispaced" (``MASK_TYPES``).
        noise: relative k-space noise level, >= 0 (the robustness runs).
        seed: the data seed of masks and noise.
        crop: (h, w) of the images, at most each file's (H, W).

    Returns:
        (inputs, targets): :class:`~deepcomplex.data.mri.LazySlices` of complex64 (N, 1, h, w).

    Example::

        >>> x, y = load_fastmri("fastmri", "test", acceleration=8)  # doctest: +SKIP
        >>> x[torch.tensor([0, 1])].shape, y.volumes[:2]  # doctest: +SKIP
        (torch.Size([2, 1, 320, 320]), tensor([0, 0]))
    """
    if mask not in MASK_TYPES:
        raise ValueError(f"fastmri: mask must be one of {', '.join(MASK_TYPES)}, got {mask!r}")
    crop = tuple(crop)
    if len(crop) != 2 or any(isinstance(c, bool) or not isinstance(c, (int, np.integer)) or c < 1 for c in crop):
        raise ValueError(f"fastmri: crop must be (h, w), two positive ints, got {crop!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"fastmri: seed must be an int >= 0, got {seed!r}")
    add_kspace_noise(torch.zeros(1, 1, dtype=torch.complex64), noise, np.random.default_rng(0))  # checks noise
    files = fastmri_files(data_dir, part)
    shapes = []
    for path in files:
        with _open(path, "fastmri") as f:
            shape = _check_layout(f, path, "fastmri")
        if shape[1] < crop[0] or shape[2] < crop[1]:
            raise DataFormatError(f"fastmri: {path}: k-space of {shape[1]}x{shape[2]} is smaller than the crop "
                                  f"{crop[0]}x{crop[1]}")
        MASK_TYPES[mask](shape[2], acceleration, center_fraction, seed=0)  # checks the mask's settings on this width
        shapes.append(shape)
    source = _FastMRISource(files, shapes, crop, mask, acceleration, center_fraction, noise, seed)
    return LazySlices(source, "inputs"), LazySlices(source, "targets")
