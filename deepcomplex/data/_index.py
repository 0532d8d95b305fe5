"""Row indexing shared by the data views the training loop indexes (MusicNet windows, MRI slices): what ``v[index]``
and ``v.subset(index)`` accept, in one place."""
from __future__ import annotations

from typing import Any, Union

import numpy as np
import torch

RowIndex = Union[int, slice, torch.Tensor]


def row_index(name: str, index: Any, n: int) -> RowIndex:
    """An int, a slice or an int64 tensor of rows of an indexable data view with ``n`` rows (negative rows counted
    from the end; bool masks converted); IndexError / TypeError naming ``name`` for anything else or out of range."""
    if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
        i = int(index)
        if not -n <= i < n:
            raise IndexError(f"{name}: row {i} is out of range for {n} slices")
        return i % n
    if isinstance(index, slice):
        return index
    if isinstance(index, torch.Tensor):
        t = index
    elif isinstance(index, (np.ndarray, list, tuple, range)):
        t = torch.as_tensor(np.asarray(index))
        if t.numel() == 0:
            t = t.to(torch.int64)
    else:
        raise TypeError(f"{name} is indexed by an int, a slice, a list or an integer/bool tensor, got "
                        f"{type(index).__name__}")
    if t.dtype == torch.bool:
        if t.shape != (n,):
            raise IndexError(f"{name}: boolean index of shape {tuple(t.shape)} for {n} slices")
        return t.nonzero().flatten()
    if t.is_floating_point() or t.is_complex() or t.dim() > 1:
        raise IndexError(f"{name} is indexed by a 1-D integer tensor, got dtype {t.dtype} and shape "
                         f"{tuple(t.shape)}")
    t = t.to(torch.int64).reshape(-1)
    if len(t) and (int(t.min()) < -n or int(t.max()) >= n):
        raise IndexError(f"{name}: rows {t.min().item()}..{t.max().item()} are out of range for {n} slices")
    return t % max(n, 1)
