"""The views of MRI slices that the reconstruction task indexes: complex images (N, 1, H, W) with the volume of each
row, held in memory (``SliceSet``) or computed from files on demand (``LazySlices``, fastMRI's HDF5 volumes).

Both have ``len(v)``, ``v[index]`` (an int gives (1, H, W), as a tensor does; an int64 tensor, list, bool mask or
slice gives (n, 1, H, W)), ``v.subset(index)`` (a view of those rows), ``v.volumes`` (int64 (N,): the volume id of
each row), ``v.slices`` (int64 (N,): the row's slice index in its volume), ``v.shape`` = (N, 1, H, W) and
``v.dtype`` = complex64. A loader returns (inputs, targets) views of the same rows.
"""
from __future__ import annotations

from typing import Any, Optional, Protocol, Union

import numpy as np
import torch

from .._index import row_index

__all__ = ["SliceSet", "LazySlices", "SliceSource"]

Index = Union[int, slice, torch.Tensor]


def _rows(index: Index, n: int) -> torch.Tensor:
    """The int64 rows an index selects."""
    if isinstance(index, int):
        return torch.tensor([index], dtype=torch.int64)
    if isinstance(index, slice):
        return torch.arange(n, dtype=torch.int64)[index]
    return index


class SliceSet:
    """Complex MRI slices held in memory, with the volume and in-volume slice index of each row.

    Args:
        images: complex64 tensor (N, 1, H, W).
        volumes: int64 tensor (N,): the volume id of each row (the per-volume metrics of fastMRI, Zbontar et al.,
            2018, group rows by it).
        slices: int64 tensor (N,): each row's slice index in its volume; None: 0 .. N - 1.

    Shape:
        ``v[index]``: (n, 1, H, W) complex64 (an int index: (1, H, W)); ``v.shape`` = (N, 1, H, W).

    Example::

        >>> v = SliceSet(torch.zeros(3, 1, 4, 4, dtype=torch.complex64), torch.tensor([0, 0, 1]))
        >>> v[torch.tensor([2, 0])].shape, v.subset([2]).volumes
        (torch.Size([2, 1, 4, 4]), tensor([1]))
    """

    def __init__(self, images: torch.Tensor, volumes: torch.Tensor, slices: Optional[torch.Tensor] = None) -> None:
        if not isinstance(images, torch.Tensor) or images.dtype != torch.complex64 or images.dim() != 4 \
                or images.shape[1] != 1:
            got = f"{images.dtype} tensor of shape {tuple(images.shape)}" if isinstance(images, torch.Tensor) \
                else type(images).__name__
            raise ValueError(f"SliceSet expects images as a complex64 tensor (N, 1, H, W), got {got}")
        volumes = torch.as_tensor(volumes)
        slices = torch.arange(len(images), dtype=torch.int64) if slices is None else torch.as_tensor(slices)
        for what, t in (("volumes", volumes), ("slices", slices)):
            if t.shape != (len(images),) or t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
                raise ValueError(f"SliceSet expects {what} as an integer tensor ({len(images)},), one per image, got "
                                 f"{t.dtype} of shape {tuple(t.shape)}")
        self.images = images
        self.volumes = volumes.to(torch.int64)
        self.slices = slices.to(torch.int64)

    def __len__(self) -> int:
        return len(self.images)

    @property
    def shape(self) -> torch.Size:
        return self.images.shape

    @property
    def dtype(self) -> torch.dtype:
        return self.images.dtype

    def __getitem__(self, index: Any) -> torch.Tensor:
        return self.images[row_index("SliceSet", index, len(self))]

    def subset(self, index: Any) -> "SliceSet":
        """A new SliceSet of the rows at ``index`` (int tensor, list, slice, bool mask or int), in that order."""
        rows = _rows(row_index("SliceSet", index, len(self)), len(self))
        return SliceSet(self.images[rows], self.volumes[rows], self.slices[rows])

    def __iter__(self):
        return iter(self.images)

    def __repr__(self) -> str:
        n, _, h, w = self.shape
        return f"SliceSet({n} slices of {h}x{w} from {len(torch.unique(self.volumes))} volumes)"


class SliceSource(Protocol):
    """What a :class:`LazySlices` reads from: the rows' volumes and slice indices, and their images on demand."""

    volumes: torch.Tensor  # int64 (N,)
    slices: torch.Tensor  # int64 (N,)
    image_shape: tuple  # (H, W)

    def read(self, rows: torch.Tensor, which: str) -> torch.Tensor:
        """complex64 (n, 1, H, W) of the rows (int64 (n,)), ``which`` = "inputs" or "targets"."""


class LazySlices:
    """A lazy view of rows of a :class:`SliceSource`: images are computed when indexed, never all held at once.

    Args:
        source: the source (e.g. fastMRI's HDF5 volumes, ``deepcomplex.data.mri.fastmri``).
        which: "inputs" (zero-filled images) or "targets" (fully sampled images).
        rows: int64 (N,) rows of the source this view shows; None: all of them.

    Shape:
        ``v[index]``: (n, 1, H, W) complex64 (an int index: (1, H, W)); ``v.shape`` = (N, 1, H, W).

    Example::

        >>> class Ones:
        ...     volumes, slices, image_shape = torch.tensor([0, 1]), torch.tensor([0, 0]), (2, 2)
        ...     def read(self, rows, which):
        ...         return torch.ones(len(rows), 1, 2, 2, dtype=torch.complex64)
        >>> LazySlices(Ones(), "targets")[[1]].shape
        torch.Size([1, 1, 2, 2])
    """

    def __init__(self, source: SliceSource, which: str, rows: Optional[torch.Tensor] = None) -> None:
        if which not in ("inputs", "targets"):
            raise ValueError(f"LazySlices: which must be 'inputs' or 'targets', got {which!r}")
        self.source, self.which = source, which
        self.rows = torch.arange(len(source.volumes), dtype=torch.int64) if rows is None else rows

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def shape(self) -> torch.Size:
        return torch.Size((len(self), 1, *self.source.image_shape))

    @property
    def dtype(self) -> torch.dtype:
        return torch.complex64

    @property
    def volumes(self) -> torch.Tensor:
        return self.source.volumes[self.rows]

    @property
    def slices(self) -> torch.Tensor:
        return self.source.slices[self.rows]

    def __getitem__(self, index: Any) -> torch.Tensor:
        idx = row_index("LazySlices", index, len(self))
        out = self.source.read(self.rows[_rows(idx, len(self))], self.which)
        return out[0] if isinstance(idx, int) else out

    def subset(self, index: Any) -> "LazySlices":
        """A new view of the rows at ``index`` (int tensor, list, slice, bool mask or int), in that order."""
        rows = self.rows[_rows(row_index("LazySlices", index, len(self)), len(self))]
        return LazySlices(self.source, self.which, rows.clone())

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        h, w = self.source.image_shape
        return (f"LazySlices({self.which}: {len(self)} slices of {h}x{w} from "
                f"{len(torch.unique(self.volumes))} volumes)")
