"""Turning SendMail effects into composed outbox mail: recipients, context, headers, ids."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mailbot.model import Case, MessageRecord, OutboundMail, SendMail
from mailbot.render import Renderer
from mailbot.settings import Settings
from mailbot.tags import ensure_tag
from mailbot.terms import term_text

TRACK_NAMES = {
    "nl": {"direct": "direct oplossen", "mediation": "bemiddeling", "formal": "klachtenregeling"},
    "en": {"direct": "direct resolution", "mediation": "mediation", "formal": "formal complaint"},
}


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    role: str


def message_id_domain(address: str) -> str:
    """The right-hand side of mailbot's Message-IDs: its own, so a person's mail from the
    organisation's domain is never taken for mailbot's."""
    return "mailbot." + (address.rpartition("@")[2].lower() or "invalid")


def recipients(role: str, case: Case | None, settings: Settings) -> list[Recipient]:
    """Who a role means for this case; formal cases' content only reaches the committee
    and the co-owners."""
    if "@" in role:
        return [Recipient("", role.lower(), "address")]
    if role == "complainant":
        if case is None or not case.complainant.email:
            return []
        return [Recipient(case.complainant.name, case.complainant.email, role)]
    if role == "case-staff":
        if case is not None and case.track == "formal":
            return _dedupe([*recipients("committee", case, settings), *_co_owners(settings)])
        contact = settings.staff_member(case.contact) if case and case.contact else None
        chosen = [contact] if contact else list(settings.contacts or settings.staff)
        return [Recipient(s.name, s.email, "staff") for s in chosen]
    if role == "co-owners":
        return _co_owners(settings)
    if role == "committee":
        return [Recipient(c.name, c.email, "committee") for c in settings.committee]
    if role == "operator":
        op = settings.addresses.operator
        return [Recipient("", op, "operator")] if op else []
    raise ValueError(f"unknown recipient role {role!r}")


def _co_owners(settings: Settings) -> list[Recipient]:
    return [Recipient(s.name, s.email, "staff") for s in settings.co_owners]


def _dedupe(people: list[Recipient]) -> list[Recipient]:
    seen: set[str] = set()
    return [p for p in people if not (p.email.lower() in seen or seen.add(p.email.lower()))]


def stable_message_id(settings: Settings, *parts: str) -> str:
    """The same effect of the same trigger always gets the same Message-ID."""
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]
    return f"{digest}@{message_id_domain(settings.addresses.complaints)}"


def case_context(case: Case) -> dict[str, Any]:
    first = case.messages[0] if case.messages else None
    return {
        "id": case.id,
        "track": case.track,
        "stage": case.stage,
        "status": case.status,
        "complainant_name": case.complainant.name,
        "complainant_email": case.complainant.email,
        "received_at": case.received_at,
        "subject": first.subject if first else "",
    }


def message_context(message: MessageRecord | None) -> dict[str, Any]:
    if message is None:
        return {"subject": "", "text": "", "sender": "", "at": None}
    return {
        "subject": message.subject,
        "text": message.text,
        "sender": message.from_addr,
        "at": message.at,
    }


def base_context(settings: Settings, lang: str) -> dict[str, Any]:
    return {
        "org": {
            "name": settings.organisation.name,
            "complaints": settings.addresses.complaints,
            "committee": settings.addresses.committee,
        },
        "terms": {name: term_text(term, lang) for name, term in settings.deadlines.items()},
        "tracks": TRACK_NAMES[lang],
        "committee": [{"name": c.name, "role": c.role} for c in settings.committee],
    }


def language_for(recipient: Recipient, case: Case | None, settings: Settings) -> str:
    if recipient.role == "complainant" and case is not None:
        return case.language
    return settings.organisation.language


def build_mails(
    effect: SendMail,
    case: Case | None,
    trigger: MessageRecord | None,
    settings: Settings,
    renderer: Renderer,
    now: datetime,
) -> list[OutboundMail]:
    """One outbound mail per recipient of the effect (never several recipients in one)."""
    mails = []
    trigger_id = trigger.message_id if trigger else now.isoformat()
    for person in recipients(effect.to, case, settings):
        lang = language_for(person, case, settings)
        context = {
            **base_context(settings, lang),
            "case": case_context(case) if case else None,
            "message": message_context(trigger),
            "recipient": {"name": person.name, "email": person.email, "role": person.role},
            **effect.context,
        }
        rendered = renderer.render(effect.template, lang, context)
        subject = rendered.subject
        if case is not None:
            subject = ensure_tag(subject, case.id, settings.organisation.case_prefix)
        message_id = stable_message_id(
            settings, case.id if case else "", trigger_id, effect.template, person.email
        )
        mails.append(
            OutboundMail(
                message_id=message_id,
                case_id=case.id if case else None,
                sender=settings.addresses.complaints,
                to=person.email,
                subject=subject,
                text=rendered.text,
                html=rendered.html,
                created_at=now,
                headers=_thread_headers(effect, case, trigger),
            )
        )
    return mails


def _thread_headers(
    effect: SendMail, case: Case | None, trigger: MessageRecord | None
) -> tuple[tuple[str, str], ...]:
    headers: list[tuple[str, str]] = []
    if effect.auto_submitted:
        headers.append(("Auto-Submitted", effect.auto_submitted))
    headers.append(("X-Auto-Response-Suppress", "All"))
    if case is not None:
        headers.append(("X-Mailbot-Case", case.id))
    reply_to = effect.in_reply_to or (trigger.message_id if trigger else None)
    if reply_to:
        headers.append(("In-Reply-To", f"<{reply_to}>"))
        refs = [m.message_id for m in (case.messages[:1] if case else ())]
        if reply_to not in refs:
            refs.append(reply_to)
        headers.append(("References", " ".join(f"<{r}>" for r in refs)))
    return tuple(headers)


def as_record(mail: OutboundMail) -> MessageRecord:
    """The outgoing mail as it stands in its case's timeline."""
    return MessageRecord(
        message_id=mail.message_id,
        direction="out",
        from_addr=mail.sender,
        to=(mail.to,),
        subject=mail.subject,
        at=mail.created_at,
        text=mail.text,
    )
