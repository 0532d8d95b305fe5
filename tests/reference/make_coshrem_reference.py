"""Regenerate tests/reference/coshrem_32.npz and coshrem_measures_32.npz with pyCoShREM 0.0.2 (a reference only; never a
dependency).

pyCoShREM needs numpy<2, so it gets its own environment (``make coshrem-reference`` does all of this):
    python3 -m venv /tmp/coshrem-venv && /tmp/coshrem-venv/bin/pip install 'numpy<2' pycoshrem
    /tmp/coshrem-venv/bin/python tests/reference/make_coshrem_reference.py
coshrem_32.npz: the test image, CoShNet's 20 filters (EdgeSystem with CoShNet's parameters, normalize=False), the same
with pyCoShREM's default per-scale normalization, and pyCoShREM's transform of the image.
coshrem_measures_32.npz: pyCoShREM's edge and ridge measures and orientations (``detect``) of that image, with offset
0.5 (CoShNet's 2 scales leave none for the default offset 1): edges of the unnormalized and the normalized EdgeSystem,
ridges of the RidgeSystem (always normalized) keeping bright, dark or both kinds; and, to cover several scales, a
40 x 40 random image (``s40_image``) with S40_PARAMS: normalized edges pivoting on all, the highest and the lowest
scales, and ridges.
A file whose arrays would not change is left as it is (so regenerating keeps it byte-identical).
"""
from pathlib import Path

import numpy as np

np.float = float  # pyCoShREM 0.0.2's detect() uses np.float, removed in numpy 1.24
from coshrem.shearletsystem import EdgeSystem, RidgeSystem  # noqa: E402

HERE = Path(__file__).parent
PARAMS = dict(wavelet_eff_supp=32 / 7, gaussian_eff_supp=32 / 14, scales_per_octave=2, shear_level=3, alpha=0.5,
              octaves=1)
S40_PARAMS = dict(wavelet_eff_supp=14, gaussian_eff_supp=7, scales_per_octave=2, shear_level=3, alpha=0.5, octaves=2)


def save(name: str, **arrays) -> None:
    """np.savez_compressed, unless the file already holds exactly these arrays."""
    path = HERE / name
    if path.exists():
        with np.load(path) as old:
            if set(old.files) == set(arrays) and all(
                    old[k].dtype == np.asarray(v).dtype and np.array_equal(old[k], v, equal_nan=True)
                    for k, v in arrays.items()):
                print(f"{name}: unchanged, left as it is")
                return
    np.savez_compressed(path, **arrays)
    print(f"{name}: written")


image = np.random.default_rng(0).random((32, 32)) * 255
system = EdgeSystem(32, 32, normalize=False, **PARAMS)
save("coshrem_32.npz",
     image=image,
     filters=system.shearlets,  # (32, 32, 20) centred spectra
     filters_normalized=EdgeSystem(32, 32, normalize=True, **PARAMS).shearlets,
     coefficients=system._transform(image))  # pyCoShREM's convention: the conjugate of CoShNet's

measures = {}


def store(kind: str, result, suffix: str = "") -> None:
    """kind "edge" / "ridge" / "s40_edge" ...: keys <kind>_measure<suffix> and <kind>_orientation<suffix>."""
    measures[f"{kind}_measure{suffix}"], measures[f"{kind}_orientation{suffix}"] = result


store("edge", system.detect(image, offset=0.5))  # min_contrast=4, pivoting_scales='all'
store("edge", EdgeSystem(32, 32, normalize=True, **PARAMS).detect(image, offset=0.5), "_normalized")
ridges = RidgeSystem(32, 32, normalize=True, **PARAMS)  # normalize=False crashes (UnboundLocalError)
store("ridge", ridges.detect(image, offset=0.5))  # min_contrast=(max-min)/30, positive_only=True
store("ridge", ridges.detect(image, offset=0.5, positive_only=False, negative_only=True), "_negative")
store("ridge", ridges.detect(image, offset=0.5, positive_only=False), "_both")

image40 = np.random.default_rng(1).random((40, 40)) * 255
measures["s40_image"] = image40
edges40 = EdgeSystem(40, 40, normalize=True, **S40_PARAMS)
for pivots in ("all", "highest", "lowest"):
    store("s40_edge", edges40.detect(image40, offset=0.5, pivoting_scales=pivots), f"_{pivots}")
store("s40_ridge", RidgeSystem(40, 40, normalize=True, **S40_PARAMS).detect(image40, offset=0.5))
save("coshrem_measures_32.npz", **measures)
