"""The yearly report as one self-contained HTML page: tables, inline SVG charts, all escaped."""

from __future__ import annotations

from html import escape

from mailbot.report import advice, charts, tables
from mailbot.report.compute import YearFigures
from mailbot.report.tables import Table
from mailbot.report.words import text

_CSS = """
body{font-family:system-ui,'Segoe UI',Helvetica,Arial,sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.3rem .6rem;
text-align:left;vertical-align:top}td.n{text-align:right}th{background:#f3f3f3}
figure{margin:1rem 0}figure svg{width:100%;height:auto}
blockquote{white-space:pre-wrap;border-left:4px solid #1f6f8b;margin:.5rem 0 1.2rem;
padding:.3rem 1rem;background:#f7fafb}
.draft{border:2px dashed #b23a48;padding:.5rem 1rem;background:#fff8f8}
.draft p.mark{font-weight:bold;color:#b23a48}
.notes{font-size:.9rem;color:#555}
"""


def render_html(fig: YearFigures, org_name: str, lang: str) -> str:
    title = f"{text(lang, 'title', year=fig.year)} — {org_name}"
    body = "\n".join(
        (
            f"<h1>{escape(title)}</h1>",
            _p(text(lang, "intro", total=fig.total, year=fig.year, purged=fig.purged)),
            _section(text(lang, "key"), _table(tables.key_figures(fig, lang))),
            _tracks(fig, lang),
            _outcomes(fig, lang),
            _handling(fig, lang),
            _section(text(lang, "compliance"), _table(tables.compliance_table(fig, lang))),
            _evaluations(fig, lang),
            _advice(fig, lang),
            _notes(lang),
        )
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n"
        "</body>\n</html>\n"
    )


def _p(value: str) -> str:
    return f"<p>{escape(value)}</p>"


def _section(heading: str, *parts: str) -> str:
    return "\n".join((f"<h2>{escape(heading)}</h2>", *parts))


def _figure(svg: str) -> str:
    return f"<figure>{svg}</figure>"  # pygal escapes the labels it writes into the SVG


def _table(table: Table) -> str:
    headers, rows = table
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    lines = [f"<tr>{head}</tr>"]
    for row in rows:
        cells = (_cell(value, first=i == 0) for i, value in enumerate(row))
        lines.append(f"<tr>{''.join(cells)}</tr>")
    return "<table>\n" + "\n".join(lines) + "\n</table>"


def _cell(value: str, *, first: bool) -> str:
    numeric = not first and value.replace(",", "").replace(".", "").isdigit()
    return f'<td class="n">{escape(value)}</td>' if numeric else f"<td>{escape(value)}</td>"


def _tracks(fig: YearFigures, lang: str) -> str:
    return _section(
        text(lang, "tracks"),
        _table(tables.tracks_table(fig, lang)),
        _table(tables.channels_table(fig, lang)),
        _figure(charts.months_chart(fig, lang)),
        _table(tables.months_table(fig, lang)),
    )


def _outcomes(fig: YearFigures, lang: str) -> str:
    return _section(
        text(lang, "outcomes"),
        _figure(charts.outcomes_chart(fig, lang)),
        _p(text(lang, "results_of")),
        _table(tables.results_table(fig, lang)),
    )


def _handling(fig: YearFigures, lang: str) -> str:
    return _section(
        text(lang, "handling"),
        _figure(charts.handling_chart(fig, lang)),
        _table(tables.handling_table(fig, lang)),
    )


def _evaluations(fig: YearFigures, lang: str) -> str:
    if not fig.evaluations:
        return _section(text(lang, "evaluations"), _p(text(lang, "no_evaluations")))
    parts = [
        f"<h3>{escape(text(lang, 'case'))} {escape(e.case_id)} — {e.at.isoformat()}</h3>\n"
        f"<blockquote>{escape(e.text)}</blockquote>"
        for e in fig.evaluations
    ]
    return _section(text(lang, "evaluations"), *parts)


def _advice(fig: YearFigures, lang: str) -> str:
    items = [*advice.draft(fig, lang), text(lang, "todo"), text(lang, "todo")]
    listed = "\n".join(f"<li>{escape(item)}</li>" for item in items)
    box = (
        f'<div class="draft">\n<p class="mark">{escape(text(lang, "draft"))}</p>\n'
        f"<ul>\n{listed}\n</ul>\n</div>"
    )
    return _section(text(lang, "advice"), box)


def _notes(lang: str) -> str:
    keys = ("note_track", "note_formal", "note_ratio", "note_purged")
    notes = [text(lang, key) for key in keys]
    listed = "".join(f"<li>{escape(n)}</li>" for n in notes)
    return f'<div class="notes">\n<h2>{escape(text(lang, "notes"))}</h2>\n<ul>{listed}</ul>\n</div>'
