"""One run at a time in an output folder.

Two ``score`` runs started into one ``OUT`` both exited 0 while each removed and rewrote the other's files. A run
(``score``, ``segment``, ``rescore``) and a review server hold an exclusive lock on ``OUT/.vitiscore.lock`` while
they work; a second one is refused with a message naming the first (command, process id, machine, start time).
The lock is the operating system's (``flock``): a process that dies, however it dies, releases it, so a stale
lock file is never an obstacle. Systems without ``fcntl`` (Windows) run without the lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from vitiscore.errors import MissingInputError, UsageError

LOCK_FILE = ".vitiscore.lock"


@contextlib.contextmanager
def held(out_dir: Path, command: str) -> Iterator[None]:
    """Hold ``out_dir``'s lock for ``command`` while the block runs (``out_dir`` exists).

    Raises:
        vitiscore.errors.UsageError: another process holds it; the message names that process.
        vitiscore.errors.MissingInputError: ``out_dir`` does not exist.
    """
    if not Path(out_dir).is_dir():
        raise MissingInputError(f"output folder does not exist: {out_dir}")
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    handle = open(Path(out_dir) / LOCK_FILE, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise UsageError(
                f"{out_dir} is in use by another vitiscore run ({holder}); wait for it to finish, or name another "
                "output folder"
            ) from None
        handle.seek(0)
        handle.truncate()
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        handle.write(f"vitiscore {command}, process {os.getpid()} on {socket.gethostname()}, started {started}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()
