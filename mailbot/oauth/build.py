"""Settings → the one TokenProvider the IMAP intake and the SMTP sender share."""

from __future__ import annotations

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
from mailbot.oauth.serviceaccount import parse_service_account
from mailbot.oauth.transport import Transport, post_form
from mailbot.settings import OAuth2Settings, Settings


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
    o: OAuth2Settings = settings.oauth2  # type: ignore[assignment]
    endpoint = Endpoint(o.token_url, transport, settings.imap.timeout_seconds)
    if o.credential == "client_secret":
        return ClientSecretGrant(endpoint, o.client_id, o.client_secret or "", o.scope)
    if o.credential == "client_certificate":
        cert = load_client_certificate(o.client_certificate_file, o.private_key_file)  # type: ignore[arg-type]
        return ClientCertificateGrant(endpoint, o.client_id, cert, o.scope)
    if o.credential == "service_account":
        account = _service_account(o)
        return ServiceAccountGrant(endpoint, account, settings.imap.username, o.scope)
    if o.credential == "refresh_token":
        return RefreshTokenGrant(
            endpoint,
            o.client_id,
            o.refresh_token_file,
            o.scope,
            o.client_secret,  # type: ignore[arg-type]
        )
    return TokenCommand(o.token_command or "", o.token_command_timeout_seconds)


def _service_account(o: OAuth2Settings):
    path = o.service_account_file
    try:
        return parse_service_account(path.read_bytes())  # type: ignore[union-attr]
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise AuthError(f"cannot read service_account_file {path}: {reason}") from exc
