"""Pure: the report's tables as headers and rows of text, shared by the HTML and Markdown."""

from __future__ import annotations

from mailbot.config.terms import term_text
from mailbot.report.compute import TRACK_TERM, Ratio, YearFigures
from mailbot.report.rows import TRACKS, VERDICTS
from mailbot.report.words import MONTHS, code, deadline, number, percent, result, text

Table = tuple[list[str], list[list[str]]]


def ratio(lang: str, value: Ratio) -> str:
    """ "3 van 4 (75%)"; a dash when nothing was decided yet."""
    if value.total == 0:
        return text(lang, "none")
    counted = text(lang, "of", hits=value.hits, total=value.total)
    return f"{counted} ({percent(lang, value.percent)})"


def term(fig: YearFigures, name: str, lang: str) -> str:
    found = fig.terms.get(name)
    return term_text(found, lang) if found else name


def key_figures(fig: YearFigures, lang: str) -> Table:
    f = fig.formal
    decision_term = term(fig, "formal.decision", lang)
    rows = [
        [text(lang, "received"), str(fig.total)],
        [text(lang, "formal_cases"), str(f.cases)],
        [
            text(lang, "ack", term=term(fig, "formal.acknowledgement", lang)),
            ratio(lang, f.acknowledgement),
        ],
        [text(lang, "decision", term=decision_term), ratio(lang, f.decision)],
        [
            text(lang, "decision_unextended", term=decision_term),
            ratio(lang, f.decision_unextended),
        ],
        [text(lang, "extensions"), str(f.extensions)],
        [text(lang, "extended_cases"), str(f.extended_cases)],
        [text(lang, "extended_late"), str(f.extended_late)],
        [text(lang, "evaluations_n"), str(len(fig.evaluations))],
    ]
    return [text(lang, "figure"), text(lang, "value")], rows


def tracks_table(fig: YearFigures, lang: str) -> Table:
    rows = [[code(lang, t), str(n)] for t, n in fig.by_track.items()]
    return [text(lang, "track"), text(lang, "cases")], rows


def channels_table(fig: YearFigures, lang: str) -> Table:
    rows = [[code(lang, c), str(n)] for c, n in fig.by_channel.items()]
    return [text(lang, "channel"), text(lang, "cases")], rows


def months_table(fig: YearFigures, lang: str) -> Table:
    headers = [text(lang, "month"), *(code(lang, t) for t in TRACKS), text(lang, "cases")]
    rows = []
    for month in range(1, 13):
        counts = [fig.by_month[month][t] for t in TRACKS]
        rows.append([MONTHS[lang][month - 1], *map(str, counts), str(sum(counts))])
    return headers, rows


def results_table(fig: YearFigures, lang: str) -> Table:
    rows = [
        [code(lang, track), result(lang, track, name), str(n)]
        for track, counts in fig.results.items()
        for name, n in counts.items()
        if n
    ]
    return [text(lang, "track"), text(lang, "outcome"), text(lang, "cases")], rows


def handling_table(fig: YearFigures, lang: str) -> Table:
    headers = [
        text(lang, "track"),
        text(lang, "closed"),
        text(lang, "median"),
        text(lang, "max"),
        text(lang, "median_wd"),
        text(lang, "max_wd"),
        text(lang, "term"),
        text(lang, "term_days"),
    ]
    rows = []
    for track, h in fig.handling.items():
        values = (h.median_days, h.max_days, h.median_working_days, h.max_working_days)
        rows.append(
            [
                code(lang, track),
                str(h.closed),
                *(number(lang, v) for v in values),
                term(fig, TRACK_TERM[track], lang),
                number(lang, h.term_days),
            ]
        )
    return headers, rows


def compliance_table(fig: YearFigures, lang: str) -> Table:
    headers = [
        text(lang, "deadline"),
        text(lang, "description"),
        text(lang, "length"),
        *(code(lang, v) for v in VERDICTS),
    ]
    rows = [
        [name, deadline(lang, name), term(fig, name, lang), *(str(counts[v]) for v in VERDICTS)]
        for name, counts in fig.compliance.items()
    ]
    return headers, rows
