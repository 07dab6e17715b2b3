"""Step: a robot loop costs at most a few automatic replies a day per sender. (The global
hourly cap holds replies back instead of dropping them: see `Actions.pace`.)"""

from __future__ import annotations

from datetime import timedelta

from mailbot.inbound.item import InboundItem, Outcome, PipelineContext

DAILY_LIMIT = "automatic replies to this sender reached the daily limit"


def rate_limit(item: InboundItem, ctx: PipelineContext) -> Outcome | None:
    if item.no_reply_reason is not None:
        return None
    security = ctx.settings.security
    day = ctx.now - timedelta(days=1)
    if ctx.store.auto_replies(item.mail.from_addr, day) >= (
        security.max_auto_replies_per_sender_per_day
    ):
        item.no_reply_reason = DAILY_LIMIT
    return None
