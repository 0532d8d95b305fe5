"""A small MRI reconstruction set that needs no download: slices of the ICBM 2009a MNI152 T1 template that nilearn
ships in its wheel, with a synthetic phase, undersampled as fastMRI's single-coil data (Zbontar et al., 2018,
"fastMRI: An Open Dataset and Benchmarks for Accelerated MRI").

The template (``nilearn/datasets/data/mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz``, 197 x 233 x 189 uint8 at
1 mm, Fonov et al., 2009/2011) is averaged over 2 x 2 x 2 blocks (2 mm, 98 x 116 x 94), scaled to [0, 1] by its
maximum and sliced in its three orientations (axis 0 sagittal, 1 coronal, 2 axial); slices with under 5 % of their
voxels inside the head (above 0.1) are dropped and the rest zero-padded, centred, to 128 x 128.
"""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from .kspace import add_kspace_noise, fft2c, zero_filled
from .masks import MASK_TYPES, slice_seed
from .slices import SliceSet

__all__ = ["load_mri_demo", "synthetic_phase", "mni_template_path", "DEMO_SHAPE", "ORIENTATIONS", "DEMO_PARTS",
           "TEST_FRACTION", "TEST_SLAB_START", "SPLIT_GAP"]

DEMO_SHAPE = (128, 128)
ORIENTATIONS = ("sagittal", "coronal", "axial")  # the template's axes 0, 1, 2 (RAS: x, y, z)
DEMO_PARTS = ("train", "test")
TEST_FRACTION = 0.2  # of each orientation's slice positions: two slabs of 10 %, mirror images of each other
TEST_SLAB_START = 0.25  # the first slab's start, as a fraction of the span of kept positions; the second mirrors it
SPLIT_GAP = 4  # slice positions on each side of a test slab that belong to neither part
_TEMPLATE = "mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz"
_OBJECT_LEVEL = 0.1  # a voxel is inside the head above this fraction of the template's maximum
_MIN_OBJECT = 0.05  # slices with less of their voxels inside are dropped
_INSTALL = "the MRI demo reads nilearn's MNI152 template with nibabel: pip install 'deepcomplex[mri]'"


