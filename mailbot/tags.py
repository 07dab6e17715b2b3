"""Pure: the case tag in a subject, e.g. `[KL-2026-0042]`, found tolerantly."""

from __future__ import annotations

import re


def _pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(
        r"\[\s*" + re.escape(prefix) + r"\s*-\s*(\d{4})\s*-\s*(\d{1,6})\s*\]", re.IGNORECASE
    )


def find_case_tag(subject: str, prefix: str) -> str | None:
    """The first case id tagged in `subject` (folded whitespace and any case allowed)."""
    match = _pattern(prefix).search(" ".join(subject.split()))
    if match is None:
        return None
    year, seq = match.groups()
    return format_case_id(prefix, int(year), int(seq))


def format_case_id(prefix: str, year: int, seq: int) -> str:
    return f"{prefix.upper()}-{year:04d}-{seq:04d}"


def ensure_tag(subject: str, case_id: str, prefix: str) -> str:
    """`subject` with the case's tag, added at the end when a template left it out."""
    if find_case_tag(subject, prefix) == case_id:
        return subject
    return f"{subject} [{case_id}]"
