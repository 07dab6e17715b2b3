"""Step: the decision — open a case, add to one, run commands, or drop the mail."""

from __future__ import annotations

from mailbot.inbound.item import (
    AddToCase,
    AnswerHelp,
    Discard,
    InboundItem,
    OpenCase,
    Outcome,
    PipelineContext,
    Refuse,
    RunCommands,
)


def route(item: InboundItem, ctx: PipelineContext) -> Outcome:
    may_reply = item.no_reply_reason is None
    if item.sender_role in ("staff", "committee"):
        return _staff(item, may_reply)
    if item.automatic == "delayed":
        return Discard("delivery delayed (the server keeps trying); logged only")
    if item.case is not None:
        return AddToCase(item.case, item.sender_role, may_reply, item.automatic)
    if item.automatic is not None:
        return Discard(f"automatic mail ({item.automatic}) without a case: {item.no_reply_reason}")
    # A person's complaint always opens a case, even when it may not be answered (a rate
    # limit, or a sender who asked for no automatic replies).
    return OpenCase(item.track, may_reply)


def _staff(item: InboundItem, may_reply: bool) -> Outcome:
    if item.refusal is not None:
        return Refuse(item.case, tuple(item.given), item.refusal)
    if item.commands:
        return RunCommands(item.case, tuple(item.commands))
    if item.unvouched and item.case is None:
        return Discard(f"{item.sender_role} mail the mail host did not vouch for, without a case")
    if item.case is not None:
        return AddToCase(item.case, item.sender_role, may_reply and not item.unvouched)
    if not may_reply:
        return Discard(f"automatic {item.sender_role} mail without a case: {item.no_reply_reason}")
    # Staff mail never opens a case by itself (only #register does): answer with #help.
    return AnswerHelp()
