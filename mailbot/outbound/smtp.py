"""Sending composed mail over SMTP (stdlib smtplib); errors become SmtpError."""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from typing import TYPE_CHECKING

from mailbot.clock import SYSTEM_CLOCK, Clock
from mailbot.config.settings import SmtpSettings
from mailbot.errors import (
    AddressNotSupported,
    AuthError,
    SmtpAuthError,
    SmtpError,
    SmtpQuotaError,
)
from mailbot.mail.sasl import bearer_mechanism, error_status, failure_reply, initial_response
from mailbot.outbound.pacing import quota_answer

if TYPE_CHECKING:
    from mailbot.oauth import TokenProvider

log = logging.getLogger(__name__)


class SmtpSender:
    """One SMTP session; `send` raises SmtpError(permanent=...) for what the server refused.
    With `auth = "oauth2"` it logs in with a bearer token from `tokens` (at `clock`'s now)."""

    def __init__(
        self,
        settings: SmtpSettings,
        tokens: TokenProvider | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._settings = settings
        self._tokens = tokens
        self._clock = clock
        self._conn: smtplib.SMTP | None = None

    def open(self) -> None:
        s = self._settings
        where = f"SMTP server {s.host}:{s.port}"
        try:
            if s.security == "tls":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout_seconds, context=ssl.create_default_context()
                )
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
                if s.security == "starttls":
                    conn.starttls(context=ssl.create_default_context())
            if s.auth == "oauth2":
                self._bearer_login(conn, where)
            elif s.username:
                conn.login(s.username, s.password or "")
        except SmtpAuthError:
            conn.close()
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise SmtpAuthError(
                f"{where} rejected the login of {s.username}: {exc.smtp_code}"
            ) from None
        # UnicodeError: a host name that IDNA refuses, a login that is not ASCII.
        except (OSError, smtplib.SMTPException, UnicodeError) as exc:
            raise SmtpError(f"cannot connect to {where}: {_describe(exc)}") from exc
        self._conn = conn

    def _bearer_login(self, conn: smtplib.SMTP, where: str) -> None:
        """AUTH with a bearer token by the mechanism EHLO offers (OAUTHBEARER before XOAUTH2);
        a refused cached token gets one fresh token and one retry."""
        s, tokens = self._settings, self._tokens
        if tokens is None:
            raise SmtpAuthError(f"{where}: smtp.auth is oauth2 but no token provider was given")
        conn.ehlo_or_helo_if_needed()
        offered = (conn.esmtp_features.get("auth") or "").split()
        mechanism = bearer_mechanism(offered)
        if mechanism is None:
            raise SmtpAuthError(
                f"{where} offers neither AUTH OAUTHBEARER nor AUTH XOAUTH2 (it offers "
                f"{' '.join(offered) or 'no AUTH'}), so it cannot take an OAuth 2.0 token"
            )
        now = self._clock.now()
        try:
            fetched = tokens.fetches
            refused = self._authenticate(conn, mechanism, tokens.token(now))
            if refused and tokens.fetches == fetched:  # the cached token: one fresh one
                log.info("smtp refused the cached OAuth 2.0 token; one retry with a fresh one")
                refused = self._authenticate(conn, mechanism, tokens.refresh(now))
        except AuthError as exc:
            raise SmtpAuthError(f"{where}: no OAuth 2.0 token for {s.username}: {exc}") from exc
        if refused:
            raise SmtpAuthError(
                f"{where} refused the {mechanism} login of {s.username} with an OAuth 2.0 "
                f"token: {refused}"
            )

    def _authenticate(self, conn: smtplib.SMTP, mechanism: str, token: str) -> str | None:
        """None when logged in, else the server's refusal in words."""
        status: list[str] = []

        def respond(challenge: bytes | None = None) -> str:
            if challenge is None:
                return initial_response(mechanism, self._settings.username, token)
            status.append(error_status(challenge) or challenge.decode("utf-8", "replace"))
            return failure_reply(mechanism)

        try:
            conn.auth(mechanism, respond, initial_response_ok=True)
        except smtplib.SMTPAuthenticationError as exc:
            said = _text(exc.smtp_error)
            return " ".join([f"{exc.smtp_code} {said}".strip(), *(f"({s})" for s in status)])
        return None

    @property
    def connected(self) -> bool:
        return self._conn is not None

    def send(self, sender: str, recipient: str, data: bytes) -> None:
        if self._conn is None:
            raise SmtpError("SMTP session is not open")
        try:
            options = self._mail_options(sender, recipient, data)
            refused = self._conn.sendmail(sender, [recipient], data, mail_options=options)
        except SmtpError:
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = exc.recipients.get(recipient, (550, b"refused"))
            raise self._refused(recipient, code, text) from exc
        except smtplib.SMTPResponseException as exc:
            raise self._refused(recipient, exc.smtp_code, exc.smtp_error) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._conn = None
            raise SmtpError(f"sending to {recipient} failed: {_describe(exc)}") from exc
        except Exception:
            # An error of this mail, not of the server (smtplib may have begun the
            # transaction): the session must be clean for the next mail.
            self._reset()
            raise
        if refused:
            code, text = refused[recipient]
            raise self._refused(recipient, code, text)

    def _refused(self, recipient: str, code: int, text: bytes | str) -> SmtpError:
        """The error for a refusal; after a 421 smtplib has closed the session."""
        if code == 421:
            self._conn = None
        if quota_answer(text):
            return SmtpQuotaError(_reply(recipient, code, text))
        return SmtpError(_reply(recipient, code, text), permanent=code >= 500)

    def _mail_options(self, sender: str, recipient: str, data: bytes) -> list[str]:
        """SMTPUTF8 (RFC 6531) for an internationalised address, where the server offers it;
        BODY=8BITMIME for 8-bit content (a kept original) where it offers that."""
        conn = self._conn
        assert conn is not None
        conn.ehlo_or_helo_if_needed()
        options: list[str] = []
        if not (sender.isascii() and recipient.isascii()):
            if not conn.has_extn("smtputf8"):
                address, way = (sender, "from") if recipient.isascii() else (recipient, "to")
                raise AddressNotSupported(
                    f"{address} is an internationalised address (it holds non-ASCII "
                    f"characters) and the SMTP server {self._settings.host} does not offer "
                    f"SMTPUTF8, so mail {way} it cannot be sent"
                )
            options.append("SMTPUTF8")
        if (options or not data.isascii()) and conn.has_extn("8bitmime"):
            options.append("BODY=8BITMIME")
        return options

    def _reset(self) -> None:
        """RSET after a failed transaction; a session that cannot even do that is dropped."""
        if self._conn is None:
            return
        try:
            self._conn.rset()
        except (OSError, smtplib.SMTPException):
            self._conn.close()
            self._conn = None

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (OSError, smtplib.SMTPException):
                self._conn.close()
            self._conn = None

    def __enter__(self) -> SmtpSender:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _reply(recipient: str, code: int, text: bytes | str) -> str:
    return f"server answered {code} {_text(text)} for {recipient}"


def _text(text: bytes | str) -> str:
    return text.decode(errors="replace") if isinstance(text, bytes) else text


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
