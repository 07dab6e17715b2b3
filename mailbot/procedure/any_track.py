"""Pure: commands that apply on every track — notes, replies, people, closing, language."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from mailbot.errors import ProcedureError
from mailbot.model import Case
from mailbot.procedure import formal, paper
from mailbot.procedure.audience import is_respondent
from mailbot.procedure.events import CommandGiven
from mailbot.procedure.parts import address_lines
from mailbot.procedure.policy import Policy
from mailbot.procedure.shared import (
    Result,
    close,
    mail,
    meet,
    need_open,
    need_stage,
    need_text,
)

# Where #reopen returns to after a case was closed at a final stage.
_REOPEN_AT = {"resolved": "acknowledged", "agreed": "proposal_sent", "evaluated": "ruling_sent"}
_FORMAL_FROM = {
    "direct": ("received", "acknowledged"),
    "mediation": ("requested", "meeting_planned", "proposal_sent"),
}


def note(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    return case, []  # the mail itself is the note, recorded with the command


def reply(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_open(case)
    if case.track == "formal" and "committee" not in ev.actor.roles:
        raise ProcedureError("not_allowed", command="reply", who=["committee"])
    if not case.complainant.email:
        raise ProcedureError("no_email", party="complainant")
    text = need_text(ev)
    case = meet(case, "direct.response", now)
    return case, [
        mail("staff_reply", "complainant", ev.message, text=text, author_name=ev.actor.name)
    ]


def assign(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_open(case)
    person = ev.command.args["person"]
    member = policy.staff(person)
    if member is None:
        raise ProcedureError("unknown_person", person=person)
    if is_respondent(member.email, case):
        raise ProcedureError("respondent_not_contact", person=member.name)
    case = replace(case, contact=member.email)
    return case, [mail("assigned", member.email, ev.message, assigned_by=ev.actor.name)]


def respondent(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    return replace(case, respondent=policy.party(ev.command.args["text"])), []


def address(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    """Set or correct the complainant's postal address (one line, commas between lines);
    the letters that waited for it follow."""
    address = address_lines(ev.command.args["text"])
    if address is None:
        word = ev.command.given.split()[0].lstrip("#")
        raise ProcedureError("missing_argument", word=word, what="address")
    return paper.make_owed(replace(case, postal_address=address), ev.message, now)


def posted(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_open(case)
    return paper.posted(case, ev.actor.email, now)


def lang(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    return replace(case, language=ev.command.args["language"]), []


def status(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    return case, [mail("status", ev.actor.email, ev.message)]


def close_case(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_open(case)
    return close(case, "closed", now, policy), []


def withdrawn(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_open(case)
    case = close(case, "withdrawn", now, policy)
    return case, [mail("withdrawn_notice", "complainant", ev.message)]


def reopen(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    if case.status != "closed":
        raise ProcedureError("not_closed")
    stage = case.stage if case.stage not in ("closed", "withdrawn") else case.closed_from
    stage = _REOPEN_AT.get(stage or "", stage) or "received"
    deadlines = tuple(d for d in case.deadlines if d.name != "retention")
    case = replace(
        case, status="open", stage=stage, closed_at=None, closed_from=None, deadlines=deadlines
    )
    return case, []


def to_formal(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_stage(case, "formal", _FORMAL_FROM)
    case, effects = formal.enter(case, ev.message, now, policy)
    case_file = replace(
        mail("case_file", "committee", ev.message, reason="formal"), attach=("originals",)
    )
    return case, [case_file, *effects]


def hold(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    return replace(case, on_hold=True), []


def release(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    return replace(case, on_hold=False), []


HANDLERS = {
    "note": note,
    "reply": reply,
    "assign": assign,
    "respondent": respondent,
    "address": address,
    "posted": posted,
    "lang": lang,
    "status": status,
    "close": close_case,
    "withdrawn": withdrawn,
    "reopen": reopen,
    "formal": to_formal,
    "hold": hold,
    "release": release,
}
