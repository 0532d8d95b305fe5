"""Real-layout lowerings for the resampling and pooling layers: the complex ops they leave in an exported graph
(gathering the elements that max pooling by modulus keeps), added to the table of
``_lowering``. Interpolation, adaptive averaging and pixel shuffles run on real views or shape ops and need none."""
from __future__ import annotations

import torch

from ._lowering import _LOWERINGS, _Cx, _dim


def _gather(x: _Cx, dim: int, index: torch.Tensor, sparse_grad: bool = False) -> _Cx:
    """torch.gather of a complex tensor: the same (real) index for Re and Im."""
    return _Cx(x.t.gather(_dim(dim, x.rank), index.unsqueeze(-1).expand(*index.shape, 2)))


_LOWERINGS.update({
    "aten.gather.default": _gather,
})
