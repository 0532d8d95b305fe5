"""Model registry (timm-style): ``@register_model`` on a factory, then ``create_model(name, **kwargs)``."""
from __future__ import annotations

import inspect
from typing import Callable, Optional

import torch
from torch import nn

from ..pretrained import list_pretrained, pretrained_entry
from ..pretrained import load_state_dict as load_pretrained

_REGISTRY: dict[str, Callable[..., nn.Module]] = {}
_EXAMPLES: dict[str, Callable[..., torch.Tensor]] = {}


def register_model(fn: Optional[Callable[..., nn.Module]] = None, *,
                   example_input: Optional[Callable[..., torch.Tensor]] = None):
    """Register a model factory under its function name: ``@register_model`` or
    ``@register_model(example_input=f)`` with ``f(batch, **model_kwargs)`` a typical input (the default: grey or
    ``in_channels`` images of 28x28)."""
    def register(fn: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if fn.__name__ in _REGISTRY:
            raise ValueError(f"model {fn.__name__!r} is already registered")
        _REGISTRY[fn.__name__] = fn
        if example_input is not None:
            _EXAMPLES[fn.__name__] = example_input
        return fn

    return register if fn is None else register(fn)


def list_models(pretrained: bool = False) -> list[str]:
    """Names of all registered models, sorted; ``pretrained=True``: only those with weights shipped in the package
    (``deepcomplex/pretrained/manifest.json``)."""
    if pretrained:
        return [name for name in list_pretrained() if name in _REGISTRY]
    return sorted(_REGISTRY)


def model_arguments(name: str) -> list[str]:
    """Names of the keyword arguments a registered model's factory takes."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(list_models())}")
    return list(inspect.signature(_REGISTRY[name]).parameters)


def example_input(name: str, batch: int = 2, **kwargs) -> torch.Tensor:
    """A random input of the shape and dtype the registered model takes (for tracing, export and smoke tests)."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(list_models())}")
    if name in _EXAMPLES:
        return _EXAMPLES[name](batch, **kwargs)
    params = inspect.signature(_REGISTRY[name]).parameters
    channels = kwargs.get("in_channels", params["in_channels"].default if "in_channels" in params else 1)
    return torch.rand(batch, channels, 28, 28)


def create_model(name: str, pretrained: bool = False, **kwargs) -> nn.Module:
    """Build a registered model; keyword arguments go to its factory.

    ``pretrained=True`` loads the weights shipped in the package (``deepcomplex/pretrained/``: see
    ``list_models(pretrained=True)``) after checking their SHA-256; the model is built with the arguments it was
    trained with, and ``kwargs`` may only repeat them. The model is returned in train mode, as built: call
    ``.eval()`` to predict.
    """
    if name not in _REGISTRY:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(list_models())}")
    factory = _REGISTRY[name]
    entry = None
    if pretrained:
        if name not in list_models(pretrained=True):
            have = ", ".join(list_models(pretrained=True)) or "none yet"
            raise ValueError(f"model {name!r} has no pretrained weights; models with pretrained weights: {have}")
        entry = pretrained_entry(name)
        trained = entry.get("model_args", {})
        built = {k: p.default for k, p in inspect.signature(factory).parameters.items()} | trained
        changed = {k: v for k, v in kwargs.items() if k not in built or built[k] != v}
        if changed:
            raise ValueError(f"model {name!r}: the pretrained weights were trained with {trained or 'no arguments'}; "
                             f"{changed} would build another architecture (create it without pretrained=True)")
        kwargs = dict(trained)
    try:
        inspect.signature(factory).bind(**kwargs)
    except TypeError as err:
        raise ValueError(f"model {name!r}: {err}; its arguments: {inspect.signature(factory)}") from None
    model = factory(**kwargs)
    if entry is not None:
        try:
            model.load_state_dict(load_pretrained(name))
        except RuntimeError as err:  # the weights were saved from another version of the architecture
            raise ValueError(f"model {name!r}: the shipped weights do not fit the model this version builds "
                             f"({str(err).splitlines()[0]}); rerun scripts/add_pretrained.py") from None
    return model


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of real parameters: a complex parameter counts as two reals (its real and imaginary parts)."""
    return sum(p.numel() * (2 if p.is_complex() else 1) for p in model.parameters()
               if p.requires_grad or not trainable_only)
