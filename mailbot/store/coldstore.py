"""Closed cases out of the hot path: one JSON file per case, and append-only indexes of the
mail they hold, so the hot store does not grow with history."""

from __future__ import annotations

import contextlib
import json
import os
from datetime import UTC
from pathlib import Path

from mailbot.errors import StoreCorruptError
from mailbot.model import Case
from mailbot.store.codec import from_dict, to_dict
from mailbot.store.fsutil import append_lines, atomic_write, fsync_paths, read_lines, write_inside

THREADS = "threads.log"  # message_id \t case_id
SEEN = "seen.log"  # dedupe key \t outcome \t case_id
RETENTION = "retention.log"  # case_id \t retention due (ISO) \t on hold (0/1); last line wins


class ColdStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._ids: set[str] = set()
        self._seen: dict[str, tuple[str, str]] = {}
        self._threads: dict[str, str] | None = None  # loaded on the first lookup
        self._retention: dict[str, tuple[str, bool]] = {}

    def load(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._ids = set()
        for folder in os.scandir(self.root):  # faster than glob; the ids are all it keeps
            if folder.is_dir(follow_symlinks=False):
                for entry in os.scandir(folder.path):
                    if entry.name.endswith(".json") and not entry.name.startswith("."):
                        self._ids.add(entry.name.removesuffix(".json"))
        self._seen = {}
        for line in read_lines(self.root / SEEN):
            key, _, rest = line.partition("\t")
            outcome, _, case_id = rest.partition("\t")
            self._seen[key] = (outcome, case_id)
        self._retention = {}
        for line in read_lines(self.root / RETENTION):
            case_id, _, rest = line.partition("\t")
            due, _, hold = rest.partition("\t")
            self._retention[case_id] = (due, hold == "1")

    # --- reading ------------------------------------------------------------------------

    def case_ids(self) -> list[str]:
        return sorted(self._ids)

    def get_case(self, case_id: str) -> Case | None:
        if case_id not in self._ids:
            return None
        path = self._path(case_id)
        try:
            return from_dict(Case, json.loads(path.read_bytes()))
        except (OSError, ValueError) as exc:
            raise StoreCorruptError(f"{path} is not a valid case file: {exc}") from exc

    def cases(self) -> list[Case]:
        return [c for cid in self.case_ids() if (c := self.get_case(cid)) is not None]

    def due_for_purge(self, now_iso_utc: str) -> list[str]:
        """Archived cases whose retention ended (ISO UTC strings compare as times)."""
        return sorted(
            cid
            for cid, (due, hold) in self._retention.items()
            if due and not hold and due <= now_iso_utc and cid in self._ids
        )

    def seen(self, key: str) -> tuple[str, str] | None:
        return self._seen.get(key)

    def case_for_message_id(self, message_id: str) -> str | None:
        if self._threads is None:
            self._threads = {}
            for line in read_lines(self.root / THREADS):
                mid, _, cid = line.partition("\t")
                self._threads[mid] = cid
        found = self._threads.get(message_id)
        return found if found in self._ids else None

    # --- writing (each step idempotent: the hot store removes only after this is durable) --

    def _path(self, case_id: str) -> Path:
        """A case's file: one folder per prefix and year (`KL-2026/KL-2026-0042.json`)."""
        return self.root / case_id.rsplit("-", 1)[0] / f"{case_id}.json"

    def put_cases(self, cases: list[Case]) -> None:
        durable: list[Path] = []
        for case in cases:
            data = json.dumps(to_dict(case), ensure_ascii=False).encode()
            # never through a symbolic link planted below the archive
            durable += write_inside(self.root, self._path(case.id).relative_to(self.root), data)
            self._ids.add(case.id)
        fsync_paths(dict.fromkeys(durable))
        lines = [f"{m.message_id}\t{c.id}" for c in cases for m in c.messages]
        append_lines(self.root / THREADS, lines)
        retention = []
        for case in cases:
            deadline = case.deadline("retention")
            due = deadline.due.astimezone(UTC).isoformat() if deadline else ""
            self._retention[case.id] = (due, case.on_hold)
            retention.append(f"{case.id}\t{due}\t{int(case.on_hold)}")
        append_lines(self.root / RETENTION, retention)
        if self._threads is not None:
            self._threads.update(line.split("\t", 1) for line in lines)  # type: ignore[misc]

    def put_seen(self, records: list[tuple[str, str, str]]) -> None:
        append_lines(self.root / SEEN, ["\t".join(r) for r in records])
        for key, outcome, case_id in records:
            self._seen[key] = (outcome, case_id)

    def remove_cases(self, case_ids: set[str]) -> None:
        """Purge: case files and their index lines go."""
        for case_id in case_ids:
            if case_id in self._ids:
                self._ids.discard(case_id)
                with contextlib.suppress(FileNotFoundError):
                    self._path(case_id).unlink()
        self._rewrite(THREADS, lambda line: line.partition("\t")[2] not in case_ids)
        self._rewrite(SEEN, lambda line: line.rsplit("\t", 1)[-1] not in case_ids)
        self._rewrite(RETENTION, lambda line: line.partition("\t")[0] not in case_ids)
        for case_id in case_ids:
            self._retention.pop(case_id, None)
        self._seen = {k: v for k, v in self._seen.items() if v[1] not in case_ids}
        self._threads = None

    def _rewrite(self, name: str, keep) -> None:
        lines = [line for line in read_lines(self.root / name) if keep(line)]
        atomic_write(self.root / name, "".join(f"{line}\n" for line in lines).encode())
