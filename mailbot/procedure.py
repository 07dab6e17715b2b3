"""Pure procedure core: transition(case, event, now) -> (case, effects). No clock, disk or net."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from mailbot.errors import ProcedureError
from mailbot.model import Case, Effect, Event, MessageRecord, Party, SendMail

TRACKS = ("direct", "mediation", "formal")
FIRST_STAGE = {"direct": "received", "mediation": "requested", "formal": "received"}


@dataclass(frozen=True)
class ComplaintReceived:
    """The mail that opens a case."""

    message: MessageRecord
    may_reply: bool  # False for automatic mail: RFC 3834 forbids answering it


@dataclass(frozen=True)
class ComplainantWrote:
    """A later mail from the complainant (or an automatic mail about the case)."""

    message: MessageRecord
    may_reply: bool


@dataclass(frozen=True)
class StaffWrote:
    """Staff or committee mail on a case without a command: an internal note."""

    message: MessageRecord
    actor: str


CaseEvent = ComplaintReceived | ComplainantWrote | StaffWrote


def new_case(
    case_id: str, track: str, complainant: Party, language: str, received_at: datetime
) -> Case:
    if track not in TRACKS:
        raise ProcedureError(f"unknown track {track!r}")
    return Case(
        id=case_id,
        track=track,
        stage=FIRST_STAGE[track],
        status="open",
        complainant=complainant,
        received_at=received_at,
        language=language,
    )


def transition(case: Case, event: CaseEvent, now: datetime) -> tuple[Case, list[Effect]]:
    """The case after `event`, and what must happen because of it."""
    match event:
        case ComplaintReceived():
            return _complaint_received(case, event, now)
        case ComplainantWrote():
            return _complainant_wrote(case, event, now)
        case StaffWrote():
            return _staff_wrote(case, event, now)
    raise ProcedureError(f"unknown event {type(event).__name__}")


def _complaint_received(
    case: Case, event: ComplaintReceived, now: datetime
) -> tuple[Case, list[Effect]]:
    if case.messages:
        raise ProcedureError(f"case {case.id} was already opened")
    actor = case.complainant.email or "complainant"
    case = _record(case, event.message, Event(now, actor, "received", case.track))
    effects: list[Effect] = []
    if event.may_reply and case.complainant.email:
        effects.append(
            SendMail(
                "acknowledgement",
                to="complainant",
                auto_submitted="auto-replied",
                in_reply_to=event.message.message_id,
            )
        )
        if case.track == "direct":
            case = replace(case, stage="acknowledged")
    effects.append(SendMail("new_case", to="case-staff", in_reply_to=event.message.message_id))
    return case, effects


def _complainant_wrote(
    case: Case, event: ComplainantWrote, now: datetime
) -> tuple[Case, list[Effect]]:
    action = "complainant wrote" if event.may_reply else "automatic mail"
    actor = event.message.from_addr
    case = _record(case, event.message, Event(now, actor, action))
    if not event.may_reply:
        return case, []
    return case, [SendMail("client_reply", to="case-staff", in_reply_to=event.message.message_id)]


def _staff_wrote(case: Case, event: StaffWrote, now: datetime) -> tuple[Case, list[Effect]]:
    note = replace(event.message, kind="note")
    return _record(case, note, Event(now, event.actor, "note")), []


def _record(case: Case, message: MessageRecord, event: Event) -> Case:
    return replace(case, messages=(*case.messages, message), events=(*case.events, event))
