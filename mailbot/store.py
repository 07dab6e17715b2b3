"""The case store: TinyDB behind atomic writes, one lock, one owning process, batched commits."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage
from tinydb.table import Document

from mailbot.codec import from_dict, to_dict
from mailbot.errors import StoreCorruptError, StoreError, StoreLockedError
from mailbot.model import Case, OutboundMail

STORE_FILE = "store.json"
LOCK_FILE = "mailbot.lock"
SENT_JOURNAL = "outbox-sent.log"


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so that a crash leaves the old or the new version, never a mix."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicJSONStorage(Storage):
    """TinyDB storage that replaces the file atomically instead of rewriting it in place."""

    def __init__(self, path: str) -> None:
        self._path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            text = self._path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read {self._path}: {exc.strerror}") from exc
        try:
            return json.loads(text)
        except ValueError as exc:
            raise StoreCorruptError(f"{self._path} is not a valid store file: {exc}") from exc

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            atomic_write(self._path, payload)
        except OSError as exc:
            raise StoreError(f"cannot write {self._path}: {exc.strerror}") from exc

    def close(self) -> None:
        pass


class _Cache(CachingMiddleware):
    # Writes reach the disk only on commit (flush), never half-way through a batch.
    WRITE_CACHE_SIZE = 2**62


@dataclass(frozen=True)
class SeenRecord:
    """A mail that was handled, so a redelivered copy is recognised."""

    key: str
    message_id: str
    sha256: str
    outcome: str  # case | discarded | quarantined
    at: datetime
    case_id: str | None = None
    reason: str = ""


@dataclass
class Changes:
    """Everything one inbound mail (or one tick) changes, applied to the store in one go."""

    cases: list[Case] = field(default_factory=list)
    outbox: list[OutboundMail] = field(default_factory=list)
    seen: list[SeenRecord] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    stats: list[dict[str, Any]] = field(default_factory=list)  # rows kept after a purge
    removed: list[str] = field(default_factory=list)  # case ids purged


class Store:
    """In-memory view of the hot store, written to disk as a whole on `commit()`."""

    def __init__(self, data_dir: Path, *, readonly: bool = False) -> None:
        self.data_dir = data_dir
        self.readonly = readonly
        self._lock = threading.RLock()
        self._lock_fd: int | None = None
        self._db: TinyDB | None = None
        self._cases: dict[str, Case] = {}
        self._case_doc: dict[str, int] = {}
        self._outbox: dict[str, OutboundMail] = {}
        self._outbox_doc: dict[str, int] = {}
        self._seen: dict[str, SeenRecord] = {}
        self._thread: dict[str, str] = {}
        self._meta: dict[str, str] = {}
        self._stats: list[dict[str, Any]] = []
        self._removed: list[str] = []
        self._dirty_meta = False
        self._new_stats: list[dict[str, Any]] = []
        self._dirty_cases: set[str] = set()
        self._dirty_outbox: set[str] = set()
        self._new_seen: list[SeenRecord] = []
        self._next_doc = 1

    # --- opening and closing ----------------------------------------------------------

    @classmethod
    def open(cls, data_dir: Path, *, readonly: bool = False) -> Store:
        """Open (and for writing, lock) the store in `data_dir`."""
        store = cls(Path(data_dir), readonly=readonly)
        if readonly:
            if not (store.data_dir / STORE_FILE).exists():
                raise StoreError(f"no store in {store.data_dir}")
        else:
            store._acquire_lock()
        try:
            store._load()
        except BaseException:
            store.close()
            raise
        return store

    def _acquire_lock(self) -> None:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(f"cannot use data dir {self.data_dir}: {exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StoreLockedError(
                f"{self.data_dir} is in use by another mailbot process (pid {owner})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def _load(self) -> None:
        path = self.data_dir / STORE_FILE
        self._db = TinyDB(str(path), storage=_Cache(AtomicJSONStorage))
        for doc in self._db.table("cases").all():
            case = from_dict(Case, doc)
            self._cases[case.id] = case
            self._case_doc[case.id] = doc.doc_id
            self._index_thread(case)
        for doc in self._db.table("outbox").all():
            mail = from_dict(OutboundMail, doc)
            self._outbox[mail.message_id] = mail
            self._outbox_doc[mail.message_id] = doc.doc_id
        for doc in self._db.table("seen").all():
            record = from_dict(SeenRecord, doc)
            self._seen[record.key] = record
        self._meta = {d["key"]: d["value"] for d in self._db.table("meta").all()}
        self._stats = [dict(d) for d in self._db.table("stats").all()]
        doc_ids = list(self._case_doc.values()) + list(self._outbox_doc.values())
        self._next_doc = max(doc_ids, default=0) + 1
        self._replay_sent_journal()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                # Uncommitted changes are dropped on purpose: only commit() writes.
                self._db = None
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading ------------------------------------------------------------------------

    def get_case(self, case_id: str) -> Case | None:
        with self._lock:
            return self._cases.get(case_id.upper())

    def cases(self) -> list[Case]:
        with self._lock:
            return sorted(self._cases.values(), key=lambda c: (c.received_at, c.id))

    def case_for_message_id(self, message_id: str) -> str | None:
        with self._lock:
            return self._thread.get(message_id)

    def seen(self, key: str) -> SeenRecord | None:
        with self._lock:
            return self._seen.get(key)

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
        return [
            m
            for m in self.outbox()
            if m.status == "pending" and (m.next_attempt_at is None or m.next_attempt_at <= now)
        ]

    def next_case_id(self, prefix: str, year: int) -> str:
        """The next free case id of that year; ids are never reused."""
        with self._lock:
            head = f"{prefix}-{year}-"
            used = [int(cid[len(head) :]) for cid in self._cases if cid.startswith(head)]
            counter = self._counter(head)
            return f"{head}{max([counter, *used], default=0) + 1:04d}"

    def _counter(self, head: str) -> int:
        assert self._db is not None
        docs = self._db.table("counters").all()
        return next((d["value"] for d in docs if d.get("key") == head), 0)

    # --- writing (in memory until commit) -------------------------------------------

    def apply(self, changes: Changes) -> None:
        """Take in everything one unit of work changed; nothing reaches disk before commit."""
        self._check_writable()
        with self._lock:
            for case in changes.cases:
                self._cases[case.id] = case
                self._dirty_cases.add(case.id)
                self._index_thread(case)
            for mail in changes.outbox:
                if mail.message_id not in self._outbox:
                    self._outbox[mail.message_id] = mail
                    self._dirty_outbox.add(mail.message_id)
            for record in changes.seen:
                self._seen[record.key] = record
                self._new_seen.append(record)
            if changes.meta:
                self._meta.update(changes.meta)
                self._dirty_meta = True
            self._stats += changes.stats
            self._new_stats += changes.stats
            for case_id in changes.removed:
                self._remove_case(case_id)

    def _remove_case(self, case_id: str) -> None:
        case = self._cases.pop(case_id, None)
        if case is None:
            return
        self._dirty_cases.discard(case_id)
        self._removed.append(case_id)
        for message in case.messages:
            self._thread.pop(message.message_id, None)
        for key in [k for k, r in self._seen.items() if r.case_id == case_id]:
            del self._seen[key]

    def update_outbound(self, mail: OutboundMail) -> None:
        self._check_writable()
        with self._lock:
            self._outbox[mail.message_id] = mail
            self._dirty_outbox.add(mail.message_id)

    def mark_sent(self, message_id: str, at: datetime) -> None:
        """Record at once (journal + fsync) that the server accepted a mail."""
        self._check_writable()
        with self._lock:
            line = f"{message_id}\t{at.isoformat()}\n".encode()
            path = self.data_dir / SENT_JOURNAL
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
            self._set_sent(message_id, at)

    def _set_sent(self, message_id: str, at: datetime) -> None:
        mail = self._outbox.get(message_id)
        if mail is not None and mail.status != "sent":
            self._outbox[message_id] = replace(mail, status="sent", sent_at=at)
            self._dirty_outbox.add(message_id)

    def _replay_sent_journal(self) -> None:
        path = self.data_dir / SENT_JOURNAL
        if not path.exists():
            return
        for line in path.read_text(errors="replace").splitlines():
            message_id, _, at = line.partition("\t")
            with contextlib.suppress(ValueError):
                self._set_sent(message_id, datetime.fromisoformat(at))

    def commit(self) -> None:
        """Write every change since the last commit to disk atomically."""
        self._check_writable()
        with self._lock:
            assert self._db is not None
            self._write_cases()
            self._write_outbox()
            self._write_counters()
            self._write_removals()
            if self._new_seen:
                self._db.table("seen").insert_multiple(to_dict(r) for r in self._new_seen)
            if self._dirty_meta:
                meta = self._db.table("meta")
                meta.truncate()
                meta.insert_multiple({"key": k, "value": v} for k, v in sorted(self._meta.items()))
            if self._new_stats:
                self._db.table("stats").insert_multiple(self._new_stats)
            try:
                self._db.storage.flush()
            except BaseException:
                self._reload()
                raise
            self._new_seen.clear()
            self._new_stats = []
            self._removed = []
            self._dirty_meta = False
            self._dirty_cases.clear()
            self._dirty_outbox.clear()
            self._truncate_sent_journal()

    def _write_cases(self) -> None:
        assert self._db is not None
        table = self._db.table("cases")
        docs = []
        for case_id in sorted(self._dirty_cases):
            doc_id = self._case_doc.get(case_id)
            if doc_id is None:
                doc_id = self._case_doc[case_id] = self._take_doc_id()
            docs.append(Document(to_dict(self._cases[case_id]), doc_id=doc_id))
        self._replace_docs(table, docs)

    def _write_removals(self) -> None:
        assert self._db is not None
        if not self._removed:
            return
        gone = [self._case_doc.pop(cid) for cid in self._removed if cid in self._case_doc]
        if gone:
            self._db.table("cases").remove(doc_ids=gone)
        removed = set(self._removed)
        self._db.table("seen").remove(lambda doc: doc.get("case_id") in removed)

    def _write_outbox(self) -> None:
        assert self._db is not None
        table = self._db.table("outbox")
        docs, gone = [], []
        for message_id in sorted(self._dirty_outbox):
            mail = self._outbox[message_id]
            doc_id = self._outbox_doc.get(message_id)
            if mail.status == "sent":
                # Sent mail lives on in its case's timeline; the hot outbox keeps only work.
                if doc_id is not None:
                    gone.append(doc_id)
                    del self._outbox_doc[message_id]
                del self._outbox[message_id]
                continue
            if doc_id is None:
                doc_id = self._outbox_doc[message_id] = self._take_doc_id()
            docs.append(Document(to_dict(mail), doc_id=doc_id))
        if gone:
            table.remove(doc_ids=gone)
        self._replace_docs(table, docs)

    def _write_counters(self) -> None:
        assert self._db is not None
        table = self._db.table("counters")
        current = {d["key"]: d["value"] for d in table.all()}
        wanted = dict(current)
        for case_id in self._dirty_cases:
            head, _, seq = case_id.rpartition("-")
            wanted[head + "-"] = max(wanted.get(head + "-", 0), int(seq))
        if wanted != current:
            table.truncate()
            table.insert_multiple({"key": k, "value": v} for k, v in sorted(wanted.items()))

    @staticmethod
    def _replace_docs(table: Any, docs: list[Document]) -> None:
        if not docs:
            return
        existing = [d.doc_id for d in docs if table.contains(doc_id=d.doc_id)]
        if existing:
            table.remove(doc_ids=existing)
        table.insert_multiple(docs)

    def _take_doc_id(self) -> int:
        doc_id = self._next_doc
        self._next_doc += 1
        return doc_id

    def _truncate_sent_journal(self) -> None:
        path = self.data_dir / SENT_JOURNAL
        if path.exists():
            atomic_write(path, b"")

    def _reload(self) -> None:
        """Forget uncommitted changes after a failed commit: the disk is the truth."""
        lock_fd = self._lock_fd
        self.__init__(self.data_dir, readonly=self.readonly)  # type: ignore[misc]
        self._lock_fd = lock_fd
        self._load()

    def _check_writable(self) -> None:
        if self.readonly:
            raise StoreError("the store was opened read-only")

    def _index_thread(self, case: Case) -> None:
        for message in case.messages:
            self._thread[message.message_id] = case.id

    # --- files ----------------------------------------------------------------------------

    def save_raw(self, raw: bytes) -> str:
        """Keep a message's original bytes as `.eml` under their SHA-256; returns the hash."""
        sha = hashlib.sha256(raw).hexdigest()
        path = self.raw_path(sha)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            atomic_write(path, raw)
        return sha

    def raw_path(self, sha: str) -> Path:
        return self.data_dir / "mail" / sha[:2] / f"{sha}.eml"

    def save_attachment(self, payload: bytes) -> str:
        """Keep an attachment under a generated name; the sender's name is never a path."""
        name = hashlib.sha256(payload).hexdigest() + ".bin"
        path = self.attachment_path(name)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            atomic_write(path, payload)
        return name

    def attachment_path(self, stored_name: str) -> Path:
        return self.data_dir / "attachments" / stored_name[:2] / stored_name

    def iter_raw(self) -> Iterator[Path]:
        yield from sorted((self.data_dir / "mail").glob("*/*.eml"))

    def delete_files(self, raw_hashes: list[str], attachments: list[str]) -> int:
        """Remove kept mail and attachments (after a purge was committed); returns how many."""
        paths = [self.raw_path(h) for h in raw_hashes]
        paths += [self.attachment_path(n) for n in attachments]
        count = 0
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                count += 1
        return count
