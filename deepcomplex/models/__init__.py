"""deepcomplex.models: a registry of the papers' models; ``create_model(name)``, ``list_models()``."""
from . import coshnet, dcn, musicnet, resnet, simple, timit  # noqa: F401  (register their models)
from . import vit  # noqa: F401  (complex ViTs, their real twin, CoShViT)
from . import unet  # noqa: F401  (complex U-Net and its real twin, for MRI reconstruction)
from .registry import count_parameters, create_model, example_input, list_models, model_arguments, register_model

__all__ = ["count_parameters", "create_model", "example_input", "list_models", "model_arguments", "register_model"]
