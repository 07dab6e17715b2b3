"""Pure: how a procedural term reads in a mail, e.g. "5 werkdagen" or "4 weeks"."""

from __future__ import annotations

from mailbot.config.settings import Term

_WORDS = {
    "nl": {
        "working_days": ("werkdag", "werkdagen"),
        "days": ("dag", "dagen"),
        "weeks": ("week", "weken"),
        "months": ("maand", "maanden"),
        "years": ("jaar", "jaar"),
    },
    "en": {
        "working_days": ("working day", "working days"),
        "days": ("day", "days"),
        "weeks": ("week", "weeks"),
        "months": ("month", "months"),
        "years": ("year", "years"),
    },
}


def term_text(term: Term, lang: str) -> str:
    singular, plural = _WORDS[lang][term.unit]
    return f"{term.amount} {singular if term.amount == 1 else plural}"
