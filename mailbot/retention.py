"""Pure: which cases are past their retention term, and the anonymous row each leaves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mailbot.model import Case


def purgeable(cases: list[Case], now: datetime) -> list[Case]:
    """Closed cases whose retention term has ended, except those under a legal hold."""
    return [
        c
        for c in cases
        if c.status == "closed"
        and not c.on_hold
        and (r := c.deadline("retention")) is not None
        and r.due <= now
    ]


def stats_row(case: Case) -> dict[str, Any]:
    """What the yearly analysis needs of a purged case; nothing that names a person."""
    closed = case.closed_at or case.received_at
    return {
        "id": case.id,
        "year": case.received_at.year,
        "track": case.track,
        "stage": case.stage,
        "outcome": case.outcome,
        "severity": case.severity,
        "channel": case.channel,
        "received_at": case.received_at.isoformat(),
        "closed_at": closed.isoformat(),
        "days_open": (closed - case.received_at).days,
        "extended": any(d.kind == "extension" for d in case.documents),
        "deadlines": {
            d.name: _verdict(d.due, d.met_at, d.cancelled_at)
            for d in case.deadlines
            if d.name != "retention"
        },
    }


def _verdict(due: datetime, met: datetime | None, cancelled: datetime | None) -> str:
    if met is not None:
        return "met" if met <= due else "late"
    return "cancelled" if cancelled is not None else "missed"


def raw_hashes(case: Case) -> list[str]:
    return [m.sha256 for m in case.messages if m.sha256]


def attachment_names(case: Case) -> list[str]:
    return [a.stored_name for m in case.messages for a in m.attachments]


def inbound_message_ids(case: Case) -> list[str]:
    return [m.message_id for m in case.messages if m.direction == "in"]
