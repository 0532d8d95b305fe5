"""MRI reconstruction data: fastMRI's single-coil knee files (Zbontar et al., 2018, "fastMRI: An Open Dataset and
Benchmarks for Accelerated MRI") and a demo that needs no download (nilearn's MNI152 template with a synthetic phase).

``kspace``: fastMRI's centered orthonormal transforms, centre crop, masking and the zero-filled image; ``masks``: its
random and equispaced column masks and per-slice seeds; ``slices``: the views the reconstruction task indexes
(``SliceSet`` in memory, ``LazySlices`` from files); ``fastmri``: the HDF5 reader and ``load_fastmri``; ``demo``:
``load_mri_demo``. A generator of look-alike fastMRI files: ``deepcomplex.data.synthetic.write_synthetic_fastmri``.
h5py (fastMRI) and nibabel + nilearn (the demo) are imported on use: ``pip install 'deepcomplex[mri]'``.
"""
from .demo import (DEMO_PARTS, DEMO_SHAPE, ORIENTATIONS, SPLIT_GAP, TEST_FRACTION, load_mri_demo, mni_template_path,
                   synthetic_phase)
from .fastmri import (FASTMRI_PARTS, FASTMRI_URL, RECONSTRUCTION_SHAPE, FastMRIMissingError, fastmri_files,
                      load_fastmri, read_fastmri_file)
from .kspace import add_kspace_noise, apply_mask, center_crop, fft2c, ifft2c, zero_filled
from .masks import MASK_TYPES, center_columns, default_center_fraction, equispaced_mask, random_mask, slice_seed
from .slices import LazySlices, SliceSet, SliceSource

__all__ = ["DEMO_PARTS", "DEMO_SHAPE", "ORIENTATIONS", "SPLIT_GAP", "TEST_FRACTION", "load_mri_demo",
           "mni_template_path", "synthetic_phase", "FASTMRI_PARTS", "FASTMRI_URL", "RECONSTRUCTION_SHAPE",
           "FastMRIMissingError", "fastmri_files", "load_fastmri", "read_fastmri_file", "add_kspace_noise",
           "apply_mask", "center_crop", "fft2c", "ifft2c", "zero_filled", "MASK_TYPES", "center_columns",
           "default_center_fraction", "equispaced_mask", "random_mask", "slice_seed", "LazySlices", "SliceSet",
           "SliceSource"]
