"""Daily copies of the committed hot file, the newest few kept: the way back from a broken one."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from mailbot.store.fsutil import atomic_write
from mailbot.store.layout import BACKUP_DIR, STORE_FILE

BACKUPS_KEPT = 3

__all__ = ["BACKUPS_KEPT", "list_backups", "write_backup"]


def list_backups(data_dir: Path) -> list[Path]:
    """The backups there are, oldest first (the names sort by day)."""
    return sorted((data_dir / BACKUP_DIR).glob("store-*.json"))


def write_backup(data_dir: Path, now: datetime) -> Path | None:
    """Copy the hot file as last committed to `backups/store-YYYYMMDD.json`, once a day (an
    existing copy of the day is kept), and delete all but the newest `BACKUPS_KEPT`."""
    source = data_dir / STORE_FILE
    if not source.exists():
        return None
    folder = data_dir / BACKUP_DIR
    folder.mkdir(exist_ok=True, mode=0o700)
    target = folder / f"store-{now.strftime('%Y%m%d')}.json"
    if not target.exists():
        atomic_write(target, source.read_bytes())
    for old in list_backups(data_dir)[:-BACKUPS_KEPT]:
        old.unlink()
    return target
