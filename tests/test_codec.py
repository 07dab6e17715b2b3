"""Dataclasses to JSON and back, losslessly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from mailbot.model import AttachmentRecord, Case, Deadline, Event, MessageRecord, Party
from mailbot.store.codec import from_dict, to_dict

AMSTERDAM_SUMMER = timezone(timedelta(hours=2))


def test_a_full_case_survives_json() -> None:
    at = datetime(2026, 4, 24, 16, 5, tzinfo=AMSTERDAM_SUMMER)
    case = Case(
        id="KL-2026-0001",
        track="formal",
        stage="received",
        status="open",
        complainant=Party("Émile Düring", "emile@example.org"),
        received_at=at,
        language="nl",
        respondent=Party("Anna", None),
        deadlines=(
            Deadline("formal.acknowledgement", at, met_at=datetime(2026, 5, 1, tzinfo=UTC)),
        ),
        messages=(
            MessageRecord(
                "a@b",
                "in",
                "emile@example.org",
                ("x@y", "z@y"),
                "Klacht",
                at,
                "tekst \\ é",
                sha256="00" * 32,
                attachments=(AttachmentRecord("ab.bin", "../brief.pdf", "application/pdf", 3),),
            ),
        ),
        events=(Event(at, "emile@example.org", "received", "formal"),),
    )
    data = json.loads(json.dumps(to_dict(case)))
    assert data["received_at"] == "2026-04-24T16:05:00+02:00"
    assert from_dict(Case, data) == case
