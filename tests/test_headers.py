"""Table tests for mailbot.headers: cleaning, decoding and Message-ID lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.headers import (
    clean_header_value,
    decode_bytes,
    decode_encoded_words,
    decode_header_value,
    decode_raw_8bit,
    normalize_message_id,
    parse_message_id_list,
    unfold,
)
from mailbot.parse import parse_message

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Klacht over factuur", "Klacht over factuur"),
        ("hi\r\nBcc: x", "hi Bcc: x"),
        ("hi\nBcc: x", "hi Bcc: x"),
        ("hi\rBcc: x", "hi Bcc: x"),
        ("  padded  ", "padded"),
        ("tab\there", "tab here"),
        ("run\r\n\t\x00\x01of controls", "run of controls"),
        ("nul\x00byte", "nul byte"),
        ("del\x7fchar", "del char"),
        ("next line\x85C1", "next line C1"),
        ("line\u2028separator", "line separator"),
        ("Grüße – “quotes” €", "Grüße – “quotes” €"),
        ("two  spaces stay", "two  spaces stay"),
        ("C:\\Users\\x", "C:\\Users\\x"),
        ("\r\n", ""),
        ("", ""),
    ],
)
def test_clean_header_value(value: str, expected: str) -> None:
    assert clean_header_value(value) == expected


@pytest.mark.parametrize(
    ("value", "max_length", "expected"),
    [
        ("x" * 1200, 998, "x" * 998),
        ("abcdef", 3, "abc"),
        ("ab   cdef", 4, "ab"),  # no trailing space left by the cut
        ("short", 998, "short"),
    ],
)
def test_clean_header_value_truncates(value: str, max_length: int, expected: str) -> None:
    assert clean_header_value(value, max_length) == expected


def test_clean_header_value_default_limit_is_998() -> None:
    assert len(clean_header_value("y" * 5000)) == 998


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<abc@example.org>", "abc@example.org"),
        ("  <abc@example.org>  ", "abc@example.org"),
        ("abc@example.org", "abc@example.org"),
        ("<abc@example.org> (comment)", "abc@example.org"),
        ("<abc@\r\n example.org>", "abc@example.org"),
        ("<abc@example.org", "abc@example.org"),
        ("<>", None),
        ("", None),
        ("   ", None),
        ("< >", None),
    ],
)
def test_normalize_message_id(value: str, expected: str | None) -> None:
    assert normalize_message_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<a@example.org>", ("a@example.org",)),
        ("<a@example.org> <b@example.org>", ("a@example.org", "b@example.org")),
        ("<a@example.org>\r\n <b@example.org>", ("a@example.org", "b@example.org")),
        ("<a@example.org>,<b@example.org>", ("a@example.org", "b@example.org")),
        ("<a@example.org> <b@example.org> <a@example.org>", ("a@example.org", "b@example.org")),
        ('"Your message of Monday" <a@example.org>', ("a@example.org",)),
        ("a@example.org b@example.org", ("a@example.org", "b@example.org")),
        ("a@example.org, b@example.org", ("a@example.org", "b@example.org")),
        ("<> <a@example.org>", ("a@example.org",)),
        ("", ()),
        ("   ", ()),
    ],
)
def test_parse_message_id_list(value: str, expected: tuple[str, ...]) -> None:
    assert parse_message_id_list(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Re: [KL-2026-0001]\r\n Factuur", "Re: [KL-2026-0001] Factuur"),
        ("a\n\tb", "a\tb"),
        ("no folding", "no folding"),
        ("=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "=?utf-8?q?a?= =?utf-8?q?b?="),
    ],
)
def test_unfold(value: str, expected: str) -> None:
    assert unfold(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=?utf-8?q?hi=0D=0ABcc=3A_x?=", "hi\r\nBcc: x"),
        ("=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=", "Grüße"),
        ("=?utf-8?b?R3LDvMOfZQ==?=", "Grüße"),
        ("=?utf-8?b?R3LDvMOfZQ?=", "Grüße"),  # padding missing
        ("=?iso-8859-1?q?Gr=FC=DFe?=", "Grüße"),
        ("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),  # space between encoded words is dropped
        ("=?utf-8?q?a?=\t =?utf-8?q?b?=", "ab"),
        ("=?utf-8?q?a?= en =?utf-8?q?b?=", "a en b"),
        ("Re: =?utf-8?q?caf=C3=A9?= klacht", "Re: café klacht"),
        ("=?utf-8?b?4o?= =?utf-8?b?gqw=?=", "€"),  # a character split over two words
        ("=?utf-8*nl?q?hoi?=", "hoi"),  # RFC 2231 language suffix
        ("=?x-unknown?q?caf=E9?=", "café"),
        ("=?utf-8?q?caf=E9?=", "café"),  # lying charset
        ("C:\\Users =?utf-8?q?x?= \\u00e9", "C:\\Users x \\u00e9"),  # backslashes kept
        ("Grüße =?utf-8?q?=E2=80=94?= ok", "Grüße — ok"),  # non-ASCII next to a word kept
        ("=?utf-8?q?broken", "=?utf-8?q?broken"),
        ("plain text", "plain text"),
        ("", ""),
    ],
)
def test_decode_encoded_words(value: str, expected: str) -> None:
    assert decode_encoded_words(value) == expected


@pytest.mark.parametrize(
    ("raw_bytes", "expected_text", "expected_charset"),
    [
        ("Grüße".encode("latin-1"), "Grüße", "cp1252"),
        ("Grüße".encode(), "Grüße", "utf-8"),
        ("€ 10".encode("cp1252"), "€ 10", "cp1252"),
        (b"plain", "plain", None),
    ],
)
def test_decode_raw_8bit(
    raw_bytes: bytes, expected_text: str, expected_charset: str | None
) -> None:
    # The stdlib parser keeps raw header bytes as surrogate escapes; this is that form.
    escaped = raw_bytes.decode("ascii", "surrogateescape")
    assert decode_raw_8bit(escaped) == (expected_text, expected_charset)


@pytest.mark.parametrize(
    ("data", "expected_text", "expected_charset"),
    [
        ("één".encode(), "één", "utf-8"),
        ("één".encode("latin-1"), "één", "cp1252"),
        (b"\x81\xe9", "\x81é", "latin-1"),  # 0x81 is undefined in cp1252
        # Mostly UTF-8 with one broken byte: still UTF-8, the broken byte replaced.
        ("Юникод запрещен".encode() + b"\xf1", "Юникод запрещен\ufffd", "utf-8"),
    ],
)
def test_decode_bytes(data: bytes, expected_text: str, expected_charset: str) -> None:
    assert decode_bytes(data) == (expected_text, expected_charset)


def test_decode_bytes_never_raises_on_odd_charsets() -> None:
    assert decode_bytes(b"+AOk-", ("utf-7",)) == ("é", "utf-7")
    assert decode_bytes(b"caf\xe9", ("no-such-charset", "rot13", "utf-8"))[0] == "café"


def test_decode_header_value_reports_raw_charset() -> None:
    raw = "Gr\xfc\xdfe\r\n uit Z\xfcrich".encode("latin-1").decode("ascii", "surrogateescape")
    assert decode_header_value(raw) == ("Grüße uit Zürich", "cp1252")
    assert decode_header_value("=?utf-8?q?caf=C3=A9?=") == ("café", None)


STACK_NOTES_INJECTION = (
    b"From: x@example.org\r\n"
    b"To: klachten@example.nl\r\n"
    b"Subject: =?utf-8?q?hi=0D=0ABcc=3A_x?=\r\n"
    b"Message-ID: <inject@example.org>\r\n"
    b"\r\n"
    b"body\r\n"
)


def test_stack_notes_injection_decoded_by_parse_then_cleaned() -> None:
    mail = parse_message(STACK_NOTES_INJECTION)
    decoded = mail.header("Subject")
    assert decoded == "hi\r\nBcc: x"  # the headers tuple stays faithful
    assert clean_header_value(decoded) == "hi Bcc: x"
    assert mail.subject == "hi Bcc: x"  # the convenience field is already one line
    assert mail.header("Bcc") is None


def test_injection_sample_file_gives_one_line_subject() -> None:
    mail = parse_message((DATA / "header_injection_encoded_word.eml").read_bytes())
    assert "\r" not in mail.subject and "\n" not in mail.subject
    assert mail.subject == "hi Bcc: x"
    assert "\n" in (mail.header("Subject") or "")
