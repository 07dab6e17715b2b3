"""Pure: which reminders and escalations of a case's deadlines are due at a moment.

The case records are the single source of truth: a notice is due when its moment has come,
it is business time, and the deadline's `sent` does not name it yet."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from mailbot.model import Case, Deadline, SendMail


class BusinessCalendar(Protocol):
    def reminder_moment(self, due: datetime, working_days_before: int) -> datetime: ...
    def next_business_moment(self, at: datetime) -> datetime: ...
    def is_business_time(self, at: datetime) -> bool: ...


@dataclass(frozen=True)
class Notice:
    key: str  # recorded in Deadline.sent
    kind: str  # reminder (before or on the due day) | escalation (after the term ended)
    working_days_before: int
    to: str  # a recipient role
    template: str
    attach_file: bool = False  # escalations to the committee carry the case file


def _remind(days: int, to: str) -> Notice:
    return Notice(f"remind-{days}-{to}", "reminder", days, to, "deadline_reminder")


def _escalate(to: str, case_file: bool = False) -> Notice:
    return Notice(f"escalate-{to}", "escalation", 0, to, "deadline_escalation", case_file)


# DESIGN section 4, as data.
NOTICES: dict[str, tuple[Notice, ...]] = {
    "direct.response": (_remind(0, "contact"),),
    "direct.resolution": (_remind(1, "contact"), _escalate("co-owners")),
    "mediation.meeting": (_remind(2, "contact"), _escalate("co-owners")),
    "mediation.outcome": (_remind(5, "contact"), _escalate("co-owners")),
    "formal.acknowledgement": (
        _remind(2, "chair"),
        _remind(1, "committee"),
        _escalate("committee", case_file=True),
        _escalate("co-owners"),
    ),
    "formal.decision": (
        _remind(5, "committee"),
        _remind(2, "committee"),
        _remind(2, "co-owners"),
        _escalate("committee", case_file=True),
        _escalate("co-owners"),
    ),
    "formal.registered_post": (_remind(0, "chair"), _escalate("chair")),
    "formal.evaluation": (_remind(0, "chair"),),
}


def moment(notice: Notice, deadline: Deadline, calendar: BusinessCalendar) -> datetime:
    """When a notice goes out: a reminder at the start of business N working days before the
    due day; an escalation at the first business moment after the term ended."""
    if notice.kind == "reminder":
        return calendar.reminder_moment(deadline.due, notice.working_days_before)
    return calendar.next_business_moment(deadline.due)


def pending(case: Case) -> list[tuple[Deadline, Notice]]:
    """The notices of open deadlines that have not gone out yet."""
    if case.status != "open":
        return []
    return [
        (d, n)
        for d in case.deadlines
        if d.open
        for n in NOTICES.get(d.name, ())
        if n.key not in d.sent
    ]


def due_notices(
    case: Case, now: datetime, calendar: BusinessCalendar
) -> tuple[Case, list[SendMail]]:
    """The case with due notices recorded as sent, and the mails to send. When several notices
    of one deadline fell due together (mailbot was down), only the latest kind goes out: a
    reminder that the term is near is pointless once it has passed."""
    if not calendar.is_business_time(now):
        return case, []
    due = [(d, n) for d, n in pending(case) if moment(n, d, calendar) <= now]
    if not due:
        return case, []
    effects: list[SendMail] = []
    for deadline in {d.name: d for d, _ in due}.values():
        notices = [n for d, n in due if d.name == deadline.name]
        latest = max(moment(n, deadline, calendar) for n in notices)
        sending = [n for n in notices if moment(n, deadline, calendar) == latest]
        effects += [_mail(case, deadline, n) for n in sending]
        case = _record(case, deadline, notices, sending, now)
    return case, effects


def _mail(case: Case, deadline: Deadline, notice: Notice) -> SendMail:
    return SendMail(
        notice.template,
        to=notice.to,
        auto_submitted="auto-generated",
        context={"deadline": {"name": deadline.name, "due": deadline.due}, "kind": notice.kind},
        attach=("originals",) if notice.attach_file else (),
    )


def _record(
    case: Case, deadline: Deadline, notices: list[Notice], sending: list[Notice], now: datetime
) -> Case:
    updated = replace(
        deadline,
        sent=(*deadline.sent, *(n.key for n in notices)),
        reminded_at=now if any(n.kind == "reminder" for n in sending) else deadline.reminded_at,
        escalated_at=now if any(n.kind == "escalation" for n in sending) else deadline.escalated_at,
    )
    return replace(
        case, deadlines=tuple(updated if d.name == deadline.name else d for d in case.deadlines)
    )


def next_moment(cases: list[Case], now: datetime, calendar: BusinessCalendar) -> datetime | None:
    """The earliest moment, not before `now`, at which a notice can go out."""
    moments = [
        calendar.next_business_moment(max(moment(n, d, calendar), now))
        for case in cases
        for d, n in pending(case)
    ]
    return min(moments, default=None)
