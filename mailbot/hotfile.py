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


def encode(doc: Mapping[str, Any]) -> str:
    """One document as compact JSON text (UTF-8 kept as is)."""
    return _ENCODER.encode(doc)


def assemble(tables: Mapping[str, Iterable[str]]) -> bytes:
    """The whole file: each table's documents (JSON texts) under ids 1, 2, ... in order."""
    parts = []
    for name, docs in tables.items():
        body = ",".join(f'"{doc_id}":{doc}' for doc_id, doc in enumerate(docs, 1))
        parts.append(f"{encode_key(name)}:{{{body}}}")
    return ("{" + ",".join(parts) + "}").encode()


def encode_key(name: str) -> str:
    return json.dumps(name, ensure_ascii=False)
