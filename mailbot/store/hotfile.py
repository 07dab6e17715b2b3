"""The hot file in TinyDB's JSON layout: read by TinyDB, written by joining documents encoded
once per change.

TinyDB's own write path encodes every document of every table on every write, so a commit would
cost as much as the whole hot file. Here each document keeps its JSON text until it changes; a
commit only joins the texts (`Store.commit` writes the result atomically). TinyDB reads the file
through `HotFileStorage`: the layout is its own, `{"table": {"1": {...}, "2": {...}}, ...}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from mailbot.errors import StoreCorruptError, StoreError

__all__ = ["HotFileStorage", "assemble", "encode", "open_db"]

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode(doc: Mapping[str, Any]) -> bytes:
    """One document as compact JSON in UTF-8."""
    return _ENCODER.encode(doc).encode()


def assemble(tables: Mapping[str, Iterable[bytes]]) -> bytes:
    """The whole file: each table's documents (JSON) under ids 1, 2, ... in their order."""
    parts = [b"{"]
    for number, (name, docs) in enumerate(tables.items()):
        parts.append(b"%s%s:{" % (b"," if number else b"", encode_key(name)))
        for doc_id, doc in enumerate(docs, 1):
            parts.append(b'%s"%d":' % (b"," if doc_id > 1 else b"", doc_id))
            parts.append(doc)
        parts.append(b"}")
    parts.append(b"}")
    return b"".join(parts)


def encode_key(name: str) -> bytes:
    return json.dumps(name, ensure_ascii=False).encode()


def open_db(path: Path) -> TinyDB:
    """TinyDB over the hot file, for reading: a missing file is an empty database, a file that
    is not JSON a StoreCorruptError."""
    return TinyDB(str(path), storage=HotFileStorage)


class HotFileStorage(Storage):
    """TinyDB reads the hot file through this; `Store.commit` writes it (atomically)."""

    def __init__(self, path: str) -> None:
        self._path = Path(path)
        self._data: dict[str, dict[str, Any]] | None = None

    def read(self) -> dict[str, dict[str, Any]] | None:
        # TinyDB reads once per table: the file is parsed once (nothing writes through here).
        if self._data is None:
            self._data = self._read()
        return self._data

    def _read(self) -> dict[str, dict[str, Any]] | None:
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
        raise StoreError("the hot file is written only by Store.commit")

    def close(self) -> None:
        pass
