"""Frozen settings types: what the rest of mailbot receives, and the one source of the config's
keys and defaults (config.schema derives them from these fields)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from types import MappingProxyType

SECURITY_MODES = ("tls", "starttls", "none")
AUTH_MODES = ("password", "oauth2")
AUTHENTICATION_MODES = ("standard", "microsoft365")
OAUTH2_PROVIDERS = ("microsoft365", "google", "generic")
OAUTH2_CREDENTIALS = (
    "client_secret",
    "client_certificate",
    "service_account",
    "refresh_token",
    "token_command",
)
LANGUAGES = ("nl", "en")
STAFF_ROLES = ("contact", "co-owner")
COMMITTEE_ROLES = ("chair", "member")
TERM_UNITS = ("working_days", "days", "weeks", "months", "years")
# The default port of each `security` mode; a port not written follows the mode.
IMAP_PORTS = MappingProxyType({"tls": 993, "starttls": 143, "none": 143})
SMTP_PORTS = MappingProxyType({"tls": 465, "starttls": 587, "none": 25})
PASSWORD_KEYS = ("password_file", "password_env", "password")  # one of them gives the password
DEADLINE_NAMES = (
    "direct.response",
    "direct.resolution",
    "mediation.meeting",
    "mediation.outcome",
    "formal.acknowledgement",
    "formal.decision",
    "formal.registered_post",
    "formal.evaluation",
    "retention",
)
TOML_KEYS = "toml_keys"


def written_as(*keys: str) -> Mapping[str, tuple[str, ...]]:
    """Field metadata: the config keys that give this field, where they are not its name alone;
    none for a field the loader works out itself."""
    return MappingProxyType({TOML_KEYS: keys})


@dataclass(frozen=True)
class Term:
    """A length of time as the procedure counts it, e.g. 5 working days."""

    amount: int
    unit: str  # one of TERM_UNITS

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.replace('_', ' ')}"


@dataclass(frozen=True)
class Organisation:
    name: str
    language: str = "nl"
    timezone: str = "Europe/Amsterdam"
    holiday_country: str = "NL"
    closed_days: tuple[date, ...] = ()
    good_friday_is_working_day: bool = True
    case_prefix: str = "KL"
    templates_dir: Path | None = None
    # The letterhead of printed letters; each shows only what is configured.
    address: tuple[str, ...] = ()  # postal address, one line each
    phone: str | None = None
    email: str | None = None  # None: addresses.complaints
    place: str | None = None  # of "place, date"; None: the town of the address's last line


@dataclass(frozen=True)
class ImapSettings:
    host: str
    username: str
    password: str = field(repr=False, metadata=written_as(*PASSWORD_KEYS))
    port: int = IMAP_PORTS["tls"]
    security: str = "tls"
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    quarantine_folder: str = "Quarantine"
    idle: bool = True
    poll_seconds: int = 60
    batch_size: int = 100
    timeout_seconds: float = 30.0
    auth: str = "password"  # "oauth2": log in with a bearer token, password is then ""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = SMTP_PORTS["starttls"]
    security: str = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False, metadata=written_as(*PASSWORD_KEYS))
    timeout_seconds: float = 30.0
    connections: int = 3  # SMTP sessions at once when many mails are due
    auth: str = "password"  # "oauth2": log in as `username` with a bearer token
    max_messages_per_minute: int | None = None  # pacing; microsoft365 implies 30


@dataclass(frozen=True)
class Addresses:
    complaints: str
    committee: str
    operator: str | None = None


@dataclass(frozen=True)
class StaffMember:
    name: str
    email: str
    alias: str
    roles: tuple[str, ...] = ("contact",)

    @property
    def is_contact(self) -> bool:
        return "contact" in self.roles

    @property
    def is_co_owner(self) -> bool:
        return "co-owner" in self.roles


@dataclass(frozen=True)
class CommitteeMember:
    name: str
    email: str
    role: str = "member"


@dataclass(frozen=True)
class BusinessHours:
    start: time = time(8, 30)
    end: time = time(17, 30)


@dataclass(frozen=True)
class SecuritySettings:
    trusted_authserv_id: str | None = None
    max_message_bytes: int = 26_214_400
    max_auto_replies_per_sender_per_day: int = 3
    max_auto_replies_per_hour: int = 200  # all senders together: a flood costs at most this
    authentication: str = "standard"  # "standard" (trusted_authserv_id) | "microsoft365"


@dataclass(frozen=True)
class OAuth2Settings:
    """Where and how mailbot obtains OAuth 2.0 access tokens; exactly one credential."""

    provider: str  # one of OAUTH2_PROVIDERS
    client_id: str  # "" with token_command, which needs none
    credential: str = field(metadata=written_as())  # one of OAUTH2_CREDENTIALS, from its keys
    token_url: str  # "" with token_command
    scope: str
    tenant: str | None = None
    client_secret: str | None = field(
        default=None, repr=False, metadata=written_as("client_secret_file", "client_secret_env")
    )
    client_certificate_file: Path | None = None
    private_key_file: Path | None = None
    service_account_file: Path | None = None
    refresh_token_file: Path | None = None
    token_command: str | None = None
    token_command_timeout_seconds: float = 30.0
    # Used by `mailbot auth` only: where the first refresh token is obtained.
    authorization_url: str | None = None
    device_authorization_url: str | None = None


@dataclass(frozen=True)
class StorageSettings:
    data_dir: Path
    retention: Term = Term(2, "years")


# A term [deadlines] does not set; the retention is the storage default (either section sets it).
DEFAULT_TERMS = {
    "direct.response": "1 working day",
    "direct.resolution": "5 working days",
    "mediation.meeting": "10 working days",
    "mediation.outcome": "4 weeks",
    "formal.acknowledgement": "5 working days",
    "formal.decision": "4 weeks",
    "formal.registered_post": "2 working days",
    "formal.evaluation": "10 working days",
    "retention": str(StorageSettings.retention),
}


@dataclass(frozen=True)
class Settings:
    """Everything mailbot was configured with; built once by `config.load_config`."""

    source: Path = field(metadata=written_as())  # the file itself
    organisation: Organisation
    imap: ImapSettings
    smtp: SmtpSettings
    addresses: Addresses
    staff: tuple[StaffMember, ...]
    committee: tuple[CommitteeMember, ...]
    storage: StorageSettings
    deadlines: Mapping[str, Term] = field(
        default_factory=lambda: MappingProxyType({}), metadata=written_as(*DEADLINE_NAMES)
    )
    business_hours: BusinessHours = BusinessHours()
    security: SecuritySettings = SecuritySettings()
    oauth2: OAuth2Settings | None = None
    warnings: tuple[str, ...] = field(default=(), metadata=written_as())  # found when loading

    def staff_member(self, email: str) -> StaffMember | None:
        email = email.lower()
        return next((s for s in self.staff if s.email.lower() == email), None)

    def staff_by_alias(self, alias: str) -> StaffMember | None:
        alias = alias.lower()
        return next((s for s in self.staff if s.alias.lower() == alias), None)

    def committee_member(self, email: str) -> CommitteeMember | None:
        email = email.lower()
        return next((c for c in self.committee if c.email.lower() == email), None)

    @property
    def contacts(self) -> tuple[StaffMember, ...]:
        return tuple(s for s in self.staff if s.is_contact)

    @property
    def co_owners(self) -> tuple[StaffMember, ...]:
        return tuple(s for s in self.staff if s.is_co_owner)

    @property
    def chair(self) -> CommitteeMember | None:
        return next((c for c in self.committee if c.role == "chair"), None)

    def own_addresses(self) -> frozenset[str]:
        return frozenset(a.lower() for a in (self.addresses.complaints, self.addresses.committee))
