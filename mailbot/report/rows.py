"""Pure: one anonymous row per case, from a live case or a purged case's statistics row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from mailbot.model import Case, Deadline

TRACKS = ("direct", "mediation", "formal")
VERDICTS = ("met", "late", "missed", "cancelled", "open")
OUTCOMES = ("upheld", "partly", "rejected")


@dataclass(frozen=True)
class CaseRow:
    """What the yearly analysis knows of one case; nothing that names a person."""

    id: str
    source: str  # live | purged
    track: str  # the track the case is on now, or ended on
    path: tuple[str, ...]  # the tracks it went through, in order
    channel: str
    status: str  # open | closed
    stage: str
    outcome: str | None
    severity: str | None
    received_at: datetime  # in the organisation's zone
    closed_at: datetime | None
    extensions: int
    deadlines: Mapping[str, str]  # deadline name -> one of VERDICTS

    @property
    def days_open(self) -> int | None:
        """Calendar days from receipt to closing (as the statistics rows count them)."""
        return None if self.closed_at is None else (self.closed_at - self.received_at).days

    @property
    def extended(self) -> bool:
        return self.extensions > 0


def verdict(deadline: Deadline, now: datetime | None) -> str:
    """met/late by when it was met; missed when it ended (or is still open) past its due time."""
    if deadline.met_at is not None:
        return "met" if deadline.met_at <= deadline.due else "late"
    if deadline.cancelled_at is not None:
        return "missed" if deadline.cancelled_at > deadline.due else "cancelled"
    if now is not None and now > deadline.due:
        return "missed"
    return "open"


def path_of(track: str, deadline_names: Iterable[str]) -> tuple[str, ...]:
    """The tracks a case went through, read from the deadlines each track sets."""
    names = tuple(deadline_names)
    path = [t for t in TRACKS if any(n.startswith(f"{t}.") for n in names)]
    if track not in path:
        path.append(track)
    return tuple(path)


def from_case(case: Case, zone: ZoneInfo, now: datetime | None = None) -> CaseRow:
    deadlines = {d.name: verdict(d, now) for d in case.deadlines if d.name != "retention"}
    closed = case.closed_at if case.status == "closed" else None
    return CaseRow(
        id=case.id,
        source="live",
        track=case.track,
        path=path_of(case.track, deadlines),
        channel=case.channel,
        status=case.status,
        stage=case.stage,
        outcome=case.outcome,
        severity=case.severity,
        received_at=case.received_at.astimezone(zone),
        closed_at=closed.astimezone(zone) if closed else None,
        extensions=sum(d.kind == "extension" for d in case.documents),
        deadlines=deadlines,
    )


def from_stats(row: Mapping[str, Any], zone: ZoneInfo) -> CaseRow:
    """A purged case (`retention.stats_row`); purged cases are always closed."""
    deadlines = {str(k): str(v) for k, v in (row.get("deadlines") or {}).items()}
    track = str(row["track"])
    return CaseRow(
        id=str(row["id"]),
        source="purged",
        track=track,
        path=path_of(track, deadlines),
        channel=str(row.get("channel") or "email"),
        status="closed",
        stage=str(row.get("stage") or "closed"),
        outcome=row.get("outcome"),
        severity=row.get("severity"),
        received_at=_moment(row["received_at"], zone),
        closed_at=_moment(row.get("closed_at") or row["received_at"], zone),
        extensions=int(bool(row.get("extended"))),
        deadlines=deadlines,
    )


def _moment(value: str | datetime, zone: ZoneInfo) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.astimezone(zone)


def year_rows(
    cases: Iterable[Case],
    stats: Iterable[Mapping[str, Any]],
    year: int,
    zone: ZoneInfo,
    now: datetime | None = None,
) -> tuple[CaseRow, ...]:
    """The cases received in `year` (local time), live first; an id is never counted twice."""
    rows: dict[str, CaseRow] = {}
    for case in cases:
        rows.setdefault(case.id, from_case(case, zone, now))
    for stat in stats:
        if str(stat.get("id")) not in rows:
            row = from_stats(stat, zone)
            rows[row.id] = row
    chosen = [r for r in rows.values() if r.received_at.year == year]
    return tuple(sorted(chosen, key=lambda r: (r.received_at, r.id)))
