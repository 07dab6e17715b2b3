"""The yearly report's Markdown summary: the main figures and the recommendations draft."""

from __future__ import annotations

import re

from mailbot.report import advice, tables
from mailbot.report.compute import YearFigures
from mailbot.report.tables import Table
from mailbot.report.words import text

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def md_escape(value: str) -> str:
    """Text as Markdown shows it literally: markup characters escaped, on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(value.split()))


def render_markdown(fig: YearFigures, org_name: str, lang: str) -> str:
    title = f"{text(lang, 'title', year=fig.year)} — {org_name}"
    parts = [
        f"# {md_escape(title)}",
        md_escape(text(lang, "intro", total=fig.total, year=fig.year, purged=fig.purged)),
        f"## {md_escape(text(lang, 'key'))}",
        _table(tables.key_figures(fig, lang)),
        f"## {md_escape(text(lang, 'tracks'))}",
        _table(tables.tracks_table(fig, lang)),
        _table(tables.channels_table(fig, lang)),
        f"## {md_escape(text(lang, 'outcomes'))}",
        _table(tables.results_table(fig, lang)),
        f"## {md_escape(text(lang, 'handling'))}",
        _table(tables.handling_table(fig, lang)),
        f"## {md_escape(text(lang, 'compliance'))}",
        _table(tables.compliance_table(fig, lang)),
        _evaluations(fig, lang),
        _advice(fig, lang),
    ]
    return "\n\n".join(parts) + "\n"


def _table(table: Table) -> str:
    headers, rows = table
    lines = [_row(headers), _row(["---"] * len(headers), escape=False)]
    lines.extend(_row(r) for r in rows)
    return "\n".join(lines)


def _row(cells: list[str], *, escape: bool = True) -> str:
    shown = [md_escape(c) if escape else c for c in cells]
    return "| " + " | ".join(shown) + " |"


def _evaluations(fig: YearFigures, lang: str) -> str:
    heading = f"## {md_escape(text(lang, 'evaluations'))}"
    if not fig.evaluations:
        return f"{heading}\n\n{md_escape(text(lang, 'no_evaluations'))}"
    case = md_escape(text(lang, "case"))
    items = [f"- {case} {md_escape(e.case_id)} ({e.at.isoformat()})" for e in fig.evaluations]
    return heading + "\n\n" + "\n".join(items)


def _advice(fig: YearFigures, lang: str) -> str:
    items = [*advice.draft(fig, lang), text(lang, "todo"), text(lang, "todo")]
    listed = "\n".join(f"- {md_escape(item)}" for item in items)
    draft = md_escape(text(lang, "draft"))
    return f"## {md_escape(text(lang, 'advice'))}\n\n> **{draft}**\n\n{listed}"
