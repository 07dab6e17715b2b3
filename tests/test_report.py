"""The yearly analysis: a year of cases played through the real procedure, checked figure by
figure, and the HTML, CSV and Markdown made from it."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mailbot.model import Case, Changes, Deadline, MessageRecord, Party
from mailbot.procedure import (
    Actor,
    CommandGiven,
    ComplainantWrote,
    ComplaintReceived,
    Policy,
    new_case,
    transition,
)
from mailbot.procedure.commands import Token, parse_command
from mailbot.procedure.retention import stats_row
from mailbot.procedure.workdays import Calendar
from mailbot.report import (
    Handling,
    Ratio,
    YearFigures,
    figures,
    recommendations,
    render_report,
    store_figures,
    write_report,
)
from mailbot.report.render_csv import COLUMNS
from mailbot.report.rows import verdict
from mailbot.store.store import Store

from support import ANNA, BRAM, CLIENT, PIETER, build_settings

TZ = ZoneInfo("Europe/Amsterdam")
STAFF = Actor(PIETER, "Pieter Bakker", frozenset({"staff"}))
CO_OWNER = Actor(ANNA, "Anna de Vries", frozenset({"staff", "co-owner"}))
CHAIR = Actor(BRAM, "Bram Jansen", frozenset({"committee", "chair"}))
NAME = "Jan Jansen"
ORG = "Voorbeeld Training & Coaching"
COMPLETE = (
    f"Naam: {NAME}\nAdres: Dorpsstraat 1, 1234 AB Voorbeeld\nDatum of periode: maart 2025\n"
    "Omschrijving: De coach kwam drie keer niet opdagen zonder bericht.\n"
    "Handtekening: J. Jansen\n"
)
SIMPLE = "Mijn factuur klopt niet."
EVALUATION_M2 = "Bemiddeling duurde te lang; sneller naar de commissie."
EVALUATION_F1 = "Hoorzitting < 2 weken & snel gepland: goed."
EVALUATION_F2 = "Verlenging nodig door ziekte van een getuige."
EVALUATION_F3 = "Klacht lang onvolledig; het formulier moet duidelijker."


def at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), tzinfo=TZ)


@dataclass(frozen=True)
class Script:
    """A case as it went: opened on `day`, then (day, command or None, actor, text) steps;
    a step without a command is a mail from the complainant."""

    id: str
    track: str
    day: str
    text: str = SIMPLE
    channel: str = "email"
    email: str | None = CLIENT
    steps: tuple[tuple[str, str | None, Actor | None, str], ...] = ()


def play(policy: Policy, script: Script) -> Case:
    opened = at(script.day)
    case = new_case(
        script.id, script.track, Party(NAME, script.email), "nl", opened, script.channel
    )
    first = MessageRecord(
        f"{script.id}-0@example.org", "in", CLIENT, (), "Klacht", opened, script.text
    )
    case, _ = transition(case, ComplaintReceived(first, script.email is not None), opened, policy)
    for n, (day, given, actor, text) in enumerate(script.steps, 1):
        now = at(day, 11)
        sender = actor.email if actor else CLIENT
        message = MessageRecord(f"{script.id}-{n}@example.org", "in", sender, (), "Re", now, text)
        if given is None:
            case, _ = transition(case, ComplainantWrote(message, True), now, policy)
            continue
        assert actor is not None
        word, _, rest = given.lstrip("#").partition(" ")
        event = CommandGiven(parse_command(Token(word, rest)), actor, message, text)
        case, _ = transition(case, event, now, policy)
    return case


def formal_steps(
    analysed: str, ruling: str, outcome: str, registered: str, evaluated: str | None, text: str
) -> tuple[tuple[str, str | None, Actor | None, str], ...]:
    steps: list[tuple[str, str | None, Actor | None, str]] = [
        (analysed, "#severity middel", CHAIR, "Analyse."),
        (ruling, f"#ruling {outcome}", CHAIR, "Motivering."),
        (registered, "#registered RR123456789NL", CHAIR, ""),
    ]
    if evaluated:
        steps.append((evaluated, "#evaluation", CHAIR, text))
    return tuple(steps)


LIVE = (
    # direct, replied and resolved in time
    Script(
        "KL-2025-0001",
        "direct",
        "2025-03-03",
        steps=(
            ("2025-03-03", "#reply", STAFF, "We kijken ernaar."),
            ("2025-03-05", "#resolve", STAFF, "Nieuwe factuur."),
        ),
    ),
    # registered by phone, no e-mail address; resolved after both terms
    Script(
        "KL-2025-0002",
        "direct",
        "2025-03-10",
        channel="telefoon",
        email=None,
        steps=(("2025-03-20", "#resolve", STAFF, "Teruggebeld."),),
    ),
    # mediation that ends in agreement
    Script(
        "KL-2025-0003",
        "direct",
        "2025-04-01",
        steps=(
            ("2025-04-02", "#mediate", STAFF, ""),
            ("2025-04-02", "#respondent coach@example.org", STAFF, ""),  # not one who acts
            ("2025-04-03", "#meeting 2025-04-08 10:00 Kantoor", STAFF, ""),
            ("2025-04-09", "#proposal", STAFF, "Korting van 10%."),
            ("2025-04-10", "#agreed both", STAFF, ""),
        ),
    ),
    # mediation that fails into a formal complaint, completed by the complainant's form
    Script(
        "KL-2025-0004",
        "direct",
        "2025-05-12",
        steps=(
            ("2025-05-12", "#mediate", STAFF, ""),
            ("2025-05-13", "#meeting 2025-05-20 10:00", STAFF, ""),
            ("2025-05-21", "#failed", CO_OWNER, "Klager wil geld terug; coach niet."),
            ("2025-05-23", None, None, COMPLETE),
            *formal_steps(
                "2025-05-27", "2025-06-16", "ongegrond", "2025-06-17", "2025-06-24", EVALUATION_M2
            ),
        ),
    ),
    # formal, upheld, everything in time
    Script(
        "KL-2025-0005",
        "formal",
        "2025-06-02",
        COMPLETE,
        steps=formal_steps(
            "2025-06-05", "2025-06-20", "gegrond", "2025-06-23", "2025-06-30", EVALUATION_F1
        ),
    ),
    # formal, extended, yet decided late; not yet evaluated
    Script(
        "KL-2025-0006",
        "formal",
        "2025-07-01",
        COMPLETE,
        steps=(
            ("2025-07-21", "#extend 2025-08-15", CHAIR, "Getuige op vakantie."),
            *formal_steps("2025-07-03", "2025-08-20", "gegrond", "2025-08-21", None, ""),
        ),
    ),
    # formal, extended and decided within the extended term
    Script(
        "KL-2025-0007",
        "formal",
        "2025-09-01",
        COMPLETE,
        steps=(
            ("2025-09-22", "#extend 2025-10-15", CHAIR, "Getuige ziek."),
            *formal_steps(
                "2025-09-23", "2025-10-10", "deels", "2025-10-13", "2025-10-20", EVALUATION_F2
            ),
        ),
    ),
    # formal, incomplete: completed after the 5 working days, and decided late
    Script(
        "KL-2025-0008",
        "formal",
        "2025-10-01",
        "Ik ben boos.",
        steps=(
            ("2025-10-13", "#complete", CHAIR, ""),
            *formal_steps(
                "2025-10-15", "2025-11-14", "ongegrond", "2025-11-17", "2025-11-25", EVALUATION_F3
            ),
        ),
    ),
    # withdrawn during mediation
    Script(
        "KL-2025-0009",
        "direct",
        "2025-11-03",
        steps=(("2025-11-03", "#mediate", STAFF, ""), ("2025-11-05", "#withdrawn", STAFF, "")),
    ),
    # still open at the end of the year
    Script("KL-2025-0010", "direct", "2025-12-22"),
)
# Received in other years: never counted in 2025.
OTHER_YEARS = (
    Script(
        "KL-2024-0050",
        "direct",
        "2024-12-30",
        steps=(("2025-01-02", "#resolve", STAFF, "Opgelost."),),
    ),
    Script("KL-2026-0001", "direct", "2026-01-05"),
)
PURGED = (
    Script(
        "KL-2025-0012",
        "direct",
        "2025-02-03",
        channel="brief",
        email=None,
        steps=(("2025-02-05", "#resolve", STAFF, "Per brief beantwoord."),),
    ),
    Script(
        "KL-2025-0013",
        "formal",
        "2025-02-10",
        COMPLETE,
        steps=(
            ("2025-02-20", "#extend 2025-03-31", CHAIR, "Drukte."),
            *formal_steps("2025-02-12", "2025-03-20", "deels", "2025-03-21", "2025-03-28", "Ok."),
        ),
    ),
    Script(
        "KL-2023-0007",
        "direct",
        "2023-05-01",
        steps=(("2023-05-02", "#resolve", STAFF, "Opgelost."),),
    ),
)


@pytest.fixture(scope="module")
def policy() -> Policy:
    settings = build_settings()
    return Policy(settings, Calendar.from_settings(settings))


@pytest.fixture(scope="module")
def calendar(policy: Policy) -> Calendar:
    return Calendar.from_settings(policy.settings)


@pytest.fixture(scope="module")
def cases(policy: Policy) -> list[Case]:
    return [play(policy, s) for s in (*LIVE, *OTHER_YEARS)]


def new_year_row(policy: Policy) -> dict[str, Any]:
    """Received at 23:30 UTC on 31 December 2024: already 2025 in Amsterdam."""
    received = datetime(2024, 12, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    case = new_case("KL-2025-0014", "direct", Party(NAME, None), "nl", received, "mondeling")
    first = MessageRecord("ny@example.org", "in", CLIENT, (), "Klacht", received, SIMPLE)
    case, _ = transition(case, ComplaintReceived(first, False), received, policy)
    event = CommandGiven(parse_command(Token("resolve", "")), STAFF, first, "Opgelost.")
    case, _ = transition(case, event, at("2025-01-02"), policy)
    return stats_row(case)


@pytest.fixture(scope="module")
def stats(policy: Policy, cases: list[Case]) -> list[dict[str, Any]]:
    rows = [stats_row(play(policy, s)) for s in PURGED]
    duplicate = stats_row(cases[0])  # a row whose case is still in the store: counted once
    return [*rows, new_year_row(policy), duplicate]


@pytest.fixture(scope="module")
def fig(cases: list[Case], stats: list[dict[str, Any]], calendar: Calendar) -> YearFigures:
    return figures(cases, stats, 2025, calendar, terms=None)


def test_every_case_reached_the_stage_its_script_intends(cases: list[Case]) -> None:
    stages = {c.id: (c.track, c.stage, c.outcome) for c in cases}
    assert stages == {
        "KL-2025-0001": ("direct", "resolved", None),
        "KL-2025-0002": ("direct", "resolved", None),
        "KL-2025-0003": ("mediation", "agreed", None),
        "KL-2025-0004": ("formal", "evaluated", "rejected"),
        "KL-2025-0005": ("formal", "evaluated", "upheld"),
        "KL-2025-0006": ("formal", "ruling_sent", "upheld"),
        "KL-2025-0007": ("formal", "evaluated", "partly"),
        "KL-2025-0008": ("formal", "evaluated", "rejected"),
        "KL-2025-0009": ("mediation", "withdrawn", None),
        "KL-2025-0010": ("direct", "acknowledged", None),
        "KL-2024-0050": ("direct", "resolved", None),
        "KL-2026-0001": ("direct", "acknowledged", None),
    }


def lookup(fig: YearFigures, path: str) -> object:
    value: object = fig
    for part in path.split("/"):
        if isinstance(value, Mapping):
            value = value[int(part) if part.isdigit() else part]
        else:
            value = getattr(value, part)
    return value


ZEROS = {"met": 0, "late": 0, "missed": 0, "cancelled": 0, "open": 0}
EXPECTED: list[tuple[str, object]] = [
    ("total", 13),
    ("purged", 3),
    ("by_track", {"direct": 5, "mediation": 2, "formal": 6}),
    ("by_channel", {"email": 10, "telefoon": 1, "mondeling": 1, "brief": 1}),
    ("by_month/1", {"direct": 1, "mediation": 0, "formal": 0}),
    ("by_month/2", {"direct": 1, "mediation": 0, "formal": 1}),
    ("by_month/3", {"direct": 2, "mediation": 0, "formal": 0}),
    ("by_month/4", {"direct": 0, "mediation": 1, "formal": 0}),
    ("by_month/5", {"direct": 0, "mediation": 0, "formal": 1}),
    ("by_month/8", {"direct": 0, "mediation": 0, "formal": 0}),
    ("by_month/11", {"direct": 0, "mediation": 1, "formal": 0}),
    ("by_month/12", {"direct": 1, "mediation": 0, "formal": 0}),
    (
        "results/direct",
        {"resolved": 4, "mediation": 3, "formal": 0, "withdrawn": 0, "closed": 0, "open": 1},
    ),
    ("results/mediation", {"agreed": 1, "failed": 1, "withdrawn": 1, "closed": 0, "open": 0}),
    (
        "results/formal",
        {"upheld": 2, "partly": 2, "rejected": 2, "withdrawn": 0, "closed": 0, "open": 0},
    ),
    (
        "final",
        {
            "resolved": 4,
            "agreed": 1,
            "upheld": 2,
            "partly": 2,
            "rejected": 2,
            "withdrawn": 1,
            "closed": 0,
            "open": 1,
        },
    ),
    ("formal/cases", 6),
    ("formal/acknowledgement", Ratio(5, 6)),
    ("formal/acknowledgement/percent", 83.3),
    ("formal/decision", Ratio(4, 6)),
    ("formal/decision/percent", 66.7),
    ("formal/decision_unextended", Ratio(2, 6)),
    ("formal/extensions", 3),
    ("formal/extended_cases", 3),
    ("formal/extended_late", 1),
    # closed: 1 (new year), 2, 2, 10 days; 1, 2, 2, 8 working days; 5 working days ≈ 7 days
    ("handling/direct", Handling(4, 2.0, 10, 2.0, 8, 7.0)),
    ("handling/mediation", Handling(2, 5.5, 9, 4.5, 7, 28.0)),
    # 28, 43, 46, 49, 55 days; Ascension Day and Whit Monday are no working days
    ("handling/formal", Handling(5, 46.0, 55, 34.0, 39, 28.0)),
    ("compliance/direct.response", {**ZEROS, "met": 5, "late": 2, "open": 1}),
    ("compliance/direct.resolution", {**ZEROS, "met": 3, "late": 1, "cancelled": 3, "open": 1}),
    ("compliance/mediation.meeting", {**ZEROS, "met": 2, "cancelled": 1}),
    ("compliance/mediation.outcome", {**ZEROS, "met": 2, "cancelled": 1}),
    ("compliance/formal.acknowledgement", {**ZEROS, "met": 5, "late": 1}),
    ("compliance/formal.decision", {**ZEROS, "met": 4, "late": 2}),
    ("compliance/formal.registered_post", {**ZEROS, "met": 6}),
    ("compliance/formal.evaluation", {**ZEROS, "met": 5, "open": 1}),
]


@pytest.mark.parametrize(("path", "expected"), EXPECTED, ids=[p for p, _ in EXPECTED])
def test_figures_match_the_cases(fig: YearFigures, path: str, expected: object) -> None:
    assert lookup(fig, path) == expected


def test_only_cases_received_that_year_count_each_once(fig: YearFigures) -> None:
    ids = [r.id for r in fig.rows]
    assert len(ids) == len(set(ids)) == 13
    assert not {"KL-2024-0050", "KL-2026-0001", "KL-2023-0007"} & set(ids)
    assert "KL-2025-0014" in ids  # 00:30 on New Year's Day in the organisation's zone
    assert next(r for r in fig.rows if r.id == "KL-2025-0001").source == "live"


def test_evaluations_carry_case_ids_and_texts_in_date_order(fig: YearFigures) -> None:
    assert [(e.case_id, e.at, e.text) for e in fig.evaluations] == [
        ("KL-2025-0004", date(2025, 6, 24), EVALUATION_M2),
        ("KL-2025-0005", date(2025, 6, 30), EVALUATION_F1),
        ("KL-2025-0007", date(2025, 10, 20), EVALUATION_F2),
        ("KL-2025-0008", date(2025, 11, 25), EVALUATION_F3),
    ]


def test_at_a_later_moment_open_deadlines_past_due_count_as_missed(
    cases: list[Case], stats: list[dict[str, Any]], calendar: Calendar
) -> None:
    later = figures(cases, stats, 2025, calendar, now=at("2026-01-12"))
    assert later.compliance["direct.response"] == {**ZEROS, "met": 5, "late": 2, "missed": 1}
    assert later.compliance["direct.resolution"]["missed"] == 1
    assert later.compliance["formal.evaluation"] == {**ZEROS, "met": 5, "missed": 1}


DUE = at("2025-03-10", 23)
VERDICTS = [
    (Deadline("x", DUE, met_at=DUE), None, "met"),
    (Deadline("x", DUE, met_at=DUE + timedelta(seconds=1)), None, "late"),
    (Deadline("x", DUE, cancelled_at=DUE - timedelta(days=1)), None, "cancelled"),
    (Deadline("x", DUE, cancelled_at=DUE + timedelta(days=1)), None, "missed"),
    (Deadline("x", DUE), None, "open"),
    (Deadline("x", DUE), DUE - timedelta(hours=1), "open"),
    (Deadline("x", DUE), DUE + timedelta(hours=1), "missed"),
]


@pytest.mark.parametrize(("deadline", "now", "expected"), VERDICTS)
def test_verdict_of_a_deadline(deadline: Deadline, now: datetime | None, expected: str) -> None:
    assert verdict(deadline, now) == expected


def test_a_year_without_cases(calendar: Calendar, tmp_path: Path) -> None:
    empty = figures([], [], 2024, calendar)
    assert (empty.total, empty.formal.decision.percent) == (0, None)
    assert recommendations(empty, "nl") == (
        "Geen klachten ontvangen in 2024; er is geen aanleiding voor maatregelen.",
    )
    files = write_report(empty, tmp_path, ORG)
    assert "<svg" in files.html.read_text()
    assert files.csv.read_text().splitlines() == [",".join(COLUMNS)]


# --- the files --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def written(fig: YearFigures, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    files = write_report(fig, tmp_path_factory.mktemp("out") / "rapport", ORG)
    assert [p.name for p in files.paths] == [
        "report-2025.html",
        "report-2025.csv",
        "report-2025.md",
    ]
    return {p.suffix: p.read_text(encoding="utf-8") for p in files.paths}


PRIVATE = (NAME, CLIENT, "Dorpsstraat", PIETER, ANNA, BRAM)


@pytest.mark.parametrize(
    "needle",
    [
        "<!DOCTYPE html>",
        "Jaaranalyse klachtenprocedure 2025 — Voorbeeld Training &amp; Coaching",
        "Kerncijfers",
        "Ontvangstbevestiging binnen 5 werkdagen",
        "5 van 6 (83,3%)",
        "4 van 6 (66,7%)",
        "Klachten per maand en spoor",
        "Behandeltijden",
        "Termijnen: nalevingsregister",
        "formal.acknowledgement",
        "KL-2025-0007",
        "Hoorzitting &lt; 2 weken &amp; snel gepland: goed.",
        "Aanbevelingen (concept)",
        "CONCEPT",
        "33,3% van de beslissingen (2 van 6) was te laat",
    ],
)
def test_html_holds_the_figures(written: dict[str, str], needle: str) -> None:
    assert needle in written[".html"]


def test_html_is_self_contained_with_three_charts(written: dict[str, str]) -> None:
    page = written[".html"]
    assert page.count("<svg") == 3
    assert "<?xml" not in page
    assert "src=" not in page and "<link" not in page and "@import" not in page
    assert "< 2 weken" not in page  # escaped, never raw


@pytest.mark.parametrize("suffix", [".html", ".csv", ".md"])
def test_no_personal_data_of_the_parties(written: dict[str, str], suffix: str) -> None:
    for needle in PRIVATE:
        assert needle not in written[suffix]


def test_csv_has_one_row_per_case_live_and_purged(
    written: dict[str, str], fig: YearFigures
) -> None:
    rows = list(csv.DictReader(io.StringIO(written[".csv"])))
    assert tuple(rows[0]) == COLUMNS
    assert sorted(r["id"] for r in rows) == sorted(r.id for r in fig.rows)
    by_id = {r["id"]: r for r in rows}
    late_extended = by_id["KL-2025-0006"]
    assert (late_extended["extended"], late_extended["formal.decision"]) == ("yes", "late")
    assert late_extended["closed"] == "" and late_extended["status"] == "open"
    failed = by_id["KL-2025-0004"]
    assert (failed["path"], failed["outcome"], failed["days_open"]) == (
        "direct>mediation>formal",
        "rejected",
        "43",
    )
    assert by_id["KL-2025-0008"]["formal.acknowledgement"] == "late"
    purged = by_id["KL-2025-0013"]
    assert (purged["source"], purged["extended"], purged["outcome"]) == ("purged", "yes", "partly")
    assert by_id["KL-2025-0002"]["channel"] == "telefoon"


@pytest.mark.parametrize(
    "needle",
    [
        "# Jaaranalyse klachtenprocedure 2025 — Voorbeeld Training & Coaching",
        "| Ontvangen klachten | 13 |",
        "| Formele klachten | 6 |",
        "| Verlengingen | 3 |",
        "## Aanbevelingen (concept)",
        "> **CONCEPT",
        "- 16,7% van de ontvangstbevestigingen (1 van 6) kwam niet binnen 5 werkdagen",
        "- Maatregel: … — wie: … — wanneer: …",
        "KL-2025-0005",
    ],
)
def test_markdown_has_the_summary_and_the_draft(written: dict[str, str], needle: str) -> None:
    assert needle in written[".md"]


def test_recommendations_follow_the_figures(fig: YearFigures) -> None:
    draft = recommendations(fig, "en")
    expected = [
        "16.7% of acknowledgements (1 of 6) did not go out within 5 working days",
        "33.3% of decisions (2 of 6) were late",
        "3 of 6 formal complaints were extended (3 extension(s)); 1 of them were still late",
        "4 of 6 rulings upheld the complaint",
        "1 of 3 mediations failed",
        "3 of 8 complaints on the direct track moved to a heavier track",
        "Deadline “first response (direct)”: 2 late and 0 missed (of 7).",
        "Longest handling time for direct resolution: 10 days",
        "Longest handling time for formal complaint: 55 days",
        "The committee wrote 4 evaluation(s) (KL-2025-0004, KL-2025-0005, KL-2025-0007, "
        "KL-2025-0008)",
        "1 formal complaint(s) with a ruling have no recorded evaluation",
    ]
    for start in expected:
        assert any(line.startswith(start) for line in draft), start
    assert not any("mediation: 9 days" in line for line in draft)  # within its term


def test_english_report(fig: YearFigures) -> None:
    parts = {p.filename: p for p in render_report(fig, ORG, "en")}
    page = parts["report-2025.html"].text
    assert parts["report-2025.html"].content_type == "text/html"
    for needle in (
        "Key figures",
        "Recommendations (draft)",
        "DRAFT",
        "5 of 6 (83.3%)",
        'lang="en"',
    ):
        assert needle in page
    assert "## Recommendations (draft)" in parts["report-2025.md"].text


def test_unknown_language_is_refused(fig: YearFigures, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown report language"):
        write_report(fig, tmp_path, ORG, lang="de")
    assert not list(tmp_path.iterdir())


def test_figures_from_the_store(
    policy: Policy, cases: list[Case], stats: list[dict[str, Any]], tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    with Store.open(data_dir) as store:
        store.apply(Changes(cases=cases, stats=stats))
        store.commit()
    with Store.open(data_dir, readonly=True) as store:
        found = store_figures(store, policy.settings, 2025)
    assert (found.total, found.purged, found.formal.decision) == (13, 3, Ratio(4, 6))
    assert found.handling["formal"] == Handling(5, 46.0, 55, 34.0, 39, 28.0)
