"""The sent journal: each mail the SMTP server accepted, appended and fsynced at once.

A commit folds the marks into the hot file. It seals the current journal file when it takes its
snapshot and deletes the sealed files once the hot file is on disk, so marks made while the hot
file is being written land in a fresh file and are never lost with the old one.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from mailbot.store.fsutil import append_lines, fsync_dir, read_lines
from mailbot.store.layout import SENT_JOURNAL

__all__ = ["SENT_JOURNAL", "SentJournal"]


class SentJournal:
    """`lock` orders appends with sealing: hold it to append or to seal."""

    def __init__(self, data_dir: Path) -> None:
        self._dir = data_dir
        self.path = data_dir / SENT_JOURNAL
        self.lock = threading.Lock()

    def append(self, message_id: str, at: datetime) -> None:
        """Record one accepted mail durably (raises OSError)."""
        self._append(f"{message_id}\t{at.isoformat()}")

    def probe(self) -> None:
        """Prove the journal writable before anything is sent (raises OSError)."""
        self._append("#probe\t")

    def _append(self, line: str) -> None:
        created = not self.path.exists()
        append_lines(self.path, [line])
        if created:  # a new file's name must survive a power loss too, not only its bytes
            fsync_dir(self._dir)

    def seal(self) -> list[Path]:
        """Set the current file aside; returns every sealed file, older ones included."""
        sealed = self._sealed()
        if self.path.exists() and self.path.stat().st_size:
            number = max((int(p.suffix[1:]) for p in sealed), default=0) + 1
            target = self.path.with_name(f"{SENT_JOURNAL}.{number}")
            self.path.rename(target)
            sealed.append(target)
        return sealed

    def discard(self, sealed: list[Path]) -> None:
        """Delete sealed files whose marks are now in the committed hot file."""
        for path in sealed:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def entries(self) -> Iterator[tuple[str, datetime]]:
        """Every complete mark in the sealed files and the current one."""
        for path in [*self._sealed(), self.path]:
            for line in read_lines(path):
                message_id, _, at = line.partition("\t")
                with contextlib.suppress(ValueError):
                    yield message_id, datetime.fromisoformat(at)

    def _sealed(self) -> list[Path]:
        found = [p for p in self._dir.glob(f"{SENT_JOURNAL}.*") if p.suffix[1:].isdigit()]
        return sorted(found, key=lambda p: int(p.suffix[1:]))
