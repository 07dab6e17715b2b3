"""Retention: the purge finds a case's mail in the processed folder by the bytes mailbot kept,
whatever its Message-ID looks like, and makes sure it is gone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from conftest import TestImap

from mailbot.app import build_app
from mailbot.imap import ImapMailbox

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
