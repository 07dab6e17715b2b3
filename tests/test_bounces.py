"""One bounce parser: the failed recipients of every bounce in the corpora, and what the
staff are told end to end (a forged DSN cannot put a case tag or a command in it)."""

from __future__ import annotations

import email
from pathlib import Path

import pytest

from mailbot.inbound.parse import parse_message
from mailbot.mail.autoreply import _ADDRESS, failed_recipients

from e2e import Deployment
from support import ANNA, PIETER

DATA = Path(__file__).parent / "data"
FLANKER = Path(__file__).parents[2] / "shared" / "corpus" / "flanker"

# Every bounce and delay report of tests/data and tests/data/corpus: what failed.
BOUNCES = [
    ("bounce_delayed.eml", ()),
    ("bounce_postfix.eml", ("niet-bestaand@example.org",)),
    ("corpus/bounce_broken_report_no_boundary.eml", ("kapot@example.org",)),
    ("corpus/bounce_exchange_onprem_ms_dsn.eml", ("r.smit@example.com",)),
    ("corpus/bounce_exim_plain.eml", ("k.visser@example.com",)),  # X-Failed-Recipients only
    ("corpus/bounce_exim_report.eml", ("a.dejong@example.com",)),
    ("corpus/bounce_global_dsn.eml", ("jürgen@例え.example",)),
    ("corpus/bounce_gmail.eml", ("bestaatniet.1999@example.com",)),
    ("corpus/bounce_lotus_notes.eml", ()),  # free text only: no address is guessed
    ("corpus/bounce_multi_recipient_mixed.eml", ("vol@example.org",)),  # delayed, delivered not
    ("corpus/bounce_office365_ndr.eml", ("l.peters@example.com",)),
    ("corpus/bounce_postfix_user_unknown.eml", ("verkeerd.adres@example.org",)),
    ("corpus/bounce_qmail.eml", ("j.hoekstra@example.com",)),
    ("corpus/bounce_sendmail.eml", ("m.bakker@example.org",)),
    ("corpus/bounce_success_dsn.eml", ()),
    ("corpus/bounce_yahoo_plain.eml", ("n.devos@example.com",)),
    ("corpus/delayed_exchange.eml", ()),
    ("corpus/delayed_exim_warning.eml", ()),
    ("corpus/delayed_postfix.eml", ()),
]


def test_the_table_holds_every_bounce_of_the_corpora() -> None:
    files = {
        str(p.relative_to(DATA))
        for pattern in ("bounce_*.eml", "delayed_*.eml")
        for p in (*DATA.glob(pattern), *(DATA / "corpus").glob(pattern))
    }
    assert files == {name for name, _ in BOUNCES}


@pytest.mark.parametrize(("name", "expected"), BOUNCES, ids=[n for n, _ in BOUNCES])
def test_failed_recipients(name: str, expected: tuple[str, ...]) -> None:
    assert failed_recipients(parse_message((DATA / name).read_bytes())) == expected


def forged_dsn(recipient: str, original_id: str = "ack.1@mailbot.example.nl") -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example.org\r\nTo: klachten@example.nl\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn.1@mx.example.org>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{original_id}>\r\nSubject: ack\r\n\r\n--b--\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("recipient", "expected"),
    [
        ("rfc822; [KL-2026-0001] #withdrawn", ()),
        ("rfc822; k.visser@example.com #withdrawn", ()),
        ("rfc822; #withdrawn@example.org", ()),
        ("rfc822; a@example.org, b@example.org", ()),
        ("rfc822; Jan <jan@example.org>", ()),
        ("rfc822; ..@example.org", ()),
        ("rfc822; jan@example", ()),
        ("rfc822; <Jan.Jansen@Example.ORG>", ("jan.jansen@example.org",)),
        ("rfc822;\r\n jan@example.org", ("jan@example.org",)),  # folded
    ],
)
def test_a_recipient_counts_only_when_it_is_one_address(
    recipient: str, expected: tuple[str, ...]
) -> None:
    assert failed_recipients(parse_message(forged_dsn(recipient))) == expected


@pytest.mark.skipif(not FLANKER.is_dir(), reason="../shared/corpus/flanker is not present")
def test_flanker_bounces_give_only_addresses() -> None:
    named = 0
    for path in sorted(FLANKER.glob("bounce_*")):
        for address in failed_recipients(parse_message(path.read_bytes())):
            assert _ADDRESS.fullmatch(address), (path.name, address)
            named += 1
    print(f"flanker bounces: {named} failed recipients named")


# --- end to end -----------------------------------------------------------------------------

VISSER = "k.visser@example.com"


@pytest.fixture
def deployment(tmp_path: Path, imap_server, smtp_sink) -> Deployment:
    return Deployment(tmp_path, imap_server, smtp_sink)


def open_case(d: Deployment, sender: str) -> email.message.Message:
    """A complaint from `sender`; returns mailbot's acknowledgement to them."""
    d.deliver(
        f"From: {sender}\r\nTo: klachten@example.nl\r\nSubject: Factuur klopt niet\r\n"
        f"Message-ID: <c-{sender}>\r\n\r\nDe factuur is dubbel.\r\n".encode()
    )
    assert d.poll()[0] == 0
    [ack] = d.sent_to(sender)
    d.sink.clear()
    return ack


def staff_notices(d: Deployment) -> list[email.message.Message]:
    return [m for m in d.sent() if str(m["To"]) in (ANNA, PIETER)]


def test_exim_bounce_names_its_failed_recipient_to_staff(deployment: Deployment) -> None:
    ack = open_case(deployment, VISSER)
    raw = (DATA / "corpus" / "bounce_exim_plain.eml").read_bytes()
    raw = raw.replace(b"<c2b3d4e5f6a7b8c9d0e1f2a3@mailbot.example.nl>", ack["Message-ID"].encode())
    deployment.deliver(raw.replace(b"KL-2026-0102", b"KL-2026-0001"))
    assert deployment.poll()[0] == 0
    notices = staff_notices(deployment)
    assert notices and {str(m["To"]) for m in notices} == {ANNA, PIETER}
    for notice in notices:
        assert str(notice["Subject"]) == f"Mail niet bezorgd bij {VISSER} [KL-2026-0001]"
        assert f"niet bezorgd bij {VISSER}." in notice.get_body(("plain",)).get_content()
    [case] = deployment.cases()
    assert case.events[-1].detail == VISSER


def test_a_forged_dsn_puts_no_tag_or_command_in_the_staff_notice(
    deployment: Deployment,
) -> None:
    open_case(deployment, "jan.jansen@example.org")
    ack = open_case(deployment, "kees@example.org")  # the outsider's own case, KL-2026-0002
    forged = forged_dsn("rfc822; [KL-2026-0001] #withdrawn", ack["Message-ID"].strip("<>"))
    deployment.deliver(forged)
    assert deployment.poll()[0] == 0
    notices = staff_notices(deployment)
    assert notices
    for notice in notices:
        subject = str(notice["Subject"])
        assert subject == "Mail niet bezorgd bij de ontvanger [KL-2026-0002]"
        assert "#" not in subject and "KL-2026-0001" not in subject
    first, second = deployment.cases()
    assert first.status == "open" and second.events[-1].detail == ""
