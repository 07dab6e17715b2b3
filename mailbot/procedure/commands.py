"""Pure: the commands in a subject, their arguments, and who may give them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from mailbot.errors import ProcedureError
from mailbot.mail.tags import INERT_HASH

# Who may give a command: staff (any staff member), co-owner, committee.
STAFF, CO_OWNER, COMMITTEE = "staff", "co-owner", "committee"


@dataclass(frozen=True)
class Spec:
    name: str  # the English word, used everywhere inside mailbot
    dutch: str
    args: str  # how the arguments are read; see _ARG_READERS
    who: frozenset[str]
    needs_case: bool = True


def _spec(name: str, dutch: str, args: str, who: set[str], needs_case: bool = True) -> Spec:
    return Spec(name, dutch, args, frozenset(who), needs_case)


SPECS: tuple[Spec, ...] = (
    _spec("note", "notitie", "none", {STAFF, COMMITTEE}),
    _spec("reply", "antwoord", "none", {STAFF, COMMITTEE}),
    _spec("assign", "toewijzen", "person", {STAFF}),
    _spec("respondent", "beklaagde", "free", {STAFF, COMMITTEE}),
    _spec("resolve", "opgelost", "none", {STAFF}),
    _spec("mediate", "bemiddeling", "none", {STAFF}),
    _spec("meeting", "gesprek", "datetime_place", {STAFF}),
    _spec("proposal", "voorstel", "none", {STAFF}),
    _spec("agreed", "akkoord", "agreeing_party", {STAFF}),
    _spec("failed", "mislukt", "none", {CO_OWNER}),
    _spec("formal", "formeel", "none", {STAFF, COMMITTEE}),
    _spec("complete", "compleet", "none", {COMMITTEE}),
    _spec("severity", "zwaarte", "severity", {COMMITTEE}),
    _spec("hearing", "hoorzitting", "party_datetime", {COMMITTEE}),
    _spec("extend", "verlengen", "date", {COMMITTEE}),
    _spec("ruling", "uitspraak", "outcome", {COMMITTEE}),
    _spec("registered", "aangetekend", "token", {COMMITTEE, STAFF}),
    _spec("evaluation", "evaluatie", "none", {COMMITTEE}),
    _spec("address", "adres", "free", {STAFF, COMMITTEE}),
    _spec("posted", "verstuurd", "none", {STAFF, COMMITTEE}),
    _spec("close", "sluiten", "none", {STAFF, COMMITTEE}),
    _spec("reopen", "heropenen", "none", {STAFF, COMMITTEE}),
    _spec("withdrawn", "ingetrokken", "none", {STAFF, COMMITTEE}),
    _spec("lang", "taal", "language", {STAFF}),
    _spec("status", "status", "none", {STAFF, COMMITTEE}),
    _spec("hold", "bewaren", "none", {COMMITTEE, CO_OWNER}),
    _spec("release", "vrijgeven", "none", {COMMITTEE, CO_OWNER}),
    _spec("register", "registreer", "none", {STAFF}, needs_case=False),
    _spec("list", "overzicht", "list_filter", {STAFF, COMMITTEE}, needs_case=False),
    _spec("report", "rapport", "year", {CO_OWNER, COMMITTEE}, needs_case=False),
    _spec("help", "help", "none", {STAFF, COMMITTEE}, needs_case=False),
)
BY_WORD: dict[str, Spec] = {w: s for s in SPECS for w in (s.name, s.dutch)}

_TOKEN = re.compile(r"(?<![\w#])#([A-Za-z][\w-]*)")
_PARTIES = {
    "complainant": "complainant",
    "klager": "complainant",
    "respondent": "respondent",
    "beklaagde": "respondent",
}
_AGREEING = {**_PARTIES, "both": "both", "beiden": "both"}
_SEVERITY = {
    "low": "low",
    "laag": "low",
    "medium": "medium",
    "middel": "medium",
    "high": "high",
    "hoog": "high",
}
_OUTCOME = {
    "upheld": "upheld",
    "gegrond": "upheld",
    "partly": "partly",
    "deels": "partly",
    "rejected": "rejected",
    "ongegrond": "rejected",
}
_LIST = {"open": "open", "overdue": "overdue", "achterstallig": "overdue", "te-laat": "overdue"}


@dataclass(frozen=True)
class Token:
    """A `#word` and the text after it up to the next `#word`, as written."""

    word: str
    rest: str

    @property
    def as_given(self) -> str:
        return f"#{self.word} {self.rest}".strip()


@dataclass(frozen=True)
class Command:
    name: str
    args: dict[str, Any] = field(default_factory=dict)
    given: str = ""


def tokens(subject: str) -> list[Token]:
    """Every `#word` in a subject with its argument text."""
    subject = " ".join(subject.split())
    found = list(_TOKEN.finditer(subject))
    result = []
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(subject)
        result.append(Token(match.group(1).lower(), subject[match.end() : end].strip()))
    return result


def sender_tokens(subject: str, quoted: Iterable[str] = ()) -> list[Token]:
    """The `#word`s of a reply's subject that its sender wrote, not copied from `quoted`
    (the subjects of mailbot's mails it answers): those after the quoted subject where the
    subject still holds it (`Re: <quoted> #reply`), else those whose word the quoted
    subjects did not hold. A complainant's `Factuur #reply` copied into a notification
    never becomes a staff member's command."""
    text = " ".join(subject.split())
    # Compared with mailbot's inert `＃` read as `#`: a client that folds the fullwidth sign
    # back to ASCII still quotes mailbot's text, not its sender's.
    sources = [" ".join(source.split()).replace(INERT_HASH, "#") for source in quoted]
    sources = [source for source in sources if source]
    plain = text.replace(INERT_HASH, "#")  # the same length: positions carry over
    for source in sources:
        at = plain.rfind(source)
        if at >= 0:
            return tokens(text[at + len(source) :])
    copied = {t.word for source in sources for t in tokens(source)}
    return [t for t in tokens(text) if t.word not in copied]


def parse_command(token: Token) -> Command:
    """The command a token names, with its arguments read; ProcedureError when it is wrong."""
    spec = BY_WORD.get(token.word)
    if spec is None:
        raise ProcedureError("unknown_command", word=token.word)
    args = _ARG_READERS[spec.args](token.rest, token.word)
    return Command(spec.name, args, token.as_given)


def spec_for(name: str) -> Spec:
    return next(s for s in SPECS if s.name == name)


def may_give(name: str, roles: frozenset[str]) -> bool:
    """Whether someone with these roles (staff, co-owner, committee) may give the command."""
    return bool(spec_for(name).who & roles)


# --- argument readers: (rest of the subject, the word as written) -> args -----------------


def _none(rest: str, word: str) -> dict[str, Any]:
    return {}


def _first(rest: str, word: str, what: str) -> str:
    parts = rest.split()
    if not parts:
        raise ProcedureError("missing_argument", word=word, what=what)
    return parts[0]


def _choice(table: dict[str, str], what: str):
    def read(rest: str, word: str) -> dict[str, Any]:
        value = _first(rest, word, what).lower()
        if value not in table:
            raise ProcedureError("bad_argument", word=word, value=value, allowed=sorted(table))
        return {what: table[value]}

    return read


def _person(rest: str, word: str) -> dict[str, Any]:
    return {"person": _first(rest, word, "person")}


def _free(rest: str, word: str) -> dict[str, Any]:
    if not rest:
        raise ProcedureError("missing_argument", word=word, what="name")
    return {"text": rest}


def _token(rest: str, word: str) -> dict[str, Any]:
    return {"token": _first(rest, word, "tracking number")}


def _date(rest: str, word: str) -> dict[str, Any]:
    value = _first(rest, word, "date")
    try:
        return {"date": date.fromisoformat(value)}
    except ValueError:
        raise ProcedureError("bad_date", word=word, value=value) from None


def _when(parts: list[str], word: str) -> datetime:
    if len(parts) < 2:
        raise ProcedureError("missing_argument", word=word, what="YYYY-MM-DD HH:MM")
    text = f"{parts[0]} {parts[1]}"
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}", text):
            raise ValueError(text)
        return datetime.strptime(text, "%Y-%m-%d %H:%M")  # local wall time, zone added later
    except ValueError:
        raise ProcedureError("bad_date", word=word, value=text) from None


