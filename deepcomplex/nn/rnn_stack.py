"""The parameters of a stacked recurrent module (ComplexLSTM, ComplexGRU) in torch.nn.LSTM / torch.nn.GRU's layout:
``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` per layer, and the same names with the suffix
``_reverse`` for the reverse direction of a bidirectional module; the list in torch's order (layer 0, its reverse,
layer 1, ...) is what ``functional.complex_lstm`` / ``complex_gru`` take."""
from __future__ import annotations

import torch
from torch import nn

from .._validation import check_positive_ints
from .module import KindPreservingModule, complex_dtype

__all__ = ["RecurrentCellBase", "register_stack", "stack_params", "stack_repr"]

_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _suffixes(module: nn.Module) -> tuple[str, ...]:
    return ("", "_reverse") if module.bidirectional else ("",)


def register_stack(module: nn.Module, gates: int, kw: dict) -> None:
    """Register the (uninitialised) parameters of ``module``, which has input_size, hidden_size, num_layers, bias and
    bidirectional set: ``gates * hidden_size`` rows each; layer k > 0 takes directions * hidden_size features."""
    rows, hidden = gates * module.hidden_size, module.hidden_size
    for k in range(module.num_layers):
        n_in = module.input_size if k == 0 else len(_suffixes(module)) * hidden
        for sfx in _suffixes(module):
            module.register_parameter(f"weight_ih_l{k}{sfx}", nn.Parameter(torch.empty(rows, n_in, **kw)))
            module.register_parameter(f"weight_hh_l{k}{sfx}", nn.Parameter(torch.empty(rows, hidden, **kw)))
            for b in ("ih", "hh"):
                module.register_parameter(f"bias_{b}_l{k}{sfx}",
                                          nn.Parameter(torch.empty(rows, **kw)) if module.bias else None)


def stack_params(module: nn.Module) -> list[tuple]:
    """(weight_ih, weight_hh, bias_ih, bias_hh) per layer and direction, in torch's order."""
    return [tuple(getattr(module, f"{p}_l{k}{sfx}") for p in _NAMES)
            for k in range(module.num_layers) for sfx in _suffixes(module)]


def stack_repr(module: nn.Module) -> str:
    """The extra_repr of a stacked recurrent module: sizes, then the options that differ from torch's defaults."""
    s = f"{module.input_size}, {module.hidden_size}"
    if module.num_layers != 1:
        s += f", num_layers={module.num_layers}"
    if not module.bias:
        s += ", bias=False"
    if module.batch_first:
        s += ", batch_first=True"
    if module.bidirectional:
        s += ", bidirectional=True"
    return s + f", dtype={module.weight_ih_l0.dtype}"


class RecurrentCellBase(KindPreservingModule):
    """The parameters of a complex recurrent cell, as torch's ``RNNCellBase``: ``weight_ih`` (gates * H, H_in),
    ``weight_hh`` (gates * H, H), ``bias_ih`` and ``bias_hh`` (gates * H) or None; subclasses initialise them in
    ``reset_parameters`` (called here) and define ``forward``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, gates: int, device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        check_positive_ints(name, input_size=input_size, hidden_size=hidden_size)
        kw = dict(device=device, dtype=complex_dtype(name, dtype))
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih = nn.Parameter(torch.empty(gates * hidden_size, input_size, **kw))
        self.weight_hh = nn.Parameter(torch.empty(gates * hidden_size, hidden_size, **kw))
        self.bias_ih = nn.Parameter(torch.empty(gates * hidden_size, **kw)) if bias else None
        self.bias_hh = nn.Parameter(torch.empty(gates * hidden_size, **kw)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        raise NotImplementedError

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias_ih is None:
            s += ", bias=False"
        return s + f", dtype={self.weight_ih.dtype}"
