"""Pure: an outbox entry as RFC 5322 bytes, every header value cleaned of control characters.

Built with the stdlib's compat32 API: the values are already clean text, so the (much
slower) header registry of EmailMessage would only parse them again."""

from __future__ import annotations

from collections.abc import Callable
from email import message_from_bytes
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.policy import compat32
from email.utils import format_datetime, formataddr

from mailbot.headers import clean_header_value
from mailbot.model import OutAttachment, OutboundMail

_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP  # readable in any mail client's source view


class _ShortLinesFirst(type(compat32)):  # type: ignore[misc]
    """compat32, but a header that fits on one line as it is skips the Header machinery
    (the same bytes: compared over random values in the tests; 4x cheaper)."""

    def fold_binary(self, name: str, value: object) -> bytes:
        if (
            isinstance(value, str)
            and value.isascii()
            and len(name) + len(value) + 2 <= self.max_line_length
            and "\r" not in value
            and "\n" not in value
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_POLICY = _ShortLinesFirst(linesep="\r\n", max_line_length=78)


def compose(
    mail: OutboundMail, sender_name: str, load_raw: Callable[[str], bytes] | None = None
) -> bytes:
    """The mail as sent. `load_raw` gives the bytes of a kept original (by SHA-256) for
    attachments of type message/rfc822."""
    msg = _body(mail)
    if mail.attachments:
        outer = MIMEMultipart("mixed")
        outer.attach(msg)
        for attachment in mail.attachments:
            outer.attach(_attachment(attachment, load_raw))
        msg = outer
    _headers(msg, mail, sender_name)
    return msg.as_bytes(policy=_POLICY)


def _body(mail: OutboundMail) -> Message:
    text = _text_part(mail.text, "plain")
    if not mail.html:
        return text
    alternative = MIMEMultipart("alternative")
    alternative.attach(text)
    alternative.attach(_text_part(mail.html, "html"))
    return alternative


def _text_part(text: str, subtype: str) -> Message:
    part = Message()
    part.set_payload(text, _UTF8)  # sets Content-Type text/plain; charset and the encoding
    if subtype != "plain":
        part.set_type(f"text/{subtype}")
    return part


def _headers(msg: Message, mail: OutboundMail, sender_name: str) -> None:
    headers = [
        ("From", formataddr((clean_header_value(sender_name), clean_header_value(mail.sender)))),
        ("To", clean_header_value(mail.to)),
        ("Subject", _encoded(clean_header_value(mail.subject))),
        ("Date", format_datetime(mail.created_at)),
        ("Message-ID", f"<{clean_header_value(mail.message_id)}>"),
        *((name, _encoded(clean_header_value(value))) for name, value in mail.headers),
    ]
    # MIME-Version and Content-* stay last, after the addressing headers.
    mime = [(k, msg[k]) for k in ("MIME-Version", "Content-Type", "Content-Transfer-Encoding")]
    for key, _ in mime:
        del msg[key]
    for name, value in [*headers, *((k, v) for k, v in mime if v is not None)]:
        msg[name] = value


def _encoded(value: str) -> str | Header:
    return value if value.isascii() else Header(value, "utf-8")


def _attachment(attachment: OutAttachment, load_raw: Callable[[str], bytes] | None) -> Message:
    if attachment.raw_sha256 is not None:
        if load_raw is None:
            raise ValueError("an original mail is attached but no loader was given")
        part: Message = MIMEMessage(message_from_bytes(load_raw(attachment.raw_sha256)))
    else:
        maintype, _, subtype = attachment.content_type.partition("/")
        part = Message()
        part.set_payload(attachment.text or "", _UTF8)
        part.set_type(f"{maintype}/{subtype}")
        if subtype == "calendar":
            part.set_param("method", "REQUEST")
    filename = clean_header_value(attachment.filename, 255).replace("/", "_").replace("\\", "_")
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part
