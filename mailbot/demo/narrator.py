"""The demo's output: every mail as one line plus its first meaningful line, grouped by day."""

from __future__ import annotations

import email
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.message import Message
from email.policy import default
from email.utils import getaddresses, parseaddr
from typing import TextIO
from zoneinfo import ZoneInfo

from mailbot.clock import Clock
from mailbot.demo.devmail import ReceivedMail

WIDTH = 100
RULE = 78
_ASCII = str.maketrans({"→": "->", "━": "=", "…": "...", "·": "-"})
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)
_GREETING = re.compile(
    r"^(geachte|beste|dear|hallo|hello|hi|goede(n)?(morgen|middag|avond|dag)|good "
    r"(morning|afternoon|evening))\b.*,$",
    re.IGNORECASE,
)
_HEADING = re.compile(r"^[-=*_#]{2,}.*[-=*_#]{2,}$")
_TAG = re.compile(r"\[[A-Z]+-\d{4}-\d{4}\]")
_QUOTE_HEADER = re.compile(r"^(Op|On) .*(schreef|wrote).*:$")


@dataclass(frozen=True)
class Flow:
    """One mail as the narrator shows it."""

    sender: str
    recipient: str
    subject: str
    first_line: str


def first_line(message: Message) -> str:
    """The first line worth reading: no greeting, heading, quoted text or empty line, and no
    short line that only introduces a list (ending in a colon), nor that list."""
    body = message.get_body(("plain",))
    if body is None:
        return ""
    in_list = False
    for raw in body.get_content().splitlines():
        line = " ".join(raw.split())
        if not line:
            in_list = False
            continue
        if in_list or line.startswith(">") or _GREETING.match(line) or _HEADING.match(line):
            continue
        if _QUOTE_HEADER.match(line):
            break
        if line.endswith(":") and len(line) < 60:
            in_list = True
            continue
        return line
    return ""


def flow_of(mail: ReceivedMail) -> Flow:
    message = email.message_from_bytes(mail.raw, policy=default)
    sender = parseaddr(str(message.get("From", "")))[1] or mail.mail_from
    recipient = mail.rcpt_tos[0] if mail.rcpt_tos else ""
    if not recipient:
        recipient = next((a for _, a in getaddresses([str(message.get("To", ""))])), "")
    subject = " ".join(str(message.get("Subject", "")).split())
    return Flow(sender.lower(), recipient.lower(), subject, first_line(message))


def _cut(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    return (text[: width - 1].rstrip() + "…") if width > 0 else ""


def _subject(subject: str, width: int) -> str:
    """The subject in about `width` characters. The case tag and the commands at the end stay
    whole, as they are what matters; the rest gives way."""
    if len(subject) <= width:
        return subject
    base, mark, commands = subject.partition(" #")
    tail = f" #{commands}" if mark else ""
    return _shrink(base, width - len(tail)) + tail


def _shrink(text: str, room: int) -> str:
    found = _TAG.search(text)
    if found is None:
        return _cut(text, max(room, 12))
    before, tag, after = text[: found.start()], found.group(), text[found.end() :]
    if room - len(before) - len(tag) >= 8:
        return before + tag + _cut(after, room - len(before) - len(tag))
    after = "…" if after else ""
    before_room = room - len(tag) - len(after) - 1
    if before_room >= 8:
        before = _cut(before.rstrip(), before_room) + " "
    else:
        before = "Re: … " if before.lower().startswith("re:") else "… "
    return before + tag + after


def _can_write(out: TextIO, text: str) -> bool:
    """Whether `out` takes these characters (a terminal in a non-UTF-8 locale may not)."""
    encoding = getattr(out, "encoding", None)
    if not encoding:
        return True
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


class Narrator:
    """Writes the demo's story to `out`; safe to call from the mail server's thread."""

    def __init__(
        self,
        out: TextIO,
        clock: Clock,
        zone: ZoneInfo,
        label: Callable[[str, bool], str] | None = None,
    ) -> None:
        self.out = out
        self.clock = clock
        self.zone = zone
        self.label = label or (lambda address, _is_sender: address)
        self._lock = threading.RLock()
        self._day: date | None = None
        self._plain = not _can_write(out, "→━…·")

    def write(self, text: str = "") -> None:
        if self._plain:
            text = text.translate(_ASCII)
        with self._lock:
            print(text, file=self.out)
            self.out.flush()

    def section(self, title: str, *about: str) -> None:
        with self._lock:
            self.write()
            self.write((f"━━ {title} " + "━" * RULE)[:RULE])
            for line in about:
                self.write(f"   {line}")
            self._day = None

    def note(self, text: str) -> None:
        """What happens next, in one line, under the day it happens."""
        with self._lock:
            self._new_day(self.clock.now())
            self.write(f"   {'':5}  ({text})")

    def _new_day(self, when: datetime) -> None:
        local = when.astimezone(self.zone).date()
        if local != self._day:
            self._day = local
            name = f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year}"
            self.write(f"\n   {name}")

    def mails(self, mails: Sequence[ReceivedMail]) -> None:
        """Show mails that just flowed; identical mails to several people share a line."""
        when = self.clock.now()
        groups: dict[tuple[str, str, str], tuple[Flow, list[str]]] = {}
        for mail in mails:
            flow = flow_of(mail)
            key = (flow.sender, flow.subject, flow.first_line)
            groups.setdefault(key, (flow, []))[1].append(flow.recipient)
        # Mail about a case first, in the order sent; mail about no case (the digest) after.
        ordered = sorted(groups.values(), key=lambda group: not _TAG.search(group[0].subject))
        with self._lock:
            if groups:
                self._new_day(when)
            for flow, recipients in ordered:
                self._show(flow, recipients, when)

    def _show(self, flow: Flow, recipients: list[str], when: datetime) -> None:
        clock = when.astimezone(self.zone).strftime("%H:%M")
        who = ", ".join(self.label(r, False) for r in recipients)
        head = f"   {clock}  {self.label(flow.sender, True)} → {who}: "
        self.write(head + _subject(flow.subject, WIDTH - len(head)))
        if flow.first_line:
            self.write(_cut(f"            {flow.first_line}", WIDTH))
