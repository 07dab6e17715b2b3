"""Pure: the new text of a reply — quoted text, reply headers and signatures removed."""

from __future__ import annotations

import re

# A line that starts the quoted original in the common Dutch and English mail clients.
_CUT = (
    re.compile(r"^\s*Op .{0,200}(schreef|het volgende geschreven)\b.*:?\s*$", re.IGNORECASE),
    re.compile(r"^\s*On .{0,200}wrote:\s*$", re.IGNORECASE),
    re.compile(
        r"^\s*-{2,}\s*(Original Message|Oorspronkelijk bericht|Origineel bericht|"
        r"Forwarded message|Doorgestuurd bericht)\s*-{2,}\s*$",
        re.IGNORECASE,
    ),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's separator before its header block
    re.compile(r"^\s*(Van|From)\s*:\s*.+$", re.IGNORECASE),  # Outlook's header block
    re.compile(r"^-- ?$"),  # the signature separator
)
_HEADER_BLOCK_NEXT = re.compile(
    r"^\s*(Verzonden|Sent|Datum|Date|Aan|To|Onderwerp|Subject)\s*:", re.IGNORECASE
)


def new_text(text: str) -> str:
    """What the sender wrote in this mail, without what they replied to."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            continue
        if _starts_quote(line, lines[i + 1 : i + 4]):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _starts_quote(line: str, following: list[str]) -> bool:
    for pattern in _CUT:
        if pattern.match(line):
            if pattern.pattern.startswith(r"^\s*(Van|From)"):
                # A "Van:" line only starts a quote when a header block follows it.
                return any(_HEADER_BLOCK_NEXT.match(n) for n in following)
            return True
    return False
