"""Pure: who a recipient role means for a case, with confidentiality applied."""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.model import Case
from mailbot.settings import Settings


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    role: str  # complainant | respondent | staff | committee | operator | address


def recipients(role: str, case: Case | None, settings: Settings) -> list[Recipient]:
    """The people behind a role. A formal case's content reaches only the committee and the
    co-owners; a respondent never receives the case's content as staff."""
    if "@" in role:
        return [person(role, settings)]
    people = _ROLES[role](case, settings)
    excluded = _respondent_email(case)
    if role not in ("respondent", "parties"):
        people = [p for p in people if p.email.lower() != excluded]
    return _dedupe(people)


def person(email: str, settings: Settings) -> Recipient:
    """An address, named and given its role when it belongs to staff or committee."""
    member = settings.committee_member(email)
    if member is not None:
        return Recipient(member.name, member.email, "committee")
    staff = settings.staff_member(email)
    if staff is not None:
        return Recipient(staff.name, staff.email, "staff")
    return Recipient("", email.lower(), "address")


def _complainant(case: Case | None, settings: Settings) -> list[Recipient]:
    if case is None or not case.complainant.email:
        return []
    return [Recipient(case.complainant.name, case.complainant.email, "complainant")]


def _respondent(case: Case | None, settings: Settings) -> list[Recipient]:
    if case is None or case.respondent is None or not case.respondent.email:
        return []
    return [Recipient(case.respondent.name, case.respondent.email, "respondent")]


def _contact(case: Case | None, settings: Settings) -> list[Recipient]:
    contact = settings.staff_member(case.contact) if case and case.contact else None
    chosen = [contact] if contact else list(settings.contacts or settings.staff)
    return [Recipient(s.name, s.email, "staff") for s in chosen]


def _case_staff(case: Case | None, settings: Settings) -> list[Recipient]:
    if case is not None and case.track == "formal":
        return _committee(case, settings) + _co_owners(case, settings)
    return _contact(case, settings)


def _co_owners(case: Case | None, settings: Settings) -> list[Recipient]:
    return [Recipient(s.name, s.email, "staff") for s in settings.co_owners]


def _committee(case: Case | None, settings: Settings) -> list[Recipient]:
    return [Recipient(c.name, c.email, "committee") for c in settings.committee]


def _chair(case: Case | None, settings: Settings) -> list[Recipient]:
    chair = settings.chair
    return (
        [Recipient(chair.name, chair.email, "committee")] if chair else _committee(case, settings)
    )


def _parties(case: Case | None, settings: Settings) -> list[Recipient]:
    """Everyone at the mediation table: complainant, respondent, contact, a co-owner."""
    return (
        _complainant(case, settings)
        + _respondent(case, settings)
        + [p for p in _contact(case, settings) if p.email != _respondent_email(case)]
        + _co_owners(case, settings)
    )


def _operator(case: Case | None, settings: Settings) -> list[Recipient]:
    op = settings.addresses.operator
    return [Recipient("", op, "operator")] if op else []


_ROLES = {
    "complainant": _complainant,
    "respondent": _respondent,
    "contact": _contact,
    "case-staff": _case_staff,
    "co-owners": _co_owners,
    "committee": _committee,
    "chair": _chair,
    "parties": _parties,
    "operator": _operator,
}


def _respondent_email(case: Case | None) -> str:
    if case is None or case.respondent is None or not case.respondent.email:
        return ""
    return case.respondent.email.lower()


def _dedupe(people: list[Recipient]) -> list[Recipient]:
    seen: set[str] = set()
    unique = []
    for p in people:
        if p.email.lower() not in seen:
            seen.add(p.email.lower())
            unique.append(p)
    return unique
