"""The training loop's few collective operations under ``torchrun`` (one process: no-ops).

Several processes join the gloo process group that the launcher's environment describes (``WORLD_SIZE``, ``RANK``,
``MASTER_ADDR``...); see ``engine.train`` for how they split each global batch.
"""
from __future__ import annotations

import os

import torch


def init_distributed() -> tuple[int, int]:
    """(rank, world size); under torchrun (WORLD_SIZE > 1) joins the gloo process group the launcher describes."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("gloo")
    return dist.get_rank(), dist.get_world_size()


def all_sum(values: list[float], world: int) -> list[float]:
    """``values`` summed over the ``world`` processes (in float64); ``values`` itself in one process."""
    if world == 1:
        return values
    import torch.distributed as dist

    t = torch.tensor(values, dtype=torch.float64)
    dist.all_reduce(t)
    return t.tolist()


def barrier(world: int) -> None:
    """Wait for every process (nothing in one process)."""
    if world > 1:
        import torch.distributed as dist

        dist.barrier()


__all__ = ["all_sum", "barrier", "init_distributed"]
