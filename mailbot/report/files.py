"""The yearly report as files: HTML, CSV and Markdown, rendered in memory or written to disk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mailbot.config.settings import Settings
from mailbot.procedure.workdays import Calendar
from mailbot.report.compute import YearFigures, figures
from mailbot.report.render_csv import render_csv
from mailbot.report.render_html import render_html
from mailbot.report.render_md import render_markdown
from mailbot.report.words import check_lang
from mailbot.store.fsutil import atomic_write
from mailbot.store.store import Store


@dataclass(frozen=True)
class ReportPart:
    """One rendered file: what a mail attaches (`OutAttachment(filename, content_type, text)`)."""

    filename: str
    content_type: str
    text: str


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    csv: Path
    markdown: Path

    @property
    def paths(self) -> tuple[Path, Path, Path]:
        return self.html, self.csv, self.markdown


def render_report(fig: YearFigures, org_name: str, lang: str = "nl") -> tuple[ReportPart, ...]:
    """The three files of the report, in memory: HTML, CSV, Markdown."""
    check_lang(lang)
    stem = f"report-{fig.year}"
    return (
        ReportPart(f"{stem}.html", "text/html", render_html(fig, org_name, lang)),
        ReportPart(f"{stem}.csv", "text/csv", render_csv(fig)),
        ReportPart(f"{stem}.md", "text/markdown", render_markdown(fig, org_name, lang)),
    )


def write_report(
    figures: YearFigures, out_dir: Path, org_name: str, lang: str = "nl"
) -> ReportFiles:
    """Write report-YYYY.html, .csv and .md into `out_dir` (made if missing), atomically."""
    parts = render_report(figures, org_name, lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for part in parts:
        path = out_dir / part.filename
        atomic_write(path, part.text.encode("utf-8"))
        paths.append(path)
    return ReportFiles(*paths)


def store_figures(
    store: Store, settings: Settings, year: int, now: datetime | None = None
) -> YearFigures:
    """The figures of `year` from an open store (the daemon's, or one opened read-only)."""
    return figures(
        store.cases(),
        store.stats(),
        year,
        Calendar.from_settings(settings),
        now=now,
        terms=settings.deadlines,
    )
