"""Pure: mediation (bemiddeling) — meeting, proposal, agreement or failure."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from mailbot.errors import ProcedureError
from mailbot.model import Appointment, Case, MessageRecord, SendMail
from mailbot.procedure import formal
from mailbot.procedure.events import CommandGiven
from mailbot.procedure.policy import Policy
from mailbot.procedure.shared import (
    Result,
    add_document,
    add_event,
    cancel_open,
    close,
    mail,
    meet,
    need_stage,
    need_text,
    set_deadline,
)

ONGOING = ("requested", "meeting_planned", "proposal_sent")
STAGES = {
    "mediate": {"direct": ("received", "acknowledged")},
    "meeting": {"mediation": ("requested", "meeting_planned")},
    "proposal": {"mediation": ("meeting_planned", "proposal_sent")},
    "agreed": {"mediation": ("proposal_sent",)},
    "failed": {"mediation": ONGOING},
}


def mediate(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_stage(case, "mediate", STAGES["mediate"])
    case = meet(case, "direct.response", now)
    case = cancel_open(case, now)
    case = replace(case, track="mediation", stage="requested")
    case = set_deadline(case, "mediation.meeting", policy.due("mediation.meeting", now))
    case = set_deadline(case, "mediation.outcome", policy.due("mediation.outcome", now))
    return case, [
        mail("mediation_started", "complainant", ev.message),
        mail("mediation_co_owners", "co-owners", ev.message, requested_by=ev.actor.name),
    ]


def meeting(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_stage(case, "meeting", STAGES["meeting"])
    at = policy.local(ev.command.args["at"])
    if at <= now:
        raise ProcedureError("in_past", value=at.strftime("%Y-%m-%d %H:%M"))
    place = ev.command.args["place"]
    appointment = Appointment("meeting", at, "all", place)
    case = replace(case, stage="meeting_planned", appointments=(*case.appointments, appointment))
    case = meet(case, "mediation.meeting", now)
    invite = mail("meeting_invitation", "parties", ev.message, at=at, place=place)
    return case, [replace(invite, attach=("ics",))]


def proposal(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_stage(case, "proposal", STAGES["proposal"])
    text = need_text(ev)
    case = add_document(case, "proposal", now, ev.actor.email, text)
    case = replace(case, stage="proposal_sent", agreed=())
    effects = [mail("proposal", "complainant", ev.message, text=text)]
    if case.respondent and case.respondent.email:
        effects.append(mail("proposal", "respondent", ev.message, text=text))
    return case, effects


def agreed(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_stage(case, "agreed", STAGES["agreed"])
    party = ev.command.args["party"]
    parties = ("complainant", "respondent") if party == "both" else (party,)
    effects: list[SendMail] = []
    for who in parties:
        case, more = party_agreed(case, who, ev.message, now, policy, by=ev.actor.email)
        effects = [e for e in effects if e.template != "party_agreed"] + more
    return case, effects


def party_agreed(
    case: Case,
    party: str,
    trigger: MessageRecord,
    now: datetime,
    policy: Policy,
    by: str | None = None,
) -> Result:
    """Record one party's agreement; with both, confirm in writing, archive, and close."""
    agreed_by = tuple(dict.fromkeys((*case.agreed, party)))
    case = add_event(replace(case, agreed=agreed_by), now, by or party, "agreed", party)
    both = {"complainant", "respondent"} <= set(agreed_by)
    notice = mail("party_agreed", "case-staff", trigger, party=party, both=both)
    if not both:
        return case, [notice]
    document = case.document("proposal")
    text = document.text if document else ""
    case = add_document(case, "agreement", now, by or party, text)
    case = meet(case, "mediation.outcome", now)
    case = close(case, "agreed", now, policy)
    confirm = mail("agreement_confirmation", "parties", trigger, proposal_text=text, agreed_at=now)
    return case, [notice, confirm]


def failed(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_stage(case, "failed", STAGES["failed"])
    text = need_text(ev)
    case = add_document(case, "mediation_report", now, ev.actor.email, text)
    case = meet(case, "mediation.outcome", now)
    report = mail("mediation_report", "committee", ev.message, text=text, author_name=ev.actor.name)
    case, effects = formal.enter(case, ev.message, now, policy)
    return case, [replace(report, attach=("originals",)), *effects]


HANDLERS = {
    "mediate": mediate,
    "meeting": meeting,
    "proposal": proposal,
    "agreed": agreed,
    "failed": failed,
}
