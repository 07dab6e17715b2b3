"""TOML → frozen, validated Settings: finding, reading and checking mailbot's config file."""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import re
import tomllib
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays

from mailbot.config.settings import (
    AUTH_MODES,
    AUTHENTICATION_MODES,
    COMMITTEE_ROLES,
    DEADLINE_NAMES,
    DEFAULT_TERMS,
    LANGUAGES,
    OAUTH2_PROVIDERS,
    SECURITY_MODES,
    STAFF_ROLES,
    Addresses,
    BusinessHours,
    CommitteeMember,
    ImapSettings,
    OAuth2Settings,
    Organisation,
    SecuritySettings,
    Settings,
    SmtpSettings,
    StaffMember,
    StorageSettings,
    Term,
)
from mailbot.errors import ConfigError
from mailbot.oauth.serviceaccount import parse_service_account

ENV_VAR = "MAILBOT_CONFIG"
LOCAL_NAME = "mailbot.toml"
SYSTEM_CONFIG = Path("/etc/mailbot/mailbot.toml")

IMAP_PORTS = MappingProxyType({"tls": 993, "starttls": 143, "none": 143})
SMTP_PORTS = MappingProxyType({"tls": 465, "starttls": 587, "none": 25})
MAX_TERM_AMOUNT = 1000

_PASSWORD_KEYS = ("password_file", "password_env", "password")
_SECRET_KEYS = ("client_secret_file", "client_secret_env")
# Each credential of [oauth2] and the keys that give it (the first one is named in errors).
_CREDENTIAL_KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "client_secret": _SECRET_KEYS,
        "client_certificate": ("client_certificate_file", "private_key_file"),
        "service_account": ("service_account_file",),
        "refresh_token": ("refresh_token_file",),
        "token_command": ("token_command",),
    }
)
MICROSOFT_LOGIN = "https://login.microsoftonline.com"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
GOOGLE_AUTHORIZATION_URL = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_SCOPE = "https://mail.google.com/"
MICROSOFT_APP_SCOPE = "https://outlook.office365.com/.default"
MICROSOFT_DELEGATED_SCOPE = (
    "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send "
    "offline_access"
)
MICROSOFT_MESSAGES_PER_MINUTE = 30  # Exchange Online's submission rate per mailbox
POSTAL_ADDRESS_LINES = 5  # the organisation's address in the letterhead and return line

# The allowed keys of every section; anything else is reported as unknown.
SECTION_KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "organisation": (
            "name",
            "language",
            "timezone",
            "holiday_country",
            "closed_days",
            "good_friday_is_working_day",
            "case_prefix",
            "templates_dir",
            "address",
            "phone",
            "email",
            "place",
        ),
        "imap": (
            "host",
            "port",
            "security",
            "username",
            *_PASSWORD_KEYS,
            "folder",
            "processed_folder",
            "quarantine_folder",
            "idle",
            "poll_seconds",
            "batch_size",
            "timeout_seconds",
            "auth",
        ),
        "smtp": (
            "host",
            "port",
            "security",
            "username",
            *_PASSWORD_KEYS,
            "timeout_seconds",
            "connections",
            "auth",
            "max_messages_per_minute",
        ),
        "addresses": ("complaints", "committee", "operator"),
        "staff": ("name", "email", "alias", "roles"),
        "committee": ("name", "email", "role"),
        "deadlines": DEADLINE_NAMES,
        "business_hours": ("start", "end"),
        "security": (
            "trusted_authserv_id",
            "max_message_bytes",
            "max_auto_replies_per_sender_per_day",
            "max_auto_replies_per_hour",
            "authentication",
        ),
        "storage": ("data_dir", "retention"),
        "oauth2": (
            "provider",
            "tenant",
            "token_url",
            "scope",
            "client_id",
            *(key for keys in _CREDENTIAL_KEYS.values() for key in keys),
            "token_command_timeout_seconds",
            "authorization_url",
            "device_authorization_url",
        ),
    }
)
_LISTS = ("staff", "committee")  # sections written as [[arrays of tables]]

_TERM_UNITS = {
    "working day": "working_days",
    "working days": "working_days",
    "working_day": "working_days",
    "working_days": "working_days",
    "werkdag": "working_days",
    "werkdagen": "working_days",
    "day": "days",
    "days": "days",
    "dag": "days",
    "dagen": "days",
    "week": "weeks",
    "weeks": "weeks",
    "weken": "weeks",
    "month": "months",
    "months": "months",
    "maand": "months",
    "maanden": "months",
    "year": "years",
    "years": "years",
    "jaar": "years",
    "jaren": "years",
}
_TERM_RE = re.compile(r"\s*(\d+)\s+([A-Za-z_ ]+?)\s*\Z")
_TERM_FORMS = (
    'a whole number and a unit, e.g. "5 working days", "4 weeks", "10 days", "6 months", '
    '"2 years" (Dutch: "5 werkdagen", "4 weken", "10 dagen", "6 maanden", "2 jaar")'
)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")
_EMAIL_RE = re.compile(  # local@domain.tld, or local@localhost for a test or demo set-up
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@"
    r"(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}|localhost)\Z",
    re.IGNORECASE,
)
_ALIAS_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}\Z")
_PREFIX_RE = re.compile(r"[A-Z]{2,6}\Z")
_HHMM_RE = re.compile(r"(\d{1,2}):(\d{2})\Z")
_ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_MISSING: Any = object()


