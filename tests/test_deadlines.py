"""Reminders and escalations: due at the right moment, in business hours, exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mailbot.model import Case, Deadline, Party
from mailbot.procedure.deadlines import due_notices, next_moment
from mailbot.procedure.workdays import Calendar

AMS = ZoneInfo("Europe/Amsterdam")
CAL = Calendar()
ACK_DUE = datetime(2026, 5, 4, 23, 59, 59, tzinfo=AMS)  # received Friday 24 April 2026


def case_with(*deadlines: Deadline, track: str = "formal") -> Case:
    return Case(
        "KL-2026-0001",
        track,
        "received",
        "open",
        Party("Jan", "jan@example.org"),
        datetime(2026, 4, 24, 10, 0, tzinfo=AMS),
        "nl",
        deadlines=deadlines,
    )


def at(day: int, hour: int, minute: int = 0, month: int = 4) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=AMS)


def sent_over(case: Case, moments: list[datetime]) -> list[tuple[datetime, str, str]]:
    """Run tick at each moment, as the daemon would; collect what went out when."""
    out = []
    for now in moments:
        case, effects = due_notices(case, now, CAL)
        out += [(now, e.template, e.to) for e in effects]
    return out


def every_half_hour(start: datetime, end: datetime) -> list[datetime]:
    moments, now = [], start
    while now <= end:
        moments.append(now)
        now += timedelta(minutes=30)
    return moments


def test_formal_acknowledgement_reminders_and_overdue_alert_each_once() -> None:
    case = case_with(Deadline("formal.acknowledgement", ACK_DUE))
    # 24 April to 8 May, every half hour, weekends, nights and King's Day included.
    sent = sent_over(case, every_half_hour(at(24, 0), at(8, 0, month=5)))
    assert sent == [
        (at(30, 8, 30), "deadline_reminder", "chair"),  # 2 working days before Monday 4 May
        (at(1, 8, 30, month=5), "deadline_reminder", "committee"),  # 1 working day before
        (at(5, 8, 30, month=5), "deadline_escalation", "committee"),  # the term has passed
        (at(5, 8, 30, month=5), "deadline_escalation", "co-owners"),
    ]


def test_nothing_goes_out_outside_business_hours() -> None:
    case = case_with(Deadline("formal.acknowledgement", ACK_DUE))
    saturday_night = at(2, 23, month=5)
    assert due_notices(case, saturday_night, CAL)[1] == []
    assert due_notices(case, at(4, 7, 0, month=5), CAL)[1] == []  # Monday before 08:30


def test_after_downtime_only_the_latest_notice_goes_out_at_the_next_business_moment() -> None:
    case = case_with(Deadline("formal.acknowledgement", ACK_DUE))
    # mailbot was down from before the first reminder until Tuesday evening after the term.
    evening = at(5, 20, month=5)
    assert due_notices(case, evening, CAL)[1] == []
    case, effects = due_notices(case, at(6, 8, 30, month=5), CAL)
    assert [(e.template, e.to) for e in effects] == [
        ("deadline_escalation", "committee"),
        ("deadline_escalation", "co-owners"),
    ]
    assert set(case.deadlines[0].sent) >= {"remind-2-chair", "remind-1-committee"}
    assert due_notices(case, at(6, 9, 0, month=5), CAL)[1] == []


def test_a_met_deadline_sends_nothing_more() -> None:
    met = Deadline("formal.acknowledgement", ACK_DUE, met_at=at(29, 10))
    assert sent_over(case_with(met), every_half_hour(at(24, 0), at(8, 0, month=5))) == []


def test_an_escalation_to_the_committee_carries_the_case_file() -> None:
    case = case_with(Deadline("formal.acknowledgement", ACK_DUE))
    _, effects = due_notices(case, at(5, 9, month=5), CAL)
    assert effects[0].attach == ("originals",) and effects[1].attach == ()


@pytest.mark.parametrize(
    ("name", "due", "expected"),
    [
        ("direct.response", at(28, 23, 59), [(at(28, 8, 30), "deadline_reminder", "contact")]),
        (
            "direct.resolution",
            at(30, 23, 59),
            [
                (at(29, 8, 30), "deadline_reminder", "contact"),
                (at(1, 8, 30, month=5), "deadline_escalation", "co-owners"),
            ],
        ),
    ],
)
def test_direct_track_notices(name: str, due: datetime, expected: list) -> None:
    case = case_with(Deadline(name, due), track="direct")
    assert sent_over(case, every_half_hour(at(24, 0), at(6, 0, month=5))) == expected


def test_next_moment_is_the_earliest_pending_notice_never_in_the_past() -> None:
    case = case_with(Deadline("formal.acknowledgement", ACK_DUE))
    assert next_moment([case], at(24, 12), CAL) == at(30, 8, 30)
    # A notice whose moment passed at night is due at the next business moment, not before.
    assert next_moment([case], at(30, 20), CAL) == at(1, 8, 30, month=5)
    closed = case_with(Deadline("formal.acknowledgement", ACK_DUE, met_at=at(25, 9)))
    assert next_moment([closed], at(24, 12), CAL) is None


def test_times_are_aware_and_survive_utc() -> None:
    case = case_with(Deadline("formal.acknowledgement", ACK_DUE.astimezone(UTC)))
    _, effects = due_notices(case, at(30, 8, 30).astimezone(UTC), CAL)
    assert [(e.template, e.to) for e in effects] == [("deadline_reminder", "chair")]
