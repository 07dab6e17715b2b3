"""Step: RFC 3834 — note why mailbot must not answer, and drop mailbot's own mail."""

from __future__ import annotations

from mailbot.inbound.item import Discard, InboundItem, Outcome, PipelineContext
from mailbot.mail.autoreply import classify_automatic, no_reply_reason, own_mail_reason
from mailbot.mail.headers import message_id_domain


def loop_guard(item: InboundItem, ctx: PipelineContext) -> Outcome | None:
    own = ctx.settings.own_addresses()
    domain = message_id_domain(ctx.settings.addresses.complaints)
    own_reason = own_mail_reason(item.mail, own, domain)
    if own_reason is not None:
        return Discard(own_reason)
    item.no_reply_reason = no_reply_reason(item.mail, own, domain)
    item.automatic = classify_automatic(item.mail, own, domain)
    return None
