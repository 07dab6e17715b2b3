"""[oauth2]: the token endpoint and the one credential mailbot logs in to the mailbox with."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from mailbot.config.load.passwords import password_env, password_file
from mailbot.config.load.table import Context, Invalid, Table
from mailbot.config.load.values import (
    choice,
    path,
    readable_file,
    same_address,
    seconds,
    text,
    url,
)
from mailbot.config.schema import REQUIRED, keys_of
from mailbot.config.settings import OAUTH2_PROVIDERS, OAuth2Settings
from mailbot.config.wording import show
from mailbot.oauth.serviceaccount import parse_service_account

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

_SECRET_KEYS = keys_of(OAuth2Settings, "client_secret")
# Each credential and the keys that give it (the first one is named in errors).
_CREDENTIAL_KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "client_secret": _SECRET_KEYS,
        "client_certificate": ("client_certificate_file", "private_key_file"),
        "service_account": ("service_account_file",),
        "refresh_token": ("refresh_token_file",),
        "token_command": ("token_command",),
    }
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


def oauth2(t: Table) -> OAuth2Settings | None:
    provider = t.get("provider", choice(OAUTH2_PROVIDERS))
    credential = _credential(t, provider)
    if provider is None or credential is None:
        return None
    tenant = t.get("tenant", _tenant)
    if tenant and provider != "microsoft365":
        t.error("tenant", 'is only used with provider = "microsoft365"')
    needs_client = credential in ("client_secret", "client_certificate", "refresh_token")
    client_id = t.get("client_id", text, REQUIRED if needs_client else None)
    secret = _client_secret(t)
    account = t.get("service_account_file", _service_account(t.ctx.base))
    token_url = t.get("token_url", url, None)
    if token_url is None and credential != "token_command":
        token_url = _default_token_url(t, provider, tenant, account)
    authorization_url = t.get("authorization_url", url)
    device_url = t.get("device_authorization_url", url)
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
        scope=t.get("scope", text, _default_scope(provider, credential)),
        tenant=tenant,
        client_secret=secret,
        client_certificate_file=t.get("client_certificate_file", readable_file(t.ctx.base)),
        private_key_file=t.get("private_key_file", readable_file(t.ctx.base)),
        service_account_file=path(t.ctx.base)(t.data["service_account_file"]) if account else None,
        refresh_token_file=t.get("refresh_token_file", _token_file(t.ctx.base)),
        token_command=t.get("token_command", text),
        token_command_timeout_seconds=t.get("token_command_timeout_seconds", seconds),
        authorization_url=authorization_url,
        device_authorization_url=device_url,
    )


def _credential(t: Table, provider: str | None) -> str | None:
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


def _given_key(t: Table, credential: str) -> str:
    return next(k for k in _CREDENTIAL_KEYS[credential] if t.has(k))


def _client_secret(t: Table) -> str | None:
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
        "client_secret_file": password_file(t.ctx.base, "client secret"),
        "client_secret_env": password_env(t.ctx.env),
    }
    return t.get(given[0], readers[given[0]])


def _default_token_url(t: Table, provider: str, tenant: str | None, account: Any) -> str | None:
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


def _tenant(value: Any) -> str:
    tenant = text(value).strip()
    if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?", tenant):
        raise Invalid(
            "expected the tenant id (a GUID) or a verified domain like "
            f"example.onmicrosoft.com, got {show(tenant)}"
        )
    return tenant


def _service_account(base: Path) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        found = readable_file(base)(value)
        try:
            return parse_service_account(found.read_bytes())
        except OSError as exc:
            raise Invalid(f'cannot read "{found}": {exc.strerror or exc}') from exc
        except ValueError as exc:
            raise Invalid(f'"{found}": {exc}') from None

    return check


def _token_file(base: Path) -> Callable[[Any], Path]:
    """The refresh token file need not exist yet (`mailbot auth` writes it); its folder must."""

    def check(value: Any) -> Path:
        found = path(base)(value)
        if found.exists() and not found.is_file():
            raise Invalid(f'"{found}" exists but is not a regular file')
        if not found.parent.is_dir():
            raise Invalid(f'the folder "{found.parent}" does not exist')
        return found

    return check


def check_oauth2(ctx: Context, parts: dict[str, Any], present: bool) -> None:
    """[oauth2] is there exactly when a login uses it, and fits the mailboxes."""
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
        and not same_address(smtp.username, imap.username)
    ):
        ctx.error(
            "smtp.username",
            f'must be the mailbox imap.username ("{imap.username}"): the service account\'s '
            "token acts as that one mailbox",
        )
    if oauth2.provider == "microsoft365" and smtp.max_messages_per_minute is None:
        parts["smtp"] = replace(smtp, max_messages_per_minute=MICROSOFT_MESSAGES_PER_MINUTE)


def warn_open_secrets(ctx: Context, settings: OAuth2Settings | None) -> None:
    """A key or token file others may read is a mailbox others may read."""
    if settings is None:
        return
    files = {
        "oauth2.private_key_file": settings.private_key_file,
        "oauth2.service_account_file": settings.service_account_file,
        "oauth2.refresh_token_file": settings.refresh_token_file,
    }
    for key, file in files.items():
        try:
            mode = file.stat().st_mode & 0o777 if file else 0
        except OSError:
            continue
        if mode & 0o077:
            ctx.warnings.append(
                f'{key}: "{file}" can be read by other users (mode {mode:04o}); '
                f"chmod 600 it: it gives access to the mailbox"
            )
