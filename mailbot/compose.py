"""Pure: an outbox entry as RFC 5322 bytes, every header value cleaned of control characters."""

from __future__ import annotations

from collections.abc import Callable
from email import message_from_bytes
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import format_datetime

from mailbot.headers import clean_header_value
from mailbot.model import OutAttachment, OutboundMail


def compose(
    mail: OutboundMail, sender_name: str, load_raw: Callable[[str], bytes] | None = None
) -> bytes:
    """The mail as sent. `load_raw` gives the bytes of a kept original (by SHA-256) for
    attachments of type message/rfc822."""
    msg = EmailMessage(policy=SMTP)
    local, _, domain = mail.sender.partition("@")
    msg["From"] = Address(clean_header_value(sender_name), local, domain)
    msg["To"] = clean_header_value(mail.to)
    msg["Subject"] = clean_header_value(mail.subject)
    msg["Date"] = format_datetime(mail.created_at)
    msg["Message-ID"] = f"<{clean_header_value(mail.message_id)}>"
    for name, value in mail.headers:
        msg[name] = clean_header_value(value)
    msg.set_content(mail.text, subtype="plain", charset="utf-8")
    if mail.html:
        msg.add_alternative(mail.html, subtype="html", charset="utf-8")
    for attachment in mail.attachments:
        _attach(msg, attachment, load_raw)
    return msg.as_bytes()


def _attach(
    msg: EmailMessage, attachment: OutAttachment, load_raw: Callable[[str], bytes] | None
) -> None:
    if attachment.raw_sha256 is not None:
        if load_raw is None:
            raise ValueError("an original mail is attached but no loader was given")
        original = message_from_bytes(load_raw(attachment.raw_sha256), policy=default)
        msg.add_attachment(original, filename=attachment.filename)
        return
    _, _, subtype = attachment.content_type.partition("/")
    params = {"method": "REQUEST"} if subtype == "calendar" else {}
    msg.add_attachment(
        attachment.text or "", subtype=subtype, filename=attachment.filename, params=params
    )
