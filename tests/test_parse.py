"""parse_message over the sample mails in tests/data, inline edge cases and the shared corpus."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mailparser
import pytest

from mailbot.errors import MailParseError
from mailbot.inbound.parse import parse_message
from mailbot.mail.html import html_to_text
from mailbot.model import InboundMail

DATA = Path(__file__).parent / "data"
SAMPLES = sorted(DATA.glob("*.eml"))


def load(name: str) -> InboundMail:
    return parse_message((DATA / name).read_bytes())


# Expected values per sample; "text" holds snippets the body text must contain, "not_text"
# snippets it must not contain, "attachments" the (filename, content type) pairs in order.
EXPECTED: dict[str, dict[str, Any]] = {
    "complaint_plain_nl.eml": {
        "from_addr": "marielle@example.org",
        "from_name": "Mariëlle Vermeulen-d'Hondt",
        "to": ("klachten@example.nl",),
        "cc": ("pieter@example.org", "klachten@example.nl"),
        "subject": "Factuur klopt niet – cursus “Effectief coachen”",
        "message_id": "20260302091358.4711@mail.example.org",
        "date": datetime(2026, 3, 2, 8, 13, 58, tzinfo=UTC),
        "text": [
            "er staat € 1.250,- op",
            "De factuur die ik\ndaarna ontving",  # soft line break joined, CRLF now \n
            "C:\\Users\\mariëlle\\Documenten\\factuur.pdf (regel \\n blijft zo)",
            "Café De Zwaluw",
        ],
        "not_text": ["\r", "=E2"],
        "attachments": [],
        "html": False,
    },
    "complaint_html_only.eml": {
        "from_addr": "sanne.dewit@example.org",
        "subject": "Klacht over de coachingsessie van 5 maart",
        "text": [
            "Beste mensen,",
            "drie keer te laat",
            "[mijn agenda](https://example.org/agenda?week=10&jaar=2026)",
            "1. Eerste afspraak",
            "\n1. Dit is geen lijst",
            "\n- en dit ook niet",
            "C:\\temp\\notities.txt",
            "Sanne de Wit – café eigenaar",
        ],
        "not_text": ["<p>", "**", "\\.", "\\-", "&eacute;", "p { margin", "\n\n\n"],
        "attachments": [],
        "html": True,
    },
    "complaint_multipart_alternative.eml": {
        "from_addr": "ruud.smit@example.org",
        "from_name": "Smit, Ruud",
        "subject": "Training begon te laat",
        "text": ["de training begon een uur te laat en er was geen koffie."],
        "not_text": ["<p>", "_een uur_"],
        "attachments": [],
        "html": True,
    },
    "complaint_pdf_attachment.eml": {
        "from_addr": "joost@example.org",
        "subject": "Klacht met factuur als bijlage",
        "text": ["In de bijlage vindt u de factuur"],
        "not_text": ["ondertekende brief", "%PDF"],
        "attachments": [
            ("../../facturen/factuur 2026-001.pdf", "application/pdf"),
            ("brief ondertekend é.txt", "text/plain"),
        ],
    },
    "complaint_latin1_raw_headers.eml": {
        "from_addr": "helene@example.org",
        "from_name": "Hélène Müller",
        "subject": "Grüße uit Zürich: klacht over de cursus",
        "text": ["in het café was te kort: één dag", "Grüße / groeten"],
        "attachments": [],
    },
    "header_injection_encoded_word.eml": {
        "subject": "hi Bcc: x",
        "to": ("klachten@example.nl",),
        "cc": (),
    },
    "reply_with_quote_nl.eml": {
        "from_addr": "marielle@example.org",
        "subject": "Re: [KL-2026-0001] Factuur klopt niet",
        "message_id": "CAF-reply-0002@mail.example.org",
        "in_reply_to": ("kl-2026-0001.ack.1@klachten.example.nl",),
        "references": (
            "20260302091358.4711@mail.example.org",
            "kl-2026-0001.ack.1@klachten.example.nl",
        ),
        "text": [
            "Het factuurnummer is 2026-001.",
            "Op di 3 mrt 2026 om 10:15 schreef Klachten Voorbeeld <klachten@example.nl>:",
            "> Wij hebben uw klacht ontvangen onder nummer KL-2026-0001.",
        ],
    },
    "autoreply_outlook_ooo.eml": {
        "from_addr": "karin.mulder@example.org",
        "subject": "Automatisch antwoord: [KL-2026-0003] Uw klacht is ontvangen",
        "in_reply_to": ("kl-2026-0003.ack.1@klachten.example.nl",),
        "text": ["Ik ben afwezig tot en met 20 maart."],
    },
    "autoreply_gmail_vacation.eml": {
        "in_reply_to": ("kl-2026-0004.ack.1@klachten.example.nl",),
        "references": ("kl-2026-0004.ack.1@klachten.example.nl",),
        "date": datetime(2026, 3, 17, 14, 30, tzinfo=UTC),
        "text": ["Ik ben op vakantie tot 30 maart"],
        "not_text": ["<div"],
        "html": True,
    },
    "bounce_postfix.eml": {
        "from_addr": "mailer-daemon@mx.example.nl",
        "from_name": "Mail Delivery System",
        "subject": "Undelivered Mail Returned to Sender",
        "text": ["could not\nbe delivered to one or more recipients"],
        "not_text": ["Action: failed", "X-Mailbot-Case"],
        "attachments": [(None, "message/delivery-status"), (None, "text/rfc822-headers")],
    },
    "bounce_delayed.eml": {
        "subject": "Delayed Mail (still being retried)",
        "text": ["THIS IS A WARNING ONLY."],
        "not_text": ["Er is een nieuwe formele klacht"],  # the attached original's body
        "attachments": [(None, "message/delivery-status"), (None, "message/rfc822")],
    },
    "read_receipt.eml": {
        "from_addr": "lotte@example.org",
        "subject": "Gelezen: [KL-2026-0007] Uw klacht is ontvangen",
        "text": ["Uw bericht is gelezen"],
        "attachments": [(None, "message/disposition-notification")],
    },
    "list_mail.eml": {
        "from_addr": "nieuws@lists.example.org",
        "subject": "[opleiders] Nieuwe regels voor klachtenprocedures",
    },
    "no_message_id.eml": {
        "from_addr": "fatima@example.org",
        "date": datetime(2026, 3, 22, 19, 45, tzinfo=UTC),
    },
    "no_date.eml": {"message_id": "no-date-0001@example.org", "date": None},
    "complaint_formal_committee.eml": {
        "to": ("klachtencommissie@example.nl",),
        "text": ["Naam: Willem de Groot\nAdres: Dorpsstraat 1", "Handtekening: W. de Groot"],
    },
    "own_notification_loop.eml": {
        "from_addr": "klachten@example.nl",
        "message_id": "kl-2026-0008.notify.1@klachten.example.nl",
    },
    "bulk_newsletter.eml": {"subject": "Alleen vandaag: 20% korting"},
}


def test_every_sample_has_expectations_and_a_readme_line() -> None:
    names = {path.name for path in SAMPLES}
    assert names == set(EXPECTED)
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert [name for name in sorted(names) if f"`{name}`" not in readme] == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_parses_as_expected(name: str) -> None:
    mail = load(name)
    expected = EXPECTED[name]
    for key in ("from_addr", "from_name", "to", "cc", "subject", "message_id", "date"):
        if key in expected:
            assert getattr(mail, key) == expected[key], key
    for key in ("in_reply_to", "references"):
        assert getattr(mail, key) == expected.get(key, ())
    for snippet in expected.get("text", []):
        assert snippet in mail.text
    for snippet in expected.get("not_text", []):
        assert snippet not in mail.text
    if "attachments" in expected:
        assert [(a.filename, a.content_type) for a in mail.attachments] == expected["attachments"]
    if "html" in expected:
        assert (mail.html is not None) == expected["html"]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_basics(path: Path) -> None:
    raw = path.read_bytes()
    mail = parse_message(raw)
    assert mail.sha256 == hashlib.sha256(raw).hexdigest()
    assert mail.from_addr == mail.from_addr.lower()
    assert all(address == address.lower() for address in mail.recipients)
    assert "<" not in mail.message_id and ">" not in mail.message_id
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert "\r" not in mail.text
    assert mail.date is None or mail.date.tzinfo is not None
    assert all(isinstance(name, str) and isinstance(value, str) for name, value in mail.headers)
    mail.text.encode("utf-8")  # no surrogates anywhere a UTF-8 sink would choke on
    for _, value in mail.headers:
        value.encode("utf-8")


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_line_endings_do_not_matter(path: Path) -> None:
    lf = path.read_bytes().replace(b"\r\n", b"\n")
    crlf = lf.replace(b"\n", b"\r\n")
    a, b = parse_message(lf), parse_message(crlf)
    assert (a.subject, a.from_addr, a.from_name, a.to, a.date, a.text) == (
        b.subject,
        b.from_addr,
        b.from_name,
        b.to,
        b.date,
        b.text,
    )
    assert a.headers == b.headers
    if not a.message_id.endswith("@mailbot.invalid"):  # a synthetic id hashes the bytes
        assert a.message_id == b.message_id
    assert [x.payload for x in a.attachments if x.content_type == "application/pdf"] == [
        x.payload for x in b.attachments if x.content_type == "application/pdf"
    ]


def test_latin1_raw_headers_give_real_umlauts() -> None:
    mail = load("complaint_latin1_raw_headers.eml")
    assert "Grüße" in mail.subject
    assert mail.header("Subject") == "Grüße uit Zürich: klacht over de cursus"
    assert mail.from_name == "Hélène Müller"
    assert mail.header("From") == "Hélène Müller <Helene@example.org>"
    assert "raw 8-bit header Subject: decoded as cp1252" in mail.defects


def test_raw_utf8_header_is_not_a_defect() -> None:
    raw = "From: Zoë <zoe@example.org>\nSubject: Één klacht\n\nx\n".encode()
    mail = parse_message(raw)
    assert (mail.subject, mail.from_name) == ("Één klacht", "Zoë")
    assert not [d for d in mail.defects if d.startswith("raw 8-bit")]


def test_headers_keep_order_names_and_repeats() -> None:
    mail = load("complaint_plain_nl.eml")
    names = [name for name, _ in mail.headers]
    assert names[:6] == ["Return-Path", "Received", "From", "To", "Cc", "Subject"]
    assert names[-3:] == ["MIME-Version", "Content-Type", "Content-Transfer-Encoding"]
    assert mail.header("received") == (
        "from mail.example.org (mail.example.org [192.0.2.10])"
        "\tby mx.example.nl (Postfix) with ESMTPS id 4F2A81C0042"
        "\tfor <klachten@example.nl>; Mon,  2 Mar 2026 09:14:03 +0100 (CET)"
    )
    assert mail.header("From") == "Mariëlle Vermeulen-d'Hondt <Marielle@Example.ORG>"


def test_pdf_attachment_bytes_and_unsafe_name_kept_as_metadata() -> None:
    mail = load("complaint_pdf_attachment.eml")
    pdf, letter = mail.attachments
    assert pdf.payload.startswith(b"%PDF-1.4\n") and pdf.payload.endswith(b"%%EOF\n")
    assert pdf.filename == "../../facturen/factuur 2026-001.pdf"
    assert letter.payload == b"Dit is de ondertekende brief (als tekstbestand).\n"


def test_missing_message_id_gets_stable_synthetic_id() -> None:
    raw = (DATA / "no_message_id.eml").read_bytes()
    first, again = parse_message(raw), parse_message(raw)
    assert first.message_id == f"{hashlib.sha256(raw).hexdigest()}@mailbot.invalid"
    assert again.message_id == first.message_id
    assert parse_message(raw + b"\n").message_id != first.message_id
    assert any("Message-ID" in defect for defect in first.defects)


def test_bounce_keeps_delivery_status_readable() -> None:
    mail = load("bounce_postfix.eml")
    status = mail.attachments[0]
    assert b"Action: failed" in status.payload
    assert b"Final-Recipient: rfc822; niet-bestaand@example.org" in status.payload
    assert b"Message-ID: <kl-2026-0005.ack.1@klachten.example.nl>" in mail.attachments[1].payload
    assert mail.header("Return-Path") == "<>"


def mime(content_type: str, body: bytes, extra: str = "", cte: str = "8bit") -> bytes:
    head = (
        "From: Test <test@example.org>\nTo: klachten@example.nl\nSubject: t\n"
        f"Message-ID: <t@example.org>\nMIME-Version: 1.0\nContent-Type: {content_type}\n"
        f"Content-Transfer-Encoding: {cte}\n{extra}\n"
    )
    return head.encode("ascii") + body


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/plain; charset=utf-8", "één € café".encode(), "één € café"),
        ("text/plain; charset=iso-8859-1", "één café".encode("latin-1"), "één café"),
        ("text/plain; charset=iso-8859-1", "één café".encode(), "één café"),  # lies: UTF-8
        ("text/plain; charset=us-ascii", "één".encode(), "één"),  # lies: UTF-8
        ("text/plain; charset=utf-8", "één café".encode("cp1252"), "één café"),  # lies: cp1252
        ("text/plain; charset=windows-1252", "“één” – €".encode("cp1252"), "“één” – €"),
        # declared ISO-8859-1 or US-ASCII is windows-1252 in practice
        ("text/plain; charset=iso-8859-1", "“één” – €…".encode("cp1252"), "“één” – €…"),
        ("text/plain; charset=us-ascii", "“quote”".encode("cp1252"), "“quote”"),
        # UTF-8 with a pasted Latin-1 byte: each part as written
        ("text/plain; charset=utf-8", "€ 5 ".encode() + "café".encode("latin-1"), "€ 5 café"),
        ("text/plain; charset=utf-8", b"\xef\xbb\xbfmet BOM", "met BOM"),
        ("text/plain; charset=x-no-such-charset", "één".encode(), "één"),
        ("text/plain; charset=x-no-such-charset", "één".encode("latin-1"), "één"),
        ("text/plain; charset=utf-7", b"caf+AOk-", "café"),
        ("text/plain; charset=koi8-r", "привет".encode("koi8-r"), "привет"),
        ("text/plain", "één".encode(), "één"),
        (
            "text/plain; charset=utf-8",
            b"C:\\Users\\jan \\u00e9 \\x41",
            "C:\\Users\\jan \\u00e9 \\x41",
        ),
    ],
)
def test_body_charsets_best_effort(content_type: str, body: bytes, expected: str) -> None:
    assert parse_message(mime(content_type, body + b"\n")).text == expected + "\n"


def test_lying_charset_is_noted_as_defect() -> None:
    mail = parse_message(mime("text/plain; charset=utf-8", "café".encode("latin-1")))
    assert mail.text == "café"
    assert "text/plain: declared charset utf-8, decoded as cp1252" in mail.defects


def test_quoted_printable_and_base64_bodies() -> None:
    qp = parse_message(
        mime("text/plain; charset=utf-8", b"caf=C3=A9 =\nklacht\n", cte="quoted-printable")
    )
    assert qp.text == "café klacht\n"
    b64 = parse_message(mime("text/plain; charset=utf-8", b"Y2Fmw6k=\n", cte="base64"))
    assert b64.text == "café"


MIXED = b"""From: a@example.org
Subject: mixed
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain; charset=utf-8

