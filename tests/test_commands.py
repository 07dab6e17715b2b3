"""Commands in subjects: found, read with their arguments in Dutch and English, checked."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from mailbot.errors import ProcedureError
from mailbot.procedure.commands import SPECS, Token, may_give, parse_command, sender_tokens, tokens


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: [KL-2026-0042] Factuur klopt niet #assign pieter", [("assign", "pieter")]),
        ("Re: [KL-2026-0042] #notitie", [("notitie", "")]),
        (
            "Re: x #meeting 2026-03-20 14:00 Kantoor Utrecht #lang en",
            [("meeting", "2026-03-20 14:00 Kantoor Utrecht"), ("lang", "en")],
        ),
        ("Re: [KL-2026-0042] #OPGELOST", [("opgelost", "")]),
        ("Re: factuur #12 betaald", []),
        ("C#-cursus klacht", []),
        ("Re: x\r\n #extend\r\n 2027-01-15", [("extend", "2027-01-15")]),
    ],
)
def test_tokens(subject: str, expected: list[tuple[str, str]]) -> None:
    assert [(t.word, t.rest) for t in tokens(subject)] == expected


@pytest.mark.parametrize(
    ("word", "rest", "name", "args"),
    [
        ("resolve", "", "resolve", {}),
        ("opgelost", "extra woorden genegeerd", "resolve", {}),
        ("toewijzen", "pieter en meer", "assign", {"person": "pieter"}),
        ("beklaagde", "Karel de Coach", "respondent", {"text": "Karel de Coach"}),
        (
            "gesprek",
            "2026-03-20 14:00 Kantoor Utrecht",
            "meeting",
            {"at": datetime(2026, 3, 20, 14, 0), "place": "Kantoor Utrecht"},
        ),
        (
            "meeting",
            "2026-03-20 9:30",
            "meeting",
            {"at": datetime(2026, 3, 20, 9, 30), "place": ""},
        ),
        ("akkoord", "beiden", "agreed", {"party": "both"}),
        ("agreed", "klager", "agreed", {"party": "complainant"}),
        ("zwaarte", "hoog", "severity", {"severity": "high"}),
        ("severity", "Medium", "severity", {"severity": "medium"}),
        (
            "hoorzitting",
            "beklaagde 2026-04-02 10:00",
            "hearing",
            {"party": "respondent", "at": datetime(2026, 4, 2, 10, 0)},
        ),
        ("verlengen", "2027-01-15", "extend", {"date": date(2027, 1, 15)}),
        ("uitspraak", "deels", "ruling", {"outcome": "partly"}),
        ("ruling", "ongegrond", "ruling", {"outcome": "rejected"}),
        ("aangetekend", "RR123456789NL", "registered", {"token": "RR123456789NL"}),
        ("taal", "en", "lang", {"language": "en"}),
        ("overzicht", "", "list", {"which": "open"}),
        ("list", "achterstallig", "list", {"which": "overdue"}),
        ("rapport", "2026", "report", {"year": 2026}),
        ("registreer", "", "register", {}),
        ("help", "", "help", {}),
    ],
)
def test_parse_command(word: str, rest: str, name: str, args: dict) -> None:
    command = parse_command(Token(word, rest))
    assert (command.name, command.args) == (name, args)


@pytest.mark.parametrize(
    ("word", "rest", "code"),
    [
        ("frobnicate", "", "unknown_command"),
        ("extend", "", "missing_argument"),
        ("extend", "15-01-2027", "bad_date"),
        ("extend", "2027-02-30", "bad_date"),
        ("meeting", "2026-03-20", "missing_argument"),
        ("meeting", "2026-03-20 25:00", "bad_date"),
        ("severity", "enorm", "bad_argument"),
        ("ruling", "", "missing_argument"),
        ("agreed", "iedereen", "bad_argument"),
        ("hearing", "getuige 2026-04-02 10:00", "bad_argument"),
        ("lang", "de", "bad_argument"),
        ("report", "vorig-jaar", "bad_argument"),
        ("assign", "", "missing_argument"),
        ("respondent", "", "missing_argument"),
    ],
)
def test_bad_commands_are_refused_with_a_reason(word: str, rest: str, code: str) -> None:
    with pytest.raises(ProcedureError) as refused:
        parse_command(Token(word, rest))
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("name", "roles", "allowed"),
    [
        ("resolve", {"staff"}, True),
        ("resolve", {"committee"}, False),
        ("ruling", {"committee"}, True),
        ("ruling", {"staff", "co-owner"}, False),
        ("failed", {"staff"}, False),
        ("failed", {"staff", "co-owner"}, True),
        ("registered", {"staff"}, True),
        ("report", {"staff"}, False),
        ("report", {"staff", "co-owner"}, True),
        ("hold", {"committee"}, True),
    ],
)
def test_who_may_give_a_command(name: str, roles: set[str], allowed: bool) -> None:
    assert may_give(name, frozenset(roles)) is allowed


def test_every_command_has_a_dutch_and_an_english_word() -> None:
    words = [w for s in SPECS for w in (s.name, s.dutch)]
    assert len(SPECS) >= 29
    assert len(set(words)) == len(words) - 2  # only #status and #help are the same in both


NOTICE = "Nieuwe klacht [KL-2026-0002]: Factuur klopt niet #reply"


# Attack 3A: a complainant's subject copied into mailbot's notification gives no command.
@pytest.mark.parametrize(
    ("subject", "quoted", "expected"),
    [
        (f"Re: {NOTICE}", [NOTICE], []),
        (f"Re: {NOTICE} #notitie", [NOTICE], [("notitie", "")]),
        (f"AW: {NOTICE}  #toewijzen pieter", [NOTICE], [("toewijzen", "pieter")]),
        (
            "Re: Nieuwe klacht [KL-2026-0002]: Bestelling #A123",
            ["Nieuwe klacht [KL-2026-0002]: Bestelling #A123"],
            [],
        ),
        # Folded by the reply's client: still the same text.
        ("Re: Nieuwe klacht [KL-2026-0002]:\r\n Factuur klopt niet #reply", [NOTICE], []),
        # The subject was edited: the words mailbot's subject held count for nothing.
        ("[KL-2026-0002] Factuur #reply", [NOTICE], []),
        ("[KL-2026-0002] Factuur #reply #status", [NOTICE], [("status", "")]),
        # mailbot's inert sign folded back to "#" by the reply's client: still quoted text.
        (f"Re: {NOTICE}", [NOTICE.replace("#", "\uff03")], []),
        ("[KL-2026-0002] #reply", [NOTICE.replace("#", "\uff03")], []),
        # A reply to no mailbot mail: every word counts.
        ("Re: [KL-2026-0002] #reply", [], [("reply", "")]),
        # The In-Reply-To subject first; an older one in References does not hide commands.
        (
            f"Re: {NOTICE} #opgelost",
            ["Stand van zaken [KL-2026-0002]", NOTICE],
            [("opgelost", "")],
        ),
    ],
)
def test_sender_tokens(subject: str, quoted: list[str], expected: list[tuple[str, str]]) -> None:
    assert [(t.word, t.rest) for t in sender_tokens(subject, quoted)] == expected
