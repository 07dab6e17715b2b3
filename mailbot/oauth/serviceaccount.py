"""A Google service account's key file: the fields the JWT bearer grant needs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

_FIELDS = ("client_email", "private_key")


@dataclass(frozen=True)
class ServiceAccount:
    client_email: str
    private_key: str = field(repr=False)  # PEM, PKCS#8
    token_uri: str | None = None
    private_key_id: str | None = None


def parse_service_account(data: bytes) -> ServiceAccount:
    """The key file Google hands out (JSON, "type": "service_account"); ValueError says what
    is wrong in words an operator can act on."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a JSON key file ({exc})") from None
    if not isinstance(doc, dict):
        raise ValueError("not a service account key file (expected a JSON object)")
    if doc.get("type", "service_account") != "service_account":
        raise ValueError(
            f'"type" is {json.dumps(doc.get("type"))}, not "service_account" '
            "(an OAuth client file is not a service account key)"
        )
    missing = [name for name in _FIELDS if not isinstance(doc.get(name), str) or not doc[name]]
    if missing:
        raise ValueError("lacks " + " and ".join(f'"{m}"' for m in missing))
    if "PRIVATE KEY-----" not in doc["private_key"]:
        raise ValueError('"private_key" is not a PEM private key')
    token_uri = doc.get("token_uri")
    key_id = doc.get("private_key_id")
    return ServiceAccount(
        client_email=doc["client_email"],
        private_key=doc["private_key"],
        token_uri=token_uri if isinstance(token_uri, str) and token_uri else None,
        private_key_id=key_id if isinstance(key_id, str) and key_id else None,
    )
