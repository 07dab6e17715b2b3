"""A local OAuth 2.0 token endpoint for tests (stdlib http.server on 127.0.0.1, a random port).

It speaks the grants mailbot uses: client credentials with a secret or with a signed client
assertion (checked against the test's certificate), the JWT bearer grant of a service account,
refresh tokens that rotate, the authorization code with PKCE (/authorize redirects to the
loopback redirect) and the device code (/devicecode). The access tokens it issues are HS256
JWTs with an `email` claim: what Dovecot's oauth2 passdb validates locally. Errors come in the
providers' shapes (AADSTS7000215 invalid_client, invalid_grant for a revoked refresh token).
Every request is recorded, so tests can count what it was asked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from cryptography.x509.oid import NameOID

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"

AADSTS7000215 = (
    "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request "
    "is the client secret value, not the client secret ID, for a secret added to app "
    "'11111111-2222-3333-4444-555555555555'.\r\nTrace ID: 0f1e2d3c\r\nCorrelation ID: 4b5a6978"
    "\r\nTimestamp: 2026-12-04 10:00:00Z"
)
AADSTS70000 = (
    "AADSTS70000: The provided value for the 'refresh_token' is not valid: it was revoked or "
    "has been used.\r\nTrace ID: 1a2b3c4d\r\nCorrelation ID: 5e6f7a8b"
)


@dataclass
class KeyPair:
    """An RSA key with a self-signed certificate, written as PEM files."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    cert_file: Path
    key_file: Path

    @property
    def x5t(self) -> str:
        return _b64url(self.cert.fingerprint(hashes.SHA1()))

    @property
    def key_pem(self) -> str:
        return self.key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


def make_key_pair(directory: Path, name: str = "client") -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"mailbot test {name}")])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    pair = KeyPair(key, cert, directory / f"{name}-cert.pem", directory / f"{name}-key.pem")
    pair.cert_file.write_bytes(cert.public_bytes(Encoding.PEM))
    pair.key_file.write_text(pair.key_pem)
    pair.key_file.chmod(0o600)
    return pair


def write_service_account(path: Path, pair: KeyPair, client_email: str, token_uri: str) -> Path:
    doc = {
        "type": "service_account",
        "project_id": "mailbot-test",
        "private_key_id": "k1",
        "private_key": pair.key_pem,
        "client_email": client_email,
        "client_id": "1234567890",
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(doc, indent=2))
    return path


@dataclass
class Request:
    path: str
    fields: dict[str, str]
    status: int = 0
    error: str | None = None


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    scope: str


@dataclass
class _Device:
    client_id: str
    scope: str
    user_code: str
    approved: bool = False
    polls: int = 0