class InvalidConfigError(ConfigError):
    """Every problem found in one config file; `errors` holds them one by one."""

    def __init__(self, file: str, errors: list[ConfigError]) -> None:
        self.errors = tuple(errors)
        if len(errors) == 1:
            super().__init__(file, errors[0].key, errors[0].problem)
            return
        lines = "\n".join(f"  {e.key}: {e.problem}" if e.key else f"  {e.problem}" for e in errors)
        super().__init__(file, None, f"{len(errors)} problems:\n{lines}")


class _Invalid(Exception):
    """A value failed its check; the message is the problem, `at` a sub-key like "[2]"."""

    def __init__(self, problem: str, at: str = "") -> None:
        super().__init__(problem)
        self.at = at


# --------------------------------------------------------------------------- finding the file


def find_config(
    cli_path: str | None,
    env: Mapping[str, str],
    cwd: Path,
    *,
    system_path: Path = SYSTEM_CONFIG,
) -> Path:
    """The config file to use: `-c`, else $MAILBOT_CONFIG, else ./mailbot.toml, else /etc."""
    if cli_path:
        return _explicit(cli_path, cwd, "given with -c")
    if env.get(ENV_VAR):
        return _explicit(env[ENV_VAR], cwd, f"named by ${ENV_VAR}")
    tried = [cwd / LOCAL_NAME, system_path]
    for candidate in tried:
        if candidate.is_file():
            return candidate
    places = " and ".join(str(p) for p in tried)
    raise ConfigError(
        LOCAL_NAME,
        None,
        f"no config file found: tried {places} (no -c given, ${ENV_VAR} not set)",
    )


def _explicit(name: str, cwd: Path, how: str) -> Path:
    path = Path(name).expanduser()
    path = path if path.is_absolute() else cwd / path
    if not path.exists():
        raise ConfigError(str(path), None, f"no such file ({how})")
    if not path.is_file():
        raise ConfigError(str(path), None, f"not a regular file ({how})")
    return path


# --------------------------------------------------------------------------- terms


def parse_term(text: str) -> Term:
    """Parse "5 working days", "4 weeks", "2 jaar" …; ValueError says which forms exist."""
    match = _TERM_RE.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"cannot read {_show(text)} as a term: write {_TERM_FORMS}")
    unit = _TERM_UNITS.get(" ".join(match[2].lower().split()))
    if unit is None:
        raise ValueError(f'unknown unit "{match[2]}" in {_show(text)}: write {_TERM_FORMS}')
    amount = int(match[1])
    if not 1 <= amount <= MAX_TERM_AMOUNT:
        raise ValueError(f"the amount in {_show(text)} must be 1 to {MAX_TERM_AMOUNT}")
    return Term(amount, unit)


# --------------------------------------------------------------------------- loading


def load_config(path: Path, env: Mapping[str, str]) -> Settings:
    """Read, check and build the Settings; raises InvalidConfigError listing every problem."""
    data = _read_toml(path)
    ctx = _Context(str(path), path.absolute().parent, env)
    for name, value in data.items():
        if name not in SECTION_KEYS:
            kind = "section" if isinstance(value, dict | list) else "key"
            ctx.error(_join("", name), _unknown(name, tuple(SECTION_KEYS), kind))
    parts = _read_sections(ctx, data)
    _cross_check(ctx, parts, "oauth2" in data)
    ctx.raise_if_errors()
    _warn(ctx, parts)
    return Settings(source=path.absolute(), warnings=tuple(ctx.warnings), **parts)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(str(path), None, f"cannot read: {exc.strerror or exc}") from exc
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), None, f"not UTF-8 text (byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), None, f"not valid TOML: {exc}") from exc


class _Context:
    """What one load collects: errors, warnings, and where relative paths start."""

    def __init__(self, file: str, base: Path, env: Mapping[str, str]) -> None:
        self.file = file
        self.base = base
        self.env = env
        self.errors: list[ConfigError] = []
        self.warnings: list[str] = []

    def error(self, key: str | None, problem: str) -> None:
        self.errors.append(ConfigError(self.file, key, problem))

    def raise_if_errors(self) -> None:
        if self.errors:
            raise InvalidConfigError(self.file, self.errors)


class _Table:
    """One TOML table being read: typed getters that record problems instead of raising."""

    def __init__(
        self, ctx: _Context, data: Mapping[str, Any], prefix: str, *, quiet: bool = False
    ) -> None:
        self.ctx = ctx
        self.data = data
        self.prefix = prefix
        self.quiet = quiet  # a missing or broken section: its missing keys are no news
        allowed = SECTION_KEYS[prefix.split("[")[0]]
        if prefix != "deadlines":  # deadline names are checked with their values
            for name in data:
                if name not in allowed:
                    self.error(name, _unknown(name, allowed, "key"))

    def key(self, name: str) -> str:
        return _join(self.prefix, name)

    def error(self, name: str, problem: str, at: str = "") -> None:
        if not self.quiet:
            self.ctx.error(self.key(name) + at, problem)

    def has(self, name: str) -> bool:
        return name in self.data

    def get(self, name: str, check: Callable[[Any], Any], default: Any = _MISSING) -> Any:
        """The checked value; the default when absent; None (and an error) when invalid."""
        if name not in self.data:
            if default is _MISSING:
                self.error(name, "required key is missing")
                return None
            return default
        try:
            return check(self.data[name])
        except _Invalid as exc:
            self.error(name, str(exc), at=exc.at)
            return None


