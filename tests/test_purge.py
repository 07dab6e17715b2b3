"""Retention: the purge finds a case's mail in the processed folder by the bytes mailbot kept,
whatever its Message-ID looks like, and makes sure it is gone."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from conftest import TestImap

from mailbot.config.settings import OAuth2Settings
from mailbot.daemon.app import build_app
from mailbot.errors import ImapError
from mailbot.inbound.imap import ImapMailbox

from e2e import Deployment, staff_mail
from support import ANNA, OPERATOR

RECEIVED = "2026-03-16T09:00:00+01:00"
AFTER_RETENTION = "2028-06-01T12:00:00+02:00"

NO_MESSAGE_ID = (
    b"From: Karin Visser <karin.visser@example.org>\r\n"
    b"To: klachten@example.nl\r\n"
    b"Subject: Geen bevestiging ontvangen\r\n"
    b"Date: Mon, 16 Mar 2026 08:12:00 +0100\r\n"
    b"\r\n"
    b"Ik heb nooit een bevestiging van mijn inschrijving gekregen.\r\n"
)
FOLDED_MESSAGE_ID = (
    b"From: Sem de Boer <sem.deboer@example.org>\r\n"
    b"To: klachten@example.nl\r\n"
    b"Subject: Cursusmateriaal ontbreekt\r\n"
    b"Date: Mon, 16 Mar 2026 08:14:00 +0100\r\n"
    b"Message-ID: <20260316081400.4711.abcdef0123456789\r\n"
    b" @mail.example.org>\r\n"
    b"\r\n"
    b"Het cursusmateriaal van dag twee ontbrak.\r\n"
)
STILL_OPEN = (
    b"From: Lotte Bos <lotte.bos@example.org>\r\n"
    b"To: klachten@example.nl\r\n"
    b"Subject: Factuur dubbel\r\n"
    b"Date: Mon, 16 Mar 2026 08:20:00 +0100\r\n"
    b"Message-ID: <factuur-dubbel@example.org>\r\n"
    b"\r\n"
    b"De factuur is twee keer gestuurd.\r\n"
)


@pytest.fixture
def deployment(tmp_path: Path, dovecot_server, smtp_sink) -> Deployment:
    return Deployment(tmp_path, TestImap("dovecot", dovecot_server), smtp_sink)


def resolved_cases(dep: Deployment) -> list[bytes]:
    """Three complaints; the first two resolved (and so closed), the third left open.
    Returns the staff replies that closed them."""
    for raw in (NO_MESSAGE_ID, FOLDED_MESSAGE_ID, STILL_OPEN):
        dep.deliver(raw)
    assert dep.poll(RECEIVED)[0] == 0
    replies = [
        staff_mail(ANNA, f"Re: [KL-2026-000{n}] #opgelost", "Opgelost, excuses.",
                   message_id=f"<opgelost-{n}@mail.example.nl>")
        for n in (1, 2)
    ]  # fmt: skip
    for raw in replies:
        dep.deliver(raw)
    assert dep.poll(RECEIVED)[0] == 0
    return replies


def test_mail_without_or_with_a_folded_message_id_leaves_the_processed_folder(
    deployment: Deployment,
) -> None:
    replies = resolved_cases(deployment)
    processed = deployment.imap.messages("Processed")
    assert NO_MESSAGE_ID in processed and FOLDED_MESSAGE_ID in processed

    code, out = deployment.cli("purge", "--at", AFTER_RETENTION)

    assert (code, out.strip()) == (0, "purged 2 case(s): KL-2026-0001, KL-2026-0002")
    assert deployment.imap.messages("Processed") == [STILL_OPEN]
    assert not set(replies) & set(deployment.imap.messages("Processed"))
    assert [c.id for c in deployment.cases()] == ["KL-2026-0003"]


class Ignoring(ImapMailbox):
    """A server that answers OK to the deletion but keeps the mail."""

    def _flag_and_expunge(self, client, uids) -> None:
        pass


def test_a_copy_still_there_after_deletion_keeps_the_cases_and_tells_the_operator(
    deployment: Deployment,
) -> None:
    resolved_cases(deployment)
    now = datetime.fromisoformat(AFTER_RETENTION)
    with build_app(deployment.settings) as app, Ignoring(deployment.settings.imap) as mailbox:
        assert app.service.daily_purge(now, mailbox) == []
        assert app.service.store.meta("purge") == "2028-06-01"  # tried again tomorrow
    assert [c.id for c in deployment.cases()] == ["KL-2026-0001", "KL-2026-0002", "KL-2026-0003"]
    assert NO_MESSAGE_ID in deployment.imap.messages("Processed")
    assert deployment.poll(AFTER_RETENTION)[0] == 0  # sends what is waiting
    [alert] = deployment.sent_to(OPERATOR)
    assert alert["Subject"] == "mailbot: retention purge failed"
    text = alert.get_content()
    assert "still there after deletion" in text and "run `mailbot purge`" in text


# --- Gmail: folders are labels ---------------------------------------------------------------
# On Gmail "Processed" is a label; every mail also sits in "[Gmail]/All Mail" (\\All), and only
# a move to "[Gmail]/Trash" (\\Trash) deletes it. The Dovecot of `gmail_dovecot_server` has
# both roles: "Trash", and "Virtual/All", a virtual folder showing the mail of every folder.
_LOG_SETTLE = threading.Event()  # never set: a bounded wait for Dovecot's log process


@pytest.fixture
def gmail(tmp_path: Path, gmail_dovecot_server, smtp_sink) -> Deployment:
    return Deployment(tmp_path, TestImap("dovecot", gmail_dovecot_server), smtp_sink)


def mail_log(dep: Deployment, at_least: int = 0) -> list[str]:
    """Dovecot's mail_log lines of this user ("copy from Processed: box=Trash, uid=1, ...",
    "expunge: box=Trash, uid=1, ..."), waiting up to 5 s for `at_least` of them."""
    marker = f"imap({dep.imap.username})"
    for _ in range(100):
        text = dep.imap.server.log_path.read_text(errors="replace")
        events = [
            line.split(": Info: ", 1)[1]
            for line in text.splitlines()
            if marker in line and ": Info: " in line
        ]
        events = [e for e in events if e.startswith(("copy from ", "expunge: "))]
        if len(events) >= at_least:
            return events
        _LOG_SETTLE.wait(0.05)
    return events


def uid_of(event: str) -> str:
    return event.split("uid=", 1)[1].split(",", 1)[0]


def test_where_folders_are_labels_the_purge_moves_the_mail_to_the_trash_and_expunges_it_there(
    gmail: Deployment,
) -> None:
    replies = resolved_cases(gmail)
    purged = [NO_MESSAGE_ID, FOLDED_MESSAGE_ID, *replies]
    assert sorted(gmail.imap.messages("Virtual/All")) == sorted([*purged, STILL_OPEN])
    before = len(mail_log(gmail))

    code, out = gmail.cli("purge", "--at", AFTER_RETENTION)

    assert (code, out.strip()) == (0, "purged 2 case(s): KL-2026-0001, KL-2026-0002")
    assert gmail.imap.messages("Processed") == [STILL_OPEN]
    assert gmail.imap.messages("Trash") == []
    assert gmail.imap.messages("Virtual/All") == [STILL_OPEN]  # gone for good, not relabelled
    events = mail_log(gmail, at_least=before + 3 * len(purged))[before:]
    moved = [e for e in events if e.startswith("copy from Processed: box=Trash,")]
    left_processed = [e for e in events if e.startswith("expunge: box=Processed,")]
    expunged = [e for e in events if e.startswith("expunge: box=Trash,")]
    assert len(moved) == len(left_processed) == len(expunged) == len(purged)
    assert sorted(map(uid_of, expunged)) == sorted(map(uid_of, moved))  # exactly those UIDs
    assert len(events) == 3 * len(purged)  # nothing else copied or expunged anywhere
    assert not any("factuur-dubbel" in e for e in events)
    assert [c.id for c in gmail.cases()] == ["KL-2026-0003"]


def test_check_says_how_the_purge_deletes_where_folders_are_labels(
    gmail: Deployment, tmp_path: Path, dovecot_server, smtp_sink
) -> None:
    code, out = gmail.cli("check")

    assert code == 0, out
    assert (
        "ok: purge: every mail also sits in the \\All folder 'Virtual/All' (folders are "
        "labels), so the retention purge moves a case's mail to the \\Trash folder 'Trash' and "
        "expunges it there; Gmail itself empties its Trash after 30 days\n"
    ) in out
    (tmp_path / "plain").mkdir()
    plain = Deployment(tmp_path / "plain", TestImap("dovecot", dovecot_server), smtp_sink)
    code, out = plain.cli("check")
    assert code == 0, out
    assert "purge:" not in out


def test_the_google_provider_purges_through_the_trash_and_stops_where_there_is_none(
    deployment: Deployment,
) -> None:
    """provider = "google" deletes through the Trash even when the server lists no \\All:
    on a server without a \\Trash folder the purge deletes nothing and the cases stay."""
    resolved_cases(deployment)
    google = OAuth2Settings(
        provider="google",
        client_id="mailbot-test",
        credential="service_account",
        token_url="https://oauth2.googleapis.com/token",
        scope="https://mail.google.com/",
    )
    settings = replace(deployment.settings, oauth2=google)
    now = datetime.fromisoformat(AFTER_RETENTION)
    no_trash = r"names no \\Trash folder.*nothing was deleted"
    with (
        build_app(settings) as app,
        ImapMailbox(settings.imap) as mailbox,
        pytest.raises(ImapError, match=no_trash),
    ):
        app.service.purge(now, mailbox)
    assert NO_MESSAGE_ID in deployment.imap.messages("Processed")
    assert [c.id for c in deployment.cases()] == ["KL-2026-0001", "KL-2026-0002", "KL-2026-0003"]


def test_a_copy_under_another_label_keeps_the_cases_until_the_operator_trashes_it(
    gmail: Deployment,
) -> None:
    resolved_cases(gmail)
    with gmail.imap.client("Processed", readonly=False) as client:
        bodies = client.fetch(client.search(["ALL"]), ["BODY.PEEK[]"])
        [uid] = [uid for uid, data in bodies.items() if data[b"BODY[]"] == NO_MESSAGE_ID]
        client.create_folder("Belangrijk")
        client.copy([uid], "Belangrijk")  # a second label on the same mail
    now = datetime.fromisoformat(AFTER_RETENTION)

    with build_app(gmail.settings) as app, app.mailbox() as mailbox:
        assert app.service.daily_purge(now, mailbox) == []

    assert [c.id for c in gmail.cases()] == ["KL-2026-0001", "KL-2026-0002", "KL-2026-0003"]
    assert gmail.imap.messages("Belangrijk") == [NO_MESSAGE_ID]  # never taken unasked
    assert gmail.imap.messages("Processed") == [STILL_OPEN]
    assert gmail.poll(AFTER_RETENTION)[0] == 0  # sends what is waiting
    [alert] = gmail.sent_to(OPERATOR)
    assert alert["Subject"] == "mailbot: retention purge failed"
    text = alert.get_content()
    assert "IMAP purge in 'Virtual/All'" in text
    assert "1 message(s) still there after deletion of" in text
    assert "under another label (folder) too: move it from 'Virtual/All' to 'Trash'" in text

    with gmail.imap.client("Belangrijk", readonly=False) as client:
        client.move(client.search(["ALL"]), "Trash")  # what the operator does
    code, out = gmail.cli("purge", "--at", "2028-06-02T12:00:00+02:00")

    assert (code, out.strip()) == (0, "purged 2 case(s): KL-2026-0001, KL-2026-0002")
    assert gmail.imap.messages("Trash") == []
    assert gmail.imap.messages("Virtual/All") == [STILL_OPEN]
