"""Pure: the case tag in a subject, e.g. `[KL-2026-0042]`, found tolerantly; copied text
made inert before it goes into a subject mailbot writes."""

from __future__ import annotations

import re

# What a copied `#` becomes in mailbot's subjects: the fullwidth number sign reads the same
# but starts no command word, so a reply to that subject gives no command by accident.
INERT_HASH = "\uff03"


def _pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(
        r"\[\s*" + re.escape(prefix) + r"\s*-\s*(\d{4})\s*-\s*(\d{1,6})\s*\]", re.IGNORECASE
    )


def find_case_tag(subject: str, prefix: str) -> str | None:
    """The first case id tagged in `subject` (folded whitespace and any case allowed)."""
    found = find_case_tags(subject, prefix)
    return found[0] if found else None


def find_case_tags(subject: str, prefix: str) -> list[str]:
    """Every case id tagged in `subject`, in order, each once."""
    ids = (
        format_case_id(prefix, int(year), int(seq))
        for year, seq in _pattern(prefix).findall(" ".join(subject.split()))
    )
    return list(dict.fromkeys(ids))


def format_case_id(prefix: str, year: int, seq: int) -> str:
    return f"{prefix.upper()}-{year:04d}-{seq:04d}"


def ensure_tag(subject: str, case_id: str, prefix: str) -> str:
    """`subject` with the case's tag, added at the end when a template left it out."""
    if find_case_tag(subject, prefix) == case_id:
        return subject
    return f"{subject} [{case_id}]"


def neutralise(subject: str, prefix: str, keep: str | None = None) -> str:
    """A subject mailbot writes, with the text it copied from mail made inert: no `#` starts
    a command word (`#reply` becomes `＃reply`) and no case tag but `keep`, the tag of the
    case the mail is about, stays live (`[KL-2026-0001]` becomes `(KL-2026-0001)`)."""

    def inert(match: re.Match[str]) -> str:
        case_id = format_case_id(prefix, int(match.group(1)), int(match.group(2)))
        return match.group(0) if case_id == keep else f"({case_id})"

    return _pattern(prefix).sub(inert, subject.replace("#", INERT_HASH))
