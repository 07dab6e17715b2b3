"""Token sources that ask a token endpoint: client credentials (secret or certificate), the
JWT bearer grant of a Google service account, and a refresh token that may rotate."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from mailbot.oauth.answers import Token, read_token
from mailbot.oauth.assertions import (
    ClientCertificate,
    client_assertion,
    service_account_assertion,
)
from mailbot.oauth.refreshfile import read_refresh_token, refresh_lock, write_refresh_token
from mailbot.oauth.serviceaccount import ServiceAccount
from mailbot.oauth.transport import Transport

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TIMEOUT = 30.0  # seconds for one request to the token endpoint


@dataclass
class Endpoint:
    """Where tokens are asked for, and how."""

    url: str
    transport: Transport
    timeout: float = TIMEOUT

    def ask(self, fields: dict[str, str], grant: str, now: datetime) -> Token:
        status, answer = self.transport(self.url, fields, self.timeout)
        return read_token(status, answer, self.url, grant, now)


def _scoped(fields: dict[str, str], scope: str) -> dict[str, str]:
    return {**fields, "scope": scope} if scope else fields


@dataclass
class ClientSecretGrant:
    """Client credentials with a client secret (RFC 6749 section 4.4): app-only access."""

    endpoint: Endpoint
    client_id: str
    secret: str = field(repr=False)
    scope: str
    name: str = "client credentials (client secret)"

    def fetch(self, now: datetime) -> Token:
        fields = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.secret,
        }
        return self.endpoint.ask(_scoped(fields, self.scope), self.name, now)


@dataclass
class ClientCertificateGrant:
    """Client credentials with a signed client assertion (RFC 7523 section 2.2), the
    certificate way Microsoft recommends over secrets. A fresh assertion for every request."""

    endpoint: Endpoint
    client_id: str
    certificate: ClientCertificate
    scope: str
    name: str = "client credentials (certificate)"

    def fetch(self, now: datetime) -> Token:
        fields = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": client_assertion(
                self.certificate, self.client_id, self.endpoint.url, now
            ),
        }
        return self.endpoint.ask(_scoped(fields, self.scope), self.name, now)


@dataclass
class ServiceAccountGrant:
    """A Google service account acting as one mailbox (domain-wide delegation): the JWT
    bearer grant of RFC 7523 section 2.1."""

    endpoint: Endpoint
    account: ServiceAccount
    mailbox: str
    scope: str
    name: str = "service account grant (JWT bearer)"

    def fetch(self, now: datetime) -> Token:
        assertion = service_account_assertion(
            self.account, self.scope, self.endpoint.url, self.mailbox, now
        )
        fields = {"grant_type": JWT_BEARER_GRANT, "assertion": assertion}
        return self.endpoint.ask(fields, self.name, now)


@dataclass
class RefreshTokenGrant:
    """Delegated access with a refresh token (RFC 6749 section 6). A rotated refresh token is
    saved before its access token is handed out, and from then on only it is used.

    The file is shared: `mailbot check` or `mailbot auth` may rotate or replace it while the
    daemon runs. So each refresh holds the file's lock, reads the file, and takes its token
    when another process wrote it since this one last did; otherwise the token in memory
    outranks the file (a save that failed never brings the old one back)."""

    endpoint: Endpoint
    client_id: str
    path: Path
    scope: str
    secret: str | None = field(default=None, repr=False)
    name: str = "refresh token"
    _current: str | None = field(default=None, repr=False)  # the one to send next
    _seen: str | None = field(
        default=None, repr=False
    )  # what the file held when last read or written

    def fetch(self, now: datetime) -> Token:
        with refresh_lock(self.path):
            on_disk = read_refresh_token(self.path)
            if on_disk != self._seen or self._current is None:
                self._current = self._seen = on_disk
            fields = {
                "grant_type": "refresh_token",
                "refresh_token": self._current,
                "client_id": self.client_id,
            }
            if self.secret:
                fields["client_secret"] = self.secret
            token = self.endpoint.ask(_scoped(fields, self.scope), self.name, now)
            if token.refresh_token and token.refresh_token != self._current:
                self._current = token.refresh_token
                write_refresh_token(self.path, token.refresh_token)  # raises: token not used
                self._seen = token.refresh_token
            return token