def _section(ctx: _Context, data: Mapping[str, Any], name: str, required: bool) -> _Table:
    value = data.get(name, _MISSING)
    if isinstance(value, dict):
        return _Table(ctx, value, name)
    if value is not _MISSING:
        ctx.error(name, f"expected a table [{name}], got {_describe(value)}")
    elif required:
        ctx.error(name, f"required section [{name}] is missing")
    return _Table(ctx, {}, name, quiet=value is not _MISSING or required)


def _entries(ctx: _Context, data: Mapping[str, Any], name: str) -> list[_Table]:
    value = data.get(name, _MISSING)
    if value is _MISSING or value == []:
        ctx.error(name, f"at least one [[{name}]] entry is required")
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        ctx.error(name, f"expected an array of tables [[{name}]], got {_describe(value)}")
        return []
    return [_Table(ctx, entry, f"{name}[{i}]") for i, entry in enumerate(value, 1)]


def _read_sections(ctx: _Context, data: Mapping[str, Any]) -> dict[str, Any]:
    def table(name: str, required: bool = False) -> _Table:
        return _section(ctx, data, name, required)

    deadlines, storage = table("deadlines"), table("storage", True)
    parts = {
        "organisation": _organisation(table("organisation", True)),
        "imap": _imap(table("imap", True)),
        "smtp": _smtp(table("smtp", True)),
        "addresses": _addresses(table("addresses", True)),
        "staff": tuple(_staff_member(t) for t in _entries(ctx, data, "staff")),
        "committee": tuple(_committee_member(t) for t in _entries(ctx, data, "committee")),
        "storage": _storage(storage),
        "deadlines": _deadlines(deadlines),
        "business_hours": _business_hours(table("business_hours")),
        "security": _security(table("security")),
        "oauth2": _oauth2(table("oauth2")) if "oauth2" in data else None,
    }
    _reconcile_retention(parts, deadlines, storage)
    return parts


def _reconcile_retention(parts: dict[str, Any], deadlines: _Table, storage: _Table) -> None:
    """`storage.retention` and `deadlines.retention` are one term: either may set it."""
    kept, term = parts["storage"], parts["deadlines"]["retention"]
    if "retention" not in deadlines.data:
        parts["deadlines"] = MappingProxyType({**parts["deadlines"], "retention": kept.retention})
    elif not storage.has("retention"):
        parts["storage"] = replace(kept, retention=term)
    elif kept.retention and term != kept.retention:
        deadlines.error(
            "retention", f"differs from storage.retention ({kept.retention}); set it in one place"
        )


# --------------------------------------------------------------------------- sections


def _organisation(t: _Table) -> Organisation:
    closed = t.get("closed_days", _array(_iso_date), ())
    return Organisation(
        name=t.get("name", _text),
        language=t.get("language", _choice(LANGUAGES), "nl"),
        timezone=t.get("timezone", _timezone, "Europe/Amsterdam"),
        holiday_country=t.get("holiday_country", _country, "NL"),
        closed_days=tuple(sorted(set(closed or ()))),
        good_friday_is_working_day=t.get("good_friday_is_working_day", _boolean, True),
        case_prefix=t.get("case_prefix", _case_prefix, "KL"),
        templates_dir=t.get("templates_dir", _directory(t.ctx.base), None),
        address=t.get("address", _postal_address, ()) or (),
        phone=t.get("phone", _text, None),
        email=t.get("email", _email, None),
        place=t.get("place", _text, None),
    )


def _imap(t: _Table) -> ImapSettings:
    security = t.get("security", _choice(SECURITY_MODES), "tls") or "tls"
    host = t.get("host", _host)
    _check_loopback(t, host, security)
    auth = t.get("auth", _choice(AUTH_MODES), "password")
    return ImapSettings(
        host=host,
        username=t.get("username", _text),
        password=_imap_password(t, auth),
        port=t.get("port", _integer(1, 65535), IMAP_PORTS[security]),
        security=security,
        folder=t.get("folder", _text, "INBOX"),
        processed_folder=t.get("processed_folder", _text, "Processed"),
        quarantine_folder=t.get("quarantine_folder", _text, "Quarantine"),
        idle=t.get("idle", _boolean, True),
        poll_seconds=t.get("poll_seconds", _integer(1, None), 60),
        batch_size=t.get("batch_size", _integer(1, 1000), 100),
        timeout_seconds=t.get("timeout_seconds", _seconds, 30.0),
        auth=auth or "password",
    )


def _smtp(t: _Table) -> SmtpSettings:
    security = t.get("security", _choice(SECURITY_MODES), "starttls") or "starttls"
    host = t.get("host", _host)
    _check_loopback(t, host, security)
    auth = t.get("auth", _choice(AUTH_MODES), "password")
    if auth == "oauth2":
        username = t.get("username", _text, None)
        if not t.has("username"):
            t.error("username", 'required with auth = "oauth2": the mailbox to log in as')
        password = _no_password(t, None)
    else:
        username = t.get("username", _text, None)
        password = _password(t, required=t.has("username")) if auth else None
    return SmtpSettings(
        host=host,
        port=t.get("port", _integer(1, 65535), SMTP_PORTS[security]),
        security=security,
        username=username,
        password=password,
        timeout_seconds=t.get("timeout_seconds", _seconds, 30.0),
        connections=t.get("connections", _integer(1, 8), 3),
        auth=auth or "password",
        max_messages_per_minute=t.get("max_messages_per_minute", _integer(1, 10_000), None),
    )


def _imap_password(t: _Table, auth: str | None) -> str | None:
    if auth == "oauth2":
        return _no_password(t, "")
    return _password(t, required=True) if auth == "password" else ""  # None: auth is wrong


