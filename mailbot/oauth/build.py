"""Settings → the one TokenProvider the IMAP intake and the SMTP sender share."""

from __future__ import annotations

from pathlib import Path

from mailbot.config.settings import Settings
from mailbot.errors import AuthError
from mailbot.oauth.assertions import load_client_certificate
from mailbot.oauth.command import TokenCommand
from mailbot.oauth.grants import (
    ClientCertificateGrant,
    ClientSecretGrant,
    Endpoint,
    RefreshTokenGrant,
    ServiceAccountGrant,
)
from mailbot.oauth.provider import TokenProvider, TokenSource
from mailbot.oauth.serviceaccount import ServiceAccount, parse_service_account
from mailbot.oauth.transport import Transport, post_form


def uses_oauth2(settings: Settings) -> bool:
    return "oauth2" in (settings.imap.auth, settings.smtp.auth)


def build_token_provider(
    settings: Settings, transport: Transport | None = None
) -> TokenProvider | None:
    """None when neither login uses OAuth 2.0. Reads the key files now, so that a broken
    certificate or key is reported at start, not at the first login."""
    if not uses_oauth2(settings) or settings.oauth2 is None:
        return None
    return TokenProvider(token_source(settings, transport or post_form))


def token_source(settings: Settings, transport: Transport) -> TokenSource:
    """The source of the one credential config allowed; its files were checked there."""
    o = settings.oauth2
    assert o is not None
    endpoint = Endpoint(o.token_url, transport, settings.imap.timeout_seconds)
    if o.credential == "client_secret":
        return ClientSecretGrant(endpoint, o.client_id, o.client_secret or "", o.scope)
    if o.credential == "client_certificate":
        assert o.client_certificate_file and o.private_key_file
        cert = load_client_certificate(o.client_certificate_file, o.private_key_file)
        return ClientCertificateGrant(endpoint, o.client_id, cert, o.scope)
    if o.credential == "service_account":
        assert o.service_account_file
        account = _service_account(o.service_account_file)
        return ServiceAccountGrant(endpoint, account, settings.imap.username, o.scope)
    if o.credential == "refresh_token":
        assert o.refresh_token_file
        path, secret = o.refresh_token_file, o.client_secret
        return RefreshTokenGrant(endpoint, o.client_id, path, o.scope, secret)
    return TokenCommand(o.token_command or "", o.token_command_timeout_seconds)


def _service_account(path: Path) -> ServiceAccount:
    try:
        return parse_service_account(path.read_bytes())
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise AuthError(f"cannot read service_account_file {path}: {reason}") from exc
