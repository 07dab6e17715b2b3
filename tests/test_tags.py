"""Finding the case tag in subjects, tolerantly."""

from __future__ import annotations

import pytest

from mailbot.tags import ensure_tag, find_case_tag


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
