"""An SMTP sink that takes only bearer-token logins (XOAUTH2, OAUTHBEARER), validating the
HS256 JWTs the test token endpoint issues as Dovecot does: signature, `exp` by the real clock,
and the `email` claim against the login name. Mail is refused until a login succeeded."""

from __future__ import annotations

import json
import threading
from base64 import b64decode
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import jwt
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

from mailbot.demo.devmail import SmtpSink, _Handler

ALL = ("OAUTHBEARER", "XOAUTH2")
_ERROR = json.dumps({"status": "invalid_token", "schemes": "bearer", "scope": "mail"})
REFUSED = "535 5.7.8 Authentication credentials invalid"
AUTH_LINE = 12288


@dataclass(frozen=True)
class Login:
    mechanism: str
    user: str
    accepted: bool


class OAuthSmtpSink(SmtpSink):
    """`mechanisms` are what EHLO offers; `logins` records every attempt."""

    def __init__(self, key: bytes, mechanisms: tuple[str, ...] = ALL) -> None:
        super().__init__()
        self.key = key
        self.mechanisms = mechanisms
        self._lock = threading.Lock()
        self._logins: list[Login] = []

    @property
    def logins(self) -> list[Login]:
        with self._lock:
            return list(self._logins)

    def start(self) -> None:
        if self._controller is not None:
            return
        excluded = [m for m in ("LOGIN", "PLAIN", *ALL) if m not in self.mechanisms]
        controller = _BearerController(
            _BearerHandler(self),
            hostname=self.host,
            port=self.port,
            server_hostname="devmail.localhost",
            auth_require_tls=False,  # loopback; the real hosts use TLS
            auth_exclude_mechanism=excluded,
        )
        controller.start()
        self._controller = controller

    def accepts(self, mechanism: str, user: str, token: str) -> bool:
        try:
            claims = jwt.decode(token, self.key, algorithms=["HS256"], options={"require": ["exp"]})
        except jwt.PyJWTError:
            ok = False
        else:
            ok = claims.get("email") == user
        with self._lock:
            self._logins.append(Login(mechanism, user, ok))
        return ok


class _BearerSMTP(SMTP):
    """Room for a token in AUTH's line: 12288 octets (RFC 4954 section 4); aiosmtpd allows 512."""

    line_length_limit = AUTH_LINE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # per instance: aiosmtpd's own table is shared by every server in the process
        self.command_size_limits = defaultdict(lambda: SMTP.command_size_limit, AUTH=AUTH_LINE)


class _BearerController(Controller):
    def factory(self) -> SMTP:
        return _BearerSMTP(self.handler, **self.SMTP_kwargs)


class _BearerHandler(_Handler):
    def __init__(self, sink: OAuthSmtpSink) -> None:
        super().__init__(sink)
        self._oauth = sink

    async def handle_MAIL(self, server, session, envelope, address, options) -> str:
        if not session.authenticated:  # as aiosmtpd's auth_required, without its TLS warning
            return "530 5.7.0 Authentication required"
        return await super().handle_MAIL(server, session, envelope, address, options)

    async def auth_OAUTHBEARER(self, server: SMTP, args: list[str]) -> AuthResult:
        said = await _first_response(server, args)
        gs2, _, rest = said.partition("\x01")
        user = next((p[2:] for p in gs2.split(",") if p.startswith("a=")), "")
        user = user.replace("=2C", ",").replace("=3D", "=")
        return await self._judge(server, "OAUTHBEARER", user, _bearer(rest))

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        said = await _first_response(server, args)
        parts = dict(p.split("=", 1) for p in said.split("\x01") if "=" in p)
        return await self._judge(server, "XOAUTH2", parts.get("user", ""), _bearer(said))

    async def _judge(self, server: SMTP, mechanism: str, user: str, token: str) -> AuthResult:
        if self._oauth.accepts(mechanism, user, token):
            return AuthResult(success=True, auth_data=user)
        await server.challenge_auth(_ERROR)  # RFC 7628 3.2.2: the client answers, then 535
        return AuthResult(success=False, handled=False, message=REFUSED)


async def _first_response(server: SMTP, args: list[str]) -> str:
    if len(args) > 1:
        return b64decode(args[1]).decode("utf-8", "replace")
    answer = await server.challenge_auth("")
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else ""


def _bearer(said: str) -> str:
    for part in said.split("\x01"):
        if part.startswith("auth=Bearer "):
            return part[len("auth=Bearer ") :]
    return ""
