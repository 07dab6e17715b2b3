"""HTTP to a token endpoint: the injected `Transport` and its stdlib urllib default."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from mailbot.errors import AuthError
from mailbot.oauth.answers import site

# post_form(url, fields, timeout) -> (HTTP status, JSON object of the answer; {} if none)
Transport = Callable[[str, dict[str, str], float], tuple[int, dict[str, Any]]]

_MAX_ANSWER = 1 << 20  # a token answer is a few KiB; more is not a token endpoint


def post_form(url: str, fields: dict[str, str], timeout: float) -> tuple[int, dict[str, Any]]:
    """POST `fields` form-encoded (RFC 6749 section 4) and read the JSON answer. An HTTP error
    status is returned, not raised: its body carries the provider's error."""
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(fields).encode("ascii"),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "User-Agent": "mailbot",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, _json(answer.read(_MAX_ANSWER))
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, _json(exc.read(_MAX_ANSWER))
    except (OSError, http.client.HTTPException) as exc:  # URLError and timeouts are OSErrors
        reason = getattr(exc, "reason", None) or exc
        raise AuthError(f"cannot reach the token endpoint {site(url)}: {reason}") from exc


def _json(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return doc if isinstance(doc, dict) else {}
