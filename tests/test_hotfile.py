"""The hot file: joined from per-document JSON, in the layout TinyDB itself reads and writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tinydb import TinyDB
from tinydb.storages import MemoryStorage

from mailbot.errors import StoreCorruptError, StoreError
from mailbot.store.hotfile import assemble, encode, open_db

TABLES: list[dict[str, list[dict[str, Any]]]] = [
    {},
    {"cases": []},
    {"cases": [{"id": "KL-2026-0001"}]},
    {"cases": [{"id": "a"}, {"id": "b"}, {"id": "c"}], "outbox": [{"message_id": "m@x"}]},
    {"meta": [{"key": "k", "value": 'Émile \\ "quoted" \u2028 line'}], "stats": []},
    {"seen": [{"key": "k", "at": "2026-03-16T09:00:00+00:00", "case_id": None}]},
    {'tab"le': [{"nested": {"list": [1, 2.5, True, None]}}]},
]


def tinydb_layout(tables: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """What TinyDB itself writes for these tables, documents inserted in order."""
    db = TinyDB(storage=MemoryStorage)
    for name, docs in tables.items():
        table = db.table(name)
        table.insert_multiple(docs)
        if not docs:  # TinyDB writes an empty table only once something touched it
            table.truncate()
    return db.storage.read() or {}


@pytest.mark.parametrize("tables", TABLES)
def test_assemble_gives_the_layout_tinydb_writes(tables: dict[str, list[dict]]) -> None:
    data = assemble({name: [encode(doc) for doc in docs] for name, docs in tables.items()})
    assert json.loads(data) == tinydb_layout(tables)


@pytest.mark.parametrize("tables", TABLES)
def test_tinydb_reads_the_assembled_file_back(
    tmp_path: Path, tables: dict[str, list[dict]]
) -> None:
    path = tmp_path / "store.json"
    path.write_bytes(assemble({n: [encode(d) for d in docs] for n, docs in tables.items()}))
    for db in (open_db(path), TinyDB(path, access_mode="r")):
        for name, docs in tables.items():
            read = db.table(name).all()
            assert read == docs
            assert [d.doc_id for d in read] == list(range(1, len(docs) + 1))


def test_encode_is_compact_utf8_json() -> None:
    assert encode({"a": "é", "b": [1, None]}) == '{"a":"é","b":[1,null]}'.encode()


def test_a_missing_hot_file_is_an_empty_database(tmp_path: Path) -> None:
    assert open_db(tmp_path / "store.json").table("cases").all() == []


def test_a_hot_file_that_is_not_json_is_corrupt_and_named(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    path.write_bytes(b'{"cases": {"1": {"id": "KL-20')
    with pytest.raises(StoreCorruptError, match=r"store\.json is not a valid store file"):
        open_db(path).table("cases").all()


def test_tinydb_cannot_write_the_hot_file(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    path.write_bytes(assemble({"cases": []}))
    with pytest.raises(StoreError, match=r"written only by Store\.commit"):
        open_db(path).table("cases").insert({"id": "x"})
    assert path.read_bytes() == b'{"cases":{}}'