Hoofdtekst.
--b
Content-Type: text/plain; charset=utf-8; name="notities.txt"

Bijlage zonder disposition, met naam.
--b
Content-Type: text/plain; charset=utf-8
Content-Disposition: inline; filename="inline.txt"

Inline tekst met naam.
--b
Content-Type: text/plain; charset=utf-8
Content-Disposition: attachment

Bijlage zonder naam.
--b
Content-Type: image/png; name="=?utf-8?q?foto_=C3=A9=2Epng?="
Content-Disposition: inline
Content-ID: <foto@example.org>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--b
Content-Type: message/rfc822

From: iemand@example.org
Subject: doorgestuurd

Tekst van de doorgestuurde mail.
--b
Content-Type: multipart/mixed; boundary="c"
Content-Disposition: attachment; filename="bundel"

--c
Content-Type: text/plain

Tekst binnen een bijlage.
--c--
--b--
"""


def test_body_parts_versus_attachments() -> None:
    mail = parse_message(MIXED)
    # The line break before a boundary belongs to the boundary (RFC 2046).
    assert mail.text == "Hoofdtekst.\n\nInline tekst met naam."
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("notities.txt", "text/plain"),
        (None, "text/plain"),
        ("foto é.png", "image/png"),
        (None, "message/rfc822"),
        (None, "text/plain"),
    ]
    assert mail.attachments[2].payload == b"\x89PNG\r\n\x1a\n"
    forwarded = mail.attachments[3].payload
    assert forwarded.startswith(b"From: iemand@example.org\n")
    assert b"Tekst van de doorgestuurde mail." in forwarded
    assert mail.attachments[4].payload == b"Tekst binnen een bijlage."


def test_empty_plain_alternative_falls_back_to_html() -> None:
    raw = b"""From: a@example.org