def _no_password(t: _Table, value: str | None) -> str | None:
    """With auth = "oauth2" a token logs in: a password key there is a mistake, not a spare."""
    for key in _PASSWORD_KEYS:
        if t.has(key):
            t.error(key, 'not allowed with auth = "oauth2" (the login uses an OAuth 2.0 token)')
    return value


def _addresses(t: _Table) -> Addresses:
    return Addresses(
        complaints=t.get("complaints", _email),
        committee=t.get("committee", _email),
        operator=t.get("operator", _email, None),
    )


def _staff_member(t: _Table) -> StaffMember:
    email = t.get("email", _email)
    return StaffMember(
        name=t.get("name", _text),
        email=email,
        alias=_staff_alias(t, email),
        roles=t.get("roles", _array(_choice(STAFF_ROLES), unique=True), ("contact",)),
    )


def _staff_alias(t: _Table, email: str | None) -> str | None:
    """The alias as written, else the e-mail address's local part."""
    if t.has("alias") or not email:
        return t.get("alias", _alias, None)
    alias = email.split("@", 1)[0].lower()
    if _ALIAS_RE.match(alias):
        return alias
    t.error("alias", f'required: "{alias}" (from the e-mail address) is not an alias')
    return None


def _committee_member(t: _Table) -> CommitteeMember:
    return CommitteeMember(
        name=t.get("name", _text),
        email=t.get("email", _email),
        role=t.get("role", _choice(COMMITTEE_ROLES), "member"),
    )


def _deadlines(t: _Table) -> Mapping[str, Term]:
    terms = {name: parse_term(text) for name, text in DEFAULT_TERMS.items()}
    for name, value in _flatten(t).items():
        if name not in DEADLINE_NAMES:
            t.error(name, _unknown(name, DEADLINE_NAMES, "deadline"))
            continue
        try:
            terms[name] = _term(value)
        except _Invalid as exc:
            t.error(name, str(exc))
    return MappingProxyType({name: terms[name] for name in DEADLINE_NAMES})


def _flatten(t: _Table) -> dict[str, Any]:
    """Deadline names contain a dot; unquoted `formal.decision = …` nests: undo that here."""
    flat: dict[str, Any] = {}
    for name, value in t.data.items():
        if isinstance(value, dict):
            flat.update({f"{name}.{sub}": v for sub, v in value.items()})
        else:
            flat[name] = value
    return flat


def _business_hours(t: _Table) -> BusinessHours:
    return BusinessHours(
        start=t.get("start", _hhmm, time(8, 30)),
        end=t.get("end", _hhmm, time(17, 30)),
    )


def _security(t: _Table) -> SecuritySettings:
    return SecuritySettings(
        trusted_authserv_id=t.get("trusted_authserv_id", _host, None),
        max_message_bytes=t.get("max_message_bytes", _integer(1, None), 26_214_400),
        max_auto_replies_per_sender_per_day=t.get(
            "max_auto_replies_per_sender_per_day", _integer(1, None), 3
        ),
        max_auto_replies_per_hour=t.get("max_auto_replies_per_hour", _integer(1, None), 200),
        authentication=t.get("authentication", _choice(AUTHENTICATION_MODES), "standard")
        or "standard",
    )


def _storage(t: _Table) -> StorageSettings:
    return StorageSettings(
        data_dir=t.get("data_dir", _data_dir(t.ctx.base)),
        retention=t.get("retention", _term, parse_term(DEFAULT_TERMS["retention"])),
    )


# --------------------------------------------------------------------------- oauth2


def _oauth2(t: _Table) -> OAuth2Settings | None:
    provider = t.get("provider", _choice(OAUTH2_PROVIDERS))
    credential = _credential(t, provider)
    if provider is None or credential is None:
        return None
    tenant = t.get("tenant", _tenant, None)
    if tenant and provider != "microsoft365":
        t.error("tenant", 'is only used with provider = "microsoft365"')
    needs_client = credential in ("client_secret", "client_certificate", "refresh_token")
    client_id = t.get("client_id", _text, None if not needs_client else _MISSING)
    secret = _client_secret(t)
    account = t.get("service_account_file", _service_account(t.ctx.base), None)
    token_url = t.get("token_url", _url, None)
    if token_url is None and credential != "token_command":
        token_url = _default_token_url(t, provider, tenant, account)
    authorization_url = t.get("authorization_url", _url, None)
    device_url = t.get("device_authorization_url", _url, None)
    if device_url and provider == "google":
        t.error("device_authorization_url", _NO_GOOGLE_DEVICE)
    if provider == "microsoft365" and token_url and token_url.endswith("/token"):
        base = token_url.removesuffix("token")  # …/oauth2/v2.0/
        authorization_url = authorization_url or base + "authorize"
        device_url = device_url or base + "devicecode"
    elif provider == "google":
        authorization_url = authorization_url or GOOGLE_AUTHORIZATION_URL
    return OAuth2Settings(
        provider=provider,
        client_id=client_id or "",
        credential=credential,
        token_url=token_url or "",
        scope=t.get("scope", _text, _default_scope(provider, credential)),
        tenant=tenant,
        client_secret=secret,
        client_certificate_file=t.get("client_certificate_file", _file(t.ctx.base), None),
        private_key_file=t.get("private_key_file", _file(t.ctx.base), None),
        service_account_file=_path(t.ctx.base)(t.data["service_account_file"]) if account else None,
        refresh_token_file=t.get("refresh_token_file", _token_file(t.ctx.base), None),
        token_command=t.get("token_command", _text, None),
        token_command_timeout_seconds=t.get("token_command_timeout_seconds", _seconds, 30.0),
        authorization_url=authorization_url,
        device_authorization_url=device_url,
    )


