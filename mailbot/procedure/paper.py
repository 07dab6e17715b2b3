"""Pure: mail for a complainant without e-mail becomes a letter that staff post."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from mailbot.model import Case, Event, SendMail
from mailbot.procedure.ops import Result, meet

# Terms that run from a letter: met when staff confirm it was posted (#posted).
TERM_OF_LETTER = {"formal_acknowledgement": "formal.acknowledgement"}
# Mail to both parties: the complainant's part goes by post.
_BOTH = "parties"


def by_post(case: Case, effects: list[SendMail]) -> list[SendMail]:
    """`effects` with every mail for a complainant without e-mail turned into a task for
    the person who posts the letter (the letter itself attached as a PDF)."""
    if case.complainant.email:
        return effects
    out: list[SendMail] = []
    for effect in effects:
        if effect.to == "complainant":
            out.append(letter_task(case, effect))
        elif effect.to == _BOTH:
            out += [effect, letter_task(case, effect)]
        else:
            out.append(effect)
    return out


def poster(case: Case, template: str) -> str:
    """Who posts the letter: the chair for the committee's letters (every letter of a formal
    complaint, the formal templates and the ruling), else the contact person. The same rule
    chooses the letter's signer (mailbot.letters.signed_by_committee)."""
    committee = case.track == "formal" or template.startswith(("formal_", "ruling"))
    return "chair" if committee else "contact"


def letter_task(case: Case, effect: SendMail) -> SendMail:
    """The task mail that carries the letter; without a postal address, no letter is
    made and the poster is told what is missing."""
    term = TERM_OF_LETTER.get(effect.template)
    deadline = case.deadline(term) if term else None
    context = {
        **effect.context,
        "letter_template": effect.template,
        "post_by": deadline.due if deadline and deadline.open else None,
        "postal_address": case.postal_address,
    }
    template = "letter_task" if case.postal_address else "letter_no_address"
    return SendMail(
        template,
        to=poster(case, effect.template),
        in_reply_to=effect.in_reply_to,
        context=context,
        attach=("letter",) if case.postal_address else (),
    )


def posted(case: Case, actor: str, now: datetime) -> Result:
    """Staff confirm the letters of the case were posted: the terms that ran from them
    are met."""
    letters = [e.detail.split(" ", 1)[0] for e in case.events if e.action == "letter"]
    done = {e.detail for e in case.events if e.action == "posted"}
    waiting = [t for t in dict.fromkeys(letters) if t not in done]
    for template in waiting:
        term = TERM_OF_LETTER.get(template)
        if term:
            case = meet(case, term, now)
        case = replace(case, events=(*case.events, Event(now, actor, "posted", template)))
    return case, []
