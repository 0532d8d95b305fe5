"""One training process per run directory: :func:`run_lock`, a lock file holding the owner's PID.

Two ``deepcomplex train`` processes writing into the same ``--out`` would overwrite each other's checkpoint and
results. The lock file is created with ``O_CREAT | O_EXCL`` (atomic: of two processes, one creates it and the other
finds it), holds ``<pid> <host>``, and is removed when the run ends, whether it finishes, fails or is interrupted
(KeyboardInterrupt included). A process killed outright (SIGKILL, power loss) leaves its lock behind: the next run finds
that the PID no longer runs on this host (``os.kill(pid, 0)``), says so and takes the lock over.
"""
from __future__ import annotations

import contextlib
import errno
import os
import socket
import sys
import time
from pathlib import Path
from typing import Iterator, Optional, TextIO, Union

LOCK_FILE = ".train.lock"  # in the run directory, next to checkpoint.pt


class RunLockedError(FileExistsError):
    """Another live process holds the run directory's lock."""


def _pid_alive(pid: int) -> bool:
    """Whether a process with this PID runs on this machine (signal 0 checks existence and permission only)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by another user
        return True
    except OSError as err:
        return err.errno != errno.ESRCH
    return True


def _read_owner(path: Path) -> tuple[Optional[int], str]:
    """(pid, host) written in a lock file; (None, "") when it is unreadable or not in that form."""
    try:
        fields = path.read_text(encoding="utf-8").split()
        return int(fields[0]), (fields[1] if len(fields) > 1 else "")
    except (OSError, ValueError, IndexError):
        return None, ""


def _try_create(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f"{os.getpid()} {socket.gethostname()}\n")
    return True


def _remove_stale(path: Path, pid: int) -> None:
    """Remove the lock file of dead process ``pid``. It is moved aside first and checked: if another process took
    the stale lock over in between, the file moved is that process's new lock, and it is put back."""
    aside = path.with_name(f"{path.name}.stale.{os.getpid()}")
    try:
        os.replace(path, aside)
    except FileNotFoundError:  # another process removed it first
        return
    if _read_owner(aside)[0] == pid:
        os.unlink(aside)
    else:
        os.replace(aside, path)


def acquire_run_lock(out: Union[str, Path], log: Optional[TextIO] = None) -> Path:
    """Take the lock of run directory ``out`` (created if missing) for this process; the lock file's path.

    Raises :class:`RunLockedError` (a ``FileExistsError``) naming the PID when a live process holds it. A lock left by
    a process that no longer runs is taken over, with a message on ``log`` (default: stderr). A lock written on another
    host, or one that cannot be read, is not guessed at: the error names the file to delete once no run uses it.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_FILE
    for _ in range(3):  # a stale lock removed by two processes at once: one of them creates the new one
        if _try_create(path):
            return path
        pid, host = _read_owner(path)
        if pid is None:  # its owner may be between creating the file and writing its PID
            time.sleep(0.2)
            pid, host = _read_owner(path)
        here = socket.gethostname()
        if pid is None or (host and host != here):
            who = f"process {pid} on {host}" if pid is not None else "an unknown process (unreadable lock file)"
            raise RunLockedError(f"{out} is locked by {who}: another deepcomplex train may be writing there; choose "
                                 f"another --out, or delete {path} if no run uses it")
        if pid == os.getpid():
            raise RunLockedError(f"{out} is already locked by this process (PID {pid}): one train() per directory")
        if _pid_alive(pid):
            raise RunLockedError(f"{out} is in use by another deepcomplex train (PID {pid}): wait for it to finish "
                                 f"(or stop it), or choose another --out")
        print(f"deepcomplex train: taking over the lock of {out} left by PID {pid}, which no longer runs "
              f"(killed or crashed); its last checkpoint is kept", file=log if log is not None else sys.stderr)
        _remove_stale(path, pid)
    raise RunLockedError(f"{out}: could not take the lock {path} (other processes keep taking it)")


def release_run_lock(path: Union[str, Path]) -> None:
    """Remove a lock file taken by :func:`acquire_run_lock`, if it is still this process's."""
    path = Path(path)
    pid, _ = _read_owner(path)
    if pid == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


@contextlib.contextmanager
def run_lock(out: Union[str, Path], log: Optional[TextIO] = None) -> Iterator[Path]:
    """Hold the lock of run directory ``out`` for the ``with`` block (see :func:`acquire_run_lock`); it is released
    on leaving the block however the block ends. A directory it had to create is removed again if nothing else was
    written into it (a run that failed before its first file leaves no empty directory behind)."""
    created = not Path(out).exists()
    path = acquire_run_lock(out, log)
    try:
        yield path
    finally:
        release_run_lock(path)
        if created:
            with contextlib.suppress(OSError):  # not empty: the run wrote files
                path.parent.rmdir()


__all__ = ["LOCK_FILE", "RunLockedError", "acquire_run_lock", "release_run_lock", "run_lock"]
