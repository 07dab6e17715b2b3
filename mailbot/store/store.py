"""The case store: the one object the rest of mailbot reads and changes cases through.

The hot file holds what the daemon works on — open and recently closed cases, pending mail,
recent dedupe keys — and is replaced whole, atomically, once per batch; documents keep their
JSON text between commits (`hotfile.py`), so a commit encodes only what changed. Closed cases
and old dedupe keys move to the cold store (`coldstore.py`) so the hot file does not grow with
history. Sent mail is journalled at once (`journal.py`) and folded in by the next commit.
docs/storage.md describes every file, the order of the writes and what a crash leaves.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mailbot.errors import StoreCorruptError, StoreError
from mailbot.model import Case, Changes, OutboundMail, SeenRecord
from mailbot.store import datadir, kept
from mailbot.store.backups import list_backups, write_backup
from mailbot.store.codec import from_dict, to_dict
from mailbot.store.coldstore import ColdStore
from mailbot.store.fsutil import atomic_write, fsync_paths
from mailbot.store.hotfile import assemble, encode, open_db
from mailbot.store.journal import SentJournal
from mailbot.store.layout import COLD_DIR, STORE_FILE
from mailbot.store.replies import ReplyLedger

HOT_SEEN_DAYS = 30  # dedupe keys younger than this stay in the hot file

__all__ = ["STORE_FILE", "Store"]


class Store:
    """In-memory view of the hot store, written to disk as a whole on `commit()`."""

    def __init__(self, data_dir: Path, *, readonly: bool = False) -> None:
        self.data_dir = data_dir
        self.readonly = readonly
        self._lock = threading.RLock()  # the in-memory state
        self._commit_lock = threading.Lock()  # one commit at a time
        self.journal = SentJournal(data_dir)
        self._lock_fd: int | None = None
        self._reply_cap: int | None = None  # configuration, not state: kept across a reload
        self._reset_state()

    def _reset_state(self) -> None:
        """Everything loaded from disk or changed since; the locks stay (other threads hold
        them while a failed commit reloads)."""
        self._open = False
        self.cold = ColdStore(self.data_dir / COLD_DIR)
        self._cases: dict[str, Case] = {}
        self._outbox: dict[str, OutboundMail] = {}
        # JSON texts of the documents, kept so a commit encodes only what changed (the ids in
        # `_stale`). Dedupe records are kept as dicts and text, not as SeenRecords: there are
        # many, a lookup needs just one, and the archive's age scan reads one field of each.
        self._case_json: dict[str, bytes] = {}
        self._outbox_json: dict[str, bytes] = {}
        self._stale: dict[str, set[str]] = {"cases": set(), "outbox": set()}
        self._seen_docs: dict[str, dict[str, Any]] = {}
        self._seen_json: dict[str, bytes] = {}
        self._uncommitted_mail: set[str] = set()  # queued since the last commit: not sendable
        self._held: set[str] = set()  # refused for good, not yet recorded: not sendable
        self._thread: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        self._meta: dict[str, str] = {}
        self._stats: list[dict[str, Any]] = []
        self._replies = ReplyLedger()  # automatic replies of the last day, for the caps
        self._dirty = False
        self._removed: set[str] = set()
        self._unsynced: list[Path] = []

    # --- opening and closing ----------------------------------------------------------

    @classmethod
    def open(cls, data_dir: Path, *, readonly: bool = False) -> Store:
        """Open (and for writing, lock) the store in `data_dir`."""
        store = cls(Path(data_dir), readonly=readonly)
        if readonly:
            if not (store.data_dir / STORE_FILE).exists():
                raise StoreError(f"no store in {store.data_dir}")
        else:
            store._lock_fd = datadir.take(store.data_dir)
        try:
            store._load()
        except BaseException:
            store.close()
            raise
        return store

    def _load(self) -> None:
        try:
            self._load_hot()
        except StoreCorruptError as exc:
            backups = self.backups()
            hint = f"; the last good backup is {backups[-1]}" if backups else "; no backup exists"
            raise StoreCorruptError(
                f"{exc}{hint}. mailbot will not start on a broken store: move the broken file "
                "aside and copy the backup to store.json (mail after the backup is still in the "
                "IMAP processed folder)"
            ) from exc

    def backups(self) -> list[Path]:
        return list_backups(self.data_dir)

    def backup(self, now: datetime) -> Path | None:
        """A daily copy of the committed hot file; the newest few are kept."""
        return write_backup(self.data_dir, now)

    def _load_hot(self) -> None:
        # TinyDB reads the file; the parsed form is let go of once the store has taken it in.
        db = open_db(self.data_dir / STORE_FILE)
        for doc in db.table("cases").all():
            case = from_dict(Case, doc)
            self._cases[case.id] = case
            self._case_json[case.id] = encode(doc)
            self._index_thread(case)
        for doc in db.table("outbox").all():
            mail = from_dict(OutboundMail, doc)
            self._outbox[mail.message_id] = mail
            self._outbox_json[mail.message_id] = encode(doc)
        for doc in db.table("seen").all():
            self._seen_docs[doc["key"]] = dict(doc)
            self._seen_json[doc["key"]] = encode(doc)
        self._meta = {d["key"]: d["value"] for d in db.table("meta").all()}
        self._stats = [dict(d) for d in db.table("stats").all()]
        self._counters = {d["key"]: d["value"] for d in db.table("counters").all()}
        self._replies.load(db.table("autoreplies").all())
        if not self.readonly or (self.data_dir / COLD_DIR).exists():
            self.cold.load()
        for case_id in [*self._cases, *self.cold.case_ids()]:
            self._count(case_id)
        for message_id, at in self.journal.entries():
            self._set_sent(message_id, at)
        self._open = True

    def close(self) -> None:
        with self._lock:
            self._open = False  # uncommitted changes are dropped on purpose: only commit() writes
            if self._lock_fd is not None:
                datadir.release(self._lock_fd)
                self._lock_fd = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading ------------------------------------------------------------------------

    def get_case(self, case_id: str) -> Case | None:
        with self._lock:
            case_id = case_id.upper()
            return self._cases.get(case_id) or self.cold.get_case(case_id)

    def hot_cases(self) -> list[Case]:
        """Open and recently closed cases: what ticks, digests and lists work on."""
        with self._lock:
            return sorted(self._cases.values(), key=lambda c: (c.received_at, c.id))

    def cases(self) -> list[Case]:
        """Every case, the archived ones included (reads the cold store)."""
        with self._lock:
            cold = [c for c in self.cold.cases() if c.id not in self._cases]
            return sorted([*self._cases.values(), *cold], key=lambda c: (c.received_at, c.id))

    def purge_candidates(self, now: datetime) -> list[Case]:
        """Closed cases that may be past retention: every closed hot case, and the archived
        ones the retention index names — without reading the whole archive."""
        with self._lock:
            hot = [c for c in self._cases.values() if c.status == "closed"]
            due = self.cold.due_for_purge(now.astimezone(UTC).isoformat())
            cold = [c for cid in due if cid not in self._cases and (c := self.cold.get_case(cid))]
            return hot + cold

    def case_for_message_id(self, message_id: str) -> str | None:
        with self._lock:
            return self._thread.get(message_id) or self.cold.case_for_message_id(message_id)

    def seen(self, key: str) -> SeenRecord | None:
        with self._lock:
            doc = self._seen_docs.get(key)
            if doc is not None:
                return from_dict(SeenRecord, doc)
            cold = self.cold.seen(key)
            if cold is None:
                return None
            outcome, case_id = cold
            return SeenRecord(key, "", "", outcome, datetime.min, case_id or None)

    def auto_replies(self, to: str | None, since: datetime) -> int:
        """Automatic replies queued since `since` to one address, or (None) capped replies
        whose turn is at or after `since` (held ones included)."""
        with self._lock:
            return self._replies.count(to, since)

    def auto_reply_turns(self, now: datetime, cap: int, count: int = 1) -> list[datetime]:
        """When `count` more capped automatic replies may go out: at once while the hour's
        budget lasts, else each more than an hour after the reply `cap` places before it.
        Turns are handed out in order, so no 60 minutes ever hold more than `cap`."""
        with self._lock:
            return self._replies.next_turns(now, cap, count)

    def waiting_replies(self) -> list[OutboundMail]:
        """Capped automatic replies the hourly cap held back, not sent yet."""
        with self._lock:
            return [
                m
                for m in self.outbox()
                if m.status == "pending" and m.capped and m.next_attempt_at is not None
            ]

    def seen_records(self) -> list[SeenRecord]:
        """The dedupe records still in the hot store (the recent ones)."""
        with self._lock:
            return [from_dict(SeenRecord, d) for d in self._seen_docs.values()]

    def meta(self, key: str) -> str | None:
        with self._lock:
            return self._meta.get(key)

    def stats(self) -> list[dict[str, Any]]:
        """Anonymous rows of purged cases, for later yearly analyses."""
        with self._lock:
            return list(self._stats)

    def outbox(self) -> list[OutboundMail]:
        with self._lock:
            return sorted(self._outbox.values(), key=lambda m: (m.created_at, m.message_id))

    def pending_outbox(self, now: datetime) -> list[OutboundMail]:
        """Mail due to be sent. Only committed mail: one sent before its record is on disk
        could be queued again, under the same Message-ID, after a crash. Capped replies only
        as many as the last hour's sends leave room for (see `_within_the_hour`)."""
        with self._lock:
            due = [
                m
                for m in self.outbox()
                if m.status == "pending"
                and (m.next_attempt_at is None or m.next_attempt_at <= now)
                and m.message_id not in self._uncommitted_mail
                and m.message_id not in self._held
            ]
            return self._within_the_hour(due, now)

    def pace_replies(self, cap: int) -> None:
        """The global hourly cap of automatic replies, which `pending_outbox` keeps to."""
        with self._lock:
            self._reply_cap = cap

    def _within_the_hour(self, due: list[OutboundMail], now: datetime) -> list[OutboundMail]:
        """The due mail the hourly cap lets go now; the capped mail left waiting gets new
        turns (`ReplyLedger.within_the_hour`), committed like any change."""
        if self._reply_cap is None:
            return due
        going, retimed = self._replies.within_the_hour(
            due, self._outbox.values(), now, self._reply_cap
        )
        for mail in retimed:
            self._outbox[mail.message_id] = mail
            self._stale["outbox"].add(mail.message_id)
            self._dirty = True
        return going

    def hold_back(self, message_id: str) -> None:
        """Keep a mail out of `pending_outbox` until its refusal is recorded (in memory only:
        after a restart it is tried, and refused, once more)."""
        with self._lock:
            self._held.add(message_id)

    def next_case_id(self, prefix: str, year: int) -> str:
        """The next free case id of that year; ids are never reused."""
        with self._lock:
            head = f"{prefix}-{year}-"
            return f"{head}{self._counters.get(head, 0) + 1:04d}"

    # --- writing (in memory until commit) -------------------------------------------

    def apply(self, changes: Changes) -> None:
        """Take in everything one unit of work changed; nothing reaches disk before commit."""
        self._check_writable()
        with self._lock:
            for case in changes.cases:
                self._cases[case.id] = case
                self._case_json.setdefault(case.id, b"")  # keeps the file in order of arrival
                self._stale["cases"].add(case.id)
                self._index_thread(case)
                self._count(case.id)
            for mail in changes.outbox:
                if mail.message_id not in self._outbox:
                    self._replies.note(mail)
                    self._outbox[mail.message_id] = mail
                    self._outbox_json[mail.message_id] = b""
                    self._uncommitted_mail.add(mail.message_id)
                    self._stale["outbox"].add(mail.message_id)
            for record in changes.seen:
                doc = to_dict(record)
                self._seen_docs[record.key] = doc
                self._seen_json[record.key] = encode(doc)
            self._meta.update(changes.meta)
            self._stats += changes.stats
            for case_id in changes.removed:
                self._remove_case(case_id)
            self._dirty = True

    def _remove_case(self, case_id: str) -> None:
        case = self._cases.pop(case_id, None) or self.cold.get_case(case_id)
        self._case_json.pop(case_id, None)
        self._stale["cases"].discard(case_id)
        self._removed.add(case_id)
        if case is not None:
            for message in case.messages:
                self._thread.pop(message.message_id, None)
        for key in [k for k, d in self._seen_docs.items() if d.get("case_id") == case_id]:
            del self._seen_docs[key]
            del self._seen_json[key]

    def update_outbound(self, mail: OutboundMail) -> None:
        self._check_writable()
        with self._lock:
            self._outbox[mail.message_id] = mail
            self._held.discard(mail.message_id)
            self._outbox_json.setdefault(mail.message_id, b"")
            self._stale["outbox"].add(mail.message_id)
            self._dirty = True

    def mark_sent(self, message_id: str, at: datetime) -> None:
        """Record at once (journal + fsync) that the server accepted a mail. Waits for a
        commit's snapshot, never for its disk writes."""
        self._check_writable()
        with self.journal.lock:
            try:
                self.journal.append(message_id, at)
            except OSError as exc:
                raise StoreError(f"cannot record a sent mail: {exc.strerror}") from exc
            with self._lock:
                self._set_sent(message_id, at)

    def probe_writable(self) -> None:
        """Fail now, before a mail goes out, if a sent mail could not be recorded."""
        self._check_writable()
        try:
            with self.journal.lock:
                self.journal.probe()
        except OSError as exc:
            raise StoreError(f"cannot write {self.journal.path}: {exc.strerror}") from exc

    def _set_sent(self, message_id: str, at: datetime) -> None:
        mail = self._outbox.get(message_id)
        if mail is not None and mail.status != "sent":
            self._replies.sent(mail, at)
            self._outbox[message_id] = replace(mail, status="sent", sent_at=at)
            self._stale["outbox"].add(message_id)
            self._dirty = True

    def commit(self) -> None:
        """Write every change since the last commit to disk atomically. The locks are held
        only while the snapshot is taken: the sender thread records sent mail meanwhile."""
        self._check_writable()
        if not self._open:
            raise StoreError("the store is closed")
        with self._commit_lock:
            path = self.data_dir / STORE_FILE
            try:
                with self.journal.lock, self._lock:
                    if not (self._dirty or self._unsynced or self._removed):
                        return
                    unsynced = self._unsynced
                    if self._removed:
                        self.cold.remove_cases(self._removed)
                    tables = self._snapshot()
                    queued = set(self._uncommitted_mail)
                    sealed = self.journal.seal()
                    self._unsynced, self._removed, self._dirty = [], set(), False
                # Kept mail must be durable before any record that refers to it.
                fsync_paths(unsynced)
                atomic_write(path, assemble(tables))
            except BaseException as exc:
                self._reload()
                if isinstance(exc, OSError):
                    raise StoreError(f"cannot write {path}: {exc.strerror}") from exc
                raise
            with self._lock:
                self._uncommitted_mail -= queued
            self.journal.discard(sealed)

    def _snapshot(self) -> dict[str, list[bytes]]:
        """The whole hot state as TinyDB tables of JSON texts (one file, replaced atomically)."""
        # Sent mail lives on in its case's timeline; the hot outbox keeps only work.
        for key in [k for k, m in self._outbox.items() if m.status == "sent"]:
            del self._outbox[key]
            self._outbox_json.pop(key, None)
            self._stale["outbox"].discard(key)
        self._replies.forget_old()
        self._encode_stale()
        small = {
            "autoreplies": self._replies.rows(),
            "counters": [{"key": k, "value": v} for k, v in sorted(self._counters.items())],
            "meta": [{"key": k, "value": v} for k, v in sorted(self._meta.items())],
            "stats": self._stats,
        }
        return {
            "cases": list(self._case_json.values()),
            "outbox": list(self._outbox_json.values()),
            "seen": list(self._seen_json.values()),
            **{name: [encode(doc) for doc in docs] for name, docs in small.items()},
        }

    def _encode_stale(self) -> None:
        for case_id in self._stale["cases"]:
            self._case_json[case_id] = encode(to_dict(self._cases[case_id]))
        for message_id in self._stale["outbox"]:
            self._outbox_json[message_id] = encode(to_dict(self._outbox[message_id]))
        self._stale = {"cases": set(), "outbox": set()}

    def archive(self, now: datetime) -> int:
        """Move closed cases and old dedupe keys to the cold store; returns cases moved.
        The cold copy is durable before the hot file lets go of it. Writes no backup: the
        caller does (`backup`), before archiving."""
        self._check_writable()
        with self._lock:
            closed = [c for c in self._cases.values() if c.status == "closed"]
            cutoff = now - timedelta(days=HOT_SEEN_DAYS)
            old_seen = [
                d for d in self._seen_docs.values() if datetime.fromisoformat(d["at"]) < cutoff
            ]
            if not closed and not old_seen:
                return 0
            self.cold.put_cases(closed)
            self.cold.put_seen([(d["key"], d["outcome"], d.get("case_id") or "") for d in old_seen])
            for case in closed:
                del self._cases[case.id]
                self._case_json.pop(case.id, None)
                self._stale["cases"].discard(case.id)
                for message in case.messages:
                    self._thread.pop(message.message_id, None)
            for doc in old_seen:
                del self._seen_docs[doc["key"]]
                del self._seen_json[doc["key"]]
            self._dirty = True
        self.commit()
        return len(closed)

    def _count(self, case_id: str) -> None:
        head, _, seq = case_id.rpartition("-")
        if seq.isdigit():
            self._counters[head + "-"] = max(self._counters.get(head + "-", 0), int(seq))

    def _reload(self) -> None:
        """Forget uncommitted changes after a failed commit: the disk is the truth. Holds
        the journal and state locks, so no thread sees half-loaded state or marks a mail sent
        in between."""
        with self.journal.lock, self._lock:
            self._reset_state()
            self._load()

    def _check_writable(self) -> None:
        if self.readonly:
            raise StoreError("the store was opened read-only")

    def _index_thread(self, case: Case) -> None:
        for message in case.messages:
            self._thread[message.message_id] = case.id

    # --- files ----------------------------------------------------------------------------

    def save_raw(self, raw: bytes) -> str:
        """Keep a message's original bytes as `.eml` under their SHA-256; returns the hash.
        Made durable by the next commit, before anything refers to it."""
        sha = kept.digest(raw)
        self._keep(self.raw_path(sha), raw)
        return sha

    def raw_path(self, sha: str) -> Path:
        return kept.raw_path(self.data_dir, sha)

    def save_attachment(self, payload: bytes) -> str:
        """Keep an attachment under a generated name; the sender's name is never a path."""
        name = kept.attachment_name(payload)
        self._keep(self.attachment_path(name), payload)
        return name

    def attachment_path(self, stored_name: str) -> Path:
        return kept.attachment_path(self.data_dir, stored_name)

    def _keep(self, path: Path, data: bytes) -> None:
        durable = kept.keep(self.data_dir, path, data)
        with self._lock:
            self._unsynced += durable

    def delete_files(self, raw_hashes: list[str], attachments: list[str]) -> int:
        """Remove kept mail and attachments (after a purge was committed); returns how many."""
        paths = [self.raw_path(h) for h in raw_hashes]
        return kept.delete(paths + [self.attachment_path(n) for n in attachments])
