"""deepcomplex.data: small, checked readers of the datasets the papers use (no torchvision).

``registry`` holds the table of datasets (reader, task, classes, shape, splits); ``idx``/``mnist``, ``cifar``,
``musicnet``, ``timit`` and ``mri`` (fastMRI and the MRI demo) the readers; ``synthetic`` generated look-alikes of the
audio corpora and of fastMRI; ``audio`` the
resampler they share; ``transforms`` the image perturbations.
"""
from .cifar import load_cifar, load_svhn
from .idx import DataFormatError, parse_idx, read_idx, write_idx
from .mnist import resolve_dir
from .registry import (AUDIO_DATASETS, DATASET_SPECS, DATASETS, IMAGE_SHAPES, NUM_CLASSES, RECONSTRUCTION_DATASETS,
                       SPLITS, DatasetSpec, default_split, load_part, load_split)
from .transforms import gaussian_blur, gaussian_noise, random_flip_shift

__all__ = ["DataFormatError", "parse_idx", "read_idx", "write_idx", "DATASETS", "SPLITS", "default_split", "load_part",
           "load_split", "load_cifar", "load_svhn", "resolve_dir", "gaussian_blur", "gaussian_noise",
           "random_flip_shift", "AUDIO_DATASETS", "DATASET_SPECS", "DatasetSpec", "IMAGE_SHAPES", "NUM_CLASSES",
           "RECONSTRUCTION_DATASETS"]
