"""The cold store on disk: a JSON file per closed case and its append-only indexes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from test_store import NOW, make_case  # tests/ is on sys.path (not a package)

from mailbot.errors import StoreCorruptError
from mailbot.model import Case, Deadline
from mailbot.store.coldstore import RETENTION, SEEN, THREADS, ColdStore


def closed_case(
    case_id: str, *message_ids: str, retention: datetime | None = None, on_hold: bool = False
) -> Case:
    case = make_case(case_id)
    return replace(
        case,
        stage="closed",
        status="closed",
        messages=tuple(replace(case.messages[0], message_id=mid) for mid in message_ids),
        deadlines=(Deadline("retention", retention),) if retention else (),
        on_hold=on_hold,
    )


def reopened(root: Path) -> ColdStore:
    """What a later run sees: a fresh object that loads the files."""
    cold = ColdStore(root)
    cold.load()
    return cold


@pytest.fixture
def cold(tmp_path: Path) -> ColdStore:
    store = ColdStore(tmp_path / "archive")
    store.load()
    return store


def test_a_case_is_one_json_file_per_prefix_and_year_and_reads_back(cold: ColdStore) -> None:
    cases = [closed_case("KL-2026-0001", "a@x"), closed_case("KL-2027-0002", "b@x")]
    cold.put_cases(cases)
    for case, path in zip(
        cases, ["KL-2026/KL-2026-0001.json", "KL-2027/KL-2027-0002.json"], strict=True
    ):
        assert json.loads((cold.root / path).read_text())["id"] == case.id
    again = reopened(cold.root)
    assert again.case_ids() == ["KL-2026-0001", "KL-2027-0002"]
    assert [again.get_case(c.id) for c in cases] == cases
    assert again.cases() == cases
    assert again.get_case("KL-2026-0099") is None


def test_the_thread_index_names_the_case_of_each_message(cold: ColdStore) -> None:
    cold.put_cases([closed_case("KL-2026-0001", "a@x", "b@x")])
    assert cold.case_for_message_id("a@x") == "KL-2026-0001"  # loads the index
    cold.put_cases([closed_case("KL-2026-0002", "c@x")])  # appended to the loaded index too
    assert cold.case_for_message_id("c@x") == "KL-2026-0002"
    lines = (cold.root / THREADS).read_text().splitlines()
    assert lines == ["a@x\tKL-2026-0001", "b@x\tKL-2026-0001", "c@x\tKL-2026-0002"]
    again = reopened(cold.root)
    assert [again.case_for_message_id(m) for m in ["b@x", "c@x", "z@x"]] == [
        "KL-2026-0001",
        "KL-2026-0002",
        None,
    ]


def test_dedupe_keys_are_appended_and_the_last_line_of_a_key_wins(cold: ColdStore) -> None:
    cold.put_seen([("k1", "case", "KL-2026-0001"), ("k2", "discarded", "")])
    cold.put_seen([("k1", "quarantined", "")])
    assert (cold.root / SEEN).read_text().count("\n") == 3
    for store in (cold, reopened(cold.root)):
        assert store.seen("k1") == ("quarantined", "")
        assert store.seen("k2") == ("discarded", "")
        assert store.seen("k3") is None


SUMMER = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("retention", "on_hold", "due"),
    [
        (NOW - timedelta(days=1), False, True),
        (NOW, False, True),  # due at the very moment
        (NOW + timedelta(seconds=1), False, False),
        (NOW - timedelta(days=1), True, False),  # on hold: kept whatever its term
        (None, False, False),  # no retention term
        # stored in UTC, so a term written with another offset compares as a time
        (datetime(2026, 3, 16, 10, 30, tzinfo=SUMMER), False, True),
        (datetime(2026, 3, 16, 11, 30, tzinfo=SUMMER), False, False),
    ],
)
def test_the_retention_index_names_the_cases_past_their_term(
    cold: ColdStore, retention: datetime | None, on_hold: bool, due: bool
) -> None:
    cold.put_cases([closed_case("KL-2026-0001", "a@x", retention=retention, on_hold=on_hold)])
    expected = ["KL-2026-0001"] if due else []
    for store in (cold, reopened(cold.root)):
        assert store.due_for_purge(NOW.isoformat()) == expected


def test_a_case_archived_again_takes_its_latest_retention_line(cold: ColdStore) -> None:
    cold.put_cases([closed_case("KL-2026-0001", "a@x", retention=NOW, on_hold=True)])
    cold.put_cases([closed_case("KL-2026-0001", "a@x", retention=NOW)])
    assert len((cold.root / RETENTION).read_text().splitlines()) == 2
    assert reopened(cold.root).due_for_purge(NOW.isoformat()) == ["KL-2026-0001"]


def test_removing_cases_drops_their_files_and_index_lines(cold: ColdStore) -> None:
    cold.put_cases(
        [
            closed_case("KL-2026-0001", "a@x", retention=NOW),
            closed_case("KL-2026-0002", "b@x", retention=NOW),
        ]
    )
    cold.put_seen([("k1", "case", "KL-2026-0001"), ("k2", "case", "KL-2026-0002")])
    cold.remove_cases({"KL-2026-0001"})
    for store in (cold, reopened(cold.root)):
        assert store.case_ids() == ["KL-2026-0002"]
        assert store.get_case("KL-2026-0001") is None
        assert store.case_for_message_id("a@x") is None
        assert store.case_for_message_id("b@x") == "KL-2026-0002"
        assert store.seen("k1") is None and store.seen("k2") == ("case", "KL-2026-0002")
        assert store.due_for_purge(NOW.isoformat()) == ["KL-2026-0002"]
    assert not (cold.root / "KL-2026" / "KL-2026-0001.json").exists()
    for name in (THREADS, SEEN, RETENTION):
        assert "KL-2026-0001" not in (cold.root / name).read_text()


def test_a_torn_last_index_line_is_skipped(cold: ColdStore) -> None:
    cold.put_cases([closed_case("KL-2026-0001", "a@x")])
    with (cold.root / THREADS).open("a") as index:
        index.write("b@x\tKL-20")  # a crash mid-append: no newline
    with (cold.root / SEEN).open("a") as index:
        index.write("k9\tca")
    again = reopened(cold.root)
    assert again.case_for_message_id("a@x") == "KL-2026-0001"
    assert again.case_for_message_id("b@x") is None
    assert again.seen("k9") is None


def test_an_index_line_for_a_case_whose_file_is_missing_is_ignored(cold: ColdStore) -> None:
    cold.put_cases([closed_case("KL-2026-0001", "a@x", retention=NOW)])
    (cold.root / "KL-2026" / "KL-2026-0001.json").unlink()
    again = reopened(cold.root)
    assert again.case_for_message_id("a@x") is None
    assert again.due_for_purge(NOW.isoformat()) == []


def test_a_broken_case_file_is_refused_with_its_name(cold: ColdStore) -> None:
    cold.put_cases([closed_case("KL-2026-0001", "a@x")])
    (cold.root / "KL-2026" / "KL-2026-0001.json").write_text('{"id": "KL-20')
    with pytest.raises(StoreCorruptError, match=r"KL-2026-0001\.json"):
        reopened(cold.root).get_case("KL-2026-0001")


def test_temp_and_hidden_files_are_no_cases(cold: ColdStore) -> None:
    cold.put_cases([closed_case("KL-2026-0001", "a@x")])
    (cold.root / "KL-2026" / ".KL-2026-0002.json.123.tmp").write_text("{")
    (cold.root / "KL-2026" / ".KL-2026-0003.json").write_text("{")
    assert reopened(cold.root).case_ids() == ["KL-2026-0001"]
