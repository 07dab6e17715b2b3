"""Pure: how config keys and values read in error messages, and the "did you mean" hints."""

from __future__ import annotations

import difflib
import json
import re
from datetime import date, datetime, time
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")


def join_key(prefix: str, name: str) -> str:
    """The dotted key as TOML writes it: `imap.port`, `deadlines."formal.decision"`."""
    part = name if _BARE_KEY.match(name) else json.dumps(name, ensure_ascii=False)
    return f"{prefix}.{part}" if prefix else part


def unknown_section(name: str, allowed: tuple[str, ...], arrays: tuple[str, ...]) -> str:
    """The problem with a section not in `allowed`; `arrays` are written as [[name]]."""
    close = difflib.get_close_matches(name, allowed, n=1)
    if close:
        return f"unknown section [{name}] (did you mean [{close[0]}]?)"
    return f"unknown section [{name}]; the sections are " + ", ".join(
        f"[[{a}]]" if a in arrays else f"[{a}]" for a in allowed
    )


def unknown(name: str, allowed: tuple[str, ...], kind: str) -> str:
    """The problem with a key (or deadline) that is not one of `allowed`."""
    close = difflib.get_close_matches(name, allowed, n=1)
    if close:
        return f'unknown {kind} "{name}" (did you mean "{close[0]}"?)'
    return f'unknown {kind} "{name}"; allowed: ' + ", ".join(allowed)


def suggest(value: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, allowed, n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def show(value: Any) -> str:
    """A value as the file writes it; long text cut short."""
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def describe(value: Any) -> str:
    """How a TOML value reads in an error: `string "abc"`, `integer 5`, `array`."""
    kinds = (
        (bool, "boolean"),
        (int, "integer"),
        (float, "float"),
        (str, "string"),
        (datetime, "date-time"),
        (date, "date"),
        (time, "time"),
    )
    for kind, label in kinds:
        if isinstance(value, kind):
            return f"{label} {show(value)}"
    if isinstance(value, list):
        return f"an array of {len(value)}"
    return "a table" if isinstance(value, dict) else type(value).__name__
