"""Taking the data dir for writing: the lock file that makes one process its owner, and the
temp files that writes cut short by a crash or a full disk left behind."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from mailbot.errors import StoreError, StoreLockedError
from mailbot.store.fsutil import find_symlink, symlink_refusal
from mailbot.store.layout import ATTACHMENT_DIR, COLD_DIR, LOCK_FILE, MAIL_DIR

__all__ = ["release", "take"]

# The temp files of `atomic_write` and `write_inside` in the hot path's folders. A purge's
# rewritten index (archive/.<log>.<pid>.tmp) and a backup's (backups/.store-*.tmp) are left:
# harmless, and the next purge or backup writes its own.
_TEMP_FILES = (
    ".*.tmp",
    f"{MAIL_DIR}/*/.*.tmp",
    f"{ATTACHMENT_DIR}/*/.*.tmp",
    f"{COLD_DIR}/*/.*.tmp",
)


def take(data_dir: Path) -> int:
    """Make the data dir (0700) if missing, refuse one holding a symbolic link, lock it for
    this process (writing our pid into the lock file) and clear stale temp files. Returns the
    lock file's descriptor: the lock lasts until it is closed (`release`) or the process ends."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise StoreError(f"cannot use data dir {data_dir}: {exc.strerror}") from exc
    if (link := find_symlink(data_dir)) is not None:
        os.close(fd)
        raise StoreError(symlink_refusal(data_dir, link))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise StoreLockedError(
            f"{data_dir} is in use by another mailbot process (pid {owner})"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    _remove_stale_temp_files(data_dir)
    return fd


def release(fd: int) -> None:
    """Let go of the lock `take` returned."""
    os.close(fd)


def _remove_stale_temp_files(data_dir: Path) -> None:
    """Safe only under the lock: no other process is writing them."""
    for pattern in _TEMP_FILES:
        for path in data_dir.glob(pattern):
            with contextlib.suppress(OSError):
                path.unlink()
