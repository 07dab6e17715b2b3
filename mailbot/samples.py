"""Example data for rendering every template (`mailbot check`, `mailbot preview`, tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mailbot.model import Case, MessageRecord, Party, SendMail

# Each template mailbot sends, with the extra context its effect carries.
TEMPLATES: dict[str, dict[str, Any]] = {
    "acknowledgement": {},
    "new_case": {},
    "client_reply": {},
    "operator_alert": {
        "alert": {
            "title": "message moved to quarantine",
            "detail": "Reason: example reason",
            "action": "Look at the message in the quarantine folder.",
        }
    },
}


def sample_message(at: datetime) -> MessageRecord:
    return MessageRecord(
        message_id="voorbeeld-1@example.org",
        direction="in",
        from_addr="jan.jansen@example.org",
        to=("klachten@example.nl",),
        subject="Factuur klopt niet",
        at=at,
        text="Geachte heer/mevrouw,\n\nDe factuur van maart is twee keer verstuurd.\n",
    )


def sample_case(prefix: str = "KL", track: str = "direct") -> Case:
    at = datetime(2026, 3, 16, 9, 30, tzinfo=UTC)
    return Case(
        id=f"{prefix}-2026-0042",
        track=track,
        stage="received",
        status="open",
        complainant=Party("Jan Jansen", "jan.jansen@example.org"),
        received_at=at,
        language="nl",
        messages=(sample_message(at),),
    )


def sample_effect(template: str) -> SendMail:
    return SendMail(template, to="complainant", context=TEMPLATES[template])
