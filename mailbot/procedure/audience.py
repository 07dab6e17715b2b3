"""Pure: who a recipient role means for a case, with confidentiality applied."""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.config.settings import Settings
from mailbot.model import Case


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    role: str  # complainant | respondent | staff | committee | operator | address


# Mail addressed to a person that may reach the case's respondent: the answers to their own
# mail, which carry no content beyond what `sees_content` allows (a limited #status).
ANSWERS_TO_RESPONDENT = frozenset({"status", "command_refused", "command_result"})
# Roles that name the people on the organisation's side; when the respondent was the only one
# of them, the mail goes to the people below instead (never to nobody).
_STAFF_SIDE = ("contact", "case-staff", "co-owners", "committee", "chair")
_STANDIN = {"formal": ("committee", "co-owners"), "other": ("co-owners", "staff", "committee")}


def recipients(
    role: str, case: Case | None, settings: Settings, template: str = ""
) -> list[Recipient]:
    """The people behind a role or an address. A formal case's content reaches only the
    committee and the co-owners; a respondent never receives the case's content as staff,
    neither by role nor addressed directly (apart from the answers to their own mail)."""
    if "@" in role:
        one = person(role, settings)
        if is_respondent(one.email, case) and template not in ANSWERS_TO_RESPONDENT:
            return []
        return [one]
    people = _without_respondent(_ROLES[role](case, settings), role, case)
    if not people and role in _STAFF_SIDE:
        people = _stand_ins(case, settings)
    return _dedupe(people)


def is_respondent(email: str | None, case: Case | None) -> bool:
    """Whether this address is the respondent of the case."""
    respondent = _respondent_email(case)
    return bool(email and respondent and email.strip().lower() == respondent)


def sees_content(email: str, case: Case, settings: Settings) -> bool:
    """Whether this person may read the case's content (DESIGN section 6): never its
    respondent; on a formal case only the committee and the co-owners. The one rule behind
    notifications, #status, #list and the digest."""
    if is_respondent(email, case):
        return False
    if case.track != "formal" or settings.committee_member(email) is not None:
        return True
    staff = settings.staff_member(email)
    return staff is not None and staff.is_co_owner


def outside_respondent(case: Case | None, settings: Settings) -> str:
    """The respondent's name (or address) when they are no staff or committee member, else
    "": the confirmation of #respondent says so, in case a colleague was meant."""
    party = case.respondent if case is not None else None
    if party is None:
        return ""
    email = party.email or ""
    if settings.staff_member(email) or settings.committee_member(email):
        return ""
    return party.name or email


def person(email: str, settings: Settings) -> Recipient:
    """An address, named and given its role when it belongs to staff or committee."""
    member = settings.committee_member(email)
    if member is not None:
        return Recipient(member.name, member.email, "committee")
    staff = settings.staff_member(email)
    if staff is not None:
        return Recipient(staff.name, staff.email, "staff")
    return Recipient("", email.lower(), "address")


def _without_respondent(people: list[Recipient], role: str, case: Case | None) -> list[Recipient]:
    if role in ("respondent", "parties"):
        return people
    return [p for p in people if not is_respondent(p.email, case)]


def _stand_ins(case: Case | None, settings: Settings) -> list[Recipient]:
    """Who receives a staff-side mail whose only recipient was the respondent: the co-owners,
    on a formal case the committee; the next group when the respondent is all of those too."""
    track = "formal" if case is not None and case.track == "formal" else "other"
    for group in _STANDIN[track]:
        people = _without_respondent(_GROUPS[group](case, settings), group, case)
        if people:
            return people
    return []


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


def _staff(case: Case | None, settings: Settings) -> list[Recipient]:
    return [Recipient(s.name, s.email, "staff") for s in settings.staff]


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
        + [p for p in _contact(case, settings) if not is_respondent(p.email, case)]
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
_GROUPS = {"co-owners": _co_owners, "staff": _staff, "committee": _committee}


def _respondent_email(case: Case | None) -> str:
    if case is None or case.respondent is None or not case.respondent.email:
        return ""
    return case.respondent.email.strip().lower()


def _dedupe(people: list[Recipient]) -> list[Recipient]:
    seen: set[str] = set()
    unique = []
    for p in people:
        if p.email.lower() not in seen:
            seen.add(p.email.lower())
            unique.append(p)
    return unique
