"""The refresh token file: replaced atomically (mode 0600) when a token rotates, and a lock
beside it so that two mailbot processes never spend the same refresh token."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from mailbot.errors import AuthError
from mailbot.store.fsutil import atomic_write


def read_refresh_token(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise AuthError(
            f"no refresh token yet: {path} does not exist; run `mailbot auth` once to sign in"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise AuthError(f"cannot read refresh_token_file {path}: {reason}") from exc
    if not text or len(text.splitlines()) != 1:
        raise AuthError(f"refresh_token_file {path} does not hold one token on one line")
    return text


def write_refresh_token(path: Path, token: str) -> None:
    """Replace the file whole, fsynced, readable by this user only: a crash leaves the old or
    the new token, never half of one."""
    try:
        atomic_write(path, f"{token}\n".encode())
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise AuthError(f"cannot save the new refresh token to {path}: {reason}") from exc


@contextlib.contextmanager
def refresh_lock(path: Path) -> Iterator[None]:
    """Hold `<file>.lock` (flock) for one read, refresh and save. Not the token file itself:
    the atomic save replaces that file, and a lock on the old one would lock nothing."""
    lock = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise AuthError(f"cannot open the lock file {lock}: {reason}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
