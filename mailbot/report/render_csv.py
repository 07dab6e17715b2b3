"""The yearly report's CSV: one row per case of the year, live and purged, without names."""

from __future__ import annotations

import csv
import io

from mailbot.config.settings import DEADLINE_NAMES
from mailbot.report.compute import YearFigures
from mailbot.report.rows import CaseRow

DEADLINE_COLUMNS = tuple(n for n in DEADLINE_NAMES if n != "retention")
COLUMNS = (
    "id",
    "source",
    "track",
    "path",
    "channel",
    "received",
    "closed",
    "status",
    "stage",
    "outcome",
    "severity",
    "days_open",
    "extended",
    "extensions",
    *DEADLINE_COLUMNS,
)


def render_csv(fig: YearFigures) -> str:
    """Codes, not words, so a spreadsheet can count them; deadlines: met/late/missed/..."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(_row(r) for r in fig.rows)
    return out.getvalue()


def _row(row: CaseRow) -> list[str]:
    return [
        row.id,
        row.source,
        row.track,
        ">".join(row.path),
        row.channel,
        row.received_at.isoformat(),
        row.closed_at.isoformat() if row.closed_at else "",
        row.status,
        row.stage,
        row.outcome or "",
        row.severity or "",
        "" if row.days_open is None else str(row.days_open),
        "yes" if row.extended else "no",
        str(row.extensions),
        *(row.deadlines.get(name, "") for name in DEADLINE_COLUMNS),
    ]