_NO_GOOGLE_DEVICE = (
    "Google does not allow the device flow for mail scopes; "
    "`mailbot auth` uses the browser (loopback redirect) for google"
)
_CREDENTIAL_HELP = (
    "client_secret_file or client_secret_env, client_certificate_file with private_key_file, "
    "service_account_file, refresh_token_file, or token_command"
)
# Which credentials each provider's token endpoint takes for a mailbox.
_PROVIDER_CREDENTIALS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "microsoft365": ("client_secret", "client_certificate", "refresh_token", "token_command"),
        "google": ("service_account", "refresh_token", "token_command"),
        "generic": tuple(_CREDENTIAL_KEYS),
    }
)
_PROVIDER_HINTS = MappingProxyType(
    {
        "microsoft365": "Microsoft 365 takes client_secret_file, client_certificate_file, "
        "refresh_token_file or token_command",
        "google": "Google has no client-credentials grant for mail: use service_account_file "
        "(domain-wide delegation) or refresh_token_file (from `mailbot auth`)",
    }
)


def _credential(t: _Table, provider: str | None) -> str | None:
    """Which one credential the section gives. A refresh token may come with a client secret:
    a confidential client (Google's OAuth clients all are) sends both when refreshing."""
    given = [c for c, keys in _CREDENTIAL_KEYS.items() if any(t.has(k) for k in keys)]
    if len(given) == 2 and given == ["client_secret", "refresh_token"]:
        given = ["refresh_token"]
    if not given:
        t.error("client_secret_file", f"required: exactly one credential ({_CREDENTIAL_HELP})")
        return None
    if len(given) > 1:
        first, second = (_given_key(t, c) for c in given[:2])
        t.error(second, f"give only one credential, not {first} and {second}")
        return None
    credential = given[0]
    if credential == "client_certificate":
        pair = ("client_certificate_file", "private_key_file")
        missing = [k for k in pair if not t.has(k)]
        if missing:
            present = next(k for k in pair if t.has(k))
            t.error(missing[0], f"required with {present}: the certificate and its private key")
            return None
    if provider and credential not in _PROVIDER_CREDENTIALS[provider]:
        t.error(
            _given_key(t, credential),
            f'is not a credential for provider = "{provider}": {_PROVIDER_HINTS[provider]}',
        )
        return None
    return credential


def _given_key(t: _Table, credential: str) -> str:
    return next(k for k in _CREDENTIAL_KEYS[credential] if t.has(k))


def _client_secret(t: _Table) -> str | None:
    given = [k for k in _SECRET_KEYS if t.has(k)]
    if len(given) > 1:
        t.error(
            given[1],
            "give only one client secret source, not client_secret_file and client_secret_env",
        )
        return None
    if not given:
        return None
    readers = {
        "client_secret_file": _password_file(t.ctx.base, "client secret"),
        "client_secret_env": _password_env(t.ctx.env),
    }
    return t.get(given[0], readers[given[0]])


def _default_token_url(t: _Table, provider: str, tenant: str | None, account: Any) -> str | None:
    if provider == "microsoft365":
        if tenant:
            return f"{MICROSOFT_LOGIN}/{tenant}/oauth2/v2.0/token"
        if not t.has("tenant"):
            t.error("tenant", 'required with provider = "microsoft365" (or give token_url)')
        return None
    if provider == "google":
        return (account.token_uri if account else None) or GOOGLE_TOKEN_URL
    if account and account.token_uri:
        return account.token_uri
    t.error("token_url", 'required with provider = "generic"')
    return None


def _default_scope(provider: str, credential: str) -> str:
    if provider == "google":
        return GOOGLE_SCOPE
    if provider == "microsoft365":
        delegated = credential == "refresh_token"
        return MICROSOFT_DELEGATED_SCOPE if delegated else MICROSOFT_APP_SCOPE
    return ""  # generic: no scope is sent unless one is configured


def _url(value: Any) -> str:
    url = _text(value).strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise _Invalid(f"expected an https:// URL, got {_show(url)}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise _Invalid(
            "plain http is only allowed for a loopback host (localhost, 127.0.0.0/8, ::1), "
            f'not "{parts.hostname}"; use https://'
        )
    return url


def _tenant(value: Any) -> str:
    tenant = _text(value).strip()
    if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?", tenant):
        raise _Invalid(
            "expected the tenant id (a GUID) or a verified domain like "
            f"example.onmicrosoft.com, got {_show(tenant)}"
        )
    return tenant


def _file(base: Path) -> Callable[[Any], Path]:
    def check(value: Any) -> Path:
        path = _path(base)(value)
        if not path.is_file():
            state = "is not a regular file" if path.exists() else "does not exist"
            raise _Invalid(f'"{path}" {state}')
        if not os.access(path, os.R_OK):
            raise _Invalid(f'"{path}" is not readable for this user')
        return path

    return check


def _service_account(base: Path) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        path = _file(base)(value)
        try:
            return parse_service_account(path.read_bytes())
        except OSError as exc:
            raise _Invalid(f'cannot read "{path}": {exc.strerror or exc}') from exc
        except ValueError as exc:
            raise _Invalid(f'"{path}": {exc}') from None

    return check


