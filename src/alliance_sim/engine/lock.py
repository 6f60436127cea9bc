"""One run at a time per output folder: an operating-system file lock held for the run's life.

A run writing to ``OUT`` holds an exclusive lock on the file ``.OUT.lock``
beside it (``fcntl.flock``; on Windows ``msvcrt.locking``). The operating
system releases the lock when the process ends, however it ends (``kill
-9`` included), so a lock file left by a dead process is stale and simply
taken over; a second run into the same folder while the first is alive is
refused with one line naming the folder and the process holding it. The
file holds the holder's process id, host, start time and command, for
that message; it is removed when the lock is released.

``hold(out)`` is reentrant within a thread (a run's save may hold the lock
its computation already holds).
"""
from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import threading
import time
from pathlib import Path

from ..errors import UserError, excerpt

_HELD: dict[str, list] = {}  # lock path -> [fd, thread id, depth]
_GUARD = threading.Lock()


def lock_path(out) -> Path:
    """The lock file of output folder ``out``: ``.OUT.lock`` in the same parent folder."""
    from .store import check_out_name

    out = check_out_name(out)
    return out.with_name(f".{out.name}.lock")


def _holder(fd: int) -> dict:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = json.loads(os.read(fd, 65536).decode("utf-8", "replace") or "{}")
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _describe(info: dict) -> str:
    if not info.get("pid"):
        return "another process"
    host = info.get("host")
    where = f" on {host}" if host and host != socket.gethostname() else ""
    since = ""
    if isinstance(info.get("started"), (int, float)):
        since = time.strftime(" since %Y-%m-%d %H:%M:%S", time.localtime(info["started"]))
    cmd = f" ({excerpt(info['command'], 80)})" if info.get("command") else ""
    return f"process {info['pid']}{where}{cmd}{since}"


try:  # pragma: no branch
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
except ImportError:  # pragma: no cover - Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def acquire(out) -> int:
    """Lock output folder ``out`` for this process; returns the lock file's descriptor.

    Raises ``UserError`` if a live process holds it.
    """
    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_lock(fd):
            info = _holder(fd)
            os.close(fd)
            raise UserError(f"{out} is being written by another run ({_describe(info)}); wait for it to finish, "
                            f"or choose another folder", key="out")
        # The holder before us may have removed the file after we opened it: lock the file at the path.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        _unlock(fd)
        os.close(fd)
    info = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time(),
            "command": " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))}
    data = json.dumps(info).encode()
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)
    return fd


def release(out, fd: int) -> None:
    """Remove the lock file and release the lock."""
    path = lock_path(out)
    try:
        if os.path.samestat(os.fstat(fd), os.stat(path)):
            path.unlink()
    except OSError:
        pass
    try:
        _unlock(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def hold(out):
    """Hold the lock of output folder ``out`` for the ``with`` block (reentrant within a thread)."""
    key = str(lock_path(out).absolute())
    me = threading.get_ident()
    with _GUARD:
        entry = _HELD.get(key)
        if entry is not None:
            if entry[1] != me:
                raise UserError(f"{out} is being written by another run in this process; wait for it to finish, "
                                f"or choose another folder", key="out")
            entry[2] += 1
        else:
            _HELD[key] = [acquire(out), me, 1]
    try:
        yield
    finally:
        with _GUARD:
            entry = _HELD[key]
            entry[2] -= 1
            if entry[2] == 0:
                del _HELD[key]
                release(out, entry[0])
