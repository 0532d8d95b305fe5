"""deepcomplex.models: a registry of the papers' models; ``create_model(name)``, ``list_models()``."""
from . import coshnet, dcn, resnet, simple  # noqa: F401  (register their models)
from .registry import count_parameters, create_model, list_models, model_arguments, register_model

__all__ = ["count_parameters", "create_model", "list_models", "model_arguments", "register_model"]
