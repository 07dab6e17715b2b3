"""Pure: direct resolution (direct oplossen)."""

from __future__ import annotations

from datetime import datetime

from mailbot.model import Case
from mailbot.procedure.events import CommandGiven
from mailbot.procedure.policy import Policy
from mailbot.procedure.shared import Result, add_document, close, mail, meet, need_stage, need_text

STAGES = {"resolve": {"direct": ("received", "acknowledged")}}


def resolve(case: Case, ev: CommandGiven, now: datetime, policy: Policy) -> Result:
    need_stage(case, "resolve", STAGES["resolve"])
    text = need_text(ev)
    case = add_document(case, "resolution", now, ev.actor.email, text)
    case = meet(meet(case, "direct.response", now), "direct.resolution", now)
    case = close(case, "resolved", now, policy)
    return case, [mail("resolution", "complainant", ev.message, text=text)]


HANDLERS = {"resolve": resolve}
