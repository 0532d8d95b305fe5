"""deepcomplex.data: small, checked readers of the datasets the papers use (no torchvision)."""
from .cifar import load_cifar, load_svhn
from .idx import DataFormatError, parse_idx, read_idx, write_idx
from .mnist import resolve_dir
from .splits import DATASETS, SPLITS, default_split, load_part, load_split
from .transforms import gaussian_blur, gaussian_noise, random_flip_shift

__all__ = ["DataFormatError", "parse_idx", "read_idx", "write_idx", "DATASETS", "SPLITS", "default_split", "load_part",
           "load_split", "load_cifar", "load_svhn", "resolve_dir", "gaussian_blur", "gaussian_noise",
           "random_flip_shift"]
