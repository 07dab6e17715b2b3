"""Pure: mail that arrives — a new complaint, the complainant writing, a staff note."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from mailbot.mail.replytext import new_text
from mailbot.model import Case, Event, SendMail
from mailbot.procedure import formal, mediation
from mailbot.procedure.commands import tokens
from mailbot.procedure.events import (
    CommandRefused,
    ComplainantWrote,
    ComplaintReceived,
    DeliveryFailed,
    StaffWrote,
)
from mailbot.procedure.parts import address_lines, form_fields
from mailbot.procedure.policy import Policy
from mailbot.procedure.shared import Result, mail, record, set_deadline

_AGREE = re.compile(r"^\W*(akkoord|agree|agreed)\b", re.IGNORECASE)


def complaint_received(case: Case, ev: ComplaintReceived, now: datetime, policy: Policy) -> Result:
    actor = case.complainant.email or "complainant"
    received = case.received_at
    case = from_form(record(case, ev.message, Event(now, actor, "received", case.track)))
    effects: list[SendMail] = [mail("new_case", "case-staff", ev.message)]
    if case.track == "formal":
        case = set_deadline(
            case, "formal.acknowledgement", policy.due("formal.acknowledgement", received)
        )
        case, more = formal.check_complete(case, ev.message, now, policy, may_reply=ev.may_reply)
        return case, effects + more
    case = set_deadline(case, "direct.response", policy.due("direct.response", received))
    case = set_deadline(case, "direct.resolution", policy.due("direct.resolution", received))
    if ev.may_reply:  # without e-mail, a letter (paper.by_post)
        ack = replace(
            mail("acknowledgement", "complainant", ev.message), auto_submitted="auto-replied"
        )
        effects.insert(0, ack)
        case = replace(case, stage="acknowledged")
    return case, effects


def complainant_wrote(case: Case, ev: ComplainantWrote, now: datetime, policy: Policy) -> Result:
    if not ev.may_reply:
        auto = replace(ev.message, kind="auto")
        return record(case, auto, Event(now, ev.message.from_addr, "automatic mail")), []
    if ev.doubtful:  # recorded, staff asked to confirm; no agreement, no other step
        event = Event(now, ev.message.from_addr, "complainant wrote", "not authenticated")
        case = record(case, ev.message, event)
        return case, [mail("client_reply", "case-staff", ev.message, doubtful=True)]
    case = record(case, ev.message, Event(now, ev.message.from_addr, "complainant wrote"))
    case = from_form(case)
    effects = [mail("client_reply", "case-staff", ev.message)]
    if case.status == "closed":
        return case, effects  # added and staff told; only #reopen reopens
    if case.track == "mediation" and case.stage == "proposal_sent" and _agrees(ev):
        case, more = mediation.party_agreed(case, "complainant", ev.message, now, policy)
        return case, more
    if case.track == "formal" and case.stage in ("received", "incomplete"):
        case, more = formal.check_complete(case, ev.message, now, policy, may_reply=True)
        return case, effects + more
    return case, effects


def from_form(case: Case) -> Case:
    """The complainant's postal address (`Adres:`) and, when the mail gave none, name
    (`Naam:`) from their form, for the letters; what the case already has stays."""
    form = form_fields(case)
    if not case.postal_address:
        case = replace(case, postal_address=address_lines(form.get("address", "")))
    name = form.get("name", "").strip()
    if name and not case.complainant.name.strip():
        case = replace(case, complainant=replace(case.complainant, name=name))
    return case


def _agrees(ev: ComplainantWrote) -> bool:
    if any(t.word in ("akkoord", "agreed") for t in tokens(ev.message.subject)):
        return True
    return bool(_AGREE.match(new_text(ev.message.text)))


def staff_wrote(case: Case, ev: StaffWrote, now: datetime, policy: Policy) -> Result:
    note = replace(ev.message, kind="note")
    detail = "not authenticated" if ev.doubtful else ""
    return record(case, note, Event(now, ev.actor.email, "note", detail)), []


def delivery_failed(case: Case, ev: DeliveryFailed, now: datetime, policy: Policy) -> Result:
    """Recorded on the case; the staff are told, since the complainant may not have heard."""
    bounce = replace(ev.message, kind="bounce")
    case = record(case, bounce, Event(now, ev.message.from_addr, "delivery failed", ev.failed_to))
    return case, [mail("delivery_failed", "case-staff", ev.message, failed_to=ev.failed_to)]


def command_refused(case: Case, ev: CommandRefused, now: datetime, policy: Policy) -> Result:
    event = Event(now, ev.actor.email, "refused", f"{ev.given}: {ev.reason}")
    return record(case, replace(ev.message, kind="command"), event), []
