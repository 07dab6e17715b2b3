"""Finding the case tag in subjects, tolerantly."""

from __future__ import annotations

import pytest

from mailbot.mail.tags import ensure_tag, find_case_tag, find_case_tags, neutralise
from mailbot.procedure.commands import tokens


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("[KL-2026-0042] Factuur klopt niet", "KL-2026-0042"),
        ("Re: [KL-2026-0042] Factuur klopt niet", "KL-2026-0042"),
        ("Antw: AW: Fwd: Doorst: [kl-2026-0042]", "KL-2026-0042"),
        ("RE: [ KL - 2026 - 0042 ] extra spaces", "KL-2026-0042"),
        ("Re: Ontvangst [KL-2026-\r\n 0042] folded", "KL-2026-0042"),
        ("[KL-2026-42] short sequence", "KL-2026-0042"),
        ("Factuur KL-2026-0042 without brackets", None),
        ("[AB-2026-0042] other prefix", None),
        ("[KL-26-0042] two-digit year", None),
        ("", None),
    ],
)
def test_find_case_tag(subject: str, expected: str | None) -> None:
    assert find_case_tag(subject, "KL") == expected


def test_ensure_tag_adds_a_missing_tag_once() -> None:
    assert ensure_tag("Uw klacht", "KL-2026-0001", "KL") == "Uw klacht [KL-2026-0001]"
    tagged = "Uw klacht [KL-2026-0001]"
    assert ensure_tag(tagged, "KL-2026-0001", "KL") == tagged


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: [KL-2026-0001] #withdrawn [KL-2026-0002]", ["KL-2026-0001", "KL-2026-0002"]),
        ("[KL-2026-0002] en [kl-2026-2]", ["KL-2026-0002"]),
        ("geen tag", []),
    ],
)
def test_find_case_tags(subject: str, expected: list[str]) -> None:
    assert find_case_tags(subject, "KL") == expected


# Copied text in mailbot's subjects: no live command word, no live tag but the case's own.
@pytest.mark.parametrize(
    ("subject", "keep", "expected"),
    [
        (
            "Nieuwe klacht [KL-2026-0002]: Factuur klopt niet #reply",
            "KL-2026-0002",
            "Nieuwe klacht [KL-2026-0002]: Factuur klopt niet \uff03reply",
        ),
        ("Bestelling #A123", None, "Bestelling \uff03A123"),
        (
            "Nieuwe klacht [KL-2026-0002]: over [KL-2026-0001]",
            "KL-2026-0002",
            "Nieuwe klacht [KL-2026-0002]: over (KL-2026-0001)",
        ),
        (
            "Mail niet bezorgd bij [kl-2026-0001] #withdrawn [KL-2026-0002]",
            "KL-2026-0002",
            "Mail niet bezorgd bij (KL-2026-0001) \uff03withdrawn [KL-2026-0002]",
        ),
        ("Niet uitgevoerd: #x [ KL - 2026 - 7 ]", None, "Niet uitgevoerd: \uff03x (KL-2026-0007)"),
        ("C#-cursus [AB-2026-0001]", None, "C\uff03-cursus [AB-2026-0001]"),
    ],
)
def test_neutralise(subject: str, keep: str | None, expected: str) -> None:
    inert = neutralise(subject, "KL", keep)
    assert inert == expected
    assert tokens(inert) == []
    assert find_case_tags(inert, "KL") == ([keep] if keep else [])


def test_the_tag_mailbot_places_stays_first_after_neutralising() -> None:
    subject = neutralise("Reactie over [KL-2026-0001] #reply", "KL", "KL-2026-0005")
    tagged = ensure_tag(subject, "KL-2026-0005", "KL")
    assert find_case_tags(tagged, "KL") == ["KL-2026-0005"]
