"""Value types shared by the core and the adapters: mail in, cases, effects, mail out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# --- mail as it arrives -------------------------------------------------------------------


@dataclass(frozen=True)
class FetchedMessage:
    """One message as the IMAP adapter fetched it."""

    uid: int
    raw: bytes
    size: int
    received_at: datetime | None = None  # the server's INTERNALDATE: when the mail arrived


@dataclass(frozen=True)
class Attachment:
    """An attachment; `filename` is the sender's name for it, metadata only, never a path."""

    filename: str | None
    content_type: str
    payload: bytes = field(repr=False)


@dataclass(frozen=True)
class InboundMail:
    """A parsed message. Header values are decoded text; addresses are lower-cased."""

    message_id: str  # without angle brackets; synthetic from the hash when missing
    from_addr: str
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date: datetime | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str  # plain text; HTML-only mail converted to readable text
    headers: tuple[tuple[str, str], ...]  # every header, in order, names as written
    attachments: tuple[Attachment, ...] = ()
    defects: tuple[str, ...] = ()
    sha256: str = ""  # of the raw bytes
    html: str | None = None

    def header(self, name: str) -> str | None:
        """The first header of that name (case-insensitive), or None."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def header_all(self, name: str) -> tuple[str, ...]:
        name = name.lower()
        return tuple(v for k, v in self.headers if k.lower() == name)

    @property
    def recipients(self) -> tuple[str, ...]:
        return self.to + self.cc


# --- the case file ------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    name: str
    email: str | None


@dataclass(frozen=True)
class AttachmentRecord:
    stored_name: str  # generated, inside the data dir
    original_name: str | None  # as the sender wrote it; metadata only
    content_type: str
    size: int


@dataclass(frozen=True)
class MessageRecord:
    """One mail in a case's timeline, in or out."""

    message_id: str
    direction: str  # "in" | "out"
    from_addr: str
    to: tuple[str, ...]
    subject: str
    at: datetime
    text: str
    sha256: str | None = None  # raw .eml kept under this name (inbound)
    attachments: tuple[AttachmentRecord, ...] = ()
    kind: str = "mail"  # mail | note | auto


@dataclass(frozen=True)
class Event:
    at: datetime
    actor: str
    action: str
    detail: str = ""


@dataclass(frozen=True)
class Deadline:
    """A term of the procedure; `sent` names the notices already sent for it (so each goes
    out exactly once, also across restarts)."""

    name: str
    due: datetime
    met_at: datetime | None = None
    reminded_at: datetime | None = None
    escalated_at: datetime | None = None
    cancelled_at: datetime | None = None
    sent: tuple[str, ...] = ()

    @property
    def open(self) -> bool:
        return self.met_at is None and self.cancelled_at is None


@dataclass(frozen=True)
class Document:
    """A text the procedure requires in writing: resolution, proposal, ruling, evaluation..."""

    kind: str
    at: datetime
    author: str
    text: str


@dataclass(frozen=True)
class Appointment:
    """A mediation meeting or a private hearing."""

    kind: str  # meeting | hearing
    at: datetime
    party: str = "all"  # all | complainant | respondent
    place: str = ""


@dataclass(frozen=True)
class Case:
    id: str
    track: str  # direct | mediation | formal
    stage: str
    status: str  # open | closed
    complainant: Party
    received_at: datetime
    language: str
    channel: str = "email"  # email | telefoon | mondeling | brief
    postal_address: str | None = None  # the complainant's, for letters; lines joined by "\n"
    contact: str | None = None  # staff e-mail address
    respondent: Party | None = None
    closed_at: datetime | None = None
    closed_from: str | None = None  # the stage to return to on #reopen
    severity: str | None = None
    outcome: str | None = None
    tracking: str | None = None
    agreed: tuple[str, ...] = ()  # complainant | respondent
    missing: tuple[str, ...] = ()  # formal parts still missing
    on_hold: bool = False
    appointments: tuple[Appointment, ...] = ()
    documents: tuple[Document, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    messages: tuple[MessageRecord, ...] = ()
    events: tuple[Event, ...] = ()

    def message_ids(self) -> frozenset[str]:
        return frozenset(m.message_id for m in self.messages)

    def deadline(self, name: str) -> Deadline | None:
        return next((d for d in self.deadlines if d.name == name), None)

    def document(self, kind: str) -> Document | None:
        """The latest document of that kind."""
        return next((d for d in reversed(self.documents) if d.kind == kind), None)


# --- what the core asks the edges to do ---------------------------------------------------


@dataclass(frozen=True)
class SendMail:
    """Queue a mail from a template. `to` is a role (complainant, respondent, case-staff,
    contact, co-owners, committee, chair, parties, operator) or an e-mail address; the service
    resolves roles to people. `attach` names extras: `ics` (the appointment in context) or
    `originals` (the case's original mails)."""

    template: str
    to: str
    auto_submitted: str | None = "auto-generated"  # auto-replied | auto-generated | None
    in_reply_to: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    attach: tuple[str, ...] = ()
    # An automatic reply paced by the global hourly cap: it counts against the cap, and waits
    # in the outbox until `not_before` when the hour's budget is spent (set by the edge).
    capped: bool = False
    not_before: datetime | None = None


Effect = SendMail


# --- mail as it leaves --------------------------------------------------------------------


@dataclass(frozen=True)
class OutAttachment:
    """An attachment of outgoing mail: inline text (an .ics) or a kept raw mail by hash."""

    filename: str
    content_type: str
    text: str | None = None
    raw_sha256: str | None = None


@dataclass(frozen=True)
class OutboundMail:
    """A composed mail in the outbox; `message_id` is stable across retries."""

    message_id: str
    case_id: str | None
    sender: str
    to: str
    subject: str
    text: str
    created_at: datetime
    headers: tuple[tuple[str, str], ...] = ()
    html: str | None = None
    attachments: tuple[OutAttachment, ...] = ()
    status: str = "pending"  # pending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime | None = None  # a retry's moment, or a held reply's turn
    capped: bool = False  # an automatic reply counted against the global hourly cap
    last_error: str | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True)
class SeenRecord:
    """A mail that was handled, so a redelivered copy is recognised."""

    key: str
    message_id: str
    sha256: str
    outcome: str  # case | discarded | quarantined
    at: datetime
    case_id: str | None = None
    reason: str = ""


@dataclass
class Changes:
    """Everything one inbound mail (or one tick) changes, applied to the store in one go."""

    cases: list[Case] = field(default_factory=list)
    outbox: list[OutboundMail] = field(default_factory=list)
    seen: list[SeenRecord] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    stats: list[dict[str, Any]] = field(default_factory=list)  # rows kept after a purge
    removed: list[str] = field(default_factory=list)  # case ids purged
