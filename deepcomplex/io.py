"""Atomic file writes, shared by every part of the project that writes a user's files.

A file is written to a temp file in its own directory, flushed to disk, then moved over the target with
``os.replace``: a reader sees the old file or the new one, never half of one, and a failed write leaves the old file
as it was.
"""
from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import BinaryIO, Callable, Union

PathLike = Union[str, os.PathLike]

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_write_text", "current_umask", "previous_path"]

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's file mode creation mask, read without changing it where the system allows.

    Linux reports it in ``/proc/self/status`` (since 4.7); elsewhere it is read by setting and restoring it, under a
    lock, so that no two threads of this module interleave (a file another thread creates in between could still get
    the temporary mask of 0; only this fallback has that window).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def previous_path(path: PathLike) -> Path:
    """Where :func:`atomic_write` with ``keep_previous=True`` keeps the file it replaced: ``<stem>.prev<suffix>``."""
    path = Path(path)
    return path.with_name(f"{path.stem}.prev{path.suffix}")


def atomic_write(path: PathLike, write: Callable[[BinaryIO], object], keep_previous: bool = False) -> Path:
    """Write ``path`` through ``write(f)`` on a binary temp file in the same directory, then ``os.replace``.

    The file gets an ordinary new file's permissions, ``0o666`` less the umask (``0o644`` under the usual umask
    022), as ``open(path, "w")`` would give it: the temp file that ``tempfile.mkstemp`` makes is private (``0o600``)
    and is opened up before it is renamed.

    Args:
        path: the file to write; its directory is created if missing.
        write: called once with the open binary temp file.
        keep_previous: if True and ``path`` exists, it is first renamed to :func:`previous_path`, so that a good
            copy exists at every instant (used for checkpoints).

    Returns:
        ``path`` as a :class:`pathlib.Path`.

    Example:
        >>> atomic_write("out/result.json", lambda f: f.write(b"{}"))  # doctest: +SKIP
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):  # POSIX; on Windows mkstemp's file is already an ordinary one
                os.fchmod(f.fileno(), 0o666 & ~current_umask())
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if keep_previous and path.exists():
            os.replace(path, previous_path(path))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def atomic_write_bytes(path: PathLike, data: bytes) -> Path:
    """Atomically write ``data`` to ``path`` (see :func:`atomic_write`)."""
    return atomic_write(path, lambda f: f.write(data))


def atomic_write_text(path: PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Atomically write ``text`` to ``path`` (see :func:`atomic_write`)."""
    return atomic_write(path, lambda f: f.write(text.encode(encoding)))
