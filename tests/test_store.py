"""The store: atomic commits, locking, ids, dedupe records, the sent journal, crash safety."""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tinydb import TinyDB

from mailbot.errors import StoreCorruptError, StoreError, StoreLockedError
from mailbot.model import Case, Changes, MessageRecord, OutboundMail, Party, SeenRecord
from mailbot.store.store import STORE_FILE, Store

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


def make_case(case_id: str, message_id: str = "m1@example.org") -> Case:
    message = MessageRecord(message_id, "in", "klant@example.org", ("k@example.nl",), "s", NOW, "t")
    return Case(
        id=case_id,
        track="direct",
        stage="received",
        status="open",
        complainant=Party("Klant", "klant@example.org"),
        received_at=NOW,
        language="nl",
        messages=(message,),
    )


def make_mail(message_id: str, case_id: str | None = None) -> OutboundMail:
    return OutboundMail(message_id, case_id, "k@example.nl", "klant@example.org", "s", "t", NOW)


def test_changes_are_kept_only_after_commit(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.apply(Changes(cases=[make_case("KL-2026-0001")]))
        assert store.get_case("KL-2026-0001") is not None
    with Store.open(tmp_path) as store:
        assert store.get_case("KL-2026-0001") is None
        store.apply(Changes(cases=[make_case("KL-2026-0001")]))
        store.commit()
    with Store.open(tmp_path) as store:
        assert store.get_case("kl-2026-0001") == make_case("KL-2026-0001")


def test_second_process_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    with Store.open(tmp_path), pytest.raises(StoreLockedError, match=f"pid {os.getpid()}"):
        Store.open(tmp_path)
    Store.open(tmp_path).close()  # released on close


def test_readonly_open_needs_no_lock_and_refuses_writes(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.apply(Changes(cases=[make_case("KL-2026-0001")]))
        store.commit()
        reader = Store.open(tmp_path, readonly=True)
        assert [c.id for c in reader.cases()] == ["KL-2026-0001"]
        with pytest.raises(StoreError, match="read-only"):
            reader.commit()


def test_case_ids_count_per_year_and_are_never_reused(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        assert store.next_case_id("KL", 2026) == "KL-2026-0001"
        store.apply(Changes(cases=[make_case("KL-2026-0001"), make_case("KL-2026-0002")]))
        assert store.next_case_id("KL", 2026) == "KL-2026-0003"
        assert store.next_case_id("KL", 2027) == "KL-2027-0001"
        store.commit()
    # Even when the record is gone (retention), its number stays used.
    data = json.loads((tmp_path / STORE_FILE).read_text())
    data["cases"] = {}
    (tmp_path / STORE_FILE).write_text(json.dumps(data))
    with Store.open(tmp_path) as store:
        assert store.next_case_id("KL", 2026) == "KL-2026-0003"


def test_thread_index_finds_a_case_by_any_of_its_message_ids(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        case = make_case("KL-2026-0001", "first@example.org")
        out = MessageRecord("ack@example.nl", "out", "k@example.nl", ("x",), "s", NOW, "t")
        store.apply(Changes(cases=[replace(case, messages=(*case.messages, out))]))
        store.commit()
    with Store.open(tmp_path) as store:
        assert store.case_for_message_id("first@example.org") == "KL-2026-0001"
        assert store.case_for_message_id("ack@example.nl") == "KL-2026-0001"
        assert store.case_for_message_id("other@example.nl") is None


def test_seen_records_survive_a_restart(tmp_path: Path) -> None:
    record = SeenRecord("key1", "m@example.org", "ab" * 32, "case", NOW, "KL-2026-0001")
    with Store.open(tmp_path) as store:
        store.apply(Changes(seen=[record]))
        store.commit()
    with Store.open(tmp_path) as store:
        assert store.seen("key1") == record
        assert store.seen("key2") is None


def test_outbox_pending_respects_next_attempt_and_sent_mail_leaves_the_hot_file(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path) as store:
        later = replace(make_mail("b@x"), next_attempt_at=NOW + timedelta(minutes=5))
        store.apply(Changes(outbox=[make_mail("a@x"), later]))
        store.commit()
        assert [m.message_id for m in store.pending_outbox(NOW)] == ["a@x"]
        assert len(store.pending_outbox(NOW + timedelta(minutes=5))) == 2
        store.mark_sent("a@x", NOW)
        store.commit()
    with Store.open(tmp_path) as store:
        assert [m.message_id for m in store.outbox()] == ["b@x"]
    assert "a@x" not in (tmp_path / STORE_FILE).read_text()


def test_sent_journal_marks_mail_sent_even_without_a_commit(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.apply(Changes(outbox=[make_mail("a@x"), make_mail("b@x")]))
        store.commit()
        store.mark_sent("a@x", NOW)  # crash before the next commit
    with Store.open(tmp_path) as store:
        assert [m.message_id for m in store.pending_outbox(NOW)] == ["b@x"]


def test_marks_made_while_a_commit_fails_are_replayed_after_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(tmp_path) as store:
        store.apply(Changes(outbox=[make_mail("a@x"), make_mail("b@x"), make_mail("c@x")]))
        store.commit()
        store.mark_sent("a@x", NOW)

        def disk_full(path: Path, data: bytes, *, sync: bool = True) -> None:
            store.mark_sent("b@x", NOW)  # the sender thread, while the hot file is written
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr("mailbot.store.store.atomic_write", disk_full)
        with pytest.raises(StoreError, match="No space left on device"):
            store.commit()
        monkeypatch.undo()
    with Store.open(tmp_path) as store:
        assert [m.message_id for m in store.pending_outbox(NOW)] == ["c@x"]
        store.commit()  # the marks are in the hot file now; the sealed journals go
        assert list(tmp_path.glob("outbox-sent.log.*")) == []
    with Store.open(tmp_path) as store:
        assert [m.message_id for m in store.pending_outbox(NOW)] == ["c@x"]


def test_mail_queued_since_the_last_commit_is_not_sendable(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.apply(Changes(outbox=[make_mail("a@x")]))
        store.commit()
        store.apply(Changes(outbox=[make_mail("b@x")]))
        assert [m.message_id for m in store.pending_outbox(NOW)] == ["a@x"]
        store.commit()
        assert [m.message_id for m in store.pending_outbox(NOW)] == ["a@x", "b@x"]


def test_the_hot_file_is_a_tinydb_database(tmp_path: Path) -> None:
    record = SeenRecord("key1", "m@example.org", "ab" * 32, "case", NOW, "KL-2026-0001")
    with Store.open(tmp_path) as store:
        store.apply(Changes(cases=[make_case("KL-2026-0001"), make_case("KL-2026-0002")]))
        store.apply(Changes(outbox=[make_mail("a@x")], seen=[record], meta={"k": "v"}))
        store.commit()
        store.apply(Changes(cases=[replace(make_case("KL-2026-0001"), status="closed")]))
        store.commit()
    db = TinyDB(tmp_path / STORE_FILE, access_mode="r")
    cases = db.table("cases").all()
    assert [(c["id"], c["status"]) for c in cases] == [
        ("KL-2026-0001", "closed"),
        ("KL-2026-0002", make_case("KL-2026-0002").status),
    ]
    assert [d.doc_id for d in cases] == [1, 2]
    assert db.table("outbox").all()[0]["message_id"] == "a@x"
    assert db.table("seen").all()[0]["key"] == "key1"
    assert db.table("meta").all() == [{"key": "k", "value": "v"}]


def test_enqueueing_the_same_message_id_twice_keeps_one(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.apply(Changes(outbox=[make_mail("a@x")]))
        store.apply(Changes(outbox=[make_mail("a@x")]))
        assert len(store.outbox()) == 1


def test_a_broken_store_file_is_refused_with_its_name(tmp_path: Path) -> None:
    (tmp_path / STORE_FILE).write_text('{"cases": {"1": {"id": "KL-20')
    with pytest.raises(StoreCorruptError, match=STORE_FILE):
        Store.open(tmp_path)


def test_raw_mail_and_attachments_are_kept_under_generated_names(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        sha = store.save_raw(b"Subject: x\r\n\r\nbody")
        assert store.raw_path(sha).read_bytes() == b"Subject: x\r\n\r\nbody"
        assert store.save_raw(b"Subject: x\r\n\r\nbody") == sha
        name = store.save_attachment(b"%PDF-1.4 fake")
        assert "/" not in name and name.endswith(".bin")
        path = store.attachment_path(name)
        assert path.read_bytes() == b"%PDF-1.4 fake"
        assert tmp_path in path.parents


WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from test_store import make_case
    from mailbot.model import Changes
    from mailbot.store.store import Store
    store = Store.open(Path({data!r}))
    n = len(store.cases())
    print("ready", flush=True)
    while True:
        n += 1
        store.apply(Changes(cases=[make_case(f"KL-2026-{{n:04d}}", f"m{{n}}@example.org")]))
        store.commit()
    """
)


def test_kill_9_during_writes_never_leaves_an_unreadable_store(tmp_path: Path) -> None:
    rng = random.Random(7)
    script = WRITER.format(tests=str(Path(__file__).parent), data=str(tmp_path))
    counts = []
    for _ in range(25):
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        # Let it commit for a random while, then kill it wherever it is.
        try:
            proc.wait(timeout=rng.uniform(0.01, 0.15))
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with Store.open(tmp_path, readonly=True) as store:
            counts.append(len(store.cases()))
    assert counts == sorted(counts)  # every restart saw all earlier commits
    assert counts[-1] > 25  # and the writers really did write


def closed(case: Case) -> Case:
    return replace(case, status="closed", stage="resolved", closed_at=NOW)


def test_closed_cases_leave_the_hot_file_and_stay_findable(tmp_path: Path) -> None:
    old = SeenRecord("old-key", "m1@example.org", "ab", "case", NOW, "KL-2026-0001")
    new = SeenRecord(
        "new-key", "m2@example.org", "cd", "case", NOW + timedelta(days=40), "KL-2026-0002"
    )
    with Store.open(tmp_path) as store:
        store.apply(
            Changes(
                cases=[
                    closed(make_case("KL-2026-0001", "m1@example.org")),
                    make_case("KL-2026-0002", "m2@example.org"),
                ],
                seen=[old, new],
            )
        )
        store.commit()
        assert store.archive(NOW + timedelta(days=40)) == 1
    hot = (tmp_path / STORE_FILE).read_text()
    assert "KL-2026-0001" not in hot and "old-key" not in hot
    assert "KL-2026-0002" in hot
    with Store.open(tmp_path) as store:
        assert [c.id for c in store.hot_cases()] == ["KL-2026-0002"]
        assert [c.id for c in store.cases()] == ["KL-2026-0001", "KL-2026-0002"]
        assert store.get_case("KL-2026-0001").status == "closed"
        assert store.case_for_message_id("m1@example.org") == "KL-2026-0001"
        assert store.seen("old-key").case_id == "KL-2026-0001"
        assert store.next_case_id("KL", 2026) == "KL-2026-0003"
        # A closed case that changes comes back to the hot file until archived again.
        store.apply(Changes(cases=[replace(store.get_case("KL-2026-0001"), language="en")]))
        store.commit()
        assert "KL-2026-0001" in (tmp_path / STORE_FILE).read_text()


def test_purging_an_archived_case_removes_its_file_and_index_lines(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.apply(
            Changes(
                cases=[closed(make_case("KL-2026-0001", "m1@example.org"))],
                seen=[SeenRecord("k1", "m1", "ab", "case", NOW, "KL-2026-0001")],
            )
        )
        store.commit()
        store.archive(NOW + timedelta(days=60))
        store.apply(Changes(removed=["KL-2026-0001"]))
        store.commit()
    with Store.open(tmp_path) as store:
        assert store.cases() == []
        assert store.case_for_message_id("m1@example.org") is None
        assert store.seen("k1") is None
        assert store.next_case_id("KL", 2026) == "KL-2026-0002"
    assert list((tmp_path / "archive").glob("*/*.json")) == []


def test_a_broken_store_names_the_last_good_backup(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.apply(Changes(cases=[make_case("KL-2026-0001")]))
        store.commit()
        for day in range(5):
            store.backup(NOW + timedelta(days=day))
    backups = sorted((tmp_path / "backups").glob("store-*.json"))
    assert [p.name for p in backups] == [
        "store-20260318.json",
        "store-20260319.json",
        "store-20260320.json",
    ]
    (tmp_path / STORE_FILE).write_bytes(b'{"cases": {"1": {"id": "KL-20')  # a torn write
    with pytest.raises(StoreCorruptError) as broken:
        Store.open(tmp_path)
    assert "store-20260320.json" in str(broken.value)
    # The backup is a store that opens: the operator's way back.
    (tmp_path / STORE_FILE).write_bytes(backups[-1].read_bytes())
    with Store.open(tmp_path) as store:
        assert store.get_case("KL-2026-0001") is not None
