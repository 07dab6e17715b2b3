"""The report's charts as inline SVG, drawn by pygal (no script or style fetched from outside)."""

from __future__ import annotations

from typing import Any

import pygal
from pygal.style import Style

from mailbot.report.compute import YearFigures
from mailbot.report.rows import TRACKS
from mailbot.report.words import MONTHS, code, number, text

_STYLE = Style(
    font_family="system-ui, 'Segoe UI', Helvetica, Arial, sans-serif",
    background="white",
    plot_background="white",
    colors=("#1f6f8b", "#e0a526", "#b23a48", "#6b8f71", "#7a6c9d", "#999999", "#444444"),
    title_font_size=16,
    legend_font_size=13,
    label_font_size=12,
    major_label_font_size=12,
)
_BASE: dict[str, Any] = {
    "style": _STYLE,
    "js": [],  # no script from a CDN: the report must work offline
    "disable_xml_declaration": True,
    "width": 800,
    "height": 380,
    "legend_at_bottom": True,
    "print_zeroes": False,
}


def months_chart(fig: YearFigures, lang: str) -> str:
    """Cases per month, stacked by track."""
    top = max((sum(fig.by_month[m].values()) for m in range(1, 13)), default=0)
    chart = pygal.StackedBar(title=text(lang, "per_month"), **_whole(top), **_BASE)
    chart.x_labels = MONTHS[lang]
    for track in TRACKS:
        chart.add(code(lang, track), [fig.by_month[m][track] for m in range(1, 13)])
    return _svg(chart)


def outcomes_chart(fig: YearFigures, lang: str) -> str:
    """How the year's cases ended (or that they still run), one bar per outcome."""
    top = max(fig.final.values(), default=0)
    chart = pygal.HorizontalBar(
        title=text(lang, "outcomes"), print_values=True, **_whole(top), **_BASE
    )
    for outcome, count in fig.final.items():
        if count:
            chart.add(code(lang, outcome), count)
    return _svg(chart)


def handling_chart(fig: YearFigures, lang: str) -> str:
    """Median and longest handling time per track, next to the track's term."""
    chart = pygal.Bar(
        title=text(lang, "handling_chart"),
        print_values=True,
        formatter=lambda value: number(lang, value),
        **_BASE,
    )
    chart.x_labels = [code(lang, t) for t in TRACKS]
    handling = [fig.handling[t] for t in TRACKS]
    chart.add(text(lang, "median"), [h.median_days for h in handling])
    chart.add(text(lang, "max"), [h.max_days for h in handling])
    chart.add(text(lang, "term_days"), [h.term_days for h in handling])
    return _svg(chart)


def _whole(top: int) -> dict[str, list[int]]:
    """Axis labels at whole numbers, as counts of cases have no fractions (pygal's own
    labels when there is nothing to count: it cannot place given labels on an empty chart)."""
    if top <= 0:
        return {}
    step = -(-top // 10)
    return {"y_labels": list(range(0, top + step, step))}


def _svg(chart: Any) -> str:
    return str(chart.render(is_unicode=True))