def _datetime_place(rest: str, word: str) -> dict[str, Any]:
    parts = rest.split()
    return {"at": _when(parts, word), "place": " ".join(parts[2:])}


def _party_datetime(rest: str, word: str) -> dict[str, Any]:
    party = _choice(_PARTIES, "party")(rest, word)
    return {**party, "at": _when(rest.split()[1:], word)}


def _year(rest: str, word: str) -> dict[str, Any]:
    value = _first(rest, word, "year")
    if not re.fullmatch(r"\d{4}", value):
        raise ProcedureError("bad_argument", word=word, value=value, allowed=["YYYY"])
    return {"year": int(value)}


def _list_filter(rest: str, word: str) -> dict[str, Any]:
    return _choice(_LIST, "which")(rest, word) if rest.split() else {"which": "open"}


_ARG_READERS = {
    "none": _none,
    "person": _person,
    "free": _free,
    "token": _token,
    "date": _date,
    "datetime_place": _datetime_place,
    "party_datetime": _party_datetime,
    "agreeing_party": _choice(_AGREEING, "party"),
    "severity": _choice(_SEVERITY, "severity"),
    "outcome": _choice(_OUTCOME, "outcome"),
    "language": _choice({"nl": "nl", "en": "en"}, "language"),
    "year": _year,
    "list_filter": _list_filter,
}
