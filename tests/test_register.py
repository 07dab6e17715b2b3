"""#register: a complaint received by phone, in person or by letter."""

from __future__ import annotations

import pytest

from mailbot.errors import ProcedureError
from mailbot.procedure.register import registration


def test_a_phone_complaint_with_every_line() -> None:
    details = registration(
        "Naam: Jan Jansen\nE-mail: Jan.Jansen@example.org\nTelefoon: 06-12345678\n"
        "Kanaal: telefoon\nOmschrijving: Belde over de factuur.\nDie klopt niet.\n"
    )
    assert (details.name, details.email, details.phone, details.channel) == (
        "Jan Jansen",
        "jan.jansen@example.org",
        "06-12345678",
        "telefoon",
    )
    assert details.description == "Belde over de factuur.\nDie klopt niet."
    assert "Kanaal: telefoon" in details.text


def test_english_lines_and_no_email() -> None:
    details = registration("Name: Kim Smit\nChannel: letter\nDescription: Wrote about the course.")
    assert (details.name, details.email, details.channel) == ("Kim Smit", None, "brief")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("Kanaal: telefoon\nOmschrijving: x", "register_incomplete"),
        ("Naam: Jan\nOmschrijving: x", "register_incomplete"),
        ("Naam: Jan\nKanaal: telefoon", "register_incomplete"),
        ("Naam: Jan\nKanaal: duif\nOmschrijving: x", "bad_argument"),
        ("Naam: Jan\nE-mail: geen adres\nKanaal: brief\nOmschrijving: x", "bad_argument"),
    ],
)
def test_incomplete_registrations_are_refused(body: str, code: str) -> None:
    with pytest.raises(ProcedureError) as refused:
        registration(body)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("description", "subject"),
    [
        ("Belde over de factuur.\nDie klopt niet.", "Belde over de factuur."),
        ("#reply #registreer klopt niet", "\uff03reply \uff03registreer klopt niet"),
        ("woord " * 30, "woord " * 10 + "woord\u2026"),
    ],
)
def test_the_case_subject_is_the_description_never_a_command(
    description: str, subject: str
) -> None:
    details = registration(f"Naam: Jan\nKanaal: telefoon\nOmschrijving: {description}")
    assert details.subject == subject
