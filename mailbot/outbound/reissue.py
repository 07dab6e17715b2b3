"""A case's letters made again, as they were or would be sent (`mailbot letter`)."""

from __future__ import annotations

from datetime import datetime

from mailbot.config.settings import Settings
from mailbot.errors import LetterError
from mailbot.model import Case, Event, SendMail
from mailbot.outbound.build import make_letter
from mailbot.outbound.letters.letter import Letter
from mailbot.outbound.render import Renderer
from mailbot.procedure.paper import context_for

# The letters a complainant can get, each with its context as the procedure gave it.
LETTERS = (
    "acknowledgement",
    "formal_missing",
    "formal_acknowledgement",
    "extension_notice",
    "hearing_invitation",
    "mediation_started",
    "meeting_invitation",
    "proposal",
    "resolution",
    "ruling_notice",
    "withdrawn_notice",
)


def made(case: Case, template: str | None = None) -> Event | None:
    """The latest record of a letter made on the case (of `template`, if named)."""
    letters = [e for e in case.events if e.action == "letter"]
    if template is not None:
        letters = [e for e in letters if e.detail.split(" ", 1)[0] == template]
    return letters[-1] if letters else None


def recorded_sha256(event: Event) -> str:
    return event.detail.split(" ")[1].removeprefix("sha256:")


def letter_again(
    case: Case, template: str, settings: Settings, renderer: Renderer, now: datetime
) -> Letter:
    """The letter `template` of the case, dated `now`; LetterError when it cannot be made."""
    if template not in LETTERS:
        raise LetterError(f"no letter {template!r}; letters: {', '.join(LETTERS)}")
    effect = SendMail(template, to="complainant", context=context_for(case, template))
    inbound = [m for m in case.messages if m.direction == "in"]
    return make_letter(effect, case, inbound[-1] if inbound else None, settings, renderer, now)