@dataclass
class TokenServer:
    """Start with `start()` (or use as a context manager); `token_url` is where to POST."""

    mailbox: str = "klachten"  # the email claim of app-only tokens
    lifetime: int = 3600  # seconds an access token lives (the `exp` claim and expires_in)
    style: str = "microsoft"  # error shapes: "microsoft" or "google"
    clock: Callable[[], float] = time.time  # Dovecot checks `exp` against its own clock
    hs256_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    clients: dict[str, str] = field(default_factory=dict)  # client_id -> secret
    certificates: dict[str, KeyPair] = field(default_factory=dict)  # client_id -> its cert
    service_accounts: dict[str, KeyPair] = field(default_factory=dict)  # client_email -> key
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # valid token -> user
    rotate: bool = True  # each refresh answers a new refresh token and retires the old one
    users: dict[str, str] = field(default_factory=dict)  # authorize: client_id -> user
    requests: list[Request] = field(default_factory=list)
    retired: set[str] = field(default_factory=set)
    codes: dict[str, _Code] = field(default_factory=dict)
    devices: dict[str, _Device] = field(default_factory=dict)
    device_pending_polls: int = 1  # authorization_pending answers before the user "approves"
    fail_next: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> TokenServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("ascii")
                fields = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
                status, answer = server.handle_post(self.path, fields)
                self._send(status, json.dumps(answer).encode(), "application/json")

            def do_GET(self) -> None:
                status, location = server.handle_get(self.path)
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> TokenServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "start() the server first"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def token_url(self) -> str:
        return self.base_url + "/token"

    @property
    def authorization_url(self) -> str:
        return self.base_url + "/authorize"

    @property
    def device_url(self) -> str:
        return self.base_url + "/devicecode"

    # ------------------------------------------------------------------ what tests look at

    def count(self, grant: str | None = None) -> int:
        """Requests to /token, all or of one grant_type."""
        with self._lock:
            return sum(
                1
                for r in self.requests
                if r.path == "/token" and (grant is None or r.fields.get("grant_type") == grant)
            )

    def grants(self) -> Counter[str]:
        with self._lock:
            return Counter(r.fields.get("grant_type", "") for r in self.requests)

    def refresh_tokens_used(self) -> list[str]:
        with self._lock:
            return [
                r.fields["refresh_token"]
                for r in self.requests
                if r.fields.get("grant_type") == "refresh_token"
            ]

    def issue_refresh_token(self, user: str) -> str:
        token = "rt-" + secrets.token_urlsafe(16)
        with self._lock:
            self.refresh_tokens[token] = user
        return token

    def revoke(self, token: str) -> None:
        with self._lock:
            self.refresh_tokens.pop(token, None)

    def approve(self, user_code: str) -> None:
        with self._lock:
            for device in self.devices.values():
                if device.user_code == user_code:
                    device.approved = True

    def decode(self, access_token: str) -> dict[str, Any]:
        return jwt.decode(
            access_token, self.hs256_key, algorithms=["HS256"], options={"verify_exp": False}
        )

    # ------------------------------------------------------------------ the protocol

    def handle_post(self, path: str, fields: dict[str, str]) -> tuple[int, dict[str, Any]]:
        record = Request(path.split("?")[0], fields)
        with self._lock:
            self.requests.append(record)
            if self.fail_next:
                status, answer = self.fail_next.pop(0)
            elif record.path == "/token":
                status, answer = self._token(fields)
            elif record.path == "/devicecode":
                status, answer = self._devicecode(fields)
            else:
                status, answer = 404, {"error": "not_found"}
        record.status, record.error = status, answer.get("error")
        return status, answer

    def handle_get(self, path: str) -> tuple[int, str | None]:
        """/authorize: the "browser" signs in at once and is sent to the redirect_uri."""
        parts = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        with self._lock:
            self.requests.append(Request(parts.path, query))
            if parts.path != "/authorize":
                return 404, None
            redirect = query.get("redirect_uri", "")
            if query.get("client_id") not in self.users or not redirect:
                return 400, None
            if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256":
                return 302, _with(redirect, error="invalid_request", state=query.get("state"))
            code = "code-" + secrets.token_urlsafe(12)
            self.codes[code] = _Code(
                query["client_id"],
                redirect,
                query.get("code_challenge", ""),
                query.get("scope", ""),
            )
            return 302, _with(redirect, code=code, state=query.get("state"))

    def _token(self, f: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = f.get("grant_type")
        if grant == "client_credentials":
            return self._client_credentials(f)
        if grant == JWT_BEARER:
            return self._jwt_bearer(f)
        if grant == "refresh_token":
            return self._refresh(f)
        if grant == "authorization_code":
            return self._authorization_code(f)
        if grant == DEVICE_CODE:
            return self._device_poll(f)
        return self._error(400, "unsupported_grant_type", f"grant_type {grant!r}", 7000218)

    def _client_credentials(self, f: dict[str, str]) -> tuple[int, dict[str, Any]]:
        client = f.get("client_id", "")
        if "client_assertion" in f:
            if f.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
                return self._error(400, "invalid_request", "client_assertion_type", 50027)
            problem = self._check_assertion(client, f["client_assertion"])
            if problem:
                return self._error(401, "invalid_client", problem, 700027)
        elif self.clients.get(client) is None or f.get("client_secret") != self.clients[client]:
            return self._invalid_client()
        return 200, self._access(self.mailbox, f.get("scope", ""))

    def _check_assertion(self, client: str, assertion: str) -> str | None:
        pair = self.certificates.get(client)
        if pair is None:
            return f"AADSTS700016: Application with identifier '{client}' was not found."
        try:
            header = jwt.get_unverified_header(assertion)
            claims = self._verify(
                assertion, pair, ["exp", "nbf", "iat", "jti", "iss", "sub", "aud"]
            )
        except jwt.PyJWTError as exc:
            return f"AADSTS700027: Client assertion failed signature validation. ({exc})"
        if header.get("x5t") != pair.x5t:
            return "AADSTS700027: the x5t of the assertion names no certificate of this app"
        if claims["iss"] != client or claims["sub"] != client:
            return "AADSTS700023: iss and sub must be the client id"
        return None

    def _jwt_bearer(self, f: dict[str, str]) -> tuple[int, dict[str, Any]]:
        assertion = f.get("assertion", "")
        try:
            issuer = jwt.decode(assertion, options={"verify_signature": False}).get("iss")
            pair = self.service_accounts[issuer]
            claims = self._verify(assertion, pair, ["iss", "sub", "aud", "iat", "exp", "scope"])
        except (jwt.PyJWTError, KeyError) as exc:
            return 400, {"error": "invalid_grant", "error_description": f"Invalid JWT: {exc}"}
        if claims["exp"] - claims["iat"] > 3600:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT: exp too far"}
        return 200, self._access(claims["sub"], claims["scope"])

    def _refresh(self, f: dict[str, str]) -> tuple[int, dict[str, Any]]:
        token = f.get("refresh_token", "")
        user = self.refresh_tokens.get(token)
        if user is None:
            if self.style == "google":
                text = "Token has been expired or revoked."
                return 400, {"error": "invalid_grant", "error_description": text}
            return self._error(400, "invalid_grant", AADSTS70000, 70000)
        answer = self._access(user, f.get("scope", ""))
        if self.rotate:
            del self.refresh_tokens[token]
            self.retired.add(token)
            new = "rt-" + secrets.token_urlsafe(16)
            self.refresh_tokens[new] = user
            answer["refresh_token"] = new
        return 200, answer

    def _authorization_code(self, f: dict[str, str]) -> tuple[int, dict[str, Any]]:
        code = self.codes.pop(f.get("code", ""), None)
        if code is None or code.client_id != f.get("client_id"):
            return self._error(400, "invalid_grant", "AADSTS70008: the code is not valid", 70008)
        if code.redirect_uri != f.get("redirect_uri"):
            return self._error(400, "invalid_grant", "AADSTS50011: redirect_uri differs", 50011)
        verifier = f.get("code_verifier", "")
        if _b64url(hashlib.sha256(verifier.encode()).digest()) != code.challenge:
            return self._error(400, "invalid_grant", "AADSTS501481: code_verifier wrong", 501481)
        return 200, self._with_refresh(self.users[code.client_id], code.scope)

    def _devicecode(self, f: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if f.get("client_id") not in self.users:
            return self._error(400, "unauthorized_client", "AADSTS700016: unknown app", 700016)
        device_code = "dc-" + secrets.token_urlsafe(12)
        user_code = secrets.token_hex(4).upper()
        self.devices[device_code] = _Device(f["client_id"], f.get("scope", ""), user_code)
        return 200, {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": self.base_url + "/devicelogin",
            "expires_in": 900,
            "interval": 0,
            "message": f"To sign in, open {self.base_url}/devicelogin and enter {user_code}.",
        }

    def _device_poll(self, f: dict[str, str]) -> tuple[int, dict[str, Any]]:
        device = self.devices.get(f.get("device_code", ""))
        if device is None or device.client_id != f.get("client_id"):
            return 400, {"error": "expired_token", "error_description": "AADSTS70019: expired"}
        device.polls += 1
        if device.polls > self.device_pending_polls:
            device.approved = True
        if not device.approved:
            return 400, {"error": "authorization_pending", "error_description": "AADSTS70016"}
        del self.devices[f["device_code"]]
        return 200, self._with_refresh(self.users[device.client_id], device.scope)

    # ------------------------------------------------------------------ pieces

    def _verify(self, assertion: str, pair: KeyPair, required: list[str]) -> dict[str, Any]:
        """Signature, audience and required claims by PyJWT; the times against this
        server's clock (a test's fixed clock, or the real one)."""
        claims = jwt.decode(
            assertion,
            pair.key.public_key(),
            algorithms=["RS256"],
            audience=self.token_url,
            options={
                "require": required,
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
        now = self.clock()
        if not claims.get("nbf", claims["iat"]) - 60 <= now < claims["exp"]:
            raise jwt.ExpiredSignatureError(f"not valid at {now:.0f}")
        return claims

    def _access(self, user: str, scope: str) -> dict[str, Any]:
        now = int(self.clock())
        # Dovecot's local validation wants `sub` as well as the `email` it logs in by.
        claims = {"sub": user, "email": user, "iat": now, "exp": now + self.lifetime, "scp": scope}
        claims["jti"] = secrets.token_hex(8)  # two tokens in one second still differ
        token = jwt.encode(claims, self.hs256_key, algorithm="HS256")
        return {"token_type": "Bearer", "access_token": token, "expires_in": self.lifetime}

    def _with_refresh(self, user: str, scope: str) -> dict[str, Any]:
        answer = self._access(user, scope)
        answer["refresh_token"] = new = "rt-" + secrets.token_urlsafe(16)
        self.refresh_tokens[new] = user
        return answer

    def _invalid_client(self) -> tuple[int, dict[str, Any]]:
        if self.style == "google":
            return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
        return self._error(401, "invalid_client", AADSTS7000215, 7000215)

    def _error(
        self, status: int, error: str, description: str, code: int
    ) -> tuple[int, dict[str, Any]]:
        return status, {
            "error": error,
            "error_description": description,
            "error_codes": [code],
            "trace_id": "0f1e2d3c",
        }


def _with(url: str, **params: str | None) -> str:
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


CLIENT_ID = "11111111-2222-3333-4444-555555555555"  # the test's app registration


def microsoft365(server: TokenServer, **credential: Any) -> dict[str, Any]:
    """An [oauth2] section for Microsoft 365 whose token endpoint is `server`."""
    return {
        "provider": "microsoft365",
        "tenant": "voorbeeld.onmicrosoft.com",
        "token_url": server.token_url,  # …/authorize and …/devicecode beside it
        "client_id": CLIENT_ID,
        **credential,
    }


def with_oauth2(
    config: str, oauth2: dict[str, Any], *, imap: bool = True, smtp_user: str | None = None
) -> str:
    """A config text (tests/support.config_text) switched to OAuth 2.0: imap.auth = "oauth2"
    in place of its password (when `imap`), smtp.auth = "oauth2" as `smtp_user` (when
    given), and an [oauth2] section with `oauth2`'s keys."""
    if imap:
        lines = config.splitlines()
        start = lines.index("[imap]")
        end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("["))
        lines[start:end] = [
            'auth = "oauth2"' if line.startswith("password") else line for line in lines[start:end]
        ]
        config = "\n".join(lines) + "\n"
    if smtp_user:
        config = config.replace(
            "[smtp]\n", f'[smtp]\nauth = "oauth2"\nusername = "{smtp_user}"\n', 1
        )
    body = "\n".join(f"{key} = {json.dumps(value)}" for key, value in oauth2.items())
    return f"{config}\n[oauth2]\n{body}\n"
