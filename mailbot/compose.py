"""Pure: an outbox entry as RFC 5322 bytes, every header value cleaned of control characters."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from mailbot.headers import clean_header_value
from mailbot.model import OutboundMail


def compose(mail: OutboundMail, sender_name: str) -> bytes:
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
    return msg.as_bytes()
