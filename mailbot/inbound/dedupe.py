"""Step: a mail handled before (redelivered, refetched after a crash) is not handled again."""

from __future__ import annotations

import hashlib

from mailbot.inbound.item import Discard, InboundItem, Outcome, PipelineContext

HASH_SLICE = 1 << 20  # the body is hashed a slice at a time: no copy of a big mail


def dedupe_key(message_id: str, raw: bytes, slice_bytes: int = HASH_SLICE) -> str:
    """Message-ID plus a hash of the body: trace headers added on redelivery don't count,
    and two different mails that share a Message-ID are both kept. The body is what follows
    the first blank line, with CRLF read as LF."""
    start = 0
    for separator in (b"\r\n\r\n", b"\n\n"):
        found = raw.find(separator)
        if found >= 0:
            start = found + len(separator)
            break
    body, digest, carry = memoryview(raw), hashlib.sha256(), b""
    for at in range(start, len(raw), slice_bytes):
        piece = carry + body[at : at + slice_bytes].tobytes()
        # a CR at the end of a slice may begin a CRLF that the next slice ends
        carry, piece = (b"\r", piece[:-1]) if piece.endswith(b"\r") else (b"", piece)
        digest.update(piece.replace(b"\r\n", b"\n"))
    digest.update(carry)
    return hashlib.sha256(f"{message_id}\0{digest.hexdigest()}".encode()).hexdigest()


def dedupe(item: InboundItem, ctx: PipelineContext) -> Outcome | None:
    item.dedupe_key = dedupe_key(item.mail.message_id, item.raw)
    seen = ctx.store.seen(item.dedupe_key)
    if seen is not None and seen.outcome != "quarantined":
        where = f" ({seen.case_id})" if seen.case_id else ""
        when = f" at {seen.at.isoformat()}" if seen.at.year > 1 else ""  # archived: no time kept
        return Discard(f"duplicate of a mail handled before{when}{where}")
    return None
