"""New cases from one sender in a short window share one staff notice: a flood of complaints
from one address opens a case for each, but no longer a flood of staff mail."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from mailbot.config.settings import Settings
from mailbot.mail.tags import neutralise
from mailbot.model import Case, Changes, Event, OutboundMail, SendMail
from mailbot.outbound.build import MailBuilder, stable_message_id
from mailbot.procedure.audience import recipients

# The first new case from a sender is notified at once and opens a window this long; the
# sender's later cases within it are listed together in one notice when it closes. Short
# enough that staff hear of every case within a quarter of an hour, long enough that a flood
# costs each staff member two mails per sender and quarter, not one per case.
WINDOW = timedelta(minutes=15)
HELD = "staff notice held"  # the case's own new-case notice waits for the window's end
COMBINED = "staff notice combined"  # ... and went out in the combined notice
_HELD_DETAIL = re.compile(r"^until (\S+); reply (\w+)(?: (\S+))?")
_ACTOR = "mailbot"


def hold_notice(
    case: Case, effects: list[SendMail], others: Iterable[Case], now: datetime
) -> tuple[Case, list[SendMail]]:
    """The new case and its effects, its staff notice held back when the sender's window is
    open: the notice is then left out and the case records until when it waits."""
    notice = next((e for e in effects if e.template == "new_case"), None)
    until = window_end(others, case, now) if notice is not None else None
    if until is None or notice is None:
        return case, effects
    reply = _reply_words(notice.context.get("reply", {}))
    event = Event(now, _ACTOR, HELD, f"until {until.isoformat()}; reply {reply}")
    case = replace(case, events=(*case.events, event))
    return case, [e for e in effects if e is not notice]


def window_end(others: Iterable[Case], case: Case, now: datetime) -> datetime | None:
    """The end of the window the sender's latest case notified at once opened, when `now`
    lies in it; None when the new case's notice goes out now (it opens a window)."""
    sender = (case.complainant.email or "").lower()
    if not sender:
        return None
    opened = [
        at
        for other in others
        if other.id != case.id
        and (other.complainant.email or "").lower() == sender
        and _held(other) is None
        and (at := opened_at(other)) is not None
        and now - WINDOW < at <= now
    ]
    return max(opened) + WINDOW if opened else None


def opened_at(case: Case) -> datetime | None:
    """When mailbot took the case in (its notice would have gone out then)."""
    return next((e.at for e in case.events if e.action == "received"), None)


def held_until(case: Case) -> datetime | None:
    """Until when the case's staff notice waits; None when it is not waiting (any more)."""
    held = _held(case)
    if held is None or any(e.action == COMBINED for e in case.events):
        return None
    return datetime.fromisoformat(held[0])


def next_close(cases: Iterable[Case]) -> datetime | None:
    """The next moment a combined notice is due (the daemon wakes for it)."""
    return min((u for c in cases if (u := held_until(c)) is not None), default=None)


def combined_notices(
    cases: Iterable[Case], settings: Settings, mails: MailBuilder, now: datetime
) -> Changes:
    """One notice per staff member listing every held case whose window has closed, each
    case marked as notified in the same change: so nothing is listed twice or left out, also
    when mailbot stops in between."""
    due = [c for c in cases if (u := held_until(c)) is not None and u <= now]
    if not due:
        return Changes()
    mine: dict[str, list[Case]] = {}
    for case in due:
        for person in recipients("case-staff", case, settings, "new_case"):
            mine.setdefault(person.email, []).append(case)
    prefix = settings.organisation.case_prefix
    outbox: list[OutboundMail] = []
    for email, listed in mine.items():
        effect = SendMail("new_cases", email, context={"senders": _by_sender(listed, prefix)})
        ids = [c.id for c in listed]
        for mail in mails.build(effect, None, None, now):
            unique = stable_message_id(settings, "new_cases", email, *ids)
            outbox.append(replace(mail, message_id=unique))
    told = ", ".join(mine)
    marked = [
        replace(c, events=(*c.events, Event(now, _ACTOR, COMBINED, f"to {told}"))) for c in due
    ]
    return Changes(cases=marked, outbox=outbox)


def _by_sender(cases: list[Case], prefix: str) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for case in sorted(cases, key=lambda c: (opened_at(c) or c.received_at, c.id)):
        email = (case.complainant.email or "").lower()
        group = groups.setdefault(
            email, {"email": email, "name": case.complainant.name, "cases": []}
        )
        first = next((m for m in case.messages if m.direction == "in"), None)
        held = _held(case)
        reply, reply_at = (held[1], held[2]) if held else ("sent", None)
        group["cases"].append(
            {
                "id": case.id,
                "track": case.track,
                "received_at": case.received_at,
                "subject": neutralise(first.subject if first else "", prefix),
                "reply": reply,
                "reply_at": datetime.fromisoformat(reply_at) if reply_at else None,
            }
        )
    return list(groups.values())


def _held(case: Case) -> tuple[str, str, str | None] | None:
    """(until, reply, the waiting reply's moment) as the HELD event recorded them."""
    found = next((e for e in case.events if e.action == HELD), None)
    match = _HELD_DETAIL.match(found.detail) if found else None
    return (match.group(1), match.group(2), match.group(3)) if match else None


def _reply_words(reply: dict[str, Any]) -> str:
    """What became of the complainant's automatic reply: sent, waiting and until when, or
    why none went (daily_limit, automatic, no_address)."""
    if reply.get("status") == "waiting" and reply.get("until"):
        return f"waiting {reply['until'].isoformat()}"
    if reply.get("status") in ("sent", "waiting"):
        return str(reply["status"])
    return str(reply.get("why") or "none")
