"""Step: a flood or a robot loop costs at most a few automatic replies."""

from __future__ import annotations

from datetime import timedelta

from mailbot.inbound.item import InboundItem, Outcome, PipelineContext


def rate_limit(item: InboundItem, ctx: PipelineContext) -> Outcome | None:
    if item.no_reply_reason is not None:
        return None
    security = ctx.settings.security
    day, hour = ctx.now - timedelta(days=1), ctx.now - timedelta(hours=1)
    if ctx.store.auto_replies(item.mail.from_addr, day) >= (
        security.max_auto_replies_per_sender_per_day
    ):
        item.no_reply_reason = "automatic replies to this sender reached the daily limit"
    elif ctx.store.auto_replies(None, hour) >= security.max_auto_replies_per_hour:
        item.no_reply_reason = "automatic replies reached the hourly limit for all senders"
    return None
