"""mailbot.devmail: the SMTP sink and the embedded pymap server, used over real sockets."""

from __future__ import annotations

import smtplib
import socket
import threading
import time
from datetime import UTC, datetime

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from mailbot.clock import FixedClock
from mailbot.config.settings import ImapSettings
from mailbot.demo.devmail import EmbeddedImapServer, ReceivedMail, SmtpSink, free_port
from mailbot.inbound.imap import ImapMailbox


def _send(sink: SmtpSink, raw: bytes, to: tuple[str, ...] = ("klachten@example.nl",)) -> None:
    with smtplib.SMTP(sink.host, sink.port, timeout=5) as smtp:
        smtp.sendmail("klant@example.org", list(to), raw)


def _refuses(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def _imap_login(server: EmbeddedImapServer, username: str, password: str) -> IMAPClient:
    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=5)
    try:
        client.login(username, password)
    except BaseException:
        client.shutdown()
        raise
    return client


# --- free_port --------------------------------------------------------------------------------


def test_free_port_can_be_bound():
    port = free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


# --- SmtpSink ---------------------------------------------------------------------------------


def test_sink_records_envelope_and_raw_message(smtp_sink, make_mail):
    raw = make_mail(subject="Via SMTP")
    _send(smtp_sink, raw, to=("klachten@example.nl", "klachtencommissie@example.nl"))
    [mail] = smtp_sink.wait_for(1, timeout=5)
    assert mail.mail_from == "klant@example.org"
    assert mail.rcpt_tos == ("klachten@example.nl", "klachtencommissie@example.nl")
    assert b"Subject: Via SMTP" in mail.raw
    assert mail.raw == raw


def test_messages_is_a_copy_and_clear_empties(smtp_sink, make_mail):
    _send(smtp_sink, make_mail())
    smtp_sink.wait_for(1, timeout=5)
    snapshot = smtp_sink.messages
    snapshot.clear()
    assert len(smtp_sink.messages) == 1
    smtp_sink.clear()
    assert smtp_sink.messages == []


def test_wait_for_counts_all_messages(smtp_sink, make_mail):
    def send_three() -> None:
        for n in range(3):
            _send(smtp_sink, make_mail(subject=f"nummer {n}"))

    thread = threading.Thread(target=send_three)
    thread.start()
    mails = smtp_sink.wait_for(3, timeout=5)
    thread.join(5)
    assert [m.raw.count(b"Subject: nummer") for m in mails] == [1, 1, 1]


def test_wait_for_times_out_saying_how_many_arrived(smtp_sink, make_mail):
    _send(smtp_sink, make_mail())
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"expected 2 message.*1 arrived"):
        smtp_sink.wait_for(2, timeout=0.3)
    assert 0.3 <= time.monotonic() - started < 2


def test_stop_and_start_on_the_same_port(smtp_sink, make_mail):
    port = smtp_sink.port
    smtp_sink.stop()
    assert not smtp_sink.running
    assert _refuses(smtp_sink.host, port)
    with pytest.raises(OSError):
        _send(smtp_sink, make_mail())
    smtp_sink.start()
    assert smtp_sink.port == port
    _send(smtp_sink, make_mail(subject="na herstart"))
    [mail] = smtp_sink.wait_for(1, timeout=5)
    assert b"na herstart" in mail.raw


def test_fail_with_temporary_error_at_data_then_heal(smtp_sink, make_mail):
    smtp_sink.fail_with(451, "4.3.0 Probeer later opnieuw")
    with pytest.raises(smtplib.SMTPDataError) as caught:
        _send(smtp_sink, make_mail())
    assert caught.value.smtp_code == 451
    assert smtp_sink.messages == []
    smtp_sink.fail_with(None)
    _send(smtp_sink, make_mail())
    assert len(smtp_sink.wait_for(1, timeout=5)) == 1


def test_fail_with_permanent_error_at_rcpt(smtp_sink, make_mail):
    smtp_sink.fail_with(550, "5.1.1 Onbekende ontvanger", stage="rcpt")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
        _send(smtp_sink, make_mail())
    [(code, _)] = caught.value.recipients.values()
    assert code == 550
    assert smtp_sink.messages == []


def test_fail_with_error_at_mail(smtp_sink, make_mail):
    smtp_sink.fail_with(421, "4.7.0 Te druk", stage="mail")
    with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPServerDisconnected)):
        _send(smtp_sink, make_mail())
    assert smtp_sink.messages == []


def test_fail_with_rejects_unknown_stage(smtp_sink):
    with pytest.raises(ValueError):
        smtp_sink.fail_with(550, "nee", stage="helo")


