"""Durable file writes: atomic replace, fsync of files and directories, appended lines;
none of them follows a symbolic link to the file it writes."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterable
from pathlib import Path

_DIR = os.O_RDONLY | os.O_DIRECTORY
_NOFOLLOW_HINT = "a symbolic link is in the way (mailbot never follows links in its data dir)"
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW


def atomic_write(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Write a file so that a crash leaves the old or the new version, never a mix.
    With `sync=False` the caller fsyncs later (see `fsync_paths`), batching the cost.
    A symbolic link at `path` is replaced, never written through."""
    fd = os.open(path.parent, _DIR)
    try:
        _replace_in(fd, path.name, data, sync)
    finally:
        os.close(fd)
    if sync:
        fsync_dir(path.parent)


def write_inside(root: Path, relative: Path, data: bytes) -> list[Path]:
    """Atomically write `root/relative` (unsynced) without following a symbolic link below
    `root`: each folder is opened with O_NOFOLLOW (and made when missing), the file is
    created with O_NOFOLLOW and renamed into place. A link in the way is an OSError (ELOOP).
    Returns what to fsync for the write to be durable: the file, and each folder it made
    with the folder that holds it."""
    path, durable = root / relative, [root / relative]
    fd = os.open(root, _DIR)  # `root` itself may be a link (systemd's DynamicUser makes one)
    try:
        here = root
        for name in relative.parts[:-1]:
            try:
                child = _open_dir_in(fd, name, here / name)
            except FileNotFoundError:
                os.mkdir(name, 0o700, dir_fd=fd)
                durable += [here / name, here]
                child = _open_dir_in(fd, name, here / name)
            os.close(fd)
            fd, here = child, here / name
        _replace_in(fd, relative.name, data, sync=False, shown=path)
    finally:
        os.close(fd)
    return list(dict.fromkeys(durable))


def find_symlink(root: Path) -> Path | None:
    """The first symbolic link found anywhere below `root` (not `root` itself), or None."""
    folders = [root]
    while folders:
        try:
            entries = list(os.scandir(folders.pop()))
        except FileNotFoundError:
            continue
        for entry in entries:
            if entry.is_symlink():
                return Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                folders.append(Path(entry.path))
    return None


def symlink_refusal(root: Path, link: Path) -> str:
    """What the operator is told about a link `find_symlink` found."""
    return (
        f"{link} is a symbolic link inside the data dir {root}: mailbot refuses a data dir "
        "that holds links, since one could make it write outside the data dir; remove the "
        "link, or put the file or folder it points to in its place"
    )


def _open_dir_in(fd: int, name: str, shown: Path) -> int:
    try:
        return os.open(name, _DIR | os.O_NOFOLLOW, dir_fd=fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise OSError(errno.ELOOP, _NOFOLLOW_HINT, str(shown)) from exc
        raise


def _replace_in(dir_fd: int, name: str, data: bytes, sync: bool, shown: Path | None = None) -> None:
    """Write `name` in the open folder `dir_fd` through a temp file made with O_NOFOLLOW
    (a link planted under the temp name is refused, not followed), then rename it over
    `name` (a link there is replaced, not followed)."""
    tmp = f".{name}.{os.getpid()}.tmp"
    try:
        fd = os.open(tmp, _NEW_FILE, 0o600, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, _NOFOLLOW_HINT, str(shown or name)) from exc
        raise
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        # A full disk must not stay full of half-written copies.
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
        raise


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_paths(paths: Iterable[Path]) -> None:
    """Make files written with `sync=False` durable: each file, then each directory once."""
    directories = set()
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        directories.add(path.parent)
    for directory in directories:
        fsync_dir(directory)


def append_lines(path: Path, lines: Iterable[str]) -> None:
    """Append lines and fsync; a torn last line after a crash is skipped by readers."""
    data = "".join(f"{line}\n" for line in lines).encode()
    if not data:
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_lines(path: Path) -> list[str]:
    """Complete lines of an appended file (a torn last line is dropped)."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return []
    lines = text.split("\n")
    return lines[:-1]  # the part after the last newline is empty or torn
