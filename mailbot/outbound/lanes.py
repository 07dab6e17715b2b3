"""Pure: the outbox split into lanes, one SMTP connection each.

A recipient's mail stays in one lane, in its order, so parallel connections never reorder what
one person receives. A small round keeps one connection: opening more costs more than it saves.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from mailbot.model import OutboundMail

MAILS_PER_LANE = 20  # fewer than this per extra connection: not worth opening it

__all__ = ["MAILS_PER_LANE", "split_lanes"]


def split_lanes(mails: Sequence[OutboundMail], connections: int) -> list[list[OutboundMail]]:
    """`mails` in at most `connections` non-empty lanes, by recipient, each in input order."""
    count = max(1, min(connections, len(mails) // MAILS_PER_LANE))
    lanes: list[list[OutboundMail]] = [[] for _ in range(count)]
    for mail in mails:
        lanes[zlib.crc32(mail.to.lower().encode()) % count].append(mail)
    return [lane for lane in lanes if lane]
