"""The stacking loop shared by the recurrent layers (LSTM, ConvLSTM, GRU; complex, or real for the real twins):
layers, one or two directions, time steps, in torch.nn.LSTM / torch.nn.GRU's order.

A layer (of one direction) is a pair (input map, recurrent map): the input map takes the whole sequence (L, N, ...)
at once and gives the input part of every step's gate pre-activations; the recurrent map takes h and gives its part.
A ``step(gx, gh, state) -> state`` combines them (state a tuple whose first entry is h). With ``bidirectional`` the
layers come as torch orders its parameters, forward then reverse per layer (``..._l{k}``, ``..._l{k}_reverse``): the
reverse direction reads the sequence from the last step back, its outputs are put back in time order and concatenated
after the forward ones along the feature axis, and the final states stack as (2 * num_layers, N, ...), layer-major.
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch

Tensor = torch.Tensor
Step = Callable[[Tensor, Tensor, tuple], tuple]
Layer = tuple[Callable[[Tensor], Tensor], Callable[[Tensor], Tensor]]


def unroll(x: Tensor, state0: Sequence[Tensor], layers: Sequence[Layer], step: Step, bidirectional: bool = False,
           feature_dim: int = -1, unbatched: bool = False, batch_first: bool = False) -> tuple[Tensor, tuple]:
    """Run the (layer, direction) maps over x (L, N, ...); ``state0`` holds the initial state tensors, each
    (len(layers), N, ...). Returns (the h of every step of the last layer, the final states stacked like state0),
    the output (N, L, ...) if ``batch_first`` and without the batch axis if ``unbatched``."""
    dirs = 2 if bidirectional else 1
    finals: list[list[Tensor]] = [[] for _ in state0]
    for k in range(len(layers) // dirs):
        outputs = []
        for d in range(dirs):
            input_map, recurrent_map = layers[k * dirs + d]
            # unbind, not xi[t]: the backward of each indexing would write a zero tensor of the whole sequence's
            # size (quadratic in its length); unbind's backward stacks the steps' gradients once
            steps = input_map(x).unbind(0)
            state = tuple(s[k * dirs + d] for s in state0)
            hs = []
            for gx in (reversed(steps) if d else steps):
                state = step(gx, recurrent_map(state[0]), state)
                hs.append(state[0])
            outputs.append(torch.stack(hs[::-1] if d else hs))
            for f, s in zip(finals, state):
                f.append(s)
        x = outputs[0] if dirs == 1 else torch.cat(outputs, feature_dim)
    final = tuple(torch.stack(f) for f in finals)
    if unbatched:
        return x.squeeze(1), tuple(f.squeeze(1) for f in final)
    return (x.transpose(0, 1) if batch_first else x), final


def check_stack(name: str, params: Sequence[tuple], bidirectional: bool, check_one: Callable[[str, tuple], None],
                what: str = "input features") -> None:
    """Validate every (layer, direction)'s parameters with ``check_one(label, params)`` and their chaining: layer
    k > 0 takes the dirs * H features the layer below gives."""
    dirs = 2 if bidirectional else 1
    if not params:
        raise ValueError(f"{name} needs at least one layer of parameters")
    if len(params) % dirs:
        raise ValueError(f"{name} with bidirectional=True expects parameters for 2 directions per layer (forward, "
                         f"reverse), got {len(params)} sets")
    for j, p in enumerate(params):
        k, d = divmod(j, dirs)
        check_one(f"{name} (layer {k}{', reverse' if d else ''})", p)
        hidden, n_in = p[1].shape[1], p[0].shape[1]
        if hidden != params[0][1].shape[1]:
            raise ValueError(f"{name}: every layer needs the same hidden size, layer {k} has {hidden}, layer 0 "
                             f"{params[0][1].shape[1]}")
        if k and n_in != dirs * hidden:
            raise ValueError(f"{name}: layer {k} expects {n_in} {what}, layer {k - 1} gives {dirs * hidden}"
                             + (f" ({dirs} directions x {hidden})" if dirs > 1 else ""))
        if d and n_in != params[j - 1][0].shape[1]:
            raise ValueError(f"{name}: the reverse direction of layer {k} expects {n_in} {what}, the forward one "
                             f"{params[j - 1][0].shape[1]}")
