"""`mailbot auth`'s sign-in flows for delegated access: the authorization code with PKCE and
a loopback redirect (RFC 7636, RFC 8252), or the device code (RFC 8628); each ends with the
first refresh token saved (mode 0600)."""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from mailbot.config.settings import OAuth2Settings
from mailbot.errors import AuthError
from mailbot.oauth.answers import Token, endpoint_error, read_token, site
from mailbot.oauth.refreshfile import write_refresh_token
from mailbot.oauth.transport import Transport

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SIGN_IN_TIMEOUT = 300.0  # seconds the loopback listener waits for the browser
_MAX_STRAY_REQUESTS = 20  # favicon and the like, before the redirect comes
NO_GOOGLE_DEVICE = (
    "Google does not allow the device flow for the mail scope https://mail.google.com/: "
    "run `mailbot auth` without --device (it signs in through the browser)"
)

Say = Callable[[str], None]
Sleep = Callable[[float], None]


def pkce_pair() -> tuple[str, str]:
    """A code verifier (RFC 7636: 43 to 128 characters) and its S256 challenge."""
    verifier = secrets.token_urlsafe(64)  # 86 characters
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def require_delegated(o: OAuth2Settings | None) -> OAuth2Settings:
    if o is None:
        raise AuthError("`mailbot auth` needs an [oauth2] section with refresh_token_file")
    if o.credential != "refresh_token" or o.refresh_token_file is None:
        raise AuthError(
            f"`mailbot auth` is for delegated access (refresh_token_file); this config uses "
            f"{o.credential}, which needs no sign-in: run `mailbot check`"
        )
    return o


# --------------------------------------------------------------------------- authorization code


@dataclass
class _Redirect:
    params: dict[str, str] | None = None


