"""Outgoing mail as bytes: headers per RFC 3834, nothing unstripped from input."""

from __future__ import annotations

import email
import email.message
import random
import string
from dataclasses import replace
from datetime import UTC, datetime
from email.policy import compat32, default

from mailbot.mail.compose import _POLICY, compose
from mailbot.model import OutAttachment, OutboundMail

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


def test_headers_from_input_are_stripped_of_line_breaks() -> None:
    mail = OutboundMail(
        message_id="abc@mailbot.example.nl",
        case_id="KL-2026-0001",
        sender="klachten@example.nl",
        to="jan@example.org",
        subject="Re: hi\r\nBcc: victim@example.org [KL-2026-0001]",
        text="Tekst met é en \\ backslash\n",
        created_at=NOW,
        headers=(("Auto-Submitted", "auto-replied"), ("In-Reply-To", "<a@b>\r\nBcc: x@y")),
    )
    raw = compose(mail, "Voorbeeld\r\nBcc: x@y Training")
    msg = email.message_from_bytes(raw, policy=default)
    assert msg["Bcc"] is None
    assert msg["Subject"] == "Re: hi Bcc: victim@example.org [KL-2026-0001]"
    assert msg["Message-ID"] == "<abc@mailbot.example.nl>"
    assert msg["To"] == "jan@example.org"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["Date"] == "Mon, 16 Mar 2026 09:00:00 +0000"
    assert msg.get_content().replace("\r\n", "\n") == "Tekst met é en \\ backslash\n"
    assert b"\r\nBcc:" not in raw


def test_an_html_part_is_added_as_alternative() -> None:
    mail = OutboundMail(
        "a@b", None, "k@example.nl", "j@example.org", "s", "tekst\n", NOW, html="<p>tekst</p>"
    )
    msg = email.message_from_bytes(compose(mail, "Org"), policy=default)
    assert msg.get_content_type() == "multipart/alternative"
    assert msg.get_body(("html",)).get_content().strip() == "<p>tekst</p>"


def test_short_ascii_headers_fold_exactly_as_compat32_does() -> None:
    reference = compat32.clone(linesep="\r\n", max_line_length=78)
    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits + "  \t=?<>@.,;:\"()[]-_'"
    names = ["Subject", "To", "From", "Message-ID", "In-Reply-To", "References", "Date"]
    for _ in range(20_000):
        name = rng.choice(names)
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80 - len(name))))
        assert _POLICY.fold_binary(name, value) == reference.fold_binary(name, value), value


ORIGINAL = OutAttachment("01-origineel.eml", "message/rfc822", raw_sha256="ab" * 32)


def with_original(raw: bytes, to: str = "jan@example.org") -> bytes:
    mail = OutboundMail("a@b", "KL-2026-0001", "k@example.nl", to, "s", "t\n", NOW)
    return compose(replace(mail, attachments=(ORIGINAL,)), "Org", lambda sha: raw)


def attached(data: bytes) -> email.message.Message:
    [part] = email.message_from_bytes(data, policy=default).iter_attachments()
    return part


def test_an_original_is_attached_byte_for_byte_with_crlf_line_ends() -> None:
    raw = b"From: a@example.org\nSubject: x\n\nGr\xc3\xbc\xc3\x9fe, \xe9\n"  # 8-bit, LF, mixed
    data = with_original(raw)
    assert raw.replace(b"\n", b"\r\n") in data
    part = attached(data)
    assert (part.get_content_type(), part["Content-Transfer-Encoding"]) == (
        "message/rfc822",
        "8bit",
    )
    assert part.get_filename() == "01-origineel.eml"


def test_a_seven_bit_original_says_so() -> None:
    part = attached(with_original(b"From: a@example.org\r\nSubject: x\r\n\r\nhallo\r\n"))
    assert part["Content-Transfer-Encoding"] == "7bit"


def test_an_original_with_a_line_too_long_for_smtp_goes_as_an_opaque_file() -> None:
    raw = b"From: a@example.org\r\nSubject: x\r\n\r\n" + b"x" * 2000 + b"\r\n"
    data = with_original(raw)
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    part = attached(data)
    assert part.get_content_type() == "application/octet-stream"
    assert part.get_filename() == "01-origineel.eml"
    assert part.get_payload(decode=True) == raw


def test_an_internationalised_address_is_written_as_utf8_not_as_an_encoded_word() -> None:
    data = with_original(b"From: a@example.org\r\n\r\nx\r\n", to="jörg@example.de")
    assert "\r\nTo: jörg@example.de\r\n".encode() in data
    assert b"=?" not in data.split(b"\r\n\r\n")[0]  # no encoded word in the header block
