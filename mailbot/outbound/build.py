"""Turning SendMail effects into composed outbox mail: context, headers, ids, attachments."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from mailbot.config.settings import Settings
from mailbot.config.terms import term_text
from mailbot.mail.headers import message_id_domain
from mailbot.mail.ical import invitation
from mailbot.mail.tags import ensure_tag, neutralise
from mailbot.model import (
    Case,
    Changes,
    Event,
    MessageRecord,
    OutAttachment,
    OutboundMail,
    SendMail,
)
from mailbot.outbound.letters.letter import Letter, render_letter
from mailbot.outbound.render import Rendered, Renderer
from mailbot.procedure.audience import Recipient, is_respondent, recipients, sees_content

TRACK_NAMES = {
    "nl": {"direct": "direct oplossen", "mediation": "bemiddeling", "formal": "klachtenregeling"},
    "en": {"direct": "direct resolution", "mediation": "mediation", "formal": "formal complaint"},
}
# Templates whose context carries the case's whole timeline.
_WITH_TIMELINE = ("case_file", "status")


def stable_message_id(settings: Settings, *parts: str) -> str:
    """The same effect of the same trigger always gets the same Message-ID."""
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]
    return f"{digest}@{message_id_domain(settings.addresses.complaints)}"


def case_context(case: Case, settings: Settings) -> dict[str, Any]:
    first = next((m for m in case.messages if m.direction == "in"), None)
    contact = settings.staff_member(case.contact) if case.contact else None
    decision = case.deadline("formal.decision")
    meeting = next((a for a in reversed(case.appointments) if a.kind == "meeting"), None)
    return {
        "id": case.id,
        "track": case.track,
        "stage": case.stage,
        "status": case.status,
        "channel": case.channel,
        "complainant_name": case.complainant.name,
        "complainant_email": case.complainant.email,
        "received_at": case.received_at,
        "subject": first.subject if first else "",
        "contact_name": contact.name if contact else "",
        "respondent_name": (case.respondent.name or case.respondent.email or "")
        if case.respondent
        else "",
        "severity": case.severity or "",
        "outcome": case.outcome or "",
        "tracking": case.tracking or "",
        "language": case.language,
        "decision_due": decision.due if decision else None,
        "deadlines": {
            d.name: {"due": d.due, "met_at": d.met_at} for d in case.deadlines if not d.cancelled_at
        },
        "meeting": {"at": meeting.at, "place": meeting.place} if meeting else None,
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


def timeline(case: Case) -> list[dict[str, Any]]:
    return [
        {
            "at": m.at,
            "direction": m.direction,
            "sender": m.from_addr,
            "subject": m.subject,
            "text": m.text,
        }
        for m in case.messages
    ]


def _case_extras(effect: SendMail, case: Case, person: Recipient, settings: Settings) -> dict:
    if effect.template not in _WITH_TIMELINE:
        return {}
    limited = not sees_content(person.email, case, settings)
    upcoming = sorted(
        (d for d in case.deadlines if not d.met_at and not d.cancelled_at), key=lambda d: d.due
    )
    return {
        "timeline": [] if limited else timeline(case),
        "documents": []
        if limited
        else [
            {"kind": d.kind, "at": d.at, "author": d.author, "text": d.text} for d in case.documents
        ],
        "limited": limited,
        "as_respondent": is_respondent(person.email, case),
        "next_deadline": {"name": upcoming[0].name, "due": upcoming[0].due} if upcoming else None,
    }


def language_for(recipient: Recipient, case: Case | None, settings: Settings) -> str:
    if recipient.role in ("complainant", "respondent") and case is not None:
        return case.language
    return settings.organisation.language


class MailBuilder:
    """Effects into outbox mail for one deployment: made once from its settings and
    renderer, so no caller passes them along."""

    def __init__(self, settings: Settings, renderer: Renderer) -> None:
        self.settings = settings
        self.renderer = renderer

    def build(
        self,
        effect: SendMail,
        case: Case | None,
        trigger: MessageRecord | None,
        now: datetime,
    ) -> list[OutboundMail]:
        """One outbound mail per recipient of the effect (`build_mails`)."""
        return build_mails(effect, case, trigger, self.settings, self.renderer, now)

    def build_all(
        self,
        effects: Iterable[SendMail],
        case: Case | None,
        trigger: MessageRecord | None,
        now: datetime,
    ) -> list[OutboundMail]:
        return [mail for effect in effects for mail in self.build(effect, case, trigger, now)]

    def case_changes(
        self,
        case: Case,
        effects: Iterable[SendMail],
        trigger: MessageRecord | None,
        now: datetime,
    ) -> Changes:
        """The case with its outgoing mail recorded in its timeline, and that mail queued;
        each letter made is recorded with its SHA-256 (which letter was sent is provable)."""
        outbox: list[OutboundMail] = []
        letters: dict[tuple[str, str], tuple[SendMail, list[str]]] = {}
        for effect in effects:
            mails = self.build(effect, case, trigger, now)
            outbox += mails
            template = effect.context.get("letter_template") or effect.template
            for out in mails:
                for sha in filter(None, map(letter_sha256, out.attachments)):
                    letters.setdefault((template, sha), (effect, []))[1].append(out.to)
        case_mail = [m for m in outbox if m.case_id == case.id]
        case = replace(case, messages=(*case.messages, *map(as_record, case_mail)))
        for (template, sha), (effect, to) in letters.items():
            # In the timeline like a mail: the letter's text, to the complainant's address.
            event = Event(now, "mailbot", "letter", f"{template} sha256:{sha} to {', '.join(to)}")
            letter = self._letter_record(case, effect, template, sha, trigger, now)
            case = replace(case, messages=(*case.messages, letter), events=(*case.events, event))
        return Changes(cases=[case], outbox=outbox)

    def _letter_record(
        self,
        case: Case,
        effect: SendMail,
        template: str,
        sha: str,
        trigger: MessageRecord | None,
        now: datetime,
    ) -> MessageRecord:
        context = letter_context(effect, case, trigger, self.settings)
        rendered = self.renderer.render(template, case.language, {**context, "as_letter": True})
        address = ", ".join((case.complainant.name, *(case.postal_address or "").splitlines()))
        complaints = self.settings.addresses.complaints
        return MessageRecord(
            message_id=f"letter-{sha[:24]}@{message_id_domain(complaints)}",
            direction="out",
            from_addr=complaints,
            to=(address,),
            subject=rendered.subject,
            at=now,
            text=rendered.text,
            kind="letter",
        )


def build_mails(
    effect: SendMail,
    case: Case | None,
    trigger: MessageRecord | None,
    settings: Settings,
    renderer: Renderer,
    now: datetime,
) -> list[OutboundMail]:
    """One outbound mail per recipient of the effect (never several recipients in one)."""
    # Without a triggering mail (a deadline notice), the moment and the deadline identify it.
    trigger_id = (
        trigger.message_id if trigger else f"{now.isoformat()} {effect.context.get('deadline')}"
    )
    render = _RenderOnce(renderer, effect.template)
    return [
        _build_one(effect, case, trigger, trigger_id, person, settings, render, now)
        for person in recipients(effect.to, case, settings, effect.template)
    ]


def preview(
    effect: SendMail,
    case: Case | None,
    trigger: MessageRecord | None,
    settings: Settings,
    renderer: Renderer,
    now: datetime,
    lang: str,
) -> OutboundMail:
    """The mail as the first recipient of the effect would get it, in `lang`."""
    people = recipients(effect.to, case, settings, effect.template)
    people = people or [Recipient("", effect.to, "address")]
    render = _RenderOnce(renderer, effect.template)
    return _build_one(effect, case, trigger, "preview", people[0], settings, render, now, lang)


class _RenderOnce:
    """Renders an effect's template once for all recipients who would get the same text:
    the same language and person-dependent parts, and templates that do not read
    `recipient` (two contact persons get one rendering of a notification)."""

    def __init__(self, renderer: Renderer, template: str) -> None:
        self.renderer = renderer
        self._renderer = renderer
        self._template = template
        self._done: list[tuple[tuple[str, dict[str, Any]], Rendered]] = []

    def __call__(self, lang: str, context: dict[str, Any], extras: dict[str, Any]) -> Rendered:
        if self._renderer.reads(self._template, lang, "recipient"):
            return self._renderer.render(self._template, lang, context)
        for key, rendered in self._done:
            if key == (lang, extras):
                return rendered
        rendered = self._renderer.render(self._template, lang, context)
        self._done.append(((lang, extras), rendered))
        return rendered


def _build_one(
    effect: SendMail,
    case: Case | None,
    trigger: MessageRecord | None,
    trigger_id: str,
    person: Recipient,
    settings: Settings,
    render: _RenderOnce,
    now: datetime,
    lang: str | None = None,
) -> OutboundMail:
    lang = lang or language_for(person, case, settings)
    extras = _case_extras(effect, case, person, settings) if case else {}
    context = {
        **base_context(settings, lang),
        "case": case_context(case, settings) if case else None,
        "message": message_context(trigger),
        "recipient": {"name": person.name, "email": person.email, "role": person.role},
        **extras,
        **effect.context,
    }
    rendered = render(lang, context, extras)
    # Copied text (a complainant's subject, a command as given) gives no command or tag.
    prefix = settings.organisation.case_prefix
    subject = neutralise(rendered.subject, prefix, keep=case.id if case else None)
    if case is not None:
        subject = ensure_tag(subject, case.id, prefix)
    message_id = stable_message_id(
        settings, case.id if case else "", trigger_id, effect.template, person.email
    )
    return OutboundMail(
        message_id=message_id,
        case_id=case.id if case else None,
        sender=settings.addresses.complaints,
        to=person.email,
        subject=subject,
        text=rendered.text,
        html=rendered.html,
        created_at=now,
        headers=_thread_headers(effect, case, trigger),
        attachments=_attachments(effect, case, trigger, person, subject, settings, render, now),
        next_attempt_at=effect.not_before,
        capped=effect.capped,
    )


def _attachments(
    effect: SendMail,
    case: Case | None,
    trigger: MessageRecord | None,
    person: Recipient,
    subject: str,
    settings: Settings,
    render: _RenderOnce,
    now: datetime,
) -> tuple[OutAttachment, ...]:
    found: list[OutAttachment] = []
    if "letter" in effect.attach and case is not None:
        letter = make_letter(effect, case, trigger, settings, render.renderer, now)
        found.append(letter_attachment(letter))
    if "ics" in effect.attach and case is not None:
        at = effect.context["at"]
        uid = stable_message_id(settings, case.id, effect.template, at.isoformat())
        text = invitation(
            uid=uid,
            start=at,
            summary=subject,
            organizer=settings.addresses.complaints,
            attendee=person.email,
            location=effect.context.get("place", ""),
            stamp=now,
        )
        found.append(OutAttachment("uitnodiging.ics", "text/calendar", text=text))
    if "context" in effect.attach:
        found += [
            OutAttachment(a["filename"], a["content_type"], text=a["text"])
            for a in effect.context.get("attachments", ())
        ]
    if "originals" in effect.attach and case is not None:
        found += [
            OutAttachment(f"{i:02d}-origineel.eml", "message/rfc822", raw_sha256=m.sha256)
            for i, m in enumerate((m for m in case.messages if m.sha256), start=1)
        ]
    return tuple(found)


def letter_context(
    effect: SendMail, case: Case, trigger: MessageRecord | None, settings: Settings
) -> dict[str, Any]:
    """The context of a letter to the complainant: what the mail to them would have had."""
    return {
        **base_context(settings, case.language),
        "case": case_context(case, settings),
        "message": message_context(trigger),
        "recipient": {
            "name": case.complainant.name,
            "email": case.complainant.email,
            "role": "complainant",
        },
        **effect.context,
    }


def make_letter(
    effect: SendMail,
    case: Case,
    trigger: MessageRecord | None,
    settings: Settings,
    renderer: Renderer,
    now: datetime,
) -> Letter:
    """The letter an effect carries: `context["letter_template"]` names its template (the
    mail's own by default), always in the complainant's language. LetterError when the
    complainant has no postal address (the core attaches no letter then)."""
    template = effect.context.get("letter_template") or effect.template
    context = letter_context(effect, case, trigger, settings)
    return render_letter(template, case, context, settings, renderer, now, case.language)


def letter_attachment(letter: Letter) -> OutAttachment:
    """The letter as a PDF part of the mail."""
    payload = base64.encodebytes(letter.pdf).decode("ascii")  # lines of 76: SMTP-safe
    return OutAttachment(letter.filename, "application/pdf", text=payload)


def letter_sha256(attachment: OutAttachment) -> str | None:
    """The SHA-256 of a letter attached as a PDF (None for any other attachment)."""
    if attachment.content_type != "application/pdf" or attachment.text is None:
        return None
    return hashlib.sha256(base64.b64decode(attachment.text)).hexdigest()


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