def _token_file(base: Path) -> Callable[[Any], Path]:
    """The refresh token file need not exist yet (`mailbot auth` writes it); its folder must."""

    def check(value: Any) -> Path:
        path = _path(base)(value)
        if path.exists() and not path.is_file():
            raise _Invalid(f'"{path}" exists but is not a regular file')
        if not path.parent.is_dir():
            raise _Invalid(f'the folder "{path.parent}" does not exist')
        return path

    return check


def _check_oauth2(ctx: _Context, parts: dict[str, Any], present: bool) -> None:
    imap, smtp, oauth2 = parts["imap"], parts["smtp"], parts["oauth2"]
    users = [f"{name}.auth" for name, s in (("imap", imap), ("smtp", smtp)) if s.auth == "oauth2"]
    if users and not present:
        ctx.error("oauth2", f'required section [oauth2] is missing: {users[0]} = "oauth2" needs it')
    elif present and not users:
        ctx.error("oauth2", 'is set, but neither imap.auth nor smtp.auth is "oauth2"')
    if oauth2 is None:
        return
    if (
        oauth2.credential == "service_account"
        and smtp.auth == "oauth2"
        and smtp.username
        and not _same(smtp.username, imap.username)
    ):
        ctx.error(
            "smtp.username",
            f'must be the mailbox imap.username ("{imap.username}"): the service account\'s '
            "token acts as that one mailbox",
        )
    if oauth2.provider == "microsoft365" and smtp.max_messages_per_minute is None:
        parts["smtp"] = replace(smtp, max_messages_per_minute=MICROSOFT_MESSAGES_PER_MINUTE)


# --------------------------------------------------------------------------- secrets


def _password(t: _Table, required: bool) -> str | None:
    given = [k for k in _PASSWORD_KEYS if t.has(k)]
    if len(given) > 1:
        t.error(given[1], f"give only one password source, not {' and '.join(given)}")
        return None
    if not given:
        if required:
            t.error(
                "password_file",
                "required: a password source (password_file, password_env or password)",
            )
        return None
    if not required:
        t.error(given[0], f"is only used with {t.key('username')}, which is not set")
        return None
    readers = {
        "password_file": _password_file(t.ctx.base),
        "password_env": _password_env(t.ctx.env),
        "password": _inline_password(t),
    }
    return t.get(given[0], readers[given[0]])


def _password_file(base: Path, what: str = "password") -> Callable[[Any], str]:
    def check(value: Any) -> str:
        path = _path(base)(value)
        try:
            password = path.read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise _Invalid(f'cannot read {what} file "{path}": {reason}') from exc
        if not password:
            raise _Invalid(f'{what} file "{path}" is empty')
        if "\n" in password or "\r" in password:
            raise _Invalid(f'{what} file "{path}" has more than one line')
        return password

    return check


