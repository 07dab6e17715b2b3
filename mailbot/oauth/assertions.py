"""Signed JWT assertions (RFC 7523): a client's certificate assertion and a Google service
account's grant assertion, both RS256, made with PyJWT and keys read with cryptography."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, load_pem_private_key

from mailbot.errors import AuthError
from mailbot.oauth.serviceaccount import ServiceAccount

ASSERTION_LIFETIME = timedelta(minutes=5)  # long enough to reach the endpoint, no longer
GRANT_LIFETIME = timedelta(hours=1)  # Google allows at most one hour between iat and exp


@dataclass(frozen=True)
class ClientCertificate:
    """A certificate's thumbprints (as Microsoft names the key by) and its private key."""

    sha1: str  # base64url SHA-1 of the DER certificate: the JOSE header `x5t`
    sha256: str  # `x5t#S256`
    key: rsa.RSAPrivateKey = field(repr=False)


def load_client_certificate(cert_file: Path, key_file: Path) -> ClientCertificate:
    """Read the PEM certificate and its unencrypted PEM private key; they must belong together."""
    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    except (OSError, ValueError) as exc:
        raise AuthError(f"cannot read client_certificate_file {cert_file}: {_why(exc)}") from exc
    key = _private_key(key_file.read_bytes, f"private_key_file {key_file}")
    if cert.public_key().public_numbers() != key.public_key().public_numbers():
        raise AuthError(
            f"private_key_file {key_file} is not the key of client_certificate_file {cert_file}"
        )
    der = cert.public_bytes(Encoding.DER)
    return ClientCertificate(
        sha1=_b64url(hashlib.sha1(der).digest()),  # SHA-1 names the cert; it secures nothing
        sha256=_b64url(hashlib.sha256(der).digest()),
        key=key,
    )


def client_assertion(cert: ClientCertificate, client_id: str, audience: str, now: datetime) -> str:
    """The client assertion Microsoft identity platform takes instead of a secret: iss = sub =
    the client id, aud = the token endpoint, a unique jti, signed with the certificate's key."""
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "jti": str(uuid.uuid4()),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + ASSERTION_LIFETIME).timestamp()),
    }
    headers = {"x5t": cert.sha1, "x5t#S256": cert.sha256, "typ": "JWT"}
    return jwt.encode(claims, cert.key, algorithm="RS256", headers=headers)


def service_account_assertion(
    account: ServiceAccount, scope: str, audience: str, mailbox: str, now: datetime
) -> str:
    """The JWT bearer grant's assertion for domain-wide delegation: the service account asks
    for `scope` on behalf of `mailbox` (sub)."""
    key = _private_key(lambda: account.private_key.encode(), "the service account's private_key")
    claims = {
        "iss": account.client_email,
        "scope": scope,
        "aud": audience,
        "sub": mailbox,
        "iat": int(now.timestamp()),
        "exp": int((now + GRANT_LIFETIME).timestamp()),
    }
    headers = {"kid": account.private_key_id} if account.private_key_id else None
    return jwt.encode(claims, key, algorithm="RS256", headers=headers)


def _private_key(read: Callable[[], bytes], what: str) -> rsa.RSAPrivateKey:
    try:
        key = load_pem_private_key(read(), password=None)
    except TypeError as exc:  # the key is encrypted
        raise AuthError(f"{what} is encrypted: give it without a passphrase (mode 0600)") from exc
    except (OSError, ValueError) as exc:
        raise AuthError(f"cannot read {what}: {_why(exc)}") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise AuthError(f"{what} is not an RSA key (RS256 needs one)")
    return key


def _why(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text.splitlines()[0]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
