"""What every track shares: events, messages, documents and deadlines added to a case; checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from mailbot.errors import ProcedureError
from mailbot.model import Case, Deadline, Document, Event, MessageRecord, SendMail
from mailbot.procedure.events import CommandGiven
from mailbot.procedure.policy import Policy

Result = tuple[Case, list[SendMail]]


def record(case: Case, message: MessageRecord | None, event: Event) -> Case:
    messages = case.messages if message is None else (*case.messages, message)
    return replace(case, messages=messages, events=(*case.events, event))


def add_event(case: Case, now: datetime, actor: str, action: str, detail: str = "") -> Case:
    return replace(case, events=(*case.events, Event(now, actor, action, detail)))


def add_document(case: Case, kind: str, now: datetime, author: str, text: str) -> Case:
    return replace(case, documents=(*case.documents, Document(kind, now, author, text)))


def set_deadline(case: Case, name: str, due: datetime) -> Case:
    """Set (or move) a deadline; a moved deadline's reminders start afresh."""
    kept = tuple(d for d in case.deadlines if d.name != name)
    return replace(case, deadlines=(*kept, Deadline(name, due)))


def meet(case: Case, name: str, now: datetime) -> Case:
    return _update(case, name, lambda d: d if d.met_at else replace(d, met_at=now))


def cancel(case: Case, name: str, now: datetime) -> Case:
    return _update(
        case, name, lambda d: d if (d.met_at or d.cancelled_at) else replace(d, cancelled_at=now)
    )


def cancel_open(case: Case, now: datetime, keep: tuple[str, ...] = ()) -> Case:
    for deadline in case.deadlines:
        if deadline.name not in keep:
            case = cancel(case, deadline.name, now)
    return case


def _update(case: Case, name: str, change: Any) -> Case:
    return replace(
        case, deadlines=tuple(change(d) if d.name == name else d for d in case.deadlines)
    )


def close(case: Case, stage: str, now: datetime, policy: Policy) -> Case:
    """Close the case at `stage`; open deadlines end, the retention term starts."""
    case = cancel_open(case, now)
    case = replace(case, stage=stage, status="closed", closed_at=now, closed_from=case.stage)
    return set_deadline(case, "retention", policy.due("retention", now))


def mail(template: str, to: str, trigger: MessageRecord | None, **context: Any) -> SendMail:
    return SendMail(
        template,
        to=to,
        in_reply_to=trigger.message_id if trigger else None,
        context=context,
    )


def need_text(ev: CommandGiven) -> str:
    text = ev.text.strip()
    if not text:
        raise ProcedureError("empty_text", command=ev.command.name)
    return text


def need_stage(case: Case, command: str, allowed: dict[str, tuple[str, ...]]) -> None:
    if case.stage not in allowed.get(case.track, ()):
        raise ProcedureError("wrong_stage", command=command, track=case.track, stage=case.stage)


def need_open(case: Case) -> None:
    if case.status == "closed":
        raise ProcedureError("closed")
