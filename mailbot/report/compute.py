"""Pure: the yearly analysis' figures, computed from live cases and purged statistics rows."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mailbot.config.settings import DEADLINE_NAMES, DEFAULT_TERMS, Term
from mailbot.config.terms import parse_term
from mailbot.model import Case
from mailbot.procedure.workdays import Calendar
from mailbot.report.rows import OUTCOMES, TRACKS, VERDICTS, CaseRow, year_rows

CHANNELS = ("email", "telefoon", "mondeling", "brief")
DECIDED = ("met", "late", "missed")
# The term a track's handling time is held against in the chart.
TRACK_TERM = {
    "direct": "direct.resolution",
    "mediation": "mediation.outcome",
    "formal": "formal.decision",
}
RESULTS = {
    "direct": ("resolved", "mediation", "formal", "withdrawn", "closed", "open"),
    "mediation": ("agreed", "failed", "withdrawn", "closed", "open"),
    "formal": (*OUTCOMES, "withdrawn", "closed", "open"),
}
FINAL = ("resolved", "agreed", *OUTCOMES, "withdrawn", "closed", "open")


@dataclass(frozen=True)
class Ratio:
    """`hits` of `total`; the percentage is None when there is nothing to count."""

    hits: int
    total: int

    @property
    def percent(self) -> float | None:
        return None if self.total == 0 else round(100 * self.hits / self.total, 1)


@dataclass(frozen=True)
class Handling:
    """Handling time (receipt to closing) of a track's closed cases."""

    closed: int
    median_days: float | None
    max_days: int | None
    median_working_days: float | None
    max_working_days: int | None
    term_days: float | None  # the track's term in calendar days, median over its cases


@dataclass(frozen=True)
class Evaluation:
    case_id: str
    at: date
    text: str


@dataclass(frozen=True)
class FormalFigures:
    cases: int
    acknowledgement: Ratio  # acknowledged within the term, of the decided acknowledgements
    decision: Ratio  # decided within the term in force (an extension moves it)
    decision_unextended: Ratio  # decided on time without an extension
    extensions: int
    extended_cases: int
    extended_late: int  # extended, and still decided late or not at all


@dataclass(frozen=True)
class YearFigures:
    year: int
    rows: tuple[CaseRow, ...]
    terms: Mapping[str, Term]
    by_track: Mapping[str, int]
    by_channel: Mapping[str, int]
    by_month: Mapping[int, Mapping[str, int]]  # 1..12 -> track -> cases
    results: Mapping[str, Mapping[str, int]]  # track -> result -> cases that went through it
    final: Mapping[str, int]  # how each case ended (or that it still runs)
    formal: FormalFigures
    handling: Mapping[str, Handling]
    compliance: Mapping[str, Mapping[str, int]]  # deadline -> verdict -> count
    evaluations: tuple[Evaluation, ...]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def purged(self) -> int:
        return sum(r.source == "purged" for r in self.rows)


def figures(
    cases: list[Case],
    stats: list[dict[str, Any]],
    year: int,
    calendar: Calendar,
    *,
    now: datetime | None = None,
    terms: Mapping[str, Term] | None = None,
) -> YearFigures:
    """The figures of the cases received in `year` (live and purged, each id once).

    `now` decides whether a deadline still open is missed (past due) or running; without it,
    open deadlines count as running. `terms` defaults to the procedure's default terms."""
    terms = dict(terms) if terms else {n: parse_term(t) for n, t in DEFAULT_TERMS.items()}
    rows = year_rows(cases, stats, year, calendar.zone, now)
    ids = {r.id for r in rows}
    return YearFigures(
        year=year,
        rows=rows,
        terms=terms,
        by_track=_count((r.track for r in rows), TRACKS),
        by_channel=_count((r.channel for r in rows), CHANNELS),
        by_month=_by_month(rows),
        results={t: _count(_results(rows, t), RESULTS[t]) for t in TRACKS},
        final=_count((_ended(r) for r in rows), FINAL),
        formal=_formal(rows),
        handling={t: _handling(rows, t, calendar, terms) for t in TRACKS},
        compliance=_compliance(rows),
        evaluations=_evaluations((c for c in cases if c.id in ids), calendar),
    )


