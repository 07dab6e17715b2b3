"""Step: read the commands of staff and committee mail, and check who may give them."""

from __future__ import annotations

from mailbot.authresults import vouches
from mailbot.commands import Command, may_give, parse_command, spec_for, tokens
from mailbot.errors import ProcedureError
from mailbot.inbound.item import InboundItem, Outcome, PipelineContext


def read_commands(item: InboundItem, ctx: PipelineContext) -> Outcome | None:
    if item.sender_role not in ("staff", "committee") or item.no_reply_reason:
        return None  # a complainant's or a robot's subject is never a command
    found = tokens(item.mail.subject)
    item.given = [t.as_given for t in found]
    if not found:
        return None
    try:
        _authenticate(item, ctx)
        item.commands = [_checked(parse_command(t), item) for t in found]
    except ProcedureError as refusal:
        item.refusal = refusal
    return None


def _authenticate(item: InboundItem, ctx: PipelineContext) -> None:
    trusted = ctx.settings.security.trusted_authserv_id
    if trusted and not vouches(item.mail, trusted):
        raise ProcedureError("not_authenticated", server=trusted)


def _checked(command: Command, item: InboundItem) -> Command:
    spec = spec_for(command.name)
    if not may_give(command.name, item.roles):
        raise ProcedureError("not_allowed", command=command.name, who=sorted(spec.who))
    if spec.needs_case and item.case is None:
        raise ProcedureError("no_case", command=command.name)
    return command
