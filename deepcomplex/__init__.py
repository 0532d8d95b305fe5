"""deepcomplex: complex-valued deep learning for PyTorch on native complex tensors."""
from . import functional, init, nn

__version__ = "0.1.0"
__all__ = ["functional", "init", "nn", "__version__"]

# Using trained models: create_model / list_models (deepcomplex.models, with pretrained=True for the shipped
# weights), load_run / evaluate (deepcomplex.api). Imported on first use, so `import deepcomplex` loads no models,
# training or data code.
_LAZY = {"create_model": "models", "list_models": "models", "load_run": "api", "evaluate": "api"}
__all__ += list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
