"""[deadlines] and [storage]: the procedure's terms, where cases are kept and for how long."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from mailbot.config.load.table import Invalid, Table
from mailbot.config.load.values import data_dir, term
from mailbot.config.settings import DEADLINE_NAMES, DEFAULT_TERMS, StorageSettings, Term
from mailbot.config.terms import parse_term
from mailbot.config.wording import unknown


def deadlines(t: Table) -> Mapping[str, Term]:
    terms = {name: parse_term(written) for name, written in DEFAULT_TERMS.items()}
    for name, value in _flatten(t).items():
        if name not in DEADLINE_NAMES:
            t.error(name, unknown(name, DEADLINE_NAMES, "deadline"))
            continue
        try:
            terms[name] = term(value)
        except Invalid as exc:
            t.error(name, str(exc))
    return MappingProxyType({name: terms[name] for name in DEADLINE_NAMES})


def _flatten(t: Table) -> dict[str, Any]:
    """Deadline names contain a dot; unquoted `formal.decision = …` nests: undo that here."""
    flat: dict[str, Any] = {}
    for name, value in t.data.items():
        if isinstance(value, dict):
            flat.update({f"{name}.{sub}": v for sub, v in value.items()})
        else:
            flat[name] = value
    return flat


def storage(t: Table) -> StorageSettings:
    return StorageSettings(
        data_dir=t.get("data_dir", data_dir(t.ctx.base)),
        retention=t.get("retention", term),
    )


def reconcile_retention(
    parts: dict[str, Any], deadlines_table: Table, storage_table: Table
) -> None:
    """`storage.retention` and `deadlines.retention` are one term: either may set it."""
    kept, retention = parts["storage"], parts["deadlines"]["retention"]
    if "retention" not in deadlines_table.data:
        parts["deadlines"] = MappingProxyType({**parts["deadlines"], "retention": kept.retention})
    elif not storage_table.has("retention"):
        parts["storage"] = replace(kept, retention=retention)
    elif kept.retention and retention != kept.retention:
        deadlines_table.error(
            "retention", f"differs from storage.retention ({kept.retention}); set it in one place"
        )
