"""SASL with an OAuth 2.0 bearer token: which mechanism to use, and what the client says."""

from __future__ import annotations

import json
from collections.abc import Iterable

# Preferred first: OAUTHBEARER is the standard (RFC 7628); XOAUTH2 is Google's and Microsoft's
# older form, still the only one some servers offer.
BEARER_MECHANISMS = ("OAUTHBEARER", "XOAUTH2")


def bearer_mechanism(offered: Iterable[str]) -> str | None:
    """The mechanism to log in with among those a server offers (names in any case)."""
    names = {name.upper() for name in offered}
    return next((m for m in BEARER_MECHANISMS if m in names), None)


def initial_response(mechanism: str, user: str, token: str) -> str:
    """The client's first message (before base64) for `mechanism`."""
    if mechanism == "OAUTHBEARER":
        authzid = user.replace("=", "=3D").replace(",", "=2C")  # RFC 5801 saslname
        return f"n,a={authzid},\x01auth=Bearer {token}\x01\x01"
    if mechanism == "XOAUTH2":
        return f"user={user}\x01auth=Bearer {token}\x01\x01"
    raise ValueError(f"not a bearer token mechanism: {mechanism}")


def failure_reply(mechanism: str) -> str:
    """What the client answers to the server's error challenge so that the server ends the
    exchange with its failure code: RFC 7628's dummy %x01 for OAUTHBEARER, an empty line for
    XOAUTH2."""
    return "\x01" if mechanism == "OAUTHBEARER" else ""


def error_status(challenge: bytes) -> str | None:
    """The `status` of a server's error challenge (decoded JSON such as
    {"status":"invalid_token"}); None when the challenge is not one."""
    try:
        doc = json.loads(challenge.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    status = doc.get("status") if isinstance(doc, dict) else None
    return status if isinstance(status, str) else None
