"""deepcomplex.data: small, checked readers of the datasets the papers use (no torchvision)."""
from .idx import DataFormatError, parse_idx, read_idx, write_idx
from .mnist import DATASETS, SPLITS, load_part, load_split, resolve_dir
from .transforms import gaussian_blur, gaussian_noise, random_flip_shift

__all__ = ["DataFormatError", "parse_idx", "read_idx", "write_idx", "DATASETS", "SPLITS", "load_part", "load_split",
           "resolve_dir", "gaussian_blur", "gaussian_noise",
           "random_flip_shift"]
