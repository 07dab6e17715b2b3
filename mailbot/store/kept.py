"""Kept originals (.eml) and attachments: files named by their SHA-256 under the data dir,
written without following a symbolic link and made durable by the next commit."""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

from mailbot.errors import StoreError
from mailbot.store.fsutil import write_inside
from mailbot.store.layout import ATTACHMENT_DIR, MAIL_DIR

__all__ = ["attachment_name", "attachment_path", "delete", "digest", "keep", "raw_path"]


def digest(data: bytes) -> str:
    """The SHA-256 a kept file is named by, in hex."""
    return hashlib.sha256(data).hexdigest()


def raw_path(data_dir: Path, sha: str) -> Path:
    return data_dir / MAIL_DIR / sha[:2] / f"{sha}.eml"


def attachment_name(payload: bytes) -> str:
    """A generated name: the sender's file name is never a path."""
    return digest(payload) + ".bin"


def attachment_path(data_dir: Path, stored_name: str) -> Path:
    return data_dir / ATTACHMENT_DIR / stored_name[:2] / stored_name


def keep(data_dir: Path, path: Path, data: bytes) -> list[Path]:
    """Write `data` at `path` unless it is there already; returns what the next commit must
    fsync for it to be durable."""
    try:
        exists = path.lstat().st_size == len(data)  # content-addressed: the same bytes
    except FileNotFoundError:
        exists = False
    if exists:  # synced by the next commit all the same: a run that crashed may have written
        return [path]  # it without
    try:  # never through a symbolic link; folders it makes are synced too
        return write_inside(data_dir, path.relative_to(data_dir), data)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror}") from exc


def delete(paths: list[Path]) -> int:
    """Remove kept files (after a purge was committed); returns how many were there."""
    count = 0
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            count += 1
    return count
