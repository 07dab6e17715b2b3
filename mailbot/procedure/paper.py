"""Pure: mail for a complainant without e-mail becomes a letter that staff post."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import Any

from mailbot.errors import LetterError, ProcedureError
from mailbot.model import Case, Event, MessageRecord, SendMail
from mailbot.procedure.shared import Result, add_event, mail, meet

# Terms that run from a letter: met when staff confirm it was posted (#posted).
TERM_OF_LETTER = {"formal_acknowledgement": "formal.acknowledgement"}
# Mail to both parties: the complainant's part goes by post.
_BOTH = "parties"


NOT_MADE, MADE_LATER = "letter not made", "letter made later"


def by_post(case: Case, effects: list[SendMail], now: datetime) -> Result:
    """`effects` with every mail for a complainant without e-mail turned into a task for
    the person who posts the letter (the letter itself attached as a PDF). A letter that
    cannot be made for want of an address is recorded, to follow once #adres sets it."""
    if case.complainant.email:
        return case, effects
    out: list[SendMail] = []
    for effect in effects:
        if effect.to in ("complainant", _BOTH):
            task = letter_task(case, effect)
            out += [effect, task] if effect.to == _BOTH else [task]
            if task.template == "letter_no_address":
                case = add_event(case, now, "mailbot", NOT_MADE, effect.template)
        else:
            out.append(effect)
    return case, out


def letters_owed(case: Case) -> list[str]:
    """The letters not made for want of a postal address and not made since."""
    owed = Counter(e.detail for e in case.events if e.action == NOT_MADE)
    owed.subtract(Counter(e.detail for e in case.events if e.action == MADE_LATER))
    return [template for template, n in owed.items() if n > 0]


def make_owed(case: Case, trigger: MessageRecord, now: datetime) -> Result:
    """Once the address is known, the letters owed, with the context they would have had:
    the ruling for registered post to the chair, any other letter to whoever posts it."""
    if not case.postal_address:
        return case, []
    effects = []
    for template in letters_owed(case):
        try:
            context = context_for(case, template)
        except LetterError:
            continue  # its moment has passed (a later step replaced it)
        if template == "ruling_notice":
            effects.append(registered_post_task(case, trigger, context))
        else:
            effects.append(mail(template, "complainant", trigger, **context))
        case = add_event(case, now, "mailbot", MADE_LATER, template)
    return case, effects


def registered_post_task(case: Case, trigger: MessageRecord, ruling: dict[str, Any]) -> SendMail:
    """The chair's task to send the ruling by registered post, with its letter when the
    complainant's postal address is known."""
    due = case.deadline("formal.registered_post")
    context = {
        **ruling,
        "due": due.due if due else None,
        "letter_template": "ruling_notice",
        "postal_address": case.postal_address,
    }
    task = mail("registered_post_task", "chair", trigger, **context)
    return replace(task, attach=("letter",) if case.postal_address else ())


def context_for(case: Case, template: str) -> dict[str, Any]:
    """The context the procedure gave a letter to the complainant, read back from the case
    (to make it later, or again); LetterError when the case has none for it."""
    decision = case.deadline("formal.decision")
    hearing = next((a for a in reversed(case.appointments) if a.kind == "hearing"), None)
    meeting = next((a for a in reversed(case.appointments) if a.kind == "meeting"), None)
    extension = case.document("extension")
    documents = {"ruling_notice": "ruling", "resolution": "resolution", "proposal": "proposal"}
    if template in documents:
        document = case.document(documents[template])
        if document is None:
            raise LetterError(f"case {case.id} has no {documents[template]}, so no {template}")
        if template == "ruling_notice":
            return {"outcome": case.outcome or "", "text": document.text}
        return {"text": document.text}
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


def poster(case: Case, template: str) -> str:
    """Who posts the letter: the chair for the committee's letters (every letter of a formal
    complaint, the formal templates and the ruling), else the contact person. The same rule
    chooses the letter's signer (mailbot.outbound.letters.letter.signed_by_committee)."""
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
    if not waiting:
        raise ProcedureError("nothing_to_post")
    for template in waiting:
        term = TERM_OF_LETTER.get(template)
        if term:
            case = meet(case, term, now)
        case = replace(case, events=(*case.events, Event(now, actor, "posted", template)))
    return case, []
