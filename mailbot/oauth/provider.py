"""The TokenProvider: one cached access token for the IMAP and SMTP logins, fetched anew
shortly before it expires, shared safely between threads."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Protocol

from mailbot.errors import AuthError
from mailbot.oauth.answers import Token

MARGIN = timedelta(seconds=60)  # a token this close to its end is not handed out


class TokenSource(Protocol):
    name: str  # what `mailbot check` calls the step, e.g. "refresh token"

    def fetch(self, now: datetime) -> Token: ...


class TokenProvider:
    """`token(now)` returns the cached token, fetching one when there is none or it expires
    within a minute (within half its lifetime, for a lifetime under two minutes); `refresh(now)`
    fetches one regardless, for a login the server refused. Failures raise AuthError."""

    def __init__(self, source: TokenSource) -> None:
        self.source = source
        self._lock = threading.Lock()  # one fetch at a time; the others wait and reuse it
        self._token: Token | None = None
        self.fetches = 0  # tokens obtained from the source, for `check` and the tests

    def token(self, now: datetime) -> str:
        with self._lock:
            cached = self._token
            if cached is not None and now < _renew_at(cached):
                return cached.access_token
            try:
                return self._fetch(now)
            except AuthError:
                if cached is not None and now < cached.expires:
                    return cached.access_token  # the endpoint is down: ride out on the old one
                raise

    def refresh(self, now: datetime) -> str:
        with self._lock:
            return self._fetch(now)

    def expires(self) -> datetime | None:
        """When the cached token ends (None before the first)."""
        with self._lock:
            return self._token.expires if self._token else None

    def _fetch(self, now: datetime) -> str:
        token = self.source.fetch(now)
        self._token = token
        self.fetches += 1
        return token.access_token


def _renew_at(token: Token) -> datetime:
    lifetime = token.expires - token.issued
    return token.expires - min(MARGIN, lifetime / 2)
