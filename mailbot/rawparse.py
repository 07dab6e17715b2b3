"""Raw mail bytes to a stdlib `Message`, fed to the parser in slices: parsed as one string,
the stdlib parser holds a mail several times over (a 25 MB mail cost about 180 MB)."""

from __future__ import annotations

from email.feedparser import BytesFeedParser
from email.message import Message
from email.policy import Policy, compat32

FEED_SLICE = 1 << 16  # bytes per feed; ASCII with surrogateescape: any cut is a clean cut


def message_from_bytes(raw: bytes, policy: Policy = compat32) -> Message:
    """What `email.message_from_bytes(raw)` gives, without the whole-mail copies."""
    parser = BytesFeedParser(policy=policy)
    view = memoryview(raw)
    for start in range(0, len(view), FEED_SLICE):
        parser.feed(bytes(view[start : start + FEED_SLICE]))
    return parser.close()
