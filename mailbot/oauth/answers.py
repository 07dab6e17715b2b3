"""A token endpoint's answer read: the token and its lifetime, or one line naming its error."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mailbot.errors import AuthError

DEFAULT_LIFETIME = timedelta(minutes=5)  # an answer without expires_in: ask again soon
_MAX_DESCRIPTION = 300
_AADSTS = re.compile(r"\bAADSTS\d+\b")


@dataclass(frozen=True)
class Token:
    """An access token and when it stops working (the endpoint's `expires_in` from `issued`)."""

    access_token: str = field(repr=False)
    issued: datetime
    expires: datetime
    refresh_token: str | None = field(default=None, repr=False)  # a rotated one, if sent


def read_token(status: int, answer: dict[str, Any], url: str, grant: str, now: datetime) -> Token:
    """The token of a 200 answer (RFC 6749 section 5.1); anything else is an AuthError."""
    if status != 200 or "error" in answer:
        raise endpoint_error(status, answer, url, grant)
    token = answer.get("access_token")
    if not isinstance(token, str) or not token.strip():
        raise AuthError(f"token endpoint {site(url)} answered the {grant} without an access_token")
    kind = answer.get("token_type", "Bearer")
    if not isinstance(kind, str) or kind.lower() != "bearer":
        raise AuthError(f"token endpoint {site(url)} gave a {kind!r} token, not a Bearer token")
    refresh = answer.get("refresh_token")
    return Token(
        access_token=token.strip(),
        issued=now,
        expires=now + _lifetime(answer.get("expires_in")),
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
    )


def endpoint_error(status: int, answer: dict[str, Any], url: str, grant: str) -> AuthError:
    """One line: where, which grant, the provider's error code and the first line of its
    description (Microsoft adds trace and correlation ids on further lines)."""
    error = answer.get("error")
    where = f"token endpoint {site(url)} refused the {grant}"
    if not isinstance(error, str) or not error:
        return AuthError(f"{where}: HTTP {status} without an OAuth error")
    description = answer.get("error_description")
    text = description.strip().splitlines()[0].strip() if isinstance(description, str) else ""
    codes = answer.get("error_codes")
    if not _AADSTS.search(text) and isinstance(codes, list) and codes:
        text = f"AADSTS{codes[0]}: {text}".rstrip(": ")
    if len(text) > _MAX_DESCRIPTION:
        text = text[: _MAX_DESCRIPTION - 3] + "..."
    return AuthError(f"{where}: {error}: {text}" if text else f"{where}: {error}")


def site(url: str) -> str:
    """The URL without a query (which could carry a secret)."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _lifetime(value: Any) -> timedelta:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME
    return timedelta(seconds=seconds) if seconds > 0 else DEFAULT_LIFETIME