def _count(values: Iterable[str], known: tuple[str, ...]) -> dict[str, int]:
    """Counts in the order of `known`, then any other value met, alphabetically."""
    counts = Counter(values)
    extra = sorted(set(counts) - set(known))
    return {key: counts.get(key, 0) for key in (*known, *extra)}


def _by_month(rows: tuple[CaseRow, ...]) -> dict[int, dict[str, int]]:
    return {
        month: _count((r.track for r in rows if r.received_at.month == month), TRACKS)
        for month in range(1, 13)
    }


def _results(rows: tuple[CaseRow, ...], track: str) -> list[str]:
    """How each case that went through `track` left it (or that it is still there)."""
    found = []
    for row in rows:
        if track not in row.path:
            continue
        if row.track != track:
            found.append(_left_for(row, track))
        else:
            found.append(_ended(row))
    return found


def _left_for(row: CaseRow, track: str) -> str:
    later = row.path[row.path.index(track) + 1]
    return "failed" if track == "mediation" else later


def _ended(row: CaseRow) -> str:
    if row.stage in ("resolved", "agreed", "withdrawn"):
        return row.stage
    if row.outcome in OUTCOMES:
        return row.outcome
    return "open" if row.status == "open" else "closed"


def _formal(rows: tuple[CaseRow, ...]) -> FormalFigures:
    formal = [r for r in rows if r.track == "formal"]
    decisions = [r.deadlines.get("formal.decision") for r in formal]
    extended = [r for r in formal if r.extended]
    return FormalFigures(
        cases=len(formal),
        acknowledgement=_ratio(r.deadlines.get("formal.acknowledgement") for r in formal),
        decision=_ratio(decisions),
        decision_unextended=Ratio(
            sum(r.deadlines.get("formal.decision") == "met" and not r.extended for r in formal),
            sum(v in DECIDED for v in decisions),
        ),
        extensions=sum(r.extensions for r in formal),
        extended_cases=len(extended),
        extended_late=sum(
            r.deadlines.get("formal.decision") in ("late", "missed") for r in extended
        ),
    )


def _ratio(verdicts: Iterable[str | None]) -> Ratio:
    decided = [v for v in verdicts if v in DECIDED]
    return Ratio(sum(v == "met" for v in decided), len(decided))


def _handling(
    rows: tuple[CaseRow, ...], track: str, calendar: Calendar, terms: Mapping[str, Term]
) -> Handling:
    mine = [r for r in rows if r.track == track]
    closed = [r for r in mine if r.closed_at is not None]
    days = [r.days_open for r in closed if r.days_open is not None]
    working = [
        calendar.working_days_between(r.received_at.date(), r.closed_at.date())
        for r in closed
        if r.closed_at is not None
    ]
    term = terms.get(TRACK_TERM[track])
    allowed = [_term_days(r, calendar, term) for r in mine] if term else []
    return Handling(
        closed=len(closed),
        median_days=_median(days),
        max_days=max(days, default=None),
        median_working_days=_median(working),
        max_working_days=max(working, default=None),
        term_days=_median(allowed),
    )


def _term_days(row: CaseRow, calendar: Calendar, term: Term) -> int:
    """The term counted from this case's receipt, in calendar days."""
    due = calendar.due(row.received_at, term)
    return (due.date() - row.received_at.date()).days


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _compliance(rows: tuple[CaseRow, ...]) -> dict[str, dict[str, int]]:
    names = [n for n in DEADLINE_NAMES if n != "retention"]
    seen = {n for r in rows for n in r.deadlines}
    return {
        name: _count((r.deadlines[name] for r in rows if name in r.deadlines), VERDICTS)
        for name in (*names, *sorted(seen - set(names)))
    }


def _evaluations(cases: Iterable[Case], calendar: Calendar) -> tuple[Evaluation, ...]:
    found = [
        Evaluation(case.id, doc.at.astimezone(calendar.zone).date(), doc.text)
        for case in cases
        for doc in case.documents
        if doc.kind == "evaluation"
    ]
    return tuple(sorted(found, key=lambda e: (e.at, e.case_id)))
