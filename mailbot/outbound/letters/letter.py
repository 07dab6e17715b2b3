"""Printable letters: a mail template laid out as a Dutch business letter for a window envelope."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mailbot.config.settings import Settings
from mailbot.errors import LetterError
from mailbot.model import Case
from mailbot.outbound.letters.pdf import (
    WINDOW_HEIGHT,
    WINDOW_INSET,
    WINDOW_LEFT,
    WINDOW_TOP,
    WINDOW_WIDTH,
    Layout,
    build_pdf,
)
from mailbot.outbound.render import Renderer

__all__ = [
    "WINDOW_HEIGHT",
    "WINDOW_INSET",
    "WINDOW_LEFT",
    "WINDOW_TOP",
    "WINDOW_WIDTH",
    "Letter",
    "render_letter",
    "signed_by_committee",
]

_WORDS = {
    "nl": {
        "subject": "Betreft:",
        "closing": "Met vriendelijke groet,",
        "chair": "Voorzitter van de klachtencommissie",
        "committee": "De klachtencommissie van {org}",
        "contact": "Contactpersoon klachten",
        "phone": "Telefoon {phone}",
        "email": "E-mail {email}",
        "page": "Pagina {page} van {pages}",
    },
    "en": {
        "subject": "Subject:",
        "closing": "Kind regards,",
        "chair": "Chair of the complaints committee",
        "committee": "The complaints committee of {org}",
        "contact": "Complaints officer",
        "phone": "Telephone {phone}",
        "email": "E-mail {email}",
        "page": "Page {page} of {pages}",
    },
}
# The mail's own closing and what follows it (the mail's sender lines): the letter replaces
# them with its signature block. The last one counts: a quoted ruling may contain one too.
_CLOSING = re.compile(r"^(Met vriendelijke groet|Kind regards)\b.*$", re.MULTILINE)
_POSTCODE = re.compile(r"^\d{4}\s?[A-Za-z]{2}\s+")  # a Dutch postcode before the town


@dataclass(frozen=True)
class Letter:
    template: str
    pdf: bytes
    sha256: str
    filename: str


def signed_by_committee(template: str, case: Case) -> bool:
    """Whether the committee (its chair) signs and posts this letter rather than the contact
    person: the committee handles every formal complaint, and the formal templates and the
    ruling are its own whatever the track."""
    return case.track == "formal" or template.startswith(("formal_", "ruling"))


def render_letter(
    template: str,
    case: Case,
    context: dict[str, Any],
    settings: Settings,
    renderer: Renderer,
    now: datetime,
    lang: str,
) -> Letter:
    """The mail `template` as a letter to the complainant's postal address. The template
    renders with `as_letter` set to True (so it can leave out mail-only sentences); its subject
    becomes the "Betreft:" line, its closing gives way to the signature block."""
    address = _postal_lines(case)
    rendered = renderer.render(template, lang, {**context, "as_letter": True})
    words = _WORDS[lang]
    org = settings.organisation
    layout = Layout(
        letterhead=_letterhead(settings, words),
        return_line=", ".join((org.name, *org.address)) if org.address else "",
        address=(case.complainant.name, *address) if case.complainant.name else address,
        date_line=_date_line(settings, renderer, now, lang),
        subject_label=words["subject"],
        subject=_subject(rendered.subject, case.id),
        body=_body(rendered.text),
        closing=words["closing"],
        signer=_signer(template, case, settings, words),
        running_head=f"{org.name} · {case.id} · {renderer.format_date(now, lang, 'long')}",
        page_label=words["page"],
        title=rendered.subject,
        author=org.name,
        lang=lang,
        created=now,
    )
    pdf = build_pdf(layout)
    return Letter(
        template=template,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        filename=f"{case.id}-{template}.pdf",
    )


def _postal_lines(case: Case) -> tuple[str, ...]:
    lines = tuple(s.strip() for s in (case.postal_address or "").splitlines() if s.strip())
    if not lines:
        raise LetterError(
            f"case {case.id}: the complainant has no postal address, so no letter can be "
            "made; set it with #adres (lines separated by commas)"
        )
    return lines


def _letterhead(settings: Settings, words: dict[str, str]) -> tuple[str, ...]:
    org = settings.organisation
    lines = [org.name, *org.address]
    if org.phone:
        lines.append(words["phone"].format(phone=org.phone))
    lines.append(words["email"].format(email=org.email or settings.addresses.complaints))
    return tuple(lines)


def _date_line(settings: Settings, renderer: Renderer, now: datetime, lang: str) -> str:
    """ "Voorbeeldstad, 4 december 2026": the place is configured, or the town of the
    address's last line after its postcode; without either, only the date."""
    org = settings.organisation
    place = org.place or (_POSTCODE.sub("", org.address[-1]).strip() if org.address else "")
    day = renderer.format_date(now, lang, "long")
    return f"{place}, {day}" if place else day


def _subject(subject: str, case_id: str) -> str:
    """The mail's subject with the case number in place of its [case] tag, or after it."""
    tag = f"[{case_id}]"
    plain = subject.replace(tag, case_id) if tag in subject else f"{subject} ({case_id})"
    return " ".join(plain.split())


def _body(text: str) -> str:
    closings = list(_CLOSING.finditer(text))
    if closings:
        text = text[: closings[-1].start()]
    # The font has no tab glyph; a tab in copied text becomes spaces.
    return text.expandtabs(4).strip()


def _signer(template: str, case: Case, settings: Settings, words: dict[str, str]) -> tuple:
    org = settings.organisation.name
    if signed_by_committee(template, case):
        chair = settings.chair
        committee = words["committee"].format(org=org)
        return (chair.name, words["chair"]) if chair else (committee,)
    contact = settings.staff_member(case.contact) if case.contact else None
    if contact is None:
        return (org,)
    return (contact.name, words["contact"], org)
