"""The report's words in Dutch and English: headings, labels and the names of codes."""

from __future__ import annotations

LANGUAGES = ("nl", "en")

TEXT = {
    "nl": {
        "title": "Jaaranalyse klachtenprocedure {year}",
        "intro": (
            "{total} klacht(en) ontvangen in {year}; daarvan {purged} alleen nog als "
            "anonieme statistiek (na de bewaartermijn verwijderd)."
        ),
        "key": "Kerncijfers",
        "received": "Ontvangen klachten",
        "formal_cases": "Formele klachten",
        "ack": "Ontvangstbevestiging binnen {term}",
        "decision": "Beslissing binnen de termijn ({term}, of verlengd)",
        "decision_unextended": "Beslissing binnen {term} zonder verlenging",
        "extensions": "Verlengingen",
        "extended_cases": "Formele klachten met verlenging",
        "extended_late": "Waarvan toch te laat of niet beslist",
        "evaluations_n": "Evaluaties van de commissie",
        "tracks": "Klachten per spoor en kanaal",
        "track": "Spoor",
        "channel": "Kanaal",
        "cases": "Klachten",
        "month": "Maand",
        "per_month": "Klachten per maand en spoor",
        "outcomes": "Uitkomsten",
        "outcome": "Uitkomst",
        "results_of": "Uitkomst per spoor (elke klacht die het spoor doorliep)",
        "handling": "Behandeltijden",
        "handling_chart": "Behandeltijd (ontvangst → afsluiting) tegen de termijn, in dagen",
        "closed": "Afgesloten",
        "median": "Mediaan (dagen)",
        "max": "Maximum (dagen)",
        "median_wd": "Mediaan (werkdagen)",
        "max_wd": "Maximum (werkdagen)",
        "term": "Termijn",
        "term_days": "Termijn (≈ dagen)",
        "compliance": "Termijnen: nalevingsregister",
        "deadline": "Termijn",
        "description": "Omschrijving",
        "length": "Lengte",
        "figure": "Cijfer",
        "value": "Waarde",
        "evaluations": "Evaluaties van de klachtencommissie",
        "no_evaluations": "Geen evaluaties vastgelegd voor klachten van dit jaar.",
        "case": "Zaak",
        "date": "Datum",
        "advice": "Aanbevelingen (concept)",
        "draft": (
            "CONCEPT, opgesteld uit de cijfers en evaluaties. De mede-eigenaren vullen het aan "
            "en stellen het vast."
        ),
        "todo": "Maatregel: … — wie: … — wanneer: …",
        "notes": "Toelichting",
        "note_track": (
            "Spoor = het spoor waarop de klacht nu staat of eindigde; een mislukte bemiddeling "
            "telt als formele klacht."
        ),
        "note_formal": (
            "De behandeltijd van een formele klacht loopt tot de evaluatie door de commissie; "
            "de termijn van de beslissing eindigt bij de uitspraak."
        ),
        "note_ratio": (
            "Percentages tellen de termijnen waarover al beslist is (op tijd, te laat, gemist); "
            "lopende en vervallen termijnen tellen niet mee."
        ),
        "note_purged": (
            "Verwijderde zaken tellen mee uit hun anonieme statistiekregel; daarin staat "
            "alleen óf er verlengd is (telt als één verlenging) en geen evaluatietekst."
        ),
        "none": "—",
        "of": "{hits} van {total}",
    },
    "en": {
        "title": "Yearly analysis of the complaints procedure {year}",
        "intro": (
            "{total} complaint(s) received in {year}; {purged} of them only as anonymous "
            "statistics (removed after the retention period)."
        ),
        "key": "Key figures",
        "received": "Complaints received",
        "formal_cases": "Formal complaints",
        "ack": "Acknowledged within {term}",
        "decision": "Decided within the term ({term}, or as extended)",
        "decision_unextended": "Decided within {term} without extension",
        "extensions": "Extensions",
        "extended_cases": "Formal complaints extended",
        "extended_late": "Of which still late or undecided",
        "evaluations_n": "Committee evaluations",
        "tracks": "Complaints per track and channel",
        "track": "Track",
        "channel": "Channel",
        "cases": "Complaints",
        "month": "Month",
        "per_month": "Complaints per month and track",
        "outcomes": "Outcomes",
        "outcome": "Outcome",
        "results_of": "Outcome per track (every complaint that went through it)",
        "handling": "Handling times",
        "handling_chart": "Handling time (receipt → closing) against the term, in days",
        "closed": "Closed",
        "median": "Median (days)",
        "max": "Maximum (days)",
        "median_wd": "Median (working days)",
        "max_wd": "Maximum (working days)",
        "term": "Term",
        "term_days": "Term (≈ days)",
        "compliance": "Deadlines: the compliance record",
        "deadline": "Deadline",
        "description": "Description",
        "length": "Length",
        "figure": "Figure",
        "value": "Value",
        "evaluations": "Evaluations by the complaints committee",
        "no_evaluations": "No evaluations recorded for this year's complaints.",
        "case": "Case",
        "date": "Date",
        "advice": "Recommendations (draft)",
        "draft": (
            "DRAFT, drawn up from the figures and evaluations. The co-owners complete and adopt it."
        ),
        "todo": "Measure: … — who: … — when: …",
        "notes": "Notes",
        "note_track": (
            "Track = the track the complaint is on now or ended on; a failed mediation counts "
            "as a formal complaint."
        ),
        "note_formal": (
            "A formal complaint's handling time runs until the committee's evaluation; the "
            "decision term ends with the ruling."
        ),
        "note_ratio": (
            "Percentages count the deadlines already decided (on time, late, missed); running "
            "and cancelled deadlines are left out."
        ),
        "note_purged": (
            "Removed cases count from their anonymous statistics row, which holds only whether "
            "the term was extended (counted as one extension) and no evaluation text."
        ),
        "none": "—",
        "of": "{hits} of {total}",
    },
}