def mni_template_path() -> Path:
    """Where nilearn's wheel keeps the ICBM 2009a MNI152 T1 template, found without importing nilearn.

    Args:
        (none)

    Returns:
        the path of ``mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz`` in nilearn's package directory.

    Example::

        >>> mni_template_path().name  # doctest: +SKIP
        'mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz'
    """
    spec = importlib.util.find_spec("nilearn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"nilearn is not installed; {_INSTALL}")
    for root in spec.submodule_search_locations:
        path = Path(root) / "datasets" / "data" / _TEMPLATE
        if path.is_file():
            return path
    raise FileNotFoundError(f"load_mri_demo: nilearn is installed but its {_TEMPLATE} is missing from "
                            f"{list(spec.submodule_search_locations)}; reinstall nilearn ({_INSTALL})")


@functools.lru_cache(maxsize=1)
def _template_slices() -> tuple:
    """Per orientation: (magnitudes float32 (n, 128, 128) in [0, 1], positions int64 (n,)) of the kept slices."""
    try:
        import nibabel
    except ImportError as err:
        raise ImportError(_INSTALL) from err
    volume = np.asarray(nibabel.load(mni_template_path()).dataobj, dtype=np.float64)
    if volume.ndim != 3 or min(volume.shape) < 64:
        raise ValueError(f"load_mri_demo: expected a 3-D template of about 197 x 233 x 189 voxels, got shape "
                         f"{volume.shape}")
    a, b, c = (s // 2 for s in volume.shape)
    volume = volume[:2 * a, :2 * b, :2 * c].reshape(a, 2, b, 2, c, 2).mean(axis=(1, 3, 5))
    volume /= volume.max()
    out = []
    for axis in range(3):
        stack = np.moveaxis(volume, axis, 0)
        h, w = stack.shape[1:]
        if h > DEMO_SHAPE[0] or w > DEMO_SHAPE[1]:
            raise ValueError(f"load_mri_demo: {ORIENTATIONS[axis]} slices of {h}x{w} do not fit in {DEMO_SHAPE}")
        positions = np.flatnonzero((stack > _OBJECT_LEVEL).mean(axis=(1, 2)) >= _MIN_OBJECT)
        padded = np.zeros((len(positions), *DEMO_SHAPE), np.float32)
        top, left = (DEMO_SHAPE[0] - h) // 2, (DEMO_SHAPE[1] - w) // 2
        padded[:, top:top + h, left:left + w] = stack[positions]
        padded.setflags(write=False)
        out.append((padded, positions.astype(np.int64)))
    return tuple(out)


def _split(positions: np.ndarray) -> dict:
    """part -> bool mask over ``positions``: two test slabs of TEST_FRACTION / 2 of the span each, the first from
    TEST_SLAB_START and the second its mirror image about the middle of the span (the template is left-right
    symmetric); SPLIT_GAP positions on each side of them belong to neither part, the rest (both ends and the middle)
    is train."""
    lo, hi = int(positions.min()), int(positions.max())
    span = hi - lo + 1
    size = max(1, round(TEST_FRACTION / 2 * span))
    offset = round(TEST_SLAB_START * span)
    test = np.zeros(len(positions), bool)
    near = np.zeros(len(positions), bool)
    for first in (lo + offset, hi - offset - size + 1):
        test |= (positions >= first) & (positions < first + size)
        near |= (positions >= first - SPLIT_GAP) & (positions < first + size + SPLIT_GAP)
    return {"train": ~near, "test": test}


def synthetic_phase(shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """A smooth random phase map (radians): a 2nd-order polynomial plus 2-3 Gaussian bumps, like B0 inhomogeneity.

    On coordinates ``x, y`` in [-1, 1]: ``c0 + c1 x + c2 y + c3 x^2 + c4 x y + c5 y^2`` with ``c0`` uniform in
    [-pi, pi], the linear terms in [-0.5, 0.5] (a shift of k-space by under a fifth of a sample) and the quadratic
    ones in [-1.5, 1.5], plus 2 or 3 bumps ``a exp(-|r - r0|^2 / (2 s^2))`` with ``|a|`` in [0.5, 2], ``r0`` in
    [-0.5, 0.5]^2 and ``s`` in [0.1, 0.25]. Synthetic: magnitude images such as fastMRI's ``reconstruction_esc``
    (Zbontar et al., 2018) or a template carry no phase, and real MR phase is smooth over the object like this.

    Args:
        shape: (H, W) of the map.
        rng: numpy generator it is drawn from.

    Returns:
        float64 array (H, W).

    Example::

        >>> synthetic_phase((64, 64), np.random.default_rng(0)).shape
        (64, 64)
    """
    h, w = shape
    y, x = np.meshgrid(np.linspace(-1, 1, h), np.linspace(-1, 1, w), indexing="ij")
    c = rng.uniform(-1, 1, 6) * np.array([np.pi, 0.5, 0.5, 1.5, 1.5, 1.5])
    phase = c[0] + c[1] * x + c[2] * y + c[3] * x ** 2 + c[4] * x * y + c[5] * y ** 2
    for _ in range(int(rng.integers(2, 4))):
        amp = rng.uniform(0.5, 2.0) * rng.choice([-1.0, 1.0])
        cy, cx = rng.uniform(-0.5, 0.5, 2)
        sigma = rng.uniform(0.1, 0.25)
        phase += amp * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma ** 2))
    return phase


def _check_options(acceleration, center_fraction, mask: str, noise, seed) -> None:
    if mask not in MASK_TYPES:
        raise ValueError(f"load_mri_demo: mask must be one of {', '.join(MASK_TYPES)}, got {mask!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"load_mri_demo: seed must be an int >= 0, got {seed!r}")
    MASK_TYPES[mask](DEMO_SHAPE[1], acceleration, center_fraction, seed=0)  # checks acceleration, center_fraction
    add_kspace_noise(torch.zeros(1, 1, dtype=torch.complex64), noise, np.random.default_rng(0))  # checks noise


def load_mri_demo(part: str = "train", acceleration: float = 4, center_fraction: Optional[float] = None,
                  mask: str = "random", noise: float = 0.0, seed: int = 0):
    """(inputs, targets) of the MRI demo: MNI152 template slices with a synthetic phase, undersampled as fastMRI.

    Each kept 128 x 128 slice (see the module) of magnitude ``m`` gets the phase ``phi`` of :func:`synthetic_phase`
    (synthetic; drawn from ``slice_seed(seed, "mni152-<orientation>", position)``): the image is
    ``x = m exp(i phi)`` and its k-space ``k = fft2c(x)``. Then, as :func:`~deepcomplex.data.mri.load_fastmri`:
    ``inputs = ifft2c(mask * (k + n)) / s`` (zero-filled), ``targets = x / s``, with the column mask of
    ``MASK_TYPES[mask]`` and the noise ``n`` (standard deviation ``noise`` x the slice's k-space RMS) seeded per
    slice, and ``s`` the largest zero-filled magnitude of the volume. A volume is one orientation of one part
    (``v.volumes``: 0 sagittal, 1 coronal, 2 axial); ``v.slices`` is the slice position along that axis.

    The parts are disjoint slabs: per orientation two slabs of 10 % of the kept slice positions each, at a quarter of
    the span from either end (around 30 % and 70 %: mirror images of each other), are the test part, 4 positions
    (8 mm) on each side of them belong to neither, the rest (both ends and the middle) is the train part, so both
    parts hold central and outer anatomy. The template is left-right symmetric, so a sagittal test slice's mirror
    image is a test slice too, never a training one. Caveats: the orientations
    still cross each other (a test axial slice meets train sagittal and coronal slices in some voxels), and the
    template is the average of 152 brains, smoother than one subject's scan. The template's slices are read once and
    cached (both parts, every option).

    Args:
        part: "train" or "test".
        acceleration: undersampling factor, >= 1.
        center_fraction: fully sampled centre fraction; None: 0.08 at 4x, 0.04 at 8x (``default_center_fraction``).
        mask: "random" or "equispaced" (``MASK_TYPES``).
        noise: relative k-space noise level, >= 0.
        seed: the data seed of phases, masks and noise.

    Returns:
        (inputs, targets): :class:`~deepcomplex.data.mri.SliceSet` of complex64 (N, 1, 128, 128).

    Example::

        >>> x, y = load_mri_demo("test")  # doctest: +SKIP
        >>> x.shape[1:], x.volumes.unique()  # doctest: +SKIP
        (torch.Size([1, 128, 128]), tensor([0, 1, 2]))
    """
    if part not in DEMO_PARTS:
        raise ValueError(f"load_mri_demo: part must be one of {', '.join(DEMO_PARTS)}, got {part!r}")
    _check_options(acceleration, center_fraction, mask, noise, seed)
    inputs, targets, volumes, slices = [], [], [], []
    for v, ((mags, positions), name) in enumerate(zip(_template_slices(), ORIENTATIONS)):
        keep = _split(positions)[part]
        mags, positions = mags[keep], positions[keep]
        seeds = [slice_seed(seed, f"mni152-{name}", int(p)) for p in positions]
        phase = np.stack([synthetic_phase(DEMO_SHAPE, np.random.default_rng([s, 2])) for s in seeds])
        image = torch.from_numpy((mags * np.exp(1j * phase)).astype(np.complex64))
        kspace = fft2c(image)
        if noise:
            kspace = torch.stack([add_kspace_noise(k, noise, np.random.default_rng([s, 1]))
                                  for k, s in zip(kspace, seeds)])
        masks = torch.stack([MASK_TYPES[mask](DEMO_SHAPE[1], acceleration, center_fraction, seed=s) for s in seeds])
        zf = zero_filled(kspace, masks[:, None, :])
        scale = float(zf.abs().max()) or 1.0
        inputs.append(zf / scale)
        targets.append(image / scale)
        volumes.append(torch.full((len(positions),), v, dtype=torch.int64))
        slices.append(torch.from_numpy(positions))
    volumes, slices = torch.cat(volumes), torch.cat(slices)
    return (SliceSet(torch.cat(inputs).unsqueeze(1), volumes, slices),
            SliceSet(torch.cat(targets).unsqueeze(1), volumes.clone(), slices.clone()))
