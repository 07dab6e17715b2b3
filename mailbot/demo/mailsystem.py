"""The demo's local mail system: pymap mailboxes and an aiosmtpd server that delivers into them."""

from __future__ import annotations

import email
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage, Message
from email.policy import default
from email.utils import format_datetime, formataddr, make_msgid
from types import TracebackType

from mailbot.clock import SYSTEM_CLOCK, Clock
from mailbot.config.settings import ImapSettings
from mailbot.demo.devmail import EmbeddedImapServer, ReceivedMail, SmtpSink
from mailbot.inbound.imap import ImapMailbox

PASSWORD = "demo"
TIMEOUT = 10.0


@dataclass(frozen=True)
class Account:
    """One mailbox of the demo, and who reads it."""

    email: str
    name: str
    role: str  # how the summary and the connection table describe it
    password: str = PASSWORD


@dataclass
class MailSystem:
    """Mailboxes on an embedded IMAP server; mail sent to the SMTP server lands in them.

    `aliases` maps an address to the mailbox that receives its mail (as an operator delivers
    the committee address into the complaints mailbox). A recipient without a mailbox gets
    one on first delivery, so no mail is ever lost in the demo."""

    accounts: list[Account]
    aliases: dict[str, str] = field(default_factory=dict)
    on_delivery: Callable[[ReceivedMail], None] | None = None
    clock: Clock = SYSTEM_CLOCK  # when delivered mail arrives: the story's time in the demo

    def __post_init__(self) -> None:
        self.imap = EmbeddedImapServer(clock=self.clock)
        self.smtp = SmtpSink(deliver=self._deliver)
        self._lock = threading.Lock()
        self._by_address = {a.email.lower(): a for a in self.accounts}

    # --- life cycle -----------------------------------------------------------------------

    def start(self) -> None:
        try:
            self.imap.start()
            for account in self.accounts:
                self.imap.add_user(account.email, account.password)
            self.smtp.start()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        try:
            self.smtp.stop()
        finally:
            self.imap.stop()

    def __enter__(self) -> MailSystem:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- delivery ---------------------------------------------------------------------------

    def account(self, address: str) -> Account:
        return self._by_address[address.lower()]

    def mailbox_of(self, address: str) -> Account:
        """The account whose mailbox receives mail for `address`."""
        address = address.lower()
        target = self.aliases.get(address, address)
        with self._lock:
            account = self._by_address.get(target)
            if account is None:  # an address nobody set up: give it a mailbox
                account = Account(target, target, "created on first delivery")
                self.imap.add_user(account.email, account.password)
                self.accounts.append(account)
                self._by_address[target] = account
        return account

    def _deliver(self, mail: ReceivedMail) -> None:
        for rcpt in mail.rcpt_tos:
            account = self.mailbox_of(rcpt)
            # As a local delivery agent does: say which address the copy was delivered for.
            self.imap.append(account.email, f"Delivered-To: {rcpt}\r\n".encode() + mail.raw)
        if self.on_delivery is not None:
            self.on_delivery(mail)

    # --- what people do with their mail client ----------------------------------------------

    def send(self, message: EmailMessage) -> None:
        """Submit a message over SMTP, as a person's mail client does."""
        with smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=TIMEOUT) as client:
            client.send_message(message)

    def _mailbox(self, account: Account, folder: str = "INBOX") -> ImapMailbox:
        """mailbot's own IMAP adapter, logged in as this person: the demo's mail client."""
        settings = ImapSettings(
            host=self.imap.host,
            port=self.imap.port,
            security="none",
            username=account.email,
            password=account.password,
            folder=folder,
            idle=False,
            timeout_seconds=TIMEOUT,
        )
        return ImapMailbox(settings)

    def inbox(self, address: str) -> list[Message]:
        """The messages in a person's INBOX, oldest first."""
        with self._mailbox(self.account(address)) as box:
            fetched = box.fetch(box.pending_uids())
        return [email.message_from_bytes(m.raw, policy=default) for m in fetched]

    def count(self, account: Account, folder: str = "INBOX") -> int:
        with self._mailbox(account, folder) as box:
            return len(box.pending_uids())


@dataclass(frozen=True)
class Person:
    """Someone with a mailbox who writes and answers mail."""

    system: MailSystem
    address: str
    name: str
    domain: str = "mail.example.org"

    def write(
        self,
        to: str,
        subject: str,
        body: str,
        at: datetime,
        reply_to: Message | None = None,
    ) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = formataddr((self.name, self.address))
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = format_datetime(at)
        msg["Message-ID"] = make_msgid(domain=self.domain)
        if reply_to is not None:
            parent = str(reply_to["Message-ID"])
            references = str(reply_to.get("References", "")).split()
            msg["In-Reply-To"] = parent
            msg["References"] = " ".join([*references, parent])
            body = body.rstrip("\n") + "\n\n" + quoted(reply_to)
        msg.set_content(body)
        self.system.send(msg)
        return msg

    def reply(
        self, to_mail: Message, body: str, at: datetime, commands: str = "", to: str | None = None
    ) -> EmailMessage:
        """Answer a received mail: `Re:` subject with commands appended, quoting the original."""
        subject = str(to_mail["Subject"])
        if not subject.lower().startswith("re:"):
            subject = f"Re: {subject}"
        if commands:
            subject = f"{subject} {commands}"
        recipient = to or str(to_mail.get("Reply-To") or to_mail["From"])
        return self.write(recipient, subject, body, at, reply_to=to_mail)

    def latest(self, containing: str, avoid: str | None = None) -> Message:
        """The newest mail in this person's inbox whose subject contains `containing` (and
        not `avoid`)."""
        for msg in reversed(self.system.inbox(self.address)):
            subject = str(msg["Subject"]).lower()
            if containing.lower() in subject and not (avoid and avoid.lower() in subject):
                return msg
        raise LookupError(f"{self.address} has no mail about {containing!r}")


def quoted(message: Message) -> str:
    """The original as a mail client quotes it under a reply."""
    body = message.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    lines = [f"> {line}".rstrip() for line in text.strip().splitlines()[:12]]
    when = str(message.get("Date", ""))
    return f"Op {when} schreef {message['From']}:\n" + "\n".join(lines) + "\n"
