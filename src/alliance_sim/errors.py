"""One exception type for bad user input.

The CLI prints a ``UserError`` as a single line (no traceback) and exits 2;
the Python API lets it propagate. Messages name the file (where there is
one), the key and what is allowed. A message is always one line, and input
is quoted only as a short excerpt (``excerpt``), however long it was.
"""
from __future__ import annotations

import errno
import os

EXCERPT = 60  # characters of user input quoted in a message
MAX_MESSAGE = 2000  # characters of a whole message (allowed-value lists included)


def excerpt(text, limit: int = EXCERPT) -> str:
    """``text`` shortened for a message: one line, at most ``limit`` characters, then ``...`` and its length."""
    text = str(text)
    short = text if len(text) <= limit else text[:limit] + f"... ({len(text):,} characters)"
    return _one_line(short)


def _one_line(text: str) -> str:
    """Control characters (newlines, terminal escapes) shown escaped, so a message stays one plain line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class UserError(ValueError):
    """Bad input from the user: a scenario file, an override, a flag."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None):
        self.file = excerpt(file, 300) if file is not None else None
        self.key = excerpt(key, 100) if key is not None else None
        where = ": ".join(p for p in (self.file, self.key) if p)
        text = _one_line(f"{where}: {message}" if where else str(message))
        if len(text) > MAX_MESSAGE:
            text = text[:MAX_MESSAGE] + f"... ({len(text):,} characters)"
        super().__init__(text)


def os_error_message(e: OSError) -> str:
    """An ``OSError`` as one short line: what failed, on which path, and why (``Read-only file system``)."""
    why = e.strerror or (errno.errorcode.get(e.errno, "") if e.errno else "") or e.__class__.__name__
    paths = [excerpt(os.fsdecode(p), 200) for p in (e.filename, e.filename2) if p is not None]
    hint = {errno.ENOSPC: "; free some space or choose another --out",
            errno.EROFS: "; choose a writable --out", errno.EACCES: "", errno.ENAMETOOLONG: "; use a shorter name",
            errno.ELOOP: " (a symbolic link loop)"}.get(e.errno, "")
    return _one_line(f"{' -> '.join(paths)}: {why}{hint}" if paths else f"{why}{hint}")


def user_error_from_os(e: OSError, what: str = "", *, key: str | None = None) -> UserError:
    """The one-line ``UserError`` for an ``OSError`` (``what``: e.g. ``"cannot write results"``)."""
    msg = os_error_message(e)
    return UserError(f"{what}: {msg}" if what else msg, key=key)


class CheckpointWarning(UserWarning):
    """Something about a run's saved checkpoints the user should know (e.g. chunks that failed
    verification and were recomputed). The CLI prints it as one line."""