Subject: alt
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b"

--b
Content-Type: text/plain

--b
Content-Type: text/html; charset=utf-8

<p>Alleen <a href="https://example.nl/x">hier</a> staat tekst.</p>
--b--
"""
    mail = parse_message(raw)
    assert mail.text == "Alleen [hier](https://example.nl/x) staat tekst.\n"
    assert mail.html is not None and "<p>" in mail.html


def test_plain_only_has_no_html() -> None:
    assert load("complaint_plain_nl.eml").html is None


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>a</p><p>b</p>", "a\n\nb\n"),
        ("<p>1. geen lijst</p>", "1. geen lijst\n"),
        ("<p>- geen lijst</p>", "- geen lijst\n"),
        ("<p>+ plus</p>", "+ plus\n"),
        ("<p>C:\\pad\\naar [map]</p>", "C:\\pad\\naar [map]\n"),
        ("<p>caf&eacute; &euro; &ndash;</p>", "café € –\n"),
        ("<p><b>vet</b> en <i>schuin</i></p>", "vet en schuin\n"),
        ('<a href="https://example.nl">https://example.nl</a>', "<https://example.nl>\n"),
        ("<p>regel<br>regel</p>", "regel\nregel\n"),
        ('<p>x<img src="cid:a" alt="logo">y</p>', "xy\n"),
        ("", "\n"),
    ],
)
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


def test_stdlib_defects_are_reported_briefly() -> None:
    raw = b"From: a@example.org\nContent-Type: multipart/mixed; boundary=x\n\nno boundary here\n"
    mail = parse_message(raw)
    assert "multipart/mixed: StartBoundaryNotFoundDefect" in mail.defects
    assert all(len(defect) <= 120 for defect in mail.defects)


@pytest.mark.parametrize(
    ("date_header", "expected"),
    [
        ("Mon, 2 Mar 2026 09:13:58 +0100", datetime(2026, 3, 2, 8, 13, 58, tzinfo=UTC)),
        ("2 Mar 2026 09:13 -0000", datetime(2026, 3, 2, 9, 13, tzinfo=UTC)),
        ("gisteren", None),
        ("Mon, 31 Feb 2026 09:13:58 +0100", None),
        ("", None),
    ],
)
def test_date(date_header: str, expected: datetime | None) -> None:
    raw = f"From: a@example.org\nDate: {date_header}\n\nx\n".encode()
    assert parse_message(raw).date == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("To: A <A@Example.org>, b@example.org, a@example.org", ("a@example.org", "b@example.org")),
        ('To: "Jansen, B." <b@example.org>', ("b@example.org",)),
        ("To: =?utf-8?q?a=2C_b?= <c@example.org>", ("c@example.org",)),
        ("To: undisclosed-recipients:;", ()),
        ("To: ", ()),
    ],
)
def test_to_addresses(header: str, expected: tuple[str, ...]) -> None:
    assert parse_message(f"From: x@example.org\n{header}\n\nx\n".encode()).to == expected


def test_headerless_message_still_parses() -> None:
    mail = parse_message(b"just text, no headers\n")
    assert mail.from_addr == "" and mail.subject == ""
    assert "no From address" in mail.defects


@pytest.mark.parametrize("raw", [b"", b"\r\n\r\n", b"   "])
def test_empty_input_is_a_parse_error(raw: bytes) -> None:
    with pytest.raises(MailParseError, match="empty"):
        parse_message(raw)


def nested_multipart(depth: int) -> bytes:
    body = b"Content-Type: text/plain\n\nkern\n"
    for level in range(depth):
        body = b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n%s\n--b%d--\n' % (
            level,
            level,
            body,
            level,
        )
    return b"From: a@example.org\nSubject: diep\nMIME-Version: 1.0\n" + body


def test_moderate_nesting_parses() -> None:
    assert parse_message(nested_multipart(200)).text == "kern\n"


def test_nesting_2000_deep_is_a_parse_error_not_a_crash() -> None:
    with pytest.raises(MailParseError, match="nested too deeply"):
        parse_message(nested_multipart(2000))


def test_any_library_failure_becomes_mail_parse_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(self: mailparser.MailParser) -> None:
        raise ValueError("library bug")

    monkeypatch.setattr(mailparser.MailParser, "parse", explode)
    with pytest.raises(MailParseError, match="ValueError") as caught:
        parse_message(b"From: a@example.org\n\nx\n")
    assert isinstance(caught.value.__cause__, ValueError)


# --- broken structure, hostile values -----------------------------------------------------


def head(extra: str = "") -> bytes:
    return (
        "From: Test <test@example.org>\nTo: klachten@example.nl\nSubject: t\n"
        f"Message-ID: <t@example.org>\nMIME-Version: 1.0\n{extra}"
    ).encode()


@pytest.mark.parametrize(
    ("content_type", "body", "text", "defect"),
    [
        (
            'multipart/mixed; boundary="aangekondigd"',
            b"--werkelijk\nContent-Type: text/plain\n\nEchte tekst.\n--werkelijk--\n",
            "Echte tekst.",
            "multipart/mixed: split on boundary 'werkelijk' used in the body instead of the"
            " declared one",
        ),
        (
            "multipart/alternative",
            b"--b\nContent-Type: text/plain\n\nZonder boundary.\n--b--\n",
            "Zonder boundary.",
            "multipart/alternative: split on boundary 'b' used in the body (none declared)",
        ),
        (
            'multipart/mixed; boundary="x"',
            b"Gewoon platte tekst.\n",
            "Gewoon platte tekst.\n",
            "multipart/mixed: no usable boundary, body read as text",
        ),
    ],
)
def test_multipart_without_usable_boundary_keeps_its_text(
    content_type: str, body: bytes, text: str, defect: str
) -> None:
    mail = parse_message(head(f"Content-Type: {content_type}\n\n") + body)
    assert mail.text == text
    assert defect in mail.defects
    assert mail.attachments == ()


def test_boundary_repairs_are_bounded() -> None:
    # Each level declares a boundary its body does not use: repaired a few times, then text.
    body = b"kern\n"
    for level in range(30):
        body = b"Content-Type: multipart/mixed; boundary=nooit%d\n\n--echt%d\n%s--echt%d--\n" % (
            level,
            level,
            body,
            level,
        )
    mail = parse_message(head() + body)
    assert sum("split on boundary" in d for d in mail.defects) == 8
    assert "kern" in mail.text


def test_control_characters_leave_the_text() -> None:
    raw = head("Content-Type: text/plain; charset=utf-8\n\n") + b"a\x00b\x1b[31mc\x07\td\r\ne\n"
    mail = parse_message(raw)
    assert mail.text == "ab[31mc\td\ne\n"
    assert "text/plain: control characters removed" in mail.defects


def test_message_ids_are_taken_as_written_not_decoded() -> None:
    raw = (
        b"From: a@example.org\nMessage-ID: <=?utf-8?q?x=0D=0Ay?=@example.org>\n"
        b"In-Reply-To: <a@example.org> (=?utf-8?q?<b@example.org>?=)\n"
        b"References: =?utf-8?q?<c@example.org>?= <d@example.org>\n\nx\n"
    )
    mail = parse_message(raw)
    assert mail.message_id.endswith("@mailbot.invalid")  # an encoded word is no id
    assert "unusable Message-ID: synthetic id from the SHA-256" in mail.defects
    assert mail.in_reply_to == ("a@example.org",)
    assert mail.references == ("c@example.org", "d@example.org")  # brackets as written


def test_repeated_single_headers_are_defects_and_the_first_counts() -> None:
    raw = (
        b"From: eerste@example.org\nFrom: klachten@example.nl\nSubject: een\nSubject: twee\n"
        b"Message-ID: <1@example.org>\nMessage-ID: <2@example.org>\n\nx\n"
    )
    mail = parse_message(raw)
    assert (mail.from_addr, mail.subject, mail.message_id) == (
        "eerste@example.org",
        "een",
        "1@example.org",
    )
    assert {
        "2 From headers: the first one counts",
        "2 Subject headers: the first one counts",
        "2 Message-Id headers: the first one counts",
    } <= set(mail.defects)


@pytest.mark.parametrize(
    ("from_header", "name", "address"),
    [
        (
            "=?utf-8?q?Jan=0D=0ABcc=3A_x=40example.com?= <jan@example.org>",
            "Jan Bcc: x@example.com",
            "jan@example.org",
        ),
        ('"=?utf-8?q?Jos=C3=A9?=" <jose@example.org>', "José", "jose@example.org"),
        ("=?utf-8?q?x?= <=?utf-8?q?y?=@example.org>", "x", ""),  # encoded word in the address
        ("alleen een naam", "", ""),
        ("jan", "", ""),  # no domain
        ("a@example.org, b@example.org", "", "a@example.org"),
    ],
)
def test_sender_name_and_address(from_header: str, name: str, address: str) -> None:
    mail = parse_message(f"From: {from_header}\n\nx\n".encode())
    assert (mail.from_name, mail.from_addr) == (name, address)


def test_recipients_with_encoded_words_in_the_address_are_dropped() -> None:
    raw = b"From: a@example.org\nTo: =?utf-8?q?x?=@example.org, klachten@example.nl\n\nx\n"
    assert parse_message(raw).to == ("klachten@example.nl",)


@pytest.mark.parametrize(
    ("disposition", "expected"),
    [
        ('attachment; filename="../../etc/passwd"', "../../etc/passwd"),
        ("attachment; filename*=utf-8''a%00b%0D%0Ac.txt", "a b c.txt"),
        ('attachment; filename="=?utf-8?q?a=00b.pdf?="', "a b.pdf"),
        ('attachment; filename="' + "n" * 300 + '.docx"', "n" * 250 + ".docx"),
        ('attachment; filename="' + "n" * 300 + '"', "n" * 255),
        ('attachment; filename="x.' + "e" * 40 + '"', ("x." + "e" * 40)),
        ("attachment; filename*=utf-8''%E2%80%AEfdp.exe", "fdp.exe"),
        ('attachment; filename="   "', None),
    ],
)
def test_attachment_names_are_cleaned_metadata(disposition: str, expected: str | None) -> None:
    raw = (
        head('Content-Type: multipart/mixed; boundary="b"\n\n')
        + (
            f"--b\nContent-Type: text/plain\n\nTekst.\n--b\n"
            f"Content-Type: application/octet-stream\nContent-Disposition: {disposition}\n\n"
            "inhoud\n--b--\n"
        ).encode()
    )
    [attachment] = parse_message(raw).attachments
    assert attachment.filename == expected
    assert attachment.payload == b"inhoud"


def test_every_defect_is_short() -> None:
    boundary = "b" * 150
    raw = head("Content-Type: multipart/mixed; boundary=nee\n\n").decode() + (
        f"--{boundary}\nContent-Type: text/plain\n\nx\n--{boundary}--\n"
    )
    mail = parse_message(raw.encode())
    assert mail.text == "x"
    assert mail.defects and all(len(defect) <= 120 for defect in mail.defects)