def _password_env(env: Mapping[str, str]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        name = _text(value)
        if not _ENV_NAME_RE.match(name):
            raise _Invalid(f"{_show(name)} is not an environment variable name")
        if name not in env:
            raise _Invalid(f"environment variable {name} is not set")
        if not env[name]:
            raise _Invalid(f"environment variable {name} is empty")
        return env[name]

    return check


def _inline_password(t: _Table) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        password = _text(value)
        t.ctx.warnings.append(
            f"{t.key('password')} is written in the config file itself; "
            "use password_file or password_env so the secret stays out of it"
        )
        return password

    return check


# --------------------------------------------------------------------------- checks across keys


def _check_loopback(t: _Table, host: str | None, security: str) -> None:
    if security == "none" and host and not _is_loopback(host):
        t.error(
            "security",
            f'"none" (no encryption) is only allowed for a loopback host '
            f'(localhost, 127.0.0.0/8, ::1), not "{host}"; use "tls" or "starttls"',
        )


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _cross_check(ctx: _Context, parts: dict[str, Any], oauth2_present: bool) -> None:
    _check_oauth2(ctx, parts, oauth2_present)
    _check_addresses(ctx, parts["addresses"])
    _check_people(ctx, parts["staff"], parts["committee"], parts["addresses"])
    _check_folders(ctx, parts["imap"])
    _check_hours(ctx, parts["business_hours"])


def _check_addresses(ctx: _Context, addresses: Addresses) -> None:
    if _same(addresses.complaints, addresses.committee):
        ctx.error(
            "addresses.committee",
            "must differ from addresses.complaints: the address a complaint is sent to "
            "decides its track",
        )


def _check_people(
    ctx: _Context,
    staff: tuple[StaffMember, ...],
    committee: tuple[CommitteeMember, ...],
    addresses: Addresses,
) -> None:
    own = {a.lower() for a in (addresses.complaints, addresses.committee) if a}
    seen: dict[str, str] = {}  # lower-case e-mail -> the entry that has it
    for kind, people in (("staff", staff), ("committee", committee)):
        for i, person in enumerate(people, 1):
            key, email = f"{kind}[{i}].email", (person.email or "").lower()
            if email in own:
                ctx.error(key, f'"{person.email}" is one of mailbot\'s own addresses')
            elif email in seen and seen[email].startswith(kind):
                ctx.error(key, f'duplicate e-mail "{person.email}": also {seen[email]}')
            elif email in seen:
                ctx.error(
                    key,
                    f'"{person.email}" is also {seen[email]}: a person is either staff or '
                    "committee, otherwise the role of their commands is ambiguous",
                )
            elif email:
                seen[email] = f"{kind}[{i}] ({person.name})"
    _check_aliases(ctx, staff)
    _check_chairs(ctx, committee)


def _check_aliases(ctx: _Context, staff: tuple[StaffMember, ...]) -> None:
    seen: dict[str, str] = {}
    for i, member in enumerate(staff, 1):
        alias = (member.alias or "").lower()
        if alias in seen:
            ctx.error(f"staff[{i}].alias", f'duplicate alias "{member.alias}": also {seen[alias]}')
        elif alias:
            seen[alias] = f"staff[{i}] ({member.name})"


def _check_chairs(ctx: _Context, committee: tuple[CommitteeMember, ...]) -> None:
    chairs = [i for i, c in enumerate(committee, 1) if c.role == "chair"]
    if len(chairs) > 1:
        others = ", ".join(f"committee[{i}]" for i in chairs[:-1])
        ctx.error(
            f"committee[{chairs[-1]}].role",
            f'only one chair is allowed; {others} is chair already (make the others "member")',
        )


def _check_folders(ctx: _Context, imap: ImapSettings) -> None:
    if _same_folder(imap.processed_folder, imap.folder):
        ctx.error("imap.processed_folder", "must differ from imap.folder (mail is moved there)")
    if _same_folder(imap.quarantine_folder, imap.folder):
        ctx.error("imap.quarantine_folder", "must differ from imap.folder (mail is moved there)")
    elif _same_folder(imap.quarantine_folder, imap.processed_folder):
        ctx.error("imap.quarantine_folder", "must differ from imap.processed_folder")


def _same_folder(a: str | None, b: str | None) -> bool:
    """IMAP folder names are case-sensitive, except INBOX (RFC 3501)."""
    return bool(a and b and (a == b or a.upper() == b.upper() == "INBOX"))


def _check_hours(ctx: _Context, hours: BusinessHours) -> None:
    if hours.start and hours.end and hours.end <= hours.start:
        ctx.error(
            "business_hours.end",
            f"must be after business_hours.start ({hours.start:%H:%M}), got {hours.end:%H:%M}",
        )


def _warn(ctx: _Context, parts: dict[str, Any]) -> None:
    staff, committee = parts["staff"], parts["committee"]
    _warn_open_secrets(ctx, parts["oauth2"])
    security = parts["security"]
    if security.trusted_authserv_id is None and security.authentication == "standard":
        ctx.warnings.append(
            "security.trusted_authserv_id is not set: commands from staff and committee are "
            "accepted on the From address alone, which anyone can forge; set it to the "
            "authserv-id your own mail server writes in Authentication-Results"
        )
    if committee and not any(c.role == "chair" for c in committee):
        ctx.warnings.append(
            'no [[committee]] member has role = "chair"; the formal track expects a chair '
            "(reminders about the registered post and the evaluation go to the chair)"
        )
    if staff and not any(s.is_contact for s in staff):
        ctx.warnings.append(
            'no [[staff]] member has the role "contact"; new complaints have no contact person'
        )
    if staff and not any(s.is_co_owner for s in staff):
        ctx.warnings.append(
            'no [[staff]] member has the role "co-owner"; mediation needs a co-owner and '
            "escalations go to the co-owners"
        )


def _warn_open_secrets(ctx: _Context, oauth2: OAuth2Settings | None) -> None:
    """A key or token file others may read is a mailbox others may read."""
    if oauth2 is None:
        return
    files = {
        "oauth2.private_key_file": oauth2.private_key_file,
        "oauth2.service_account_file": oauth2.service_account_file,
        "oauth2.refresh_token_file": oauth2.refresh_token_file,
    }
    for key, path in files.items():
        try:
            mode = path.stat().st_mode & 0o777 if path else 0
        except OSError:
            continue
        if mode & 0o077:
            ctx.warnings.append(
                f'{key}: "{path}" can be read by other users (mode {mode:04o}); '
                f"chmod 600 it: it gives access to the mailbox"
            )


def _same(a: str | None, b: str | None) -> bool:
    return bool(a and b and a.lower() == b.lower())


# --------------------------------------------------------------------------- value checks


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"expected a string, got {_describe(value)}")
    if not value.strip():
        raise _Invalid("must not be empty")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"expected a boolean (true or false), got {_describe(value)}")
    return value


def _integer(low: int, high: int | None) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(f"expected an integer, got {_describe(value)}")
        if value < low or (high is not None and value > high):
            limits = f"{low} to {high}" if high is not None else f"at least {low}"
            raise _Invalid(f"must be {limits}, got {value}")
        return value

    return check


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(f"expected a number of seconds, got {_describe(value)}")
    if not 0 < value <= 3600:
        raise _Invalid(f"must be more than 0 and at most 3600 seconds, got {value}")
    return float(value)


