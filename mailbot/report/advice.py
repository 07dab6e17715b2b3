"""Pure: a draft of recommendations, drawn up from the year's figures for the co-owners."""

from __future__ import annotations

from collections.abc import Callable

from mailbot.config.terms import term_text
from mailbot.report.compute import Ratio, YearFigures
from mailbot.report.words import code, deadline, number, percent

_SAID = {
    "nl": {
        "none": "Geen klachten ontvangen in {year}; er is geen aanleiding voor maatregelen.",
        "ack_late": (
            "{pct} van de ontvangstbevestigingen ({late} van {total}) kwam niet binnen {term}: "
            "ga na of de voorzitter de herinneringen krijgt en hoe onvolledige klachten sneller "
            "compleet worden."
        ),
        "ack_ok": "Alle {total} ontvangstbevestigingen gingen binnen {term} uit.",
        "decision_late": (
            "{pct} van de beslissingen ({late} van {total}) was te laat: plan analyse en "
            "hoorzittingen eerder, en verleng tijdig (binnen de termijn) als meer tijd nodig is."
        ),
        "decision_ok": "Alle {total} beslissingen vielen binnen de termijn.",
        "extended": (
            "{cases} van {formal} formele klachten werd verlengd ({n} verlenging(en)); {late} "
            "daarvan toch te laat: zoek de oorzaak (beschikbaarheid van de commissie, partijen)."
        ),
        "upheld": (
            "{n} van {total} uitspraken was (deels) gegrond: bespreek de onderwerpen en neem "
            "maatregelen die herhaling voorkomen."
        ),
        "mediation_failed": (
            "{failed} van {total} bemiddelingen mislukte en werd een formele klacht: bekijk wat "
            "een akkoord in de weg stond."
        ),
        "moved_up": (
            "{up} van {total} klachten op het spoor direct oplossen gingen naar een zwaarder "
            "spoor: kijk of contactpersonen meer ruimte of hulp nodig hebben."
        ),
        "deadline": "Termijn {name}: {late} te laat en {missed} gemist (van {total}).",
        "slow": (
            "Langste behandeltijd bij {track}: {max} dagen, tegen een termijn van ongeveer "
            "{term} dagen (mediaan {median})."
        ),
        "evaluations": (
            "De commissie schreef {n} evaluatie(s) ({ids}): zet terugkerende bevindingen om in "
            "maatregelen."
        ),
        "no_evaluations": (
            "Bij {n} formele klacht(en) met een uitspraak is (nog) geen evaluatie vastgelegd: "
            "vraag de commissie erom (#evaluatie)."
        ),
    },
    "en": {
        "none": "No complaints received in {year}; nothing calls for measures.",
        "ack_late": (
            "{pct} of acknowledgements ({late} of {total}) did not go out within {term}: check "
            "that the chair gets the reminders and how incomplete complaints become complete "
            "sooner."
        ),
        "ack_ok": "All {total} acknowledgements went out within {term}.",
        "decision_late": (
            "{pct} of decisions ({late} of {total}) were late: plan the analysis and hearings "
            "earlier, and extend in time (within the term) when more time is needed."
        ),
        "decision_ok": "All {total} decisions were within the term.",
        "extended": (
            "{cases} of {formal} formal complaints were extended ({n} extension(s)); {late} of "
            "them were still late: find the cause (committee availability, the parties)."
        ),
        "upheld": (
            "{n} of {total} rulings upheld the complaint (fully or partly): discuss the subjects "
            "and take measures that prevent a repeat."
        ),
        "mediation_failed": (
            "{failed} of {total} mediations failed and became formal complaints: look at what "
            "stood in the way of an agreement."
        ),
        "moved_up": (
            "{up} of {total} complaints on the direct track moved to a heavier track: see "
            "whether contact persons need more room or help."
        ),
        "deadline": "Deadline {name}: {late} late and {missed} missed (of {total}).",
        "slow": (
            "Longest handling time for {track}: {max} days, against a term of about {term} days "
            "(median {median})."
        ),
        "evaluations": (
            "The committee wrote {n} evaluation(s) ({ids}): turn recurring findings into measures."
        ),
        "no_evaluations": (
            "{n} formal complaint(s) with a ruling have no recorded evaluation (yet): ask the "
            "committee for one (#evaluation)."
        ),
    },
}
_OWN_RULE = ("formal.acknowledgement", "formal.decision")


