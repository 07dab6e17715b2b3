"""Table tests for the RFC 3834 loop guard: each rule positive and negative."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.inbound.parse import parse_message
from mailbot.mail.autoreply import (
    DeliveryReport,
    classify_automatic,
    delivery_reports,
    dsn_actions,
    no_reply_reason,
    original_message_ids,
    own_mail_reason,
)
from mailbot.model import Attachment, InboundMail

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"
OWN = frozenset({"klachten@example.nl", "klachtencommissie@example.nl"})
OWN_DOMAIN = "klachten.example.nl"


def mail(
    *headers: tuple[str, str],
    from_addr: str = "jan@example.org",
    message_id: str = "abc@example.org",
    attachments: tuple[Attachment, ...] = (),
) -> InboundMail:
    return InboundMail(
        message_id=message_id,
        from_addr=from_addr,
        from_name="",
        to=("klachten@example.nl",),
        cc=(),
        subject="Klacht",
        date=None,
        in_reply_to=(),
        references=(),
        text="",
        headers=(("From", from_addr), *headers),
        attachments=attachments,
    )


def dsn(*actions: str) -> Attachment:
    blocks = "Reporting-MTA: dns; mx.example.nl\n\n" + "".join(
        f"Final-Recipient: rfc822; r{i}@example.org\nAction: {action}\nStatus: 5.0.0\n\n"
        for i, action in enumerate(actions)
    )
    return Attachment(None, "message/delivery-status", blocks.encode())


REPORT_DSN = ("Content-Type", 'multipart/report; report-type="delivery-status"; boundary=x')
REPORT_MDN = ("Content-Type", "multipart/report; report-type=disposition-notification")

# (case id, mail, expected reason or None)
REASON_CASES = [
    # Auto-Submitted
    ("auto-submitted no", mail(("Auto-Submitted", "no")), None),
    ("auto-submitted NO", mail(("Auto-Submitted", " NO ")), None),
    ("auto-submitted no (comment)", mail(("Auto-Submitted", "no (typed by a person)")), None),
    ("auto-submitted empty", mail(("Auto-Submitted", "")), None),
    (
        "auto-replied (vacation)",
        mail(("Auto-Submitted", "auto-replied (vacation)")),
        "Auto-Submitted: auto-replied",
    ),
    (
        "auto-generated with parameter",
        mail(("Auto-Submitted", 'auto-generated; owner-email="x@example.org"')),
        "Auto-Submitted: auto-generated",
    ),
    ("Auto-Notified", mail(("auto-submitted", "Auto-Notified")), "Auto-Submitted: auto-notified"),
    (
        "second Auto-Submitted",
        mail(("Auto-Submitted", "no"), ("Auto-Submitted", "auto-replied")),
        "Auto-Submitted: auto-replied",
    ),
    ("no (nested comment)", mail(("Auto-Submitted", "no (a (b) c)")), None),
    ("(comment) no", mail(("Auto-Submitted", "(door een mens) no")), None),
    (
        "comment without space",
        mail(("Auto-Submitted", "auto-replied(vacation)")),
        "Auto-Submitted: auto-replied",
    ),
    (
        "comment before keyword, folded",
        mail(("Auto-Submitted", "\r\n (afwezig)\r\n auto-replied;\r\n owner-email=x")),
        "Auto-Submitted: auto-replied",
    ),
    (
        "unknown keyword",
        mail(("Auto-Submitted", "auto-notified; owner-email=x")),
        "Auto-Submitted: auto-notified",
    ),
    # Precedence
    ("precedence bulk", mail(("Precedence", "bulk")), "Precedence: bulk"),
    ("precedence junk", mail(("Precedence", "JUNK")), "Precedence: junk"),
    ("precedence list", mail(("Precedence", "list")), "Precedence: list"),
    ("precedence bulk comment", mail(("Precedence", "bulk (nieuwsbrief)")), "Precedence: bulk"),
    ("precedence first-class", mail(("Precedence", "first-class")), None),
    ("precedence bulky", mail(("Precedence", "bulky")), None),
    ("precedence auto_reply", mail(("Precedence", "auto_reply")), "Precedence: auto_reply"),
    ("precedence (comment) list", mail(("Precedence", "(x) list")), "Precedence: list"),
    # List-*
    ("List-Id", mail(("List-Id", "<x.lists.example.org>")), "mailing list (List-Id header)"),
    ("List-Unsubscribe", mail(("List-Unsubscribe", "<mailto:x@example.org>")), "List-Unsubscribe"),
    ("list-post lower", mail(("list-post", "<mailto:x@example.org>")), "list-post"),
    ("X-List header", mail(("X-List", "x")), None),
    ("Listing header", mail(("Listing", "x")), None),
    # Return-Path
    ("empty Return-Path", mail(("Return-Path", "<>")), "empty Return-Path"),
    ("spaced empty Return-Path", mail(("Return-Path", " < > ")), "empty Return-Path"),
    ("Return-Path set", mail(("Return-Path", "<jan@example.org>")), None),
    ("null Return-Path, comment", mail(("Return-Path", "<> (null sender)")), "empty Return-Path"),
    ("no sender address", mail(from_addr=""), "no sender address to answer"),
    # senders
    ("mailer-daemon", mail(from_addr="mailer-daemon@mx.example.org"), "mailer-daemon"),
    ("MAILER-DAEMON", mail(from_addr="MAILER-DAEMON@example.org"), "mailer-daemon"),
    ("mailerdaemon", mail(from_addr="mailerdaemon@example.org"), "mailer-daemon"),
    ("postmaster", mail(from_addr="postmaster@example.org"), "postmaster"),
    ("no-reply", mail(from_addr="no-reply@example.org"), "no-reply"),
    ("noreply", mail(from_addr="noreply@example.org"), "no-reply"),
    ("no_reply", mail(from_addr="no_reply@example.org"), "no-reply"),
    ("no.reply", mail(from_addr="no.reply@example.org"), "no-reply"),
    ("do-not-reply", mail(from_addr="do-not-reply@example.org"), "no-reply"),
    ("donotreply", mail(from_addr="donotreply@example.org"), "no-reply"),
    ("do_not_reply", mail(from_addr="do_not_reply@example.org"), "no-reply"),
    ("noreply with suffix", mail(from_addr="noreply-dmarc-support@example.org"), "no-reply"),
    ("noreply with tag", mail(from_addr="noreply+factuur@example.org"), "no-reply"),
    ("noreplyanna", mail(from_addr="noreplyanna@example.org"), None),
    ("anna.postmaster", mail(from_addr="anna.postmaster@example.org"), None),
    ("postmasters", mail(from_addr="postmasters@example.org"), None),
    ("reply", mail(from_addr="reply@example.org"), None),
    ("domain named noreply", mail(from_addr="jan@noreply.example.org"), None),
    # X-Auto-Response-Suppress
    ("suppress All", mail(("X-Auto-Response-Suppress", "All")), "X-Auto-Response-Suppress: All"),
    ("suppress oof", mail(("X-Auto-Response-Suppress", "oof")), "X-Auto-Response-Suppress: OOF"),
    ("suppress AutoReply", mail(("X-Auto-Response-Suppress", "AutoReply")), "AutoReply"),
    # DR, NDR, RN and NRN only ask to suppress delivery and read reports
    ("suppress DR, RN", mail(("X-Auto-Response-Suppress", "DR, RN")), None),
    ("suppress NRN", mail(("X-Auto-Response-Suppress", "NRN")), None),
    ("suppress NDR only", mail(("X-Auto-Response-Suppress", "NDR")), None),
    ("suppress None", mail(("X-Auto-Response-Suppress", "None")), None),
    ("suppress Allow", mail(("X-Auto-Response-Suppress", "Allow")), None),
    (
        "suppress token list",
        mail(("X-Auto-Response-Suppress", "DR, NDR, RN, NRN, OOF, AutoReply")),
        "X-Auto-Response-Suppress: OOF, AutoReply",
    ),
    (
        "suppress list without spaces",
        mail(("X-Auto-Response-Suppress", "dr,autoreply")),
        "X-Auto-Response-Suppress: AutoReply",
    ),
    # X-Autoreply / X-Autorespond
    ("X-Autoreply", mail(("X-Autoreply", "yes")), "X-Autoreply header"),
    ("X-Autorespond", mail(("X-Autorespond", "")), "X-Autorespond header"),
    ("X-Autoreply-Info", mail(("X-Autoreply-Info", "x")), None),
    ("X-Autoreply: no", mail(("X-Autoreply", "no")), None),
    ("X-Autoresponder", mail(("X-Autoresponder", "1")), "X-Autoresponder header"),
    ("X-Loop", mail(("X-Loop", "helpdesk@example.org")), "X-Loop header"),
    ("X-Cron-Env", mail(("X-Cron-Env", "<SHELL=/bin/sh>")), "X-Cron-Env header"),
    # non-delivery reports that lost their MIME report
    ("X-Failed-Recipients", mail(("X-Failed-Recipients", "a@example.org")), "non-delivery"),
    ("Exchange NDR header", mail(("X-MS-Exchange-Message-Is-Ndr", "")), "non-delivery"),
    # Exchange inbox rules: a generated reply is automatic; a rule's trace alone is not
    (
        "Exchange rule reply",
        mail(
            ("X-MS-Exchange-Generated-Message-Source", "Mailbox Rules Agent"),
            ("X-MS-Exchange-Parent-Message-Id", "<k@mailbot.example.nl>"),
        ),
        "Exchange inbox rule",
    ),
    (
        "Exchange rule source alone",
        mail(("X-MS-Exchange-Generated-Message-Source", "Mailbox Rules Agent")),
        None,
    ),
    ("Exchange rules loop alone", mail(("X-MS-Exchange-Inbox-Rules-Loop", "x@example.org")), None),
    ("Exchange transport headers", mail(("X-MS-Exchange-Organization-SCL", "-1")), None),
    # reports
    ("DSN by content type", mail(REPORT_DSN), "delivery status notification"),
    ("DSN by part", mail(attachments=(dsn("failed"),)), "delivery status notification"),
    (
        "global DSN part",
        mail(attachments=(Attachment(None, "message/global-delivery-status", b""),)),
        "delivery status notification",
    ),
    ("MDN by content type", mail(REPORT_MDN), "read receipt"),
    (
        "global DSN by content type",
        mail(("Content-Type", "multipart/report; report-type=global-delivery-status")),
        "delivery status notification",
    ),
    (
        "MDN by part",
        mail(attachments=(Attachment(None, "message/disposition-notification", b""),)),
        "read receipt",
    ),
    (
        "feedback report",
        mail(("Content-Type", "multipart/report; report-type=feedback-report")),
        "automatic report (feedback-report)",
    ),
    ("multipart/mixed", mail(("Content-Type", "multipart/mixed; boundary=x")), None),
    (
        "forwarded mail is no report",
        mail(attachments=(Attachment(None, "message/rfc822", b"From: x\n\nx\n"),)),
        None,
    ),
    # mailbot's own mail
    ("own sender", mail(from_addr="klachten@example.nl"), "own mail"),
    ("own marker header", mail(("X-Mailbot-Case", "KL-2026-0001")), "own mail"),
    ("own Message-ID", mail(message_id="kl-1.ack.1@klachten.example.nl"), "own mail"),
    ("other Message-ID", mail(message_id="kl-1@klachten.example.nl.example.org"), None),
    ("look-alike Message-ID", mail(message_id="kl-1@evilklachten.example.nl"), None),
    # a person's mail
    ("plain complaint", mail(("Subject", "Klacht"), ("Content-Type", "text/plain")), None),
]


@pytest.mark.parametrize(
    ("case", "inbound", "expected"), REASON_CASES, ids=[c[0] for c in REASON_CASES]
)
def test_no_reply_reason(case: str, inbound: InboundMail, expected: str | None) -> None:
    reason = no_reply_reason(inbound, OWN, OWN_DOMAIN)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None and expected in reason


def test_own_rules_need_their_configuration() -> None:
    assert no_reply_reason(mail(from_addr="klachten@example.nl"), frozenset()) is None
    by_id = mail(message_id="kl-1.ack.1@klachten.example.nl")
    assert no_reply_reason(by_id, OWN) is None
    assert no_reply_reason(by_id, OWN, "@klachten.example.nl") is not None
    assert no_reply_reason(by_id, OWN, "KLACHTEN.example.nl") is not None


def test_own_addresses_compare_case_insensitively() -> None:
    inbound = mail(from_addr="klachten@example.nl")
    assert own_mail_reason(inbound, frozenset({"Klachten@Example.NL"})) is not None


def test_reasons_are_single_short_lines() -> None:
    inbound = mail(("Auto-Submitted", "auto-generated\r\nBcc: x@example.org" + "y" * 500))
    reason = no_reply_reason(inbound, OWN)
    assert reason is not None
    assert "\n" not in reason and "\r" not in reason and len(reason) <= 200


# (case id, mail, expected kind)
KIND_CASES = [
    ("failed DSN", mail(REPORT_DSN, attachments=(dsn("failed"),)), "bounce"),
    ("delayed DSN", mail(REPORT_DSN, attachments=(dsn("delayed"),)), "delayed"),
    ("delayed and failed", mail(REPORT_DSN, attachments=(dsn("delayed", "failed"),)), "bounce"),
    ("DSN action in capitals", mail(attachments=(dsn("Delayed"),)), "delayed"),
    ("DSN without readable part", mail(REPORT_DSN), "bounce"),
    (
        "success-only DSN",
        mail(REPORT_DSN, attachments=(dsn("delivered", "relayed"),)),
        "auto-reply",
    ),
    ("MDN", mail(REPORT_MDN), "read-receipt"),
    (
        "feedback report",
        mail(("Content-Type", "multipart/report; report-type=feedback-report")),
        "auto-reply",
    ),
    ("mailer-daemon without report", mail(from_addr="mailer-daemon@example.org"), "bounce"),
    (
        "From: MAILER-DAEMON without a domain",
        mail(("From", "MAILER-DAEMON (Mail Delivery System)"), from_addr=""),
        "bounce",
    ),
    (
        "mailer-daemon envelope sender",
        mail(("Return-Path", "<MAILER-DAEMON@mx.example.org>")),
        "bounce",
    ),
    ("postmaster envelope sender", mail(("Return-Path", "<postmaster@example.org>")), None),
    ("name without address", mail(("From", "Jan Jansen"), from_addr=""), None),
    ("postmaster without report", mail(from_addr="postmaster@example.org"), "bounce"),
    ("vacation", mail(("Auto-Submitted", "auto-replied (vacation)")), "auto-reply"),
    (
        "vacation with Precedence bulk",
        mail(("Auto-Submitted", "auto-replied"), ("Precedence", "bulk")),
        "auto-reply",
    ),
    ("X-Autoreply", mail(("X-Autoreply", "yes")), "auto-reply"),
    ("auto-generated", mail(("Auto-Submitted", "auto-generated")), "auto-reply"),
    ("OOF suppress only", mail(("X-Auto-Response-Suppress", "OOF")), "auto-reply"),
    ("DR, RN suppress only", mail(("X-Auto-Response-Suppress", "DR, RN")), None),
    ("X-Loop", mail(("X-Loop", "x@example.org")), "auto-reply"),
    ("Precedence auto_reply", mail(("Precedence", "auto_reply")), "auto-reply"),
    (
        "Precedence auto_reply on a list",
        mail(("Precedence", "auto_reply"), ("List-Id", "<x>")),
        "auto-reply",
    ),
    ("X-Failed-Recipients", mail(("X-Failed-Recipients", "a@example.org")), "bounce"),
    (
        "global DSN",
        mail(("Content-Type", "multipart/report; report-type=global-delivery-status")),
        "bounce",
    ),
    ("no sender address", mail(from_addr=""), None),
    ("noreply sender", mail(from_addr="noreply@example.org"), "auto-reply"),
    ("empty Return-Path", mail(("Return-Path", "<>")), "auto-reply"),
    ("List-Id", mail(("List-Id", "<x.example.org>")), "list"),
    ("Precedence list", mail(("Precedence", "list")), "list"),
    ("list with suppress", mail(("List-Id", "<x>"), ("X-Auto-Response-Suppress", "All")), "list"),
    ("Precedence bulk", mail(("Precedence", "bulk")), "bulk"),
    ("Precedence junk", mail(("Precedence", "junk")), "bulk"),
    (
        "own marker",
        mail(("X-Mailbot-Case", "KL-2026-0001"), ("Auto-Submitted", "auto-generated")),
        "own",
    ),
    ("Auto-Submitted no", mail(("Auto-Submitted", "no")), None),
    ("person", mail(("Subject", "Klacht")), None),
]


@pytest.mark.parametrize(
    ("case", "inbound", "expected"), KIND_CASES, ids=[c[0] for c in KIND_CASES]
)
def test_classify_automatic(case: str, inbound: InboundMail, expected: str | None) -> None:
    assert classify_automatic(inbound) == expected


def test_classify_own_by_configuration() -> None:
    inbound = mail(from_addr="klachtencommissie@example.nl")
    assert classify_automatic(inbound) is None
    assert classify_automatic(inbound, OWN) == "own"
    by_id = mail(message_id="x@klachten.example.nl")
    assert classify_automatic(by_id, OWN, OWN_DOMAIN) == "own"


# (file, may mailbot reply?, expected kind) over the sample mails
FILE_CASES = [
    ("complaint_plain_nl.eml", True, None),
    ("complaint_html_only.eml", True, None),
    ("complaint_multipart_alternative.eml", True, None),
    ("complaint_pdf_attachment.eml", True, None),
    ("complaint_latin1_raw_headers.eml", True, None),
    ("complaint_formal_committee.eml", True, None),
    ("header_injection_encoded_word.eml", True, None),
    ("reply_with_quote_nl.eml", True, None),
    ("no_message_id.eml", True, None),
    ("no_date.eml", True, None),
    ("autoreply_outlook_ooo.eml", False, "auto-reply"),
    ("autoreply_gmail_vacation.eml", False, "auto-reply"),
    ("bounce_postfix.eml", False, "bounce"),
    ("bounce_delayed.eml", False, "delayed"),
    ("read_receipt.eml", False, "read-receipt"),
    ("list_mail.eml", False, "list"),
    ("bulk_newsletter.eml", False, "bulk"),
    ("own_notification_loop.eml", False, "own"),
]


def test_file_cases_cover_every_sample() -> None:
    assert {name for name, _, _ in FILE_CASES} == {p.name for p in DATA.glob("*.eml")}


@pytest.mark.parametrize(("name", "may_reply", "kind"), FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_sample_files(name: str, may_reply: bool, kind: str | None) -> None:
    inbound = parse_message((DATA / name).read_bytes())
    assert (no_reply_reason(inbound, OWN, OWN_DOMAIN) is None) == may_reply
    assert classify_automatic(inbound, OWN, OWN_DOMAIN) == kind


def test_own_loop_file_is_caught_by_each_own_rule_alone() -> None:
    inbound = parse_message((DATA / "own_notification_loop.eml").read_bytes())
    assert own_mail_reason(inbound, OWN) == "own mail: sent from klachten@example.nl"
    assert own_mail_reason(inbound, frozenset()) == "own mail: X-Mailbot-Case header"


def test_bounce_and_receipt_point_at_the_original() -> None:
    bounce = parse_message((DATA / "bounce_postfix.eml").read_bytes())
    assert dsn_actions(bounce) == ("failed",)
    assert original_message_ids(bounce) == ("kl-2026-0005.ack.1@klachten.example.nl",)
    delayed = parse_message((DATA / "bounce_delayed.eml").read_bytes())
    assert dsn_actions(delayed) == ("delayed",)
    assert original_message_ids(delayed) == ("kl-2026-0006.escalation.1@klachten.example.nl",)
    receipt = parse_message((DATA / "read_receipt.eml").read_bytes())
    assert original_message_ids(receipt) == ("kl-2026-0007.ack.1@klachten.example.nl",)


def test_forwarded_mail_of_a_person_points_at_nothing() -> None:
    attached = Attachment(None, "message/rfc822", b"Message-ID: <x@example.org>\n\nx\n")
    assert original_message_ids(mail(attachments=(attached,))) == ()
    from_daemon = mail(from_addr="mailer-daemon@example.org", attachments=(attached,))
    assert original_message_ids(from_daemon) == ("x@example.org",)


def corpus(name: str) -> InboundMail:
    return parse_message((CORPUS / name).read_bytes())


def test_delivery_reports_per_recipient() -> None:
    assert delivery_reports(corpus("bounce_postfix_user_unknown.eml")) == (
        DeliveryReport(
            "verkeerd.adres@example.org",
            "failed",
            "5.1.1",
            "550 5.1.1 <verkeerd.adres@example.org>: Recipient address rejected: User unknown"
            " in virtual mailbox table",
        ),
    )
    mixed = delivery_reports(corpus("bounce_multi_recipient_mixed.eml"))
    assert [(r.recipient, r.action, r.status) for r in mixed] == [
        ("vol@example.org", "failed", "5.2.2"),
        ("traag@example.org", "delayed", "4.4.1"),
        ("goed@example.org", "delivered", "2.0.0"),
    ]
    [ms] = delivery_reports(corpus("bounce_exchange_onprem_ms_dsn.eml"))
    assert (ms.recipient, ms.diagnostic) == (
        "r.smit@example.com",
        "550 5.7.1 Unable to relay for r.smit@example.com",
    )
    [sendmail] = delivery_reports(corpus("bounce_sendmail.eml"))  # "RFC822;" in capitals
    assert (sendmail.recipient, sendmail.action) == ("m.bakker@example.org", "failed")
    [utf8] = delivery_reports(corpus("bounce_global_dsn.eml"))
    assert utf8.recipient == "jürgen@例え.example"
    # Exim and qmail-style bounces without a report: X-Failed-Recipients says who.
    assert delivery_reports(corpus("bounce_exim_plain.eml")) == (
        DeliveryReport("k.visser@example.com", "failed"),
    )
    assert delivery_reports(corpus("complaint_01_nl_outlook.eml")) == ()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bounce_postfix_user_unknown.eml", ("b1a2c3d4e5f6a7b8c9d0e1f2@mailbot.example.nl",)),
        ("bounce_office365_ndr.eml", ("e4d5f6a7b8c9d0e1f2a3b4c5@mailbot.example.nl",)),
        ("bounce_gmail.eml", ("a6f7b8c9d0e1f2a3b4c5d6e7@mailbot.example.nl",)),
        ("bounce_exim_plain.eml", ("c2b3d4e5f6a7b8c9d0e1f2a3@mailbot.example.nl",)),
        ("bounce_qmail.eml", ("b7a8c9d0e1f2a3b4c5d6e7f8@mailbot.example.nl",)),
        ("bounce_yahoo_plain.eml", ("e0d1f2a3b4c5d6e7f8a9b0c1@mailbot.example.nl",)),
        ("bounce_sendmail.eml", ("c8b9d0e1f2a3b4c5d6e7f8a9@mailbot.example.nl",)),
        ("bounce_global_dsn.eml", ("d9c0e1f2a3b4c5d6e7f8a9b0@mailbot.example.nl",)),
        ("delayed_postfix.eml", ("f1e2a3b4c5d6e7f8a9b0c1d2@mailbot.example.nl",)),
        ("mdn_thunderbird_displayed.eml", ("4d5e6f708192a3b4c5d6e7f8@mailbot.example.nl",)),
        ("mdn_not_read_deleted.eml", ("5e6f708192a3b4c5d6e7f8a9@mailbot.example.nl",)),
        ("arf_abuse_report.eml", ("6f708192a3b4c5d6e7f8a9b0@mailbot.example.nl",)),
        ("complaint_16_nl_reply_on_first_case.eml", ()),
        ("mime_nested_rfc822.eml", ()),  # a person forwarding a mail reports on nothing
    ],
)
def test_original_message_ids_of_corpus_reports(name: str, expected: tuple[str, ...]) -> None:
    assert original_message_ids(corpus(name)) == expected


# (corpus file, kind) for every automatic mail of the corpus
CORPUS_KINDS = [
    ("bounce_postfix_user_unknown.eml", "bounce"),
    ("bounce_exim_plain.eml", "bounce"),
    ("bounce_office365_ndr.eml", "bounce"),
    ("bounce_lotus_notes.eml", "bounce"),
    ("bounce_broken_report_no_boundary.eml", "bounce"),
    ("bounce_success_dsn.eml", "auto-reply"),
    ("bounce_multi_recipient_mixed.eml", "bounce"),
    ("delayed_postfix.eml", "delayed"),
    ("delayed_exim_warning.eml", "delayed"),
    ("delayed_exchange.eml", "delayed"),
    ("autoreply_outlook_ooo_nl_on_case.eml", "auto-reply"),
    ("autoreply_exchange_no_auto_submitted.eml", "auto-reply"),
    ("autoreply_exchange_suppress_token_list.eml", "auto-reply"),
    ("autoreply_exchange_mailbox_rules_only.eml", "auto-reply"),
    ("autoreply_gmail_vacation.eml", "auto-reply"),
    ("autoreply_unix_vacation.eml", "bulk"),
    ("autoreply_procmail_xloop.eml", "auto-reply"),
    ("autoreply_precedence_auto_reply.eml", "auto-reply"),
    ("autoreply_own_loop_quoted.eml", "own"),
    ("list_mailman.eml", "list"),
    ("list_google_groups.eml", "list"),
    ("list_unsubscribe_only_marketing.eml", "list"),
    ("bulk_newsletter_precedence_bulk.eml", "bulk"),
    ("mdn_outlook_read.eml", "read-receipt"),
    ("arf_abuse_report.eml", "auto-reply"),
    ("hostile_from_complaints_address.eml", "own"),
    ("complaint_06_en_outlook.eml", None),  # X-MS-Exchange-* transport headers: a person
    ("complaint_36_nl_hotmail.eml", None),
]


@pytest.mark.parametrize(("name", "kind"), CORPUS_KINDS)
def test_corpus_kinds(name: str, kind: str | None) -> None:
    assert classify_automatic(corpus(name), OWN, "mailbot.example.nl") == kind
