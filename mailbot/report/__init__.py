"""The yearly analysis: figures from cases and statistics rows, as HTML, CSV and Markdown."""

from mailbot.report.advice import draft as recommendations
from mailbot.report.compute import (
    Evaluation,
    FormalFigures,
    Handling,
    Ratio,
    YearFigures,
    figures,
)
from mailbot.report.files import (
    ReportFiles,
    ReportPart,
    render_report,
    store_figures,
    write_report,
)
from mailbot.report.rows import CaseRow

__all__ = [
    "CaseRow",
    "Evaluation",
    "FormalFigures",
    "Handling",
    "Ratio",
    "ReportFiles",
    "ReportPart",
    "YearFigures",
    "figures",
    "recommendations",
    "render_report",
    "store_figures",
    "write_report",
]
