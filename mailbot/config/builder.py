"""Config as Python values → TOML text an operator would recognise; the example organisation."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

# The invented organisation of the tests, the demo and the benchmarks (no real people).
ORGANISATION = "Voorbeeld Training & Coaching"
COMPLAINTS = "klachten@example.nl"
COMMITTEE = "klachtencommissie@example.nl"
OPERATOR = "beheer@example.nl"
LOOPBACK = "127.0.0.1"
STAFF: tuple[Mapping[str, Any], ...] = (
    {
        "name": "Anna de Vries",
        "email": "anna@example.nl",
        "alias": "anna",
        "roles": ["contact", "co-owner"],
    },
    {
        "name": "Pieter Bakker",
        "email": "pieter@example.nl",
        "alias": "pieter",
        "roles": ["contact"],
    },
)
COMMITTEE_MEMBERS: tuple[Mapping[str, Any], ...] = (
    {"name": "Bram Jansen", "email": "bram.jansen@example.org", "role": "chair"},
    {"name": "Carla Smit", "email": "carla.smit@example.org", "role": "member"},
)

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def example_config(**sections: Any) -> dict[str, Any]:
    """The example organisation, its people and mail servers on loopback without TLS. Each
    keyword names a section: a table's keys are set on top of the example's (the example's
    keys keep their place), anything else replaces it; new sections follow in the given order."""
    config: dict[str, Any] = {
        "organisation": {"name": ORGANISATION},
        "imap": {"host": LOOPBACK, "security": "none"},
        "smtp": {"host": LOOPBACK, "security": "none"},
        "addresses": {"complaints": COMPLAINTS, "committee": COMMITTEE, "operator": OPERATOR},
        "staff": copy.deepcopy(list(STAFF)),
        "committee": copy.deepcopy(list(COMMITTEE_MEMBERS)),
    }
    for name, value in sections.items():
        if isinstance(value, Mapping) and isinstance(config.get(name), Mapping):
            config[name] = {**config[name], **value}
        else:
            config[name] = value
    return config


def toml_text(config: Mapping[str, Any], header: str = "") -> str:
    """`config` as TOML: `header` as comment lines, plain keys, then a [table] per mapping and
    an [[array of tables]] per list of mappings, in the order given."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    _table(lines, (), config)
    return "\n".join(lines).lstrip("\n") + "\n"


def _table(lines: list[str], path: tuple[str, ...], table: Mapping[str, Any]) -> None:
    nested = {k: v for k, v in table.items() if isinstance(v, Mapping) or _is_tables(v)}
    lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items() if k not in nested]
    for name, value in nested.items():
        where = ".".join(_key(p) for p in (*path, name))
        for entry in [value] if isinstance(value, Mapping) else value:
            lines += ["", f"[{where}]" if isinstance(value, Mapping) else f"[[{where}]]"]
            _table(lines, (*path, name), entry)


def _is_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else _string(name)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return _string(str(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML value for {type(value).__name__}: {value!r}")


def _string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = (
        _ESCAPES.get(c) or (f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c)
        for c in text
    )
    return '"' + "".join(out) + '"'
