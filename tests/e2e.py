"""End-to-end support: mailbot configured against the test IMAP server and SMTP sink."""

from __future__ import annotations

import email
import io
from email.message import EmailMessage, Message
from email.policy import default
from email.utils import make_msgid, parseaddr
from pathlib import Path
from typing import Any

from mailbot.cli.main import main
from mailbot.config.settings import Settings
from mailbot.model import Case, SeenRecord
from mailbot.store.store import Store

from support import make_settings, write_config

AT = "2026-03-16T09:00:00+01:00"


class Deployment:
    """A config, a data dir, the servers; helpers that act as the operator would."""

    def __init__(self, tmp_path: Path, imap: Any, sink: Any, **config: Any) -> None:
        self.imap = imap
        self.sink = sink
        self.dir = tmp_path
        self.kwargs = dict(
            imap_host=imap.host,
            imap_port=imap.port,
            imap_user=imap.username,
            imap_password=imap.password,
            smtp_port=sink.port,
            **config,
        )
        self.config = write_config(tmp_path, **self.kwargs)
        self.settings: Settings = make_settings(tmp_path, **self.kwargs)

    def cli(self, *args: str) -> tuple[int, str]:
        out = io.StringIO()
        code = main([args[0], "-c", str(self.config), *args[1:]], out=out)
        return code, out.getvalue()

    def poll(self, at: str = AT) -> tuple[int, str]:
        """poll-once at a fixed moment, so no test depends on today's date."""
        return self.cli("poll-once", "--at", at)

    def cases(self) -> list[Case]:
        with Store.open(self.settings.storage.data_dir, readonly=True) as store:
            return store.cases()

    def seen(self) -> list[SeenRecord]:
        """The dedupe records of the hot store: what became of each mail."""
        with Store.open(self.settings.storage.data_dir, readonly=True) as store:
            return store.seen_records()

    def deliver(self, raw: bytes) -> None:
        self.imap.append(raw)

    def sent(self) -> list[Message]:
        return [email.message_from_bytes(m.raw, policy=default) for m in self.sink.messages]

    def sent_to(self, address: str) -> list[Message]:
        return [m for m in self.sent() if address in str(m["To"])]


def staff_mail(sender: str, subject: str, body: str = "", message_id: str | None = None) -> bytes:
    """A staff or committee member's reply, authenticated by the trusted server."""
    msg = EmailMessage()
    domain = parseaddr(sender)[1].rpartition("@")[2]
    msg["Authentication-Results"] = f"mx.example.nl; dmarc=pass header.from={domain}"
    msg["From"] = sender
    msg["To"] = "klachten@example.nl"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="mail.example.nl")
    msg.set_content(body or "Zie onderwerp.")
    return msg.as_bytes().replace(b"\n", b"\r\n")
