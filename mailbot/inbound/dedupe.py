"""Step: a mail handled before (redelivered, refetched after a crash) is not handled again."""

from __future__ import annotations

import hashlib

from mailbot.inbound.item import Discard, InboundItem, Outcome, PipelineContext


def dedupe_key(message_id: str, raw: bytes) -> str:
    """Message-ID plus a hash of the body: trace headers added on redelivery don't count,
    and two different mails that share a Message-ID are both kept."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        _head, found, body = raw.partition(separator)
        if found:
            break
    else:
        body = raw
    digest = hashlib.sha256(body.replace(b"\r\n", b"\n")).hexdigest()
    return hashlib.sha256(f"{message_id}\0{digest}".encode()).hexdigest()


def dedupe(item: InboundItem, ctx: PipelineContext) -> Outcome | None:
    item.dedupe_key = dedupe_key(item.mail.message_id, item.raw)
    seen = ctx.store.seen(item.dedupe_key)
    if seen is not None and seen.outcome != "quarantined":
        where = f" ({seen.case_id})" if seen.case_id else ""
        when = f" at {seen.at.isoformat()}" if seen.at.year > 1 else ""  # archived: no time kept
        return Discard(f"duplicate of a mail handled before{when}{where}")
    return None