def test_deliver_hook_sees_every_message_and_can_refuse(make_mail):
    delivered: list[ReceivedMail] = []

    def deliver(mail: ReceivedMail) -> None:
        if b"weiger" in mail.raw:
            raise RuntimeError("mailbox vol")
        delivered.append(mail)

    with SmtpSink(deliver=deliver) as sink:
        _send(sink, make_mail(subject="aanvaard"))
        with pytest.raises(smtplib.SMTPDataError) as caught:
            _send(sink, make_mail(subject="weiger mij"))
        assert caught.value.smtp_code == 451
        assert len(sink.wait_for(1, timeout=5)) == 1
    assert len(delivered) == 1
    assert b"aanvaard" in delivered[0].raw


# --- EmbeddedImapServer -----------------------------------------------------------------------


def test_pymap_add_user_and_login(pymap_server):
    pymap_server.add_user("anna@example.nl", "eerste")
    client = _imap_login(pymap_server, "anna@example.nl", "eerste")
    try:
        assert [name for _, _, name in client.list_folders()] == ["INBOX"]  # no demo data
        assert client.select_folder("INBOX")[b"EXISTS"] == 0
    finally:
        client.logout()
    with pytest.raises(LoginError):
        _imap_login(pymap_server, "anna@example.nl", "verkeerd")
    with pytest.raises(LoginError):
        _imap_login(pymap_server, "niemand@example.nl", "eerste")


def test_pymap_add_user_again_changes_the_password(pymap_server):
    pymap_server.add_user("bram@example.nl", "oud")
    pymap_server.add_user("bram@example.nl", "nieuw")
    with pytest.raises(LoginError):
        _imap_login(pymap_server, "bram@example.nl", "oud")
    _imap_login(pymap_server, "bram@example.nl", "nieuw").logout()


def test_pymap_append_wakes_an_idling_mailbox(pymap_server, make_mail):
    pymap_server.add_user("carla@example.nl", "pw-carla")
    settings = ImapSettings(
        host=pymap_server.host,
        port=pymap_server.port,
        username="carla@example.nl",
        password="pw-carla",
        security="none",
        timeout_seconds=5,
    )
    idling = threading.Event()

    def deliver_once() -> bool:
        if not idling.is_set():
            idling.set()
            pymap_server.append("carla@example.nl", make_mail(subject="direct bezorgd"))
        return False

    with ImapMailbox(settings) as mailbox:
        started = time.monotonic()
        assert mailbox.wait_for_mail(10, deliver_once) is True
        assert time.monotonic() - started < 5
        [message] = mailbox.fetch(mailbox.pending_uids())
    assert b"direct bezorgd" in message.raw


def test_smtp_into_pymap_is_a_local_mail_system(pymap_server, make_mail):
    pymap_server.add_user("dirk@example.nl", "pw-dirk")

    def deliver(mail: ReceivedMail) -> None:
        for rcpt in mail.rcpt_tos:
            pymap_server.append(rcpt, mail.raw)

    with SmtpSink(deliver=deliver) as sink:
        _send(sink, make_mail(subject="per post", to="dirk@example.nl"), to=("dirk@example.nl",))
        sink.wait_for(1, timeout=5)
    client = _imap_login(pymap_server, "dirk@example.nl", "pw-dirk")
    try:
        client.select_folder("INBOX", readonly=True)
        data = client.fetch(client.search("ALL"), ["BODY.PEEK[]"])
    finally:
        client.logout()
    assert [b"Subject: per post" in d[b"BODY[]"] for d in data.values()] == [True]


def test_pymap_delivers_at_the_time_of_its_clock(make_mail) -> None:
    # The demo's mail arrives at the story's moment: a case's term starts at INTERNALDATE.
    at = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
    with EmbeddedImapServer(clock=FixedClock(at)) as server:
        server.add_user("gert@example.nl", "pw-gert")
        server.append("gert@example.nl", make_mail(subject="op tijd"))
        client = _imap_login(server, "gert@example.nl", "pw-gert")
        try:
            client.normalise_times = False  # the server's own zone, not the machine's
            client.select_folder("INBOX", readonly=True)
            [data] = client.fetch(client.search("ALL"), ["INTERNALDATE"]).values()
        finally:
            client.logout()
    assert data[b"INTERNALDATE"] == at


def test_pymap_stop_closes_the_port_and_open_connections():
    with EmbeddedImapServer() as server:
        server.add_user("eva@example.nl", "pw-eva")
        client = _imap_login(server, "eva@example.nl", "pw-eva")
        client.select_folder("INBOX")
    assert _refuses(server.host, server.port)
    with pytest.raises((IMAPClient.Error, OSError)):
        client.noop()
    client.shutdown()
    with pytest.raises(RuntimeError):
        server.add_user("frank@example.nl", "pw")
