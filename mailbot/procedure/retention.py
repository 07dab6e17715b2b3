"""Pure: which cases are past their retention term, and the anonymous row each leaves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class KeptCopy:
    """A mail of a case as it sits in the IMAP processed folder: the same bytes mailbot kept,
    so found by their size and SHA-256 (a Message-ID may be missing, synthetic, folded or
    shared); `size` is None when the kept file is gone, and then only the Message-ID is left."""

    sha256: str
    size: int | None
    message_id: str


def inbound_copies(case: Case, sizes: Mapping[str, int]) -> list[KeptCopy]:
    """The mails of `case` that mailbot took in and moved; `sizes` of the kept files by hash."""
    return [
        KeptCopy(m.sha256, sizes.get(m.sha256), m.message_id)
        for m in case.messages
        if m.direction == "in" and m.sha256
    ]
