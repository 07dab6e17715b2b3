"""The sent journal: marks appended and fsynced, sealed by a commit, deleted after it, replayed."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mailbot.store.journal import SENT_JOURNAL, SentJournal

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_each_mark_is_one_line_on_disk_at_once(tmp_path: Path) -> None:
    journal = SentJournal(tmp_path)
    journal.append("a@x", NOW)
    journal.append("b@x", NOW + timedelta(minutes=1))
    assert journal.path == tmp_path / SENT_JOURNAL
    assert journal.path.read_text() == (
        "a@x\t2026-03-16T09:00:00+00:00\nb@x\t2026-03-16T09:01:00+00:00\n"
    )
    # A crash-like reopen: a fresh object reads what the disk holds.
    assert list(SentJournal(tmp_path).entries()) == [
        ("a@x", NOW),
        ("b@x", NOW + timedelta(minutes=1)),
    ]


def test_fsynced_the_file_and_for_a_new_file_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    journal = SentJournal(tmp_path)
    journal.append("a@x", NOW)
    assert synced == [str(journal.path.resolve()), str(tmp_path.resolve())]
    synced.clear()
    journal.append("b@x", NOW)
    assert synced == [str(journal.path.resolve())]  # the name is durable already


def test_a_probe_is_written_but_is_no_mark(tmp_path: Path) -> None:
    journal = SentJournal(tmp_path)
    journal.probe()
    journal.append("a@x", NOW)
    assert journal.path.read_text().startswith("#probe\t\n")
    assert list(journal.entries()) == [("a@x", NOW)]


@pytest.mark.parametrize(
    ("tail", "kept"),
    [
        ("", ["a@x"]),
        ("b@x\t2026-03-16T09:0", ["a@x"]),  # torn by a crash: no newline yet
        ("b@x\t2026-03-16T09:00:00+00:00", ["a@x"]),  # whole but for its newline
        ("b@x\tnot a time\n", ["a@x"]),
        ("b@x\t2026-03-16T09:00:00+00:00\n", ["a@x", "b@x"]),
    ],
)
def test_replay_takes_only_complete_marks(tmp_path: Path, tail: str, kept: list[str]) -> None:
    SentJournal(tmp_path).append("a@x", NOW)
    with (tmp_path / SENT_JOURNAL).open("a") as journal:
        journal.write(tail)
    assert [mid for mid, _ in SentJournal(tmp_path).entries()] == kept


def test_seal_sets_the_file_aside_and_new_marks_go_to_a_fresh_one(tmp_path: Path) -> None:
    journal = SentJournal(tmp_path)
    assert journal.seal() == []  # nothing to seal
    journal.append("a@x", NOW)
    sealed = journal.seal()
    assert sealed == [tmp_path / f"{SENT_JOURNAL}.1"]
    journal.append("b@x", NOW)  # while the hot file is being written
    assert names(tmp_path) == [SENT_JOURNAL, f"{SENT_JOURNAL}.1"]
    assert [mid for mid, _ in journal.entries()] == ["a@x", "b@x"]
    journal.discard(sealed)  # the hot file is on disk
    assert names(tmp_path) == [SENT_JOURNAL]
    assert [mid for mid, _ in SentJournal(tmp_path).entries()] == ["b@x"]


def test_a_commit_that_failed_leaves_its_seal_to_the_next_one(tmp_path: Path) -> None:
    journal = SentJournal(tmp_path)
    journal.append("a@x", NOW)
    journal.seal()  # the hot file write then fails: nothing is discarded
    journal.append("b@x", NOW)
    # A crash-like reopen replays both files, oldest first.
    again = SentJournal(tmp_path)
    assert [mid for mid, _ in again.entries()] == ["a@x", "b@x"]
    sealed = again.seal()  # the next commit seals the new file beside the old one
    assert sealed == [tmp_path / f"{SENT_JOURNAL}.1", tmp_path / f"{SENT_JOURNAL}.2"]
    again.discard(sealed)
    assert names(tmp_path) == []
    assert list(again.entries()) == []


def test_sealed_files_replay_in_number_order_not_name_order(tmp_path: Path) -> None:
    for number, mid in [(10, "c@x"), (2, "b@x"), (1, "a@x")]:
        (tmp_path / f"{SENT_JOURNAL}.{number}").write_text(f"{mid}\t{NOW.isoformat()}\n")
    (tmp_path / f"{SENT_JOURNAL}.old").write_text(f"z@x\t{NOW.isoformat()}\n")  # not sealed
    journal = SentJournal(tmp_path)
    assert [mid for mid, _ in journal.entries()] == ["a@x", "b@x", "c@x"]
    journal.append("d@x", NOW)
    assert journal.seal()[-1] == tmp_path / f"{SENT_JOURNAL}.11"


def test_discarding_a_file_already_gone_is_no_error(tmp_path: Path) -> None:
    SentJournal(tmp_path).discard([tmp_path / f"{SENT_JOURNAL}.1"])
