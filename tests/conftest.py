"""Shared fixtures: real IMAP servers (Dovecot, pymap) and an SMTP sink, all on loopback."""

from __future__ import annotations

import itertools
import os
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

import pytest
from imapclient import IMAPClient

from mailbot.config.settings import ImapSettings
from mailbot.demo.devmail import EmbeddedImapServer, SmtpSink

from dovecot import DovecotServer, find_dovecot  # tests/ is on sys.path (not a package)

IMAP_KINDS = ["dovecot", "pymap"]
_user_numbers = itertools.count(1)


def _running_dovecot(
    oauth2_key: bytes | None = None, special_use: bool = False
) -> Iterator[DovecotServer]:
    binary = find_dovecot()
    if binary is None:
        message = "dovecot not installed: apt-get install -y dovecot-imapd"
        if os.environ.get("MAILBOT_REQUIRE_DOVECOT") == "1":
            pytest.fail(f"MAILBOT_REQUIRE_DOVECOT=1 but {message}")
        pytest.skip(message)
    server = DovecotServer(binary, oauth2_key=oauth2_key, special_use=special_use)
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[DovecotServer]:
    yield from _running_dovecot()


@pytest.fixture(scope="session")
def oauth2_key() -> bytes:
    """The HS256 key of the OAuth Dovecot: a TokenServer(hs256_key=oauth2_key) issues tokens
    it accepts."""
    return secrets.token_bytes(32)


@pytest.fixture(scope="session")
def oauth_dovecot_server(oauth2_key: bytes) -> Iterator[DovecotServer]:
    """Dovecot that takes bearer tokens (XOAUTH2, OAUTHBEARER) signed with `oauth2_key`,
    beside the passwords of the passwd file."""
    yield from _running_dovecot(oauth2_key)


@pytest.fixture(scope="session")
def gmail_dovecot_server() -> Iterator[DovecotServer]:
    """Dovecot with Gmail's folder roles: a \\Trash folder and an \\All folder showing every
    mail; its log names each copy and expunge with folder and UID (see tests/dovecot.py)."""
    yield from _running_dovecot(special_use=True)


@pytest.fixture(scope="session")
def pymap_server() -> Iterator[EmbeddedImapServer]:
    with EmbeddedImapServer() as server:
        yield server


class TestImap:
    """A fresh user on one of the test IMAP servers, with a plain imapclient for checking."""

    __test__ = False  # not a test class, despite the name

    def __init__(self, kind: str, server: DovecotServer | EmbeddedImapServer) -> None:
        self.kind = kind
        self.server = server
        self.host = server.host
        self.port = server.port
        self.username = f"tester{next(_user_numbers)}-{secrets.token_hex(3)}@example.nl"
        self.password = f"pw-{secrets.token_hex(8)}"
        server.add_user(self.username, self.password)

    @contextmanager
    def client(self, folder: str | None = None, readonly: bool = True) -> Iterator[IMAPClient]:
        """A logged-in imapclient connection, with `folder` selected when given."""
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # else ~40 ms/cmd
        try:
            client.login(self.username, self.password)
            if folder is not None:
                client.select_folder(folder, readonly=readonly)
            yield client
        finally:
            try:
                client.logout()
            except Exception:
                client.shutdown()

    def append(self, raw: bytes, folder: str = "INBOX", at: datetime | None = None) -> None:
        """Deliver `raw`; `at` sets the server's arrival time (INTERNALDATE)."""
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw, msg_time=at)

    def messages(self, folder: str = "INBOX") -> list[bytes]:
        """Raw bodies in UID order (fetched with BODY.PEEK[]); [] when the folder is absent."""
        return [raw for raw, _ in self._fetch(folder)]

    def flags(self, folder: str = "INBOX") -> list[tuple[bytes, ...]]:
        """The flags of each message in UID order; [] when the folder is absent."""
        return [flags for _, flags in self._fetch(folder)]

    def folders(self) -> list[str]:
        with self.client() as client:
            return [name for _, _, name in client.list_folders()]

    def settings(self, **overrides: object) -> ImapSettings:
        base = ImapSettings(
            host=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            security="none",
            timeout_seconds=5.0,
            poll_seconds=1,
        )
        return replace(base, **overrides)

    def restart_server(self) -> None:
        if not isinstance(self.server, DovecotServer):
            pytest.skip("only the Dovecot test server can be restarted")
        self.server.restart()

    def _fetch(self, folder: str) -> list[tuple[bytes, tuple[bytes, ...]]]:
        with self.client() as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search("ALL"))
            data = client.fetch(uids, ["BODY.PEEK[]", "FLAGS"]) if uids else {}
        return [(data[uid][b"BODY[]"], tuple(data[uid][b"FLAGS"])) for uid in uids if uid in data]


@pytest.fixture(params=IMAP_KINDS, ids=IMAP_KINDS)
def imap_server(request: pytest.FixtureRequest) -> TestImap:
    server = request.getfixturevalue(f"{request.param}_server")
    return TestImap(request.param, server)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


def _make_mail(
    subject: str = "Klacht over de training",
    sender: str = "klant@example.org",
    to: str = "klachten@example.nl",
    body: str = "Goedendag,\n\nIk wil graag een klacht indienen.\n\nGroet,\nKlant\n",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    if message_id is not None and not message_id.startswith("<"):
        message_id = f"<{message_id}>"
    message["Message-ID"] = message_id or make_msgid(domain="example.org")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes(policy=SMTP)  # CRLF, as on the wire and as IMAP servers return it


@pytest.fixture
def make_mail() -> Callable[..., bytes]:
    """make_mail(subject=, sender=, to=, body=, message_id=None, headers=None) -> raw bytes."""
    return _make_mail


class _UnpinnedClock:
    """Stands in for the system clock in every in-process `mailbot` command: a test that
    forgets `--at` fails here instead of depending on the hour at which the suite runs."""

    def now(self) -> datetime:
        raise AssertionError("this test did not pin the clock: pass --at (or a FixedClock)")


@pytest.fixture(autouse=True)
def _clock_must_be_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mailbot.cli.main.SYSTEM_CLOCK", _UnpinnedClock())
