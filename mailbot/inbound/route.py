"""Step: the decision — open a case, add to one, or drop the mail."""

from __future__ import annotations

from mailbot.inbound.item import AddToCase, Discard, InboundItem, OpenCase, Outcome, PipelineContext


def route(item: InboundItem, ctx: PipelineContext) -> Outcome:
    may_reply = item.no_reply_reason is None
    if item.case is not None:
        return AddToCase(item.case, item.sender_role, may_reply)
    if item.sender_role in ("staff", "committee"):
        # Staff mail never opens a case by itself; #register does (commands).
        return Discard(f"{item.sender_role} mail without a case")
    if not may_reply:
        return Discard(f"automatic mail without a case: {item.no_reply_reason}")
    return OpenCase(item.track, may_reply)
