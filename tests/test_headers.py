"""Table tests for mailbot.headers: cleaning, decoding and Message-ID lists."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP, default
from pathlib import Path

import pytest

from mailbot.inbound.parse import parse_message
from mailbot.mail.headers import (
    clean_header_value,
    decode_bytes,
    decode_encoded_words,
    decode_header_value,
    decode_raw_8bit,
    normalize_message_id,
    parse_message_id_list,
    preferred_codec,
    strip_comments,
    unfold,
)

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
        # invisible formatting that deceives: bidi overrides and isolates, a BOM
        ("Factuur \u202efdp.exe\u202c", "Factuur fdp.exe"),
        ("\u2066links\u2069 \ufeffBOM", "links BOM"),
        ("lone \udce9 surrogate", "lone \ufffd surrogate"),
        # encoded words that would decode to a line break are decoded and cleaned here,
        # others are left alone (a writer or reader decoding them finds nothing to inject)
        ("Re: =?utf-8?q?hi=0D=0ABcc:_x@example.com?=", "Re: hi Bcc: x@example.com"),
        ("=?utf-8?b?SmFuDQpCY2M6IHg=?= <j@example.org>", "Jan Bcc: x <j@example.org>"),
        # ... also when they do so only after another layer of decoding
        ("=?utf-8?q?=3D=3Futf-8=3Fq=3Fa=3D0Ab=3F=3D?=", "a b"),
        ("=?utf-8?q?=3D=3Futf-8=3Fq=3Fa=3D0Ab=3F=3D?= =?utf-8?q?x?=", "a b =?utf-8?q?x?="),
        ("=?utf-8?q?caf=C3=A9?= blijft", "=?utf-8?q?caf=C3=A9?= blijft"),
        ("=?utf-8?q?aanvaller?=@example.org", "=?utf-8?q?aanvaller?=@example.org"),
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
    "hostile",
    [
        "=?utf-8?q?Klacht=0D=0ABcc:_slachtoffer@example.com?=",
        "=?utf-8?b?S2xhY2h0DQpCY2M6IHNsYWNodG9mZmVyQGV4YW1wbGUuY29t?=",
        "x =?utf-8?q?a=0D?= =?utf-8?q?=0ABcc:_slachtoffer@example.com?=",
        "=?iso-8859-1?q?=0ABcc:_slachtoffer@example.com?=",
        # two layers: the writer takes off one, a reader the other
        "=?utf-8?q?=3D=3Futf-8=3Fq=3FKlacht=3D0D=3D0ABcc:=3D5Fx@example.com=3F=3D?=",
    ],
)
def test_a_cleaned_value_injects_no_header_through_the_stdlib_writer(hostile: str) -> None:
    # EmailMessage decodes encoded words in what it is given and (Python 3.11.7) writes a
    # decoded CR LF out as a header line of its own: the cleaning must defuse that first.
    msg = EmailMessage(policy=SMTP)
    msg["To"] = "jan@example.org"
    msg["Subject"] = clean_header_value(hostile)
    msg.set_content("x")
    written = msg.as_bytes()
    head = written.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert [line for line in head if line.lower().startswith(b"bcc")] == []
    reread = message_from_bytes(written, policy=default)
    assert reread["Bcc"] is None
    subject = str(reread["Subject"])
    assert "\n" not in decode_encoded_words(subject) and "\r" not in decode_encoded_words(subject)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<abc@example.org>", "abc@example.org"),
        ("  <abc@example.org>  ", "abc@example.org"),
        ("abc@example.org", "abc@example.org"),
        ("<abc@example.org> (comment)", "abc@example.org"),
        ("<abc@\r\n example.org>", "abc@example.org"),
        ("<abc@example.org", "abc@example.org"),
        ("abc@example.org (Subject: hoi)", "abc@example.org"),
        ("<" + "x" * 488 + "@example.org>", "x" * 488 + "@example.org"),
        ("<" + "x" * 489 + "@example.org>", None),  # over 500 characters: no id
        ("<=?utf-8?q?a=0D=0ABcc:_x?=@example.org>", None),  # an encoded word: no id
        ("<caf\u00e9@example.org>", None),  # not printable ASCII
        ("<Xk2mB7c9dE0=+/$@example.org>", "Xk2mB7c9dE0=+/$@example.org"),
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
        ("<a@example.org> (commentaar <nep@example.org>)", ("a@example.org",)),
        ("(x (y <nep@example.org>) z) <a@example.org>", ("a@example.org",)),
        ('<"quoted(not a comment)"@example.org>', ('"quoted(notacomment)"@example.org',)),
        ("<a@example.org> <" + "y" * 600 + "@example.org>", ("a@example.org",)),
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
        # UTF-8 with a stray byte: still UTF-8, the stray byte read as cp1252 ...
        ("Юникод запрещен".encode() + b"\xf1", "Юникод запрещенñ", "utf-8"),
        ("€ 10 en ".encode() + "café".encode("cp1252"), "€ 10 en café", "utf-8"),
        # ... and a multi-byte character cut off at the end replaced
        ("Юникод запрещен".encode() + b"\xe2\x82", "Юникод запрещен\ufffd", "utf-8"),
        # cut off in the middle: the bytes as cp1252 (no worse than any other guess)
        (b"caf\xc3\xa9 \xc3\n", "café Ã\n", "utf-8"),
    ],
)
def test_decode_bytes(data: bytes, expected_text: str, expected_charset: str) -> None:
    assert decode_bytes(data) == (expected_text, expected_charset)


def test_decode_bytes_is_linear_on_text_full_of_stray_bytes() -> None:
    latin1 = ("é" * 10 + "x").encode("latin-1") * 50_000 + "€".encode()
    text, used = decode_bytes(latin1)
    assert used == "utf-8" and text.endswith("éx€") and len(text) == 550_001


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


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("auto-replied (vacation)", "auto-replied  "),
        ("no (a (b) c) rest", "no   rest"),
        ('"(quoted)" (weg)', '"(quoted)"  '),
        ("<a(b)@example.org> (weg)", "<a(b)@example.org>  "),
        (r"(a\)b) escaped (c\(d) e", "  escaped   e"),
        ("(unterminated", ""),
        ("plain", "plain"),
        # A quoted string inside a comment is kept whole: its ")" ends nothing.
        ('(domain of "x) dmarc=pass (y"@evil.example) rest', "  rest"),
        ('(a "q\\"(" b) c', "  c"),
        ('"a;b" (c "d)" e) f', '"a;b"   f'),
        ('(odd " quote) runs on', ""),
    ],
)
def test_strip_comments(value: str, expected: str) -> None:
    assert strip_comments(value) == expected


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("iso-8859-1", "cp1252"),
        ("ISO_8859-1", "cp1252"),
        ("latin1", "cp1252"),
        ("us-ascii", "cp1252"),
        ('"utf-8"', "utf-8"),
        ("iso-8859-15", "iso8859-15"),
        ("windows-1252", "cp1252"),
        ("x-unknown-8bit", None),
        ("", None),
        (None, None),
    ],
)
def test_preferred_codec(label: str | None, expected: str | None) -> None:
    assert preferred_codec(label) == expected


def test_encoded_words_in_iso_8859_1_are_read_as_cp1252() -> None:
    assert decode_encoded_words("=?iso-8859-1?q?=93quote=94_=80?=") == "“quote” €"
