"""Pure: the formal complaint before the independent committee (klachtenregeling)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from mailbot.errors import ProcedureError
from mailbot.model import Appointment, Case, MessageRecord
from mailbot.procedure import paper
from mailbot.procedure.events import CommandGiven
from mailbot.procedure.parts import missing_parts
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

BEFORE_RULING = ("acknowledged", "analysed", "hearing_planned")
STAGES = {
    "complete": {"formal": ("received", "incomplete")},
    "severity": {"formal": ("acknowledged", "analysed")},
    "hearing": {"formal": ("analysed", "hearing_planned")},
    "extend": {"formal": BEFORE_RULING},
    "ruling": {"formal": ("analysed", "hearing_planned")},
    "registered": {"formal": ("ruled",)},
    "evaluation": {"formal": ("ruling_sent",)},
}


def enter(case: Case, trigger: MessageRecord, now: datetime, policy: Policy) -> Result:
    """A case moves to the formal track (by #formal or a failed mediation)."""
    case = cancel_open(case, now)
    case = replace(case, track="formal", stage="received")
    case = set_deadline(case, "formal.acknowledgement", policy.due("formal.acknowledgement", now))
    return check_complete(case, trigger, now, policy, may_reply=True)


def check_complete(
    case: Case, trigger: MessageRecord, now: datetime, policy: Policy, *, may_reply: bool
) -> Result:
    """Acknowledge a complete complaint; otherwise ask for exactly what is missing."""
    missing = missing_parts(case)
    if not missing:
        return acknowledge(case, trigger, now, policy)
    changed = missing != case.missing or case.stage != "incomplete"
    case = replace(case, stage="incomplete", missing=missing)
    if not (changed and may_reply):
        return case, []
    ask = replace(
        mail("formal_missing", "complainant", trigger, missing=list(missing)),
        auto_submitted="auto-replied",
    )
    return case, [ask]


def acknowledge(case: Case, trigger: MessageRecord | None, now: datetime, policy: Policy) -> Result:
    due = policy.due("formal.decision", now)
    case = replace(case, stage="acknowledged", missing=())
    if case.complainant.email:  # a letter's term is met when it was posted (#posted)
        case = meet(case, "formal.acknowledgement", now)
    case = set_deadline(case, "formal.decision", due)
    ack = mail("formal_acknowledgement", "complainant", trigger, decision_due=due)
    return case, [replace(ack, auto_submitted="auto-replied")]


def complete(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_stage(case, "complete", STAGES["complete"])
    return acknowledge(case, ev.message, now, policy)


def severity(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_stage(case, "severity", STAGES["severity"])
    text = need_text(ev)
    case = add_document(case, "severity_analysis", now, ev.actor.email, text)
    return replace(case, stage="analysed", severity=ev.command.args["severity"]), []


def hearing(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_stage(case, "hearing", STAGES["hearing"])
    party = ev.command.args["party"]
    at = policy.local(ev.command.args["at"])
    if at <= now:
        raise ProcedureError("in_past", value=at.strftime("%Y-%m-%d %H:%M"))
    if party == "respondent" and not (case.respondent and case.respondent.email):
        raise ProcedureError("no_email", party="respondent")
    if party == "complainant" and not (case.complainant.email or case.postal_address):
        raise ProcedureError("no_email", party="complainant")
    appointment = Appointment("hearing", at, party)
    case = replace(case, stage="hearing_planned", appointments=(*case.appointments, appointment))
    invite = mail("hearing_invitation", party, ev.message, party=party, at=at)
    return case, [replace(invite, attach=("ics",))]


def extend(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_stage(case, "extend", STAGES["extend"])
    current = case.deadline("formal.decision")
    if current is None:
        raise ProcedureError("wrong_stage", command="extend", track=case.track, stage=case.stage)
    if now > current.due:
        raise ProcedureError("term_passed", due=current.due.date().isoformat())
    new_due = policy.end_of_day(ev.command.args["date"])
    if new_due <= current.due:
        raise ProcedureError("not_later", due=current.due.date().isoformat())
    reason = need_text(ev)
    case = add_document(case, "extension", now, ev.actor.email, reason)
    case = set_deadline(case, "formal.decision", new_due)
    notice = mail(
        "extension_notice",
        "complainant",
        ev.message,
        old_due=current.due,
        new_due=new_due,
        reason=reason,
    )
    return case, [notice]


def ruling(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_stage(case, "ruling", STAGES["ruling"])
    text = need_text(ev)
    outcome = ev.command.args["outcome"]
    due = policy.due("formal.registered_post", now)
    case = add_document(case, "ruling", now, ev.actor.email, text)
    case = replace(case, stage="ruled", outcome=outcome)
    case = meet(case, "formal.decision", now)
    case = set_deadline(case, "formal.registered_post", due)
    # The letter for registered post goes to the chair and, by e-mail, to the complainant;
    # without a postal address the chair is told that it is missing (it follows #adres).
    letter = ("letter",) if case.postal_address else ()
    task = paper.registered_post_task(case, ev.message, {"outcome": outcome, "text": text})
    if not case.postal_address:
        case = add_event(case, now, "mailbot", paper.NOT_MADE, "ruling_notice")
    if not case.complainant.email:
        return case, [task]
    notice = mail("ruling_notice", "complainant", ev.message, outcome=outcome, text=text)
    notice = replace(notice, attach=letter)
    return case, [notice, task]


def registered(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_stage(case, "registered", STAGES["registered"])
    token = ev.command.args["token"]
    case = replace(case, stage="ruling_sent", tracking=token)
    case = meet(case, "formal.registered_post", now)
    sent = next(
        (
            e
            for e in reversed(case.events)
            if e.action == "letter" and e.detail.startswith("ruling_notice ")
        ),
        None,
    )
    detail = f"{token}; letter {sent.detail.split(' ', 2)[1]}" if sent else f"{token}; no letter"
    case = add_event(case, now, ev.actor.email, "registered post", detail)
    return set_deadline(case, "formal.evaluation", policy.due("formal.evaluation", now)), []


def evaluation(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_stage(case, "evaluation", STAGES["evaluation"])
    text = need_text(ev)
    case = add_document(case, "evaluation", now, ev.actor.email, text)
    case = meet(case, "formal.evaluation", now)
    case = close(case, "evaluated", now, policy)
    return case, [mail("evaluation_notice", "co-owners", ev.message, text=text)]


HANDLERS = {
    "complete": complete,
    "severity": severity,
    "hearing": hearing,
    "extend": extend,
    "ruling": ruling,
    "registered": registered,
    "evaluation": evaluation,
}
