"""Raw mail bytes to a stdlib `Message` and a part's decoded payload, as the stdlib gives
them but without its whole-mail copies: parsed as one string, the stdlib parser holds a mail
several times over (a 25 MB mail cost about 180 MB), and it splits a base64 payload into a
list of lines before decoding it."""

from __future__ import annotations

from email._encoded_words import decode_b
from email.feedparser import BytesFeedParser
from email.message import Message
from email.policy import Policy, compat32
from typing import Any

FEED_SLICE = 1 << 16  # bytes per feed; ASCII with surrogateescape: any cut is a clean cut


def message_from_bytes(raw: bytes, policy: Policy = compat32) -> Message:
    """What `email.message_from_bytes(raw)` gives, fed in slices."""
    parser = BytesFeedParser(policy=policy)
    view = memoryview(raw)
    for start in range(0, len(view), FEED_SLICE):
        parser.feed(bytes(view[start : start + FEED_SLICE]))
    return parser.close()


def decoded_payload(part: Message) -> Any:
    """What `part.get_payload(decode=True)` gives (the same bytes, the same defects noted on
    the part); base64 is decoded from the payload with its line breaks taken out in one go."""
    payload = None if part.is_multipart() else part.get_payload()
    cte = str(part.get("content-transfer-encoding", "")).lower()
    if not isinstance(payload, str) or cte != "base64":
        return part.get_payload(decode=True)
    try:
        # bytes.splitlines() breaks at CR and LF only: deleting them joins the same lines
        encoded = payload.encode("ascii", "surrogateescape").translate(None, b"\r\n")
    except UnicodeEncodeError:  # text that was never bytes: the stdlib's own way
        return part.get_payload(decode=True)
    value, defects = decode_b(encoded)
    for defect in defects:
        part.policy.handle_defect(part, defect)
    return value