def browser_sign_in(
    o: OAuth2Settings,
    transport: Transport,
    say: Say,
    now: Callable[[], datetime],
    *,
    login_hint: str | None = None,
    timeout: float = SIGN_IN_TIMEOUT,
    port: int = 0,
) -> Token:
    """Listen on 127.0.0.1 (`port`, else a random one), print the URL to open, wait for the
    browser's redirect, check its state, exchange the code with the PKCE verifier, save the
    refresh token."""
    o = require_delegated(o)
    if not o.authorization_url:
        raise AuthError("no authorization_url in [oauth2]: give the provider's sign-in endpoint")
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    got = _Redirect()
    server = _listener(got, port)
    server.timeout = timeout
    try:
        # Microsoft registers "http://localhost" for desktop apps (any port); RFC 8252 and
        # Google prefer the IP literal.
        host = "localhost" if o.provider == "microsoft365" else "127.0.0.1"
        redirect_uri = f"http://{host}:{server.server_address[1]}/"
        query = {
            "client_id": o.client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "scope": o.scope,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if o.provider == "google":  # a refresh token only with offline access, every time
            query |= {"access_type": "offline", "prompt": "consent"}
        if login_hint:
            query["login_hint"] = login_hint
        url = f"{o.authorization_url}?{urllib.parse.urlencode(query)}"
        say(f"Open this URL in a browser on this machine and sign in{_as(login_hint)}:\n{url}")
        say(f"Waiting for the sign-in (at most {timeout:g} s) on {redirect_uri} ...")
        _wait(server, got, timeout)
    finally:
        server.server_close()
    params = got.params or {}
    if params.get("state") != state:
        raise AuthError("the sign-in came back with a wrong state: start `mailbot auth` again")
    if "error" in params:
        raise endpoint_error(400, params, o.authorization_url, "sign-in")
    fields = {
        "grant_type": "authorization_code",
        "code": params.get("code", ""),
        "redirect_uri": redirect_uri,
        "client_id": o.client_id,
        "code_verifier": verifier,
    }
    return _first_token(o, transport, fields, "authorization code", now)


def _as(login_hint: str | None) -> str:
    return f" as {login_hint}" if login_hint else ""


def _listener(got: _Redirect, port: int) -> HTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
            if "code" in query or "error" in query:
                got.params = query
                text = "Signed in: mailbot has what it needs. You may close this window."
                if "error" in query:
                    text = f"Sign-in refused: {query['error']}. See the terminal."
                self._answer(200, text)
            else:
                self._answer(404, "Not the sign-in redirect.")

        def _answer(self, status: int, text: str) -> None:
            body = f"<!doctype html><title>mailbot</title><p>{html.escape(text)}</p>".encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    try:
        return HTTPServer(("127.0.0.1", port), Handler)
    except OSError as exc:
        raise AuthError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from exc


def _wait(server: HTTPServer, got: _Redirect, timeout: float) -> None:
    timed_out = False

    def on_timeout() -> None:
        nonlocal timed_out
        timed_out = True

    server.handle_timeout = on_timeout  # type: ignore[method-assign]
    for _ in range(_MAX_STRAY_REQUESTS):
        server.handle_request()
        if got.params is not None:
            return
        if timed_out:
            raise AuthError(f"no sign-in came back within {timeout:g} s")
    raise AuthError("the sign-in redirect did not come (only other requests reached mailbot)")


# --------------------------------------------------------------------------- device code


def device_sign_in(
    o: OAuth2Settings,
    transport: Transport,
    say: Say,
    now: Callable[[], datetime],
    sleep: Sleep,
) -> Token:
    """Ask for a device code, tell the user where to enter it, poll until they have."""
    o = require_delegated(o)
    if o.provider == "google":
        raise AuthError(NO_GOOGLE_DEVICE)
    if not o.device_authorization_url:
        raise AuthError("no device_authorization_url in [oauth2]: this provider has no device flow")
    url = o.device_authorization_url
    status, answer = transport(url, {"client_id": o.client_id, "scope": o.scope}, 30.0)
    if status != 200 or "device_code" not in answer:
        raise endpoint_error(status, answer, url, "device code request")
    say(_device_message(answer))
    interval = _number(answer.get("interval"), 5)
    polls = int(_number(answer.get("expires_in"), 900) / max(interval, 1)) + 1
    fields = {"grant_type": DEVICE_GRANT, "device_code": answer["device_code"]}
    fields["client_id"] = o.client_id
    if o.client_secret:
        fields["client_secret"] = o.client_secret
    for _ in range(polls):
        sleep(interval)
        status, reply = transport(o.token_url, fields, 30.0)
        error = reply.get("error")
        if error == "authorization_pending":
            continue
        if error == "slow_down":  # RFC 8628 section 3.5: five seconds more, from now on
            interval += 5
            continue
        token = read_token(status, reply, o.token_url, "device code", now())
        return _keep(o, token)
    raise AuthError(f"the device code expired before the sign-in at {site(url)} was finished")


def _device_message(answer: dict[str, Any]) -> str:
    message = answer.get("message")
    if isinstance(message, str) and message:
        return message
    where = answer.get("verification_uri") or answer.get("verification_url")
    return f"To sign in, open {where} and enter the code {answer.get('user_code')}."


def _number(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if number >= 0 else default


# --------------------------------------------------------------------------- both


def _first_token(
    o: OAuth2Settings,
    transport: Transport,
    fields: dict[str, str],
    grant: str,
    now: Callable[[], datetime],
) -> Token:
    if o.client_secret:
        fields["client_secret"] = o.client_secret
    status, answer = transport(o.token_url, fields, 30.0)
    return _keep(o, read_token(status, answer, o.token_url, grant, now()))


def _keep(o: OAuth2Settings, token: Token) -> Token:
    if not token.refresh_token:
        hint = (
            'include "offline_access" in scope'
            if o.provider == "microsoft365"
            else "the provider must be asked for offline access"
        )
        raise AuthError(f"the sign-in gave no refresh token: {hint}")
    write_refresh_token(o.refresh_token_file, token.refresh_token)  # type: ignore[arg-type]
    return token