def draft(fig: YearFigures, lang: str) -> tuple[str, ...]:
    """Sentences for the recommendations section; the co-owners complete them."""
    if not fig.rows:
        return (_SAID[lang]["none"].format(year=fig.year),)
    rules: tuple[Callable[[YearFigures, str], list[str]], ...] = (
        _acknowledgement,
        _decision,
        _extensions,
        _upheld,
        _lighter,
        _deadlines,
        _slow,
        _evaluations,
    )
    return tuple(line for rule in rules for line in rule(fig, lang))


def _term(fig: YearFigures, name: str, lang: str) -> str:
    term = fig.terms.get(name)
    return term_text(term, lang) if term else name


def _on_time(ratio: Ratio, key: str, lang: str, **extra: str) -> list[str]:
    if ratio.total == 0:
        return []
    late = ratio.total - ratio.hits
    said = _SAID[lang]
    if late == 0:
        return [said[f"{key}_ok"].format(total=ratio.total, **extra)]
    pct = percent(lang, round(100 * late / ratio.total, 1))
    return [said[f"{key}_late"].format(pct=pct, late=late, total=ratio.total, **extra)]


def _acknowledgement(fig: YearFigures, lang: str) -> list[str]:
    term = _term(fig, "formal.acknowledgement", lang)
    return _on_time(fig.formal.acknowledgement, "ack", lang, term=term)


def _decision(fig: YearFigures, lang: str) -> list[str]:
    return _on_time(fig.formal.decision, "decision", lang)


def _extensions(fig: YearFigures, lang: str) -> list[str]:
    f = fig.formal
    if not f.extended_cases:
        return []
    said = _SAID[lang]["extended"]
    return [
        said.format(cases=f.extended_cases, formal=f.cases, n=f.extensions, late=f.extended_late)
    ]


def _upheld(fig: YearFigures, lang: str) -> list[str]:
    results = fig.results["formal"]
    ruled = sum(results[o] for o in ("upheld", "partly", "rejected"))
    upheld = results["upheld"] + results["partly"]
    if not upheld:
        return []
    return [_SAID[lang]["upheld"].format(n=upheld, total=ruled)]


def _lighter(fig: YearFigures, lang: str) -> list[str]:
    lines = []
    mediation = fig.results["mediation"]
    if mediation["failed"]:
        total = sum(mediation.values())
        lines.append(
            _SAID[lang]["mediation_failed"].format(failed=mediation["failed"], total=total)
        )
    direct = fig.results["direct"]
    up = direct["mediation"] + direct["formal"]
    if up:
        lines.append(_SAID[lang]["moved_up"].format(up=up, total=sum(direct.values())))
    return lines


def _deadlines(fig: YearFigures, lang: str) -> list[str]:
    lines = []
    for name, counts in fig.compliance.items():
        if name in _OWN_RULE or not (counts["late"] or counts["missed"]):
            continue
        total = counts["met"] + counts["late"] + counts["missed"]
        label = f"“{deadline(lang, name)}”"
        said = _SAID[lang]["deadline"]
        lines.append(
            said.format(name=label, late=counts["late"], missed=counts["missed"], total=total)
        )
    return lines


def _slow(fig: YearFigures, lang: str) -> list[str]:
    lines = []
    for track, h in fig.handling.items():
        if h.max_days is None or h.term_days is None or h.max_days <= h.term_days:
            continue
        values = {
            "track": code(lang, track).lower(),
            "max": h.max_days,
            "term": number(lang, h.term_days),
            "median": number(lang, h.median_days),
        }
        lines.append(_SAID[lang]["slow"].format(**values))
    return lines


def _evaluations(fig: YearFigures, lang: str) -> list[str]:
    said = _SAID[lang]
    lines = []
    if fig.evaluations:
        ids = ", ".join(dict.fromkeys(e.case_id for e in fig.evaluations))
        lines.append(said["evaluations"].format(n=len(fig.evaluations), ids=ids))
    evaluated = {e.case_id for e in fig.evaluations}
    ruled = [r for r in fig.rows if r.source == "live" and r.outcome and r.track == "formal"]
    missing = [r for r in ruled if r.id not in evaluated]
    if missing:
        lines.append(said["no_evaluations"].format(n=len(missing)))
    return lines
