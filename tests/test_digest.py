"""The daily digest: whose cases, which terms, confidentiality."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from mailbot.model import Case, Deadline, Party
from mailbot.procedure.digest import people, rows

from support import ANNA, BRAM, PIETER, build_settings

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 3, 18, 8, 30, tzinfo=AMS)
HORIZON = datetime(2026, 3, 25, 23, 59, 59, tzinfo=AMS)


def case(n: int, track: str, contact: str | None = None, respondent: str | None = None,
         status: str = "open", *deadlines: Deadline) -> Case:  # fmt: skip
    return Case(f"KL-2026-000{n}", track, "acknowledged", status, Party(f"Klant {n}", None),
                NOW, "nl", contact=contact, deadlines=deadlines,
                respondent=Party("", respondent) if respondent else None)  # fmt: skip


CASES = [
    case(1, "direct", PIETER, None, "open",
         Deadline("direct.resolution", datetime(2026, 3, 17, 23, 59, tzinfo=AMS)),
         Deadline("retention", datetime(2026, 3, 20, tzinfo=AMS))),
    case(2, "direct", None, None, "open",
         Deadline("direct.resolution", datetime(2026, 4, 20, 23, 59, tzinfo=AMS))),
    case(3, "formal", None, None, "open",
         Deadline("formal.decision", datetime(2026, 3, 24, 23, 59, tzinfo=AMS))),
    case(4, "direct", ANNA, PIETER),
    case(5, "direct", PIETER, None, "closed"),
]  # fmt: skip


def ids(found: list[dict]) -> list[str]:
    return [r["id"] for r in found]


def test_who_gets_a_digest() -> None:
    assert people(build_settings()) == [(ANNA, "co-owner"), (PIETER, "contact"),
                                        (BRAM, "chair")]  # fmt: skip


def test_each_person_sees_their_own_open_cases_and_no_formal_content() -> None:
    assert ids(rows(CASES, PIETER, "contact", HORIZON, NOW)) == ["KL-2026-0001", "KL-2026-0002"]
    assert ids(rows(CASES, ANNA, "co-owner", HORIZON, NOW)) == [
        "KL-2026-0001", "KL-2026-0002", "KL-2026-0003", "KL-2026-0004",
    ]  # fmt: skip
    assert ids(rows(CASES, BRAM, "chair", HORIZON, NOW)) == ["KL-2026-0003"]


def test_a_respondent_does_not_see_the_case_complained_about() -> None:
    assert "KL-2026-0004" not in ids(rows(CASES, PIETER, "contact", HORIZON, NOW))


def test_only_terms_within_the_horizon_are_listed_and_overdue_ones_are_marked() -> None:
    [first, second] = rows(CASES, PIETER, "contact", HORIZON, NOW)
    assert [(d["name"], d["overdue"]) for d in first["due"]] == [("direct.resolution", True)]
    assert second["due"] == []  # due after the horizon
