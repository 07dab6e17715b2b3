"""Step: find the case a mail belongs to — subject tag first, then the thread headers."""

from __future__ import annotations

from mailbot.inbound.item import InboundItem, Outcome, PipelineContext
from mailbot.mail.autoreply import original_message_ids
from mailbot.mail.tags import find_case_tags


def identify_case(item: InboundItem, ctx: PipelineContext) -> Outcome | None:
    prefix = ctx.settings.organisation.case_prefix
    tags = find_case_tags(item.mail.subject, prefix)
    thread = next(
        (
            found
            for ref in (*item.mail.in_reply_to, *reversed(item.mail.references))
            if (found := ctx.store.case_for_message_id(ref)) is not None
        ),
        None,
    )
    # The tag mailbot placed wins: in a reply to mailbot's mail about a case, that case's
    # tag, wherever it stands; a tag copied into the subject before it names no case.
    case_id = thread if thread in tags or not tags else tags[0]
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
