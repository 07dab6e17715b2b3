"""The new text of replies from common Dutch and English mail clients."""

from __future__ import annotations

import pytest

from mailbot.replytext import new_text

CASES = [
    ("plain", "Dank u, ik ga akkoord.\n", "Dank u, ik ga akkoord."),
    (
        "gmail nl",
        "Akkoord.\n\nOp ma 16 mrt 2026 om 10:00 schreef Klachten <k@example.nl>:\n> Voorstel",
        "Akkoord.",
    ),
    (
        "apple en",
        "Fine by me.\n\nOn 16 Mar 2026, at 10:00, Complaints <k@example.nl> wrote:\n\n> text\n",
        "Fine by me.",
    ),
    (
        "outlook nl",
        "Zie hieronder.\n\nVan: Klachten <klachten@example.nl>\nVerzonden: maandag 16 maart 2026"
        "\nAan: Jan\nOnderwerp: [KL-2026-0001]\n\nOude tekst",
        "Zie hieronder.",
    ),
    (
        "outlook separator",
        "Nieuwe tekst\n________________________________\nFrom: x\nSent: y\n",
        "Nieuwe tekst",
    ),
    (
        "original message",
        "Ok\n-----Original Message-----\nFrom: x",
        "Ok",
    ),
    ("signature", "De tekst.\n\n-- \nAnna de Vries\nVoorbeeld", "De tekst."),
    ("bottom posting", "> vraag\n> nog meer\n\nMijn antwoord.\n", "Mijn antwoord."),
    (
        "a Van: line in prose is kept",
        "Van: de afdeling kreeg ik geen antwoord.\nDaarom klaag ik.",
        "Van: de afdeling kreeg ik geen antwoord.\nDaarom klaag ik.",
    ),
    ("backslashes kept", "C:\\pad\\naar\\bestand en é", "C:\\pad\\naar\\bestand en é"),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_new_text(name: str, text: str, expected: str) -> None:
    assert new_text(text) == expected