CODES = {
    "nl": {
        "direct": "Direct oplossen",
        "mediation": "Bemiddeling",
        "formal": "Formele klacht",
        "email": "e-mail",
        "telefoon": "telefoon",
        "mondeling": "mondeling",
        "brief": "brief",
        "resolved": "opgelost",
        "agreed": "akkoord",
        "failed": "mislukt → formeel",
        "upheld": "gegrond",
        "partly": "deels gegrond",
        "rejected": "ongegrond",
        "withdrawn": "ingetrokken",
        "closed": "anders gesloten",
        "open": "loopt nog",
        "met": "op tijd",
        "late": "te laat",
        "missed": "gemist",
        "cancelled": "vervallen",
        "to_mediation": "naar bemiddeling",
        "to_formal": "naar formele klacht",
    },
    "en": {
        "direct": "Direct resolution",
        "mediation": "Mediation",
        "formal": "Formal complaint",
        "email": "e-mail",
        "telefoon": "phone",
        "mondeling": "in person",
        "brief": "letter",
        "resolved": "resolved",
        "agreed": "agreed",
        "failed": "failed → formal",
        "upheld": "upheld",
        "partly": "partly upheld",
        "rejected": "rejected",
        "withdrawn": "withdrawn",
        "closed": "closed otherwise",
        "open": "still open",
        "met": "on time",
        "late": "late",
        "missed": "missed",
        "cancelled": "cancelled",
        "to_mediation": "to mediation",
        "to_formal": "to formal complaint",
    },
}

DEADLINES = {
    "nl": {
        "direct.response": "eerste reactie (direct)",
        "direct.resolution": "oplossing (direct)",
        "mediation.meeting": "gesprek gepland (bemiddeling)",
        "mediation.outcome": "uitkomst bemiddeling",
        "formal.acknowledgement": "ontvangstbevestiging (formeel)",
        "formal.decision": "beslissing (formeel)",
        "formal.registered_post": "aangetekend verzonden",
        "formal.evaluation": "evaluatie door de commissie",
    },
    "en": {
        "direct.response": "first response (direct)",
        "direct.resolution": "resolution (direct)",
        "mediation.meeting": "meeting planned (mediation)",
        "mediation.outcome": "mediation outcome",
        "formal.acknowledgement": "acknowledgement (formal)",
        "formal.decision": "decision (formal)",
        "formal.registered_post": "sent by registered post",
        "formal.evaluation": "evaluation by the committee",
    },
}

MONTHS = {
    "nl": ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown report language {lang!r}: use one of {', '.join(LANGUAGES)}")
    return lang


def text(lang: str, key: str, **values: object) -> str:
    return TEXT[lang][key].format(**values)


def code(lang: str, value: str | None) -> str:
    """The reader's word for a code (a track, channel, outcome, verdict); the code if unknown."""
    if value is None:
        return TEXT[lang]["none"]
    return CODES[lang].get(value, value)


def result(lang: str, track: str, value: str) -> str:
    """A result of a track; moving up reads "to mediation" rather than the track's name."""
    if value in ("mediation", "formal") and track != value:
        return CODES[lang][f"to_{value}"]
    return code(lang, value)


def deadline(lang: str, name: str) -> str:
    return DEADLINES[lang].get(name, name)


def percent(lang: str, value: float | None) -> str:
    return TEXT[lang]["none"] if value is None else f"{number(lang, value)}%"


def number(lang: str, value: float | None) -> str:
    if value is None:
        return TEXT[lang]["none"]
    shown = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    return shown.replace(".", ",") if lang == "nl" else shown
