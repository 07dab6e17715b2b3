"""Pure: the daily overview of open cases and what falls due soon, per person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mailbot.config.settings import Settings
from mailbot.model import Case, OutboundMail
from mailbot.procedure.audience import is_respondent


def people(settings: Settings) -> list[tuple[str, str]]:
    """Who gets a digest: (e-mail, view); view is contact, co-owner or chair."""
    chosen: dict[str, str] = {}
    for staff in settings.staff:
        if staff.is_co_owner:
            chosen[staff.email] = "co-owner"
        elif staff.is_contact:
            chosen[staff.email] = "contact"
    if settings.chair is not None:
        chosen.setdefault(settings.chair.email, "chair")
    return list(chosen.items())


def concerns(case: Case, email: str, view: str) -> bool:
    """Whether the case belongs in this person's digest (confidentiality applied)."""
    if case.status != "open":
        return False
    if is_respondent(email, case):
        return False
    if view == "co-owner":
        return True
    if view == "chair":
        return case.track == "formal"
    return case.track != "formal" and case.contact in (None, email)


def rows(
    cases: list[Case], email: str, view: str, horizon: datetime, now: datetime
) -> list[dict[str, Any]]:
    """Each open case of this person, with its open deadlines up to the horizon."""
    found = []
    for case in sorted(cases, key=lambda c: c.id):
        if not concerns(case, email, view):
            continue
        due = [
            {"name": d.name, "due": d.due, "overdue": d.due < now}
            for d in sorted(case.deadlines, key=lambda d: d.due)
            if d.open and d.name != "retention" and d.due <= horizon
        ]
        found.append(
            {
                "id": case.id,
                "track": case.track,
                "stage": case.stage,
                "complainant_name": case.complainant.name,
                "due": due,
            }
        )
    return found


def waiting(held: list[OutboundMail]) -> dict[str, Any]:
    """How many automatic replies the hourly cap holds back, and when the last will go."""
    turns = [m.next_attempt_at for m in held if m.next_attempt_at is not None]
    return {"count": len(held), "until": max(turns, default=None)}
