"""The SMTP adapter alone (outbound/smtp.py) against the real aiosmtpd sink: a mail sent, every
refusal as the right SmtpError, a server that is not there or goes away, and a password login."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from mailbot.config.settings import SmtpSettings
from mailbot.demo.devmail import SmtpSink, _Handler, free_port
from mailbot.errors import SmtpAuthError, SmtpError, SmtpQuotaError
from mailbot.outbound.smtp import SmtpSender

from support import CLIENT, COMPLAINTS

RAW = b"From: klachten@example.nl\r\nTo: jan.jansen@example.org\r\nSubject: x\r\n\r\nTekst.\r\n"


def settings(port: int, **changes: object) -> SmtpSettings:
    plain = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout_seconds=10.0)
    return replace(plain, **changes)


def test_a_mail_reaches_the_server_as_given(smtp_sink: SmtpSink) -> None:
    sender = SmtpSender(settings(smtp_sink.port))
    assert not sender.connected
    with sender:
        assert sender.connected
        sender.send(COMPLAINTS, CLIENT, RAW)
        sender.send(COMPLAINTS, "tweede@example.org", RAW)
    assert not sender.connected
    [first, second] = smtp_sink.wait_for(2, timeout=10)
    assert (first.mail_from, first.rcpt_tos) == (COMPLAINTS, (CLIENT,))
    assert first.raw.replace(b"\r\n", b"\n") == RAW.replace(b"\r\n", b"\n")
    assert second.rcpt_tos == ("tweede@example.org",)
    assert first.peer == second.peer  # one session for both


def test_sending_without_a_session_is_an_error() -> None:
    with pytest.raises(SmtpError) as caught:
        SmtpSender(settings(25)).send(COMPLAINTS, CLIENT, RAW)
    assert str(caught.value) == "SMTP session is not open"


@pytest.mark.parametrize(
    ("stage", "code", "text", "kind", "permanent", "still_connected"),
    [
        ("rcpt", 550, "5.1.1 No such user", SmtpError, True, True),
        ("rcpt", 450, "4.2.1 Mailbox busy", SmtpError, False, True),
        ("mail", 553, "5.7.1 Sender not allowed", SmtpError, True, True),
        ("mail", 451, "4.3.0 Try again later", SmtpError, False, True),
        ("data", 554, "5.6.0 Message rejected", SmtpError, True, True),
        ("data", 452, "4.3.1 Insufficient storage", SmtpError, False, True),
        # The host's quota, whatever the code: later, never permanent.
        ("data", 554, "5.2.0 SubmissionQuotaExceededException", SmtpQuotaError, False, True),
        ("rcpt", 452, "4.5.3 Too many recipients", SmtpQuotaError, False, True),
        ("mail", 550, "5.4.5 Daily user sending limit exceeded", SmtpQuotaError, False, True),
        # 421: the server closes the session.
        ("mail", 421, "4.7.0 Try again later, closing connection", SmtpError, False, False),
        ("data", 421, "4.7.28 Rate limited", SmtpQuotaError, False, False),
    ],
)
def test_a_refusal_is_the_right_error(
    smtp_sink: SmtpSink,
    stage: str,
    code: int,
    text: str,
    kind: type[SmtpError],
    permanent: bool,
    still_connected: bool,
) -> None:
    with SmtpSender(settings(smtp_sink.port)) as sender:
        smtp_sink.fail_with(code, text, stage)
        with pytest.raises(SmtpError) as caught:
            sender.send(COMPLAINTS, CLIENT, RAW)
        assert type(caught.value) is kind
        assert str(caught.value) == f"server answered {code} {text} for {CLIENT}"
        assert caught.value.permanent is permanent
        assert sender.connected is still_connected
        smtp_sink.fail_with(None)
        if still_connected:  # the same session takes the next mail
            sender.send(COMPLAINTS, CLIENT, RAW)
    assert len(smtp_sink.messages) == (1 if still_connected else 0)


def test_no_server_on_the_port_is_an_error_naming_it() -> None:
    port = free_port("127.0.0.1")
    sender = SmtpSender(settings(port))
    with pytest.raises(SmtpError) as caught:
        sender.open()
    assert (
        str(caught.value) == f"cannot connect to SMTP server 127.0.0.1:{port}: Connection refused"
    )
    assert not caught.value.permanent
    assert not sender.connected


def test_a_server_gone_mid_session_drops_the_session(smtp_sink: SmtpSink) -> None:
    sender = SmtpSender(settings(smtp_sink.port))
    sender.open()
    smtp_sink.stop()
    with pytest.raises(SmtpError) as caught:
        sender.send(COMPLAINTS, CLIENT, RAW)
    assert str(caught.value).startswith(f"sending to {CLIENT} failed: ")
    assert not caught.value.permanent
    assert not sender.connected
    sender.close()  # nothing left to close: no error


# --- a password login ---------------------------------------------------------------------


class PasswordSink(SmtpSink):
    """The sink with AUTH PLAIN and LOGIN for one user; `logins` records every attempt."""

    def __init__(self, user: str, password: str) -> None:
        super().__init__()
        self.account = (user.encode(), password.encode())
        self.logins: list[tuple[str, bool]] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        controller = Controller(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            server_hostname="devmail.localhost",
            authenticator=self._authenticate,
            auth_require_tls=False,  # loopback; the real hosts use TLS
        )
        controller.start()
        self._controller = controller

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        accepted = (auth_data.login, auth_data.password) == self.account
        with self._lock:
            self.logins.append((auth_data.login.decode(), accepted))
        return AuthResult(success=accepted, handled=False)  # not handled: aiosmtpd answers 535


@pytest.fixture
def password_sink() -> Iterator[PasswordSink]:
    with PasswordSink("mailbot", "geheim") as sink:
        yield sink


def test_a_password_login_then_the_mail(password_sink: PasswordSink) -> None:
    smtp = settings(password_sink.port, username="mailbot", password="geheim")
    with SmtpSender(smtp) as sender:
        sender.send(COMPLAINTS, CLIENT, RAW)
    assert password_sink.logins == [("mailbot", True)]
    assert password_sink.wait_for(1, timeout=10)[0].rcpt_tos == (CLIENT,)


def test_a_wrong_password_is_an_auth_error(password_sink: PasswordSink) -> None:
    smtp = settings(password_sink.port, username="mailbot", password="fout")
    sender = SmtpSender(smtp)
    with pytest.raises(SmtpAuthError) as caught:
        sender.open()
    assert str(caught.value) == (
        f"SMTP server 127.0.0.1:{password_sink.port} rejected the login of mailbot: 535"
    )
    assert not sender.connected
    assert set(password_sink.logins) == {("mailbot", False)}  # smtplib tries PLAIN, then LOGIN


def test_without_a_username_no_login_is_tried(password_sink: PasswordSink) -> None:
    with SmtpSender(settings(password_sink.port)) as sender:
        sender.send(COMPLAINTS, CLIENT, RAW)
    assert password_sink.logins == []
    assert len(password_sink.wait_for(1, timeout=10)) == 1
