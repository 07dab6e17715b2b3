"""The hot store file in TinyDB's JSON layout, assembled from documents encoded once per change.

TinyDB's own write path encodes every document of every table on every write, so a commit would
cost as much as the whole hot file. Here each document keeps its JSON text until it changes; a
commit only joins the texts. TinyDB still reads the file (`store.py`): the layout is its own,
`{"table": {"1": {...}, "2": {...}}, ...}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["assemble", "encode"]

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
