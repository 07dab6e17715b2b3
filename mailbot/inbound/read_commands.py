"""Step: read the commands of staff and committee mail, and check who may give them."""

from __future__ import annotations

from itertools import islice

from mailbot.errors import ProcedureError
from mailbot.inbound.item import InboundItem, Outcome, PipelineContext
from mailbot.mail.authresults import ambiguous_sender, authenticated, checks_senders, host_name
from mailbot.procedure.commands import Command, may_give, parse_command, sender_tokens, spec_for

# How many thread references are followed to find the mailbot mail a reply answers: its
# In-Reply-To and the latest References (a hostile mail may carry thousands).
_MAX_REFERENCES = 20


def read_commands(item: InboundItem, ctx: PipelineContext) -> Outcome | None:
    if item.sender_role not in ("staff", "committee") or item.no_reply_reason:
        return None  # a complainant's or a robot's subject is never a command
    found = sender_tokens(item.mail.subject, replied_subjects(item, ctx))
    item.given = [t.as_given for t in found]
    if not found:
        # Without a command it would be kept as an internal note and confirmed: a forged
        # one must be neither answered nor taken for the colleague's word.
        item.unvouched = not _vouched(item, ctx)
        return None
    try:
        _authenticate(item, ctx)
        item.commands = [_checked(parse_command(t), item) for t in found]
    except ProcedureError as refusal:
        item.refusal = refusal
    return None


def replied_subjects(item: InboundItem, ctx: PipelineContext) -> list[str]:
    """The subjects of mailbot's own mails this mail answers, In-Reply-To first: the text
    in its subject that mailbot wrote (or copied), which holds no command of the sender."""
    refs = (*item.mail.in_reply_to, *reversed(item.mail.references))
    subjects: list[str] = []
    for ref in dict.fromkeys(islice(refs, _MAX_REFERENCES)):
        case_id = ctx.store.case_for_message_id(ref)
        if case_id is None:
            continue
        case = item.case if item.case and item.case.id == case_id else ctx.store.get_case(case_id)
        subjects += [
            m.subject
            for m in (case.messages if case else ())
            if m.message_id == ref and m.direction == "out"
        ]
    return subjects


def _authenticate(item: InboundItem, ctx: PipelineContext) -> None:
    if not _vouched(item, ctx):
        raise ProcedureError("not_authenticated", server=host_name(ctx.settings.security))


def _vouched(item: InboundItem, ctx: PipelineContext) -> bool:
    # An ambiguous From is never vouched for, even without a host to ask: whatever a server
    # checked, mailbot cannot tell which sender it vouched for.
    security = ctx.settings.security
    if ambiguous_sender(item.mail):
        return False
    return not checks_senders(security) or authenticated(item.mail, security)


def _checked(command: Command, item: InboundItem) -> Command:
    spec = spec_for(command.name)
    if not may_give(command.name, item.roles):
        raise ProcedureError("not_allowed", command=command.name, who=sorted(spec.who))
    if spec.needs_case and item.case is None:
        raise ProcedureError("no_case", command=command.name)
    return command
