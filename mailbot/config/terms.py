"""Pure: procedural terms read from the config ("5 werkdagen", "4 weeks") and written in mails."""

from __future__ import annotations

import re

from mailbot.config.settings import Term
from mailbot.config.wording import show

MAX_TERM_AMOUNT = 1000

# Each unit's singular and plural, as mails write them and the config may.
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
# What the config may write for a unit: those words, also with "_" for a space as in the unit
# names, and "jaren", which mails never write ("2 jaar") but people do.
_UNITS = {
    **{
        spelling: unit
        for units in _WORDS.values()
        for unit, words in units.items()
        for word in words
        for spelling in (word, word.replace(" ", "_"))
    },
    "jaren": "years",
}
_TERM_RE = re.compile(r"\s*(\d+)\s+([A-Za-z_ ]+?)\s*\Z")
_TERM_FORMS = (
    'a whole number and a unit, e.g. "5 working days", "4 weeks", "10 days", "6 months", '
    '"2 years" (Dutch: "5 werkdagen", "4 weken", "10 dagen", "6 maanden", "2 jaar")'
)


def parse_term(text: str) -> Term:
    """Parse "5 working days", "4 weeks", "2 jaar" …; ValueError says which forms exist."""
    match = _TERM_RE.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"cannot read {show(text)} as a term: write {_TERM_FORMS}")
    unit = _UNITS.get(" ".join(match[2].lower().split()))
    if unit is None:
        raise ValueError(f'unknown unit "{match[2]}" in {show(text)}: write {_TERM_FORMS}')
    amount = int(match[1])
    if not 1 <= amount <= MAX_TERM_AMOUNT:
        raise ValueError(f"the amount in {show(text)} must be 1 to {MAX_TERM_AMOUNT}")
    return Term(amount, unit)


def term_text(term: Term, lang: str) -> str:
    """The term in words of `lang`: "1 werkdag", "5 working days"."""
    singular, plural = _WORDS[lang][term.unit]
    return f"{term.amount} {singular if term.amount == 1 else plural}"
