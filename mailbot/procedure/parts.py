"""Pure: which required parts a formal complaint still lacks (DESIGN section 3)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from mailbot.model import Case

PARTS = ("name", "address", "date", "description", "signature")

_LABELS = {
    "name": ("naam", "name"),
    "address": ("adres", "address"),
    "date": ("datum of periode", "datum", "periode", "date or period", "date", "period"),
    "description": ("omschrijving", "description"),
    "signature": ("handtekening", "signature", "ondertekening"),
}
_POSTCODE = re.compile(r"\b\d{4}\s?[A-Z]{2}\b")
_DATE = re.compile(
    r"\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|"
    r"\b(januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
    r"december|january|february|march|may|june|july|august|october)\b",
    re.IGNORECASE,
)
_SIGNED_TYPES = ("application/pdf", "image/")
MIN_DESCRIPTION = 40  # characters of free text that count as a description


def labelled(texts: Iterable[str]) -> dict[str, str]:
    """Form lines (`Naam: ...`) found in the texts; later texts win."""
    found: dict[str, str] = {}
    for text in texts:
        for line in text.splitlines():
            key, sep, value = line.partition(":")
            if not sep or not value.strip():
                continue
            key = key.strip().lower()
            for part, labels in _LABELS.items():
                if key in labels:
                    found[part] = value.strip()
    return found


def address_lines(text: str) -> str | None:
    """A postal address written on one line (`Dorpsstraat 1, 1234 AB Voorbeeld`) as its
    lines, separated by "\n"; None when nothing is left."""
    lines = [" ".join(part.split()) for part in text.replace("\n", ",").split(",")]
    return "\n".join(line for line in lines if line) or None


def form_fields(case: Case) -> dict[str, str]:
    """The form lines (`Naam:`, `Adres:` ...) of the complainant's mails, later mails win."""
    return labelled(m.text for m in case.messages if m.direction == "in" and m.kind == "mail")


def missing_parts(case: Case) -> tuple[str, ...]:
    """The parts no mail of the complainant has supplied yet."""
    mails = [m for m in case.messages if m.direction == "in" and m.kind == "mail"]
    texts = [m.text for m in mails]
    form = labelled(texts)
    free = "\n".join(
        line for t in texts for line in t.splitlines() if not _is_form_line(line)
    ).strip()
    present = {
        "name": bool(form.get("name") or case.complainant.name.strip()),
        "address": bool(form.get("address") or _POSTCODE.search("\n".join(texts))),
        "date": bool(form.get("date") or _DATE.search("\n".join(texts))),
        "description": bool(form.get("description") or len(free) >= MIN_DESCRIPTION),
        "signature": bool(form.get("signature") or _has_signed_attachment(mails)),
    }
    return tuple(p for p in PARTS if not present[p])


def _is_form_line(line: str) -> bool:
    key, sep, _ = line.partition(":")
    return bool(sep) and any(key.strip().lower() in labels for labels in _LABELS.values())


def _has_signed_attachment(mails: list) -> bool:
    return any(a.content_type.startswith(_SIGNED_TYPES) for m in mails for a in m.attachments)
