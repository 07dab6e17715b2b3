"""Pure procedure core: transition(case, event, now, policy) -> (case, effects).

It reads no clock, disk or network; `policy` holds the frozen configuration and calendar.
A refused step raises ProcedureError with a reason code and changes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from mailbot.errors import ProcedureError
from mailbot.model import Case, Event, Party, SendMail
from mailbot.procedure import any_track, direct, formal, intake, mediation
from mailbot.procedure.audience import is_respondent
from mailbot.procedure.events import (
    Actor,
    CaseEvent,
    CommandGiven,
    CommandRefused,
    ComplainantWrote,
    ComplaintReceived,
    DeliveryFailed,
    StaffWrote,
)
from mailbot.procedure.paper import by_post
from mailbot.procedure.policy import Policy
from mailbot.procedure.shared import record

TRACKS = ("direct", "mediation", "formal")
FIRST_STAGE = {"direct": "received", "mediation": "requested", "formal": "received"}
RESPONDENT_MAY = frozenset({"status"})  # limited by audience.sees_content
COMMAND_HANDLERS = {
    **any_track.HANDLERS,
    **direct.HANDLERS,
    **mediation.HANDLERS,
    **formal.HANDLERS,
}

__all__ = [
    "Actor",
    "CommandGiven",
    "CommandRefused",
    "ComplainantWrote",
    "ComplaintReceived",
    "DeliveryFailed",
    "Policy",
    "StaffWrote",
    "new_case",
    "transition",
]


def new_case(
    case_id: str,
    track: str,
    complainant: Party,
    language: str,
    received_at: datetime,
    channel: str = "email",
) -> Case:
    if track not in TRACKS:
        raise ProcedureError("unknown_track", track=track)
    return Case(
        id=case_id,
        track=track,
        stage=FIRST_STAGE[track],
        status="open",
        complainant=complainant,
        received_at=received_at,
        language=language,
        channel=channel,
    )


def transition(
    case: Case, event: CaseEvent, now: datetime, policy: Policy
) -> tuple[Case, list[SendMail]]:
    """The case after `event`, and the mails that must follow from it (for a complainant
    without e-mail, as letters that staff post)."""
    case, effects = _transition(case, event, now, policy)
    return by_post(case, effects, now)


def _transition(
    case: Case, event: CaseEvent, now: datetime, policy: Policy
) -> tuple[Case, list[SendMail]]:
    match event:
        case ComplaintReceived():
            if case.messages:
                raise ProcedureError("already_opened", case=case.id)
            return intake.complaint_received(case, event, now, policy)
        case ComplainantWrote():
            return intake.complainant_wrote(case, event, now, policy)
        case StaffWrote():
            return intake.staff_wrote(case, event, now, policy)
        case CommandRefused():
            return intake.command_refused(case, event, now, policy)
        case DeliveryFailed():
            return intake.delivery_failed(case, event, now, policy)
        case CommandGiven():
            return _command(case, event, now, policy)
    raise ProcedureError("unknown_event", event=type(event).__name__)


def _command(
    case: Case, ev: CommandGiven, now: datetime, policy: Policy
) -> tuple[Case, list[SendMail]]:
    handler = COMMAND_HANDLERS.get(ev.command.name)
    if handler is None:
        raise ProcedureError("no_case", command=ev.command.name)
    if is_respondent(ev.actor.email, case) and ev.command.name not in RESPONDENT_MAY:
        # Whatever their role, the person complained about does not steer their own case.
        raise ProcedureError("respondent_only_status", command=ev.command.name)
    case, effects = handler(case, ev, now, policy)
    event = Event(now, ev.actor.email, ev.command.name, ev.command.given)
    if case.messages and case.messages[-1].message_id == ev.message.message_id:
        return replace(case, events=(*case.events, event)), effects
    return record(case, replace(ev.message, kind="command"), event), effects
