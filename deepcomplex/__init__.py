"""deepcomplex: complex-valued deep learning for PyTorch on native complex tensors."""
from . import functional, init, nn

__version__ = "0.1.0"
__all__ = ["functional", "init", "nn", "__version__"]
