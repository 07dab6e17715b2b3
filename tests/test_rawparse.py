"""Parsing in slices and decoding base64 in one go give exactly what the stdlib gives."""

from __future__ import annotations

import base64
import email
from email.message import Message
from email.policy import compat32
from pathlib import Path

import pytest

from mailbot.inbound.rawparse import FEED_SLICE, decoded_payload, message_from_bytes

DATA = Path(__file__).parent / "data"
CORPUS = sorted((DATA / "corpus").glob("*.eml"))


def defects(message: Message) -> list[tuple[str, ...]]:
    return [tuple(type(d).__name__ for d in part.defects) for part in message.walk()]


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_the_same_message_payloads_and_defects_as_the_stdlib(path: Path) -> None:
    raw = path.read_bytes()
    try:
        stdlib = email.message_from_bytes(raw, policy=compat32)
    except RecursionError:  # nested too deep: the same failure, which parse.py reports
        with pytest.raises(RecursionError):
            message_from_bytes(raw)
        return
    ours = message_from_bytes(raw)
    assert ours.as_bytes() == stdlib.as_bytes()
    assert defects(ours) == defects(stdlib)
    for mine, theirs in zip(ours.walk(), stdlib.walk(), strict=True):
        assert decoded_payload(mine) == theirs.get_payload(decode=True)
    assert defects(ours) == defects(stdlib)  # decoding noted the same defects


def big_attachment(payload: bytes, wrap: bytes = b"\r\n") -> bytes:
    encoded = base64.encodebytes(payload).replace(b"\n", wrap)
    return (
        b"From: a@example.org\r\nSubject: scan\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="grens"\r\n\r\n'
        b"--grens\r\nContent-Type: text/plain\r\n\r\nZie bijlage.\r\n"
        b"--grens\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + encoded
        + b"--grens--\r\n"
    )


@pytest.mark.parametrize(
    "raw",
    [
        big_attachment(bytes(range(256)) * 2000),  # lines cut across feed slices
        big_attachment(bytes(range(256)) * 2000, wrap=b"\n"),
        big_attachment(bytes(range(256)) * 2000, wrap=b"\r"),
        big_attachment(b"x" * 100).replace(b"eHh4", b"eH!4", 1),  # an invalid character
        big_attachment(b"x" * 100).replace(b"eA==", b"eA"),  # padding missing
    ],
    ids=["crlf", "lf", "cr", "invalid-char", "no-padding"],
)
def test_base64_decodes_as_the_stdlib_decodes_it(raw: bytes) -> None:
    ours, stdlib = message_from_bytes(raw), email.message_from_bytes(raw, policy=compat32)
    [mine, theirs] = [m.get_payload()[1] for m in (ours, stdlib)]
    assert decoded_payload(mine) == theirs.get_payload(decode=True)
    assert defects(ours) == defects(stdlib)


def test_a_big_attachment_spans_many_feed_slices() -> None:
    raw = big_attachment(bytes(range(256)) * 2000)
    assert len(raw) > 10 * FEED_SLICE
    [_, attachment] = message_from_bytes(raw).get_payload()
    assert decoded_payload(attachment) == bytes(range(256)) * 2000