def _choice(allowed: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if isinstance(value, str) and value in allowed:
            return value
        options = ", ".join(f'"{a}"' for a in allowed)
        hint = _suggest(value.lower(), allowed) if isinstance(value, str) else ""
        raise _Invalid(f"expected one of {options}, got {_describe(value)}{hint}")

    return check


def _array(item: Callable[[Any], Any], unique: bool = False) -> Callable[[Any], tuple[Any, ...]]:
    def check(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise _Invalid(f"expected an array, got {_describe(value)}")
        result: list[Any] = []
        for i, element in enumerate(value, 1):
            try:
                checked = item(element)
            except _Invalid as exc:
                raise _Invalid(str(exc), f"[{i}]") from None
            if unique and checked in result:
                raise _Invalid(f"{_show(element)} is listed twice", f"[{i}]")
            result.append(checked)
        return tuple(result)

    return check


def _email(value: Any) -> str:
    address = _text(value)
    if "<" in address or " " in address.strip():
        raise _Invalid(f"expected a bare e-mail address (no name, no <>), got {_show(address)}")
    if not _EMAIL_RE.match(address) or ".." in address or address.startswith("."):
        raise _Invalid(f"{_show(address)} is not a valid e-mail address")
    return address


def _postal_address(value: Any) -> tuple[str, ...]:
    """A postal address as a TOML array of lines: a letter's window holds at most 5."""
    if not isinstance(value, list):
        example = '["Postbus 1234", "3000 AB Voorbeeldstad"]'
        raise _Invalid(f"expected an array of lines such as {example}, got {_describe(value)}")
    lines = _array(_text)(value)
    if not 1 <= len(lines) <= POSTAL_ADDRESS_LINES:
        raise _Invalid(f"expected 1 to {POSTAL_ADDRESS_LINES} lines, got {len(lines)}")
    if any("\n" in line for line in lines):
        raise _Invalid("one line per array element: no line breaks inside a line")
    return tuple(line.strip() for line in lines)


def _host(value: Any) -> str:
    host = _text(value)
    if not re.fullmatch(r"[A-Za-z0-9._:\[\]-]+", host):
        raise _Invalid(f"expected a host name or IP address (not a URL), got {_show(host)}")
    return host


def _timezone(value: Any) -> str:
    name = _text(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        hint = _suggest(name, tuple(sorted(available_timezones())))
        raise _Invalid(f'unknown time zone "{name}"{hint or " (e.g. Europe/Amsterdam)"}') from None
    return name


def _country(value: Any) -> str:
    code = _text(value).strip().upper()
    if code not in holidays.list_supported_countries():
        raise _Invalid(
            f"unknown holiday country {_show(value)}: expected a country code the holidays "
            "package knows, e.g. NL, BE, DE, GB"
        )
    return code


def _iso_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise _Invalid(f"expected a date YYYY-MM-DD like 2026-12-24, got {_describe(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise _Invalid(f'"{value}" is not a valid date: {exc}') from None


def _hhmm(value: Any) -> time:
    if isinstance(value, time) and value.second == value.microsecond == 0 and not value.tzinfo:
        return value
    match = _HHMM_RE.match(value) if isinstance(value, str) else None
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise _Invalid(f'expected a time "HH:MM" like "08:30", got {_describe(value)}')
    return time(int(match[1]), int(match[2]))


def _term(value: Any) -> Term:
    if not isinstance(value, str):
        raise _Invalid(f'expected a term like "5 working days", got {_describe(value)}')
    try:
        return parse_term(value)
    except ValueError as exc:
        raise _Invalid(str(exc)) from None


def _case_prefix(value: Any) -> str:
    if not isinstance(value, str) or not _PREFIX_RE.match(value):
        raise _Invalid(f"expected 2 to 6 capital letters A-Z, got {_describe(value)}")
    return value


def _alias(value: Any) -> str:
    alias = _text(value)
    if not _ALIAS_RE.match(alias.lower()):
        raise _Invalid(
            'expected one word of letters, digits, ".", "_" or "-" (as in "#assign anna"), '
            f"got {_show(alias)}"
        )
    return alias


def _path(base: Path) -> Callable[[Any], Path]:
    def check(value: Any) -> Path:
        path = Path(_text(value)).expanduser()
        return path if path.is_absolute() else base / path

    return check


def _directory(base: Path) -> Callable[[Any], Path]:
    def check(value: Any) -> Path:
        path = _path(base)(value)
        if not path.is_dir():
            state = "is not a directory" if path.exists() else "does not exist"
            raise _Invalid(f'"{path}" {state}')
        return path

    return check


def _data_dir(base: Path) -> Callable[[Any], Path]:
    def check(value: Any) -> Path:
        path = _path(base)(value)
        if path.exists() and not path.is_dir():
            raise _Invalid(f'"{path}" exists but is not a directory')
        return path

    return check


# --------------------------------------------------------------------------- wording


def _join(prefix: str, name: str) -> str:
    part = name if _BARE_KEY.match(name) else json.dumps(name, ensure_ascii=False)
    return f"{prefix}.{part}" if prefix else part


def _unknown(name: str, allowed: tuple[str, ...], kind: str) -> str:
    close = difflib.get_close_matches(name, allowed, n=1)
    if kind == "section":
        if close:
            return f"unknown section [{name}] (did you mean [{close[0]}]?)"
        return f"unknown section [{name}]; the sections are " + ", ".join(
            f"[{a}]" if a not in _LISTS else f"[[{a}]]" for a in allowed
        )
    if close:
        return f'unknown {kind} "{name}" (did you mean "{close[0]}"?)'
    return f'unknown {kind} "{name}"; allowed: ' + ", ".join(allowed)


def _suggest(value: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, allowed, n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _show(value: Any) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _describe(value: Any) -> str:
    """How a TOML value reads in an error: `string "abc"`, `integer 5`, `array`."""
    kinds = (
        (bool, "boolean"),
        (int, "integer"),
        (float, "float"),
        (str, "string"),
        (datetime, "date-time"),
        (date, "date"),
        (time, "time"),
    )
    for kind, label in kinds:
        if isinstance(value, kind):
            return f"{label} {_show(value)}"
    if isinstance(value, list):
        return f"an array of {len(value)}"
    return "a table" if isinstance(value, dict) else type(value).__name__
