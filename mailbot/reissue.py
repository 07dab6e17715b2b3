"""A case's letters made again, as they were or would be sent (`mailbot letter`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mailbot.errors import LetterError
from mailbot.letters import Letter
from mailbot.model import Case, Event, SendMail
from mailbot.outgoing import make_letter
from mailbot.render import Renderer
from mailbot.settings import Settings

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


def context_for(case: Case, template: str) -> dict[str, Any]:
    """The context the procedure gave the letter, read back from the case."""
    decision = case.deadline("formal.decision")
    hearing = next((a for a in reversed(case.appointments) if a.kind == "hearing"), None)
    meeting = next((a for a in reversed(case.appointments) if a.kind == "meeting"), None)
    extension = case.document("extension")

    def text(kind: str) -> str:
        document = case.document(kind)
        if document is None:
            raise LetterError(f"case {case.id} has no {kind} yet, so no {template} letter")
        return document.text

    if template == "ruling_notice":
        return {"outcome": case.outcome or "", "text": text("ruling")}
    if template in ("resolution", "proposal"):
        return {"text": text(template)}
    if template == "formal_missing":
        return {"missing": list(case.missing)}
    if template == "formal_acknowledgement" and decision is not None:
        return {"decision_due": decision.due}
    if template == "extension_notice" and decision is not None and extension is not None:
        return {"old_due": decision.due, "new_due": decision.due, "reason": extension.text}
    if template == "hearing_invitation" and hearing is not None:
        return {"party": "complainant", "at": hearing.at}
    if template == "meeting_invitation" and meeting is not None:
        return {"at": meeting.at, "place": meeting.place}
    if template in ("acknowledgement", "mediation_started", "withdrawn_notice"):
        return {}
    raise LetterError(f"case {case.id}: no {template} letter can be made at its stage")


def letter_again(
    case: Case, template: str, settings: Settings, renderer: Renderer, now: datetime
) -> Letter:
    """The letter `template` of the case, dated `now`; LetterError when it cannot be made."""
    if template not in LETTERS:
        raise LetterError(f"no letter {template!r}; letters: {', '.join(LETTERS)}")
    effect = SendMail(template, to="complainant", context=context_for(case, template))
    inbound = [m for m in case.messages if m.direction == "in"]
    return make_letter(effect, case, inbound[-1] if inbound else None, settings, renderer, now)
