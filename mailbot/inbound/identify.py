"""Step: find the case a mail belongs to — subject tag first, then the thread headers."""

from __future__ import annotations

from mailbot.autoreply import original_message_ids
from mailbot.inbound.item import InboundItem, Outcome, PipelineContext
from mailbot.tags import find_case_tag


def identify_case(item: InboundItem, ctx: PipelineContext) -> Outcome | None:
    prefix = ctx.settings.organisation.case_prefix
    case_id = find_case_tag(item.mail.subject, prefix)
    if case_id is None:
        case_id = next(
            (
                found
                for ref in (*item.mail.in_reply_to, *reversed(item.mail.references))
                if (found := ctx.store.case_for_message_id(ref)) is not None
            ),
            None,
        )
    if case_id is None and item.automatic in ("bounce", "delayed", "read-receipt"):
        case_id = next(
            (
                found
                for ref in original_message_ids(item.mail)
                if (found := ctx.store.case_for_message_id(ref)) is not None
            ),
            None,
        )
        item.linked_by_report = case_id is not None
    if case_id is not None:
        item.case = ctx.store.get_case(case_id)
    return None
