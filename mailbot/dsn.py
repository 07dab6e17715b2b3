"""Pure: the recipients a delivery status notification (RFC 3464) reports as failed."""

from __future__ import annotations

import re

from mailbot.headers import decode_bytes
from mailbot.model import InboundMail

_PARTS = ("message/delivery-status", "message/global-delivery-status")
_BLOCK_SPLIT = re.compile(r"\r?\n\s*\r?\n")
_FIELD = re.compile(r"^(Final-Recipient|Original-Recipient|Action)\s*:\s*(.+)$", re.I | re.M)


def failed_recipients(mail: InboundMail) -> tuple[str, ...]:
    """Addresses whose per-recipient block says `Action: failed` (in report order)."""
    found: list[str] = []
    for attachment in mail.attachments:
        if attachment.content_type not in _PARTS:
            continue
        text = decode_bytes(attachment.payload)[0]
        for block in _BLOCK_SPLIT.split(text):
            fields = {k.lower(): v.strip() for k, v in _FIELD.findall(block)}
            if fields.get("action", "").lower() != "failed":
                continue
            recipient = fields.get("final-recipient") or fields.get("original-recipient", "")
            address = recipient.partition(";")[2].strip() or recipient
            if address and address.lower() not in found:
                found.append(address.lower())
    return tuple(found)
