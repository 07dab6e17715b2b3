"""Every template, rendered directly with the context docs/templates.md promises, in nl and en.

The context is built here from a complete example of "the context every template gets" plus the
template's example extra context from `mailbot.cli.samples.TEMPLATES`; it does not go through
`mailbot.outgoing`, so these tests pin the templates against the documented contract.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from mailbot.cli.samples import TEMPLATES
from mailbot.outbound.render import Rendered, Renderer, package_templates_dir

LANGS = ("nl", "en")
CASE_ID = "KL-2026-0042"
NO_CASE = ("help", "case_list", "operator_alert", "digest", "report", "new_cases")
# Never tagged by the template: the operator alert leaves the tag to mailbot, the digest and the
# combined new-case notice are about many cases (their context's case is always None).
UNTAGGED = ("operator_alert", "digest", "report", "new_cases")
ORG = {
    "name": "Voorbeeld Training & Coaching",
    "complaints": "klachten@example.nl",
    "committee": "klachtencommissie@example.nl",
}
TERMS = {
    "nl": {
        "direct.response": "1 werkdag",
        "direct.resolution": "5 werkdagen",
        "mediation.meeting": "10 werkdagen",
        "mediation.outcome": "4 weken",
        "formal.acknowledgement": "5 werkdagen",
        "formal.decision": "4 weken",
        "formal.registered_post": "2 werkdagen",
        "formal.evaluation": "10 werkdagen",
        "retention": "2 jaar",
    },
    "en": {
        "direct.response": "1 working day",
        "direct.resolution": "5 working days",
        "mediation.meeting": "10 working days",
        "mediation.outcome": "4 weeks",
        "formal.acknowledgement": "5 working days",
        "formal.decision": "4 weeks",
        "formal.registered_post": "2 working days",
        "formal.evaluation": "10 working days",
        "retention": "2 years",
    },
}
# Every deadline a reminder or an escalation can be about (DESIGN section 4, except retention).
DEADLINE_NAMES = [name for name in TERMS["en"] if name != "retention"]
TRACKS = {
    "nl": {"direct": "direct oplossen", "mediation": "bemiddeling", "formal": "klachtenregeling"},
    "en": {"direct": "direct resolution", "mediation": "mediation", "formal": "formal complaint"},
}
COMMITTEE = [
    {"name": "Bram Jansen", "role": "chair"},
    {"name": "Carla Smit", "role": "member"},
    {"name": "Dirk Visser", "role": "member"},
]
PEOPLE = {
    "complainant": ("Jan Jansen", "jan.jansen@example.org"),
    "respondent": ("Eva Mulder", "eva.mulder@example.org"),
    "staff": ("Anna de Vries", "anna@example.nl"),
    "committee": ("Bram Jansen", "bram.jansen@example.org"),
    "operator": ("", "beheer@example.nl"),
    "address": ("", "iemand@example.nl"),
}
# Who each template is written for (docs/templates.md, column "to").
AUDIENCE = {
    "acknowledgement": "complainant",
    "formal_missing": "complainant",
    "formal_acknowledgement": "complainant",
    "new_case": "staff",
    "client_reply": "staff",
    "party_agreed": "staff",
    "command_result": "staff",
    "command_refused": "staff",
    "help": "staff",
    "staff_reply": "complainant",
    "resolution": "complainant",
    "mediation_started": "complainant",
    "mediation_co_owners": "staff",
    "meeting_invitation": "complainant",
    "proposal": "complainant",
    "agreement_confirmation": "complainant",
    "mediation_report": "committee",
    "case_file": "committee",
    "hearing_invitation": "complainant",
    "extension_notice": "complainant",
    "ruling_notice": "complainant",
    "registered_post_task": "committee",
    "letter_task": "committee",
    "letter_no_address": "committee",
    "evaluation_notice": "staff",
    "withdrawn_notice": "complainant",
    "assigned": "staff",
    "status": "staff",
    "case_list": "staff",
    "operator_alert": "operator",
    "deadline_reminder": "committee",
    "deadline_escalation": "staff",
    "digest": "staff",
    "delivery_failed": "staff",
    "address_unsupported": "staff",
    "new_cases": "staff",
    "report": "staff",
}
# The track a case is on when the template is sent.
TRACK_OF = {
    "formal_missing": "formal",
    "formal_acknowledgement": "formal",
    "mediation_started": "mediation",
    "mediation_co_owners": "mediation",
    "meeting_invitation": "mediation",
    "proposal": "mediation",
    "agreement_confirmation": "mediation",
    "party_agreed": "mediation",
    "mediation_report": "formal",
    "case_file": "formal",
    "hearing_invitation": "formal",
    "extension_notice": "formal",
    "ruling_notice": "formal",
    "registered_post_task": "formal",
    "letter_task": "formal",
    "letter_no_address": "formal",
    "evaluation_notice": "formal",
    "deadline_reminder": "formal",
}
COMPLAINANT_MAIL = sorted(name for name, who in AUDIENCE.items() if who == "complainant")

RENDERER = Renderer()


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


DEADLINES = {
    "direct": {
        "direct.response": {"due": at(3, 17, 22, 59), "met_at": at(3, 16, 11, 0)},
        "direct.resolution": {"due": at(3, 23, 22, 59), "met_at": None},
    },
    "mediation": {
        "direct.response": {"due": at(3, 17, 22, 59), "met_at": at(3, 16, 11, 0)},
        "mediation.meeting": {"due": at(3, 31, 21, 59), "met_at": at(3, 24, 13, 0)},
        "mediation.outcome": {"due": at(4, 14, 21, 59), "met_at": None},
    },
    "formal": {
        "formal.acknowledgement": {"due": at(3, 23, 22, 59), "met_at": at(3, 16, 9, 31)},
        "formal.decision": {"due": at(4, 13, 21, 59), "met_at": None},
    },
}


def make_case(track: str = "direct", **changes: Any) -> dict[str, Any]:
    """A case with every key docs/templates.md lists."""
    case: dict[str, Any] = {
        "id": CASE_ID,
        "track": track,
        "stage": {"direct": "acknowledged", "mediation": "meeting_planned"}.get(track, "analysed"),
        "status": "open",
        "channel": "email",
        "complainant_name": "Jan Jansen",
        "complainant_email": "jan.jansen@example.org",
        "received_at": at(3, 16, 9, 30),
        "subject": "Factuur klopt niet",
        "contact_name": "Pieter Bakker",
        "respondent_name": "Eva Mulder",
        "severity": "medium" if track == "formal" else "",
        "outcome": "",
        "tracking": "",
        "language": "nl",
        "decision_due": at(4, 13, 21, 59) if track == "formal" else None,
        "deadlines": copy.deepcopy(DEADLINES[track]),
        "meeting": {"at": at(3, 24, 13, 0), "place": "Kantoor Utrecht"}
        if track == "mediation"
        else None,
    }
    case.update(changes)
    return case


def sparse_case(track: str = "direct") -> dict[str, Any]:
    """A case where every optional key is empty: nothing may read as "None"."""
    return make_case(
        track,
        complainant_name="",
        complainant_email=None,
        contact_name="",
        respondent_name="",
        severity="",
        outcome="",
        tracking="",
        decision_due=None,
        deadlines={},
        meeting=None,
        channel="telefoon",
    )


def make_context(
    name: str,
    lang: str,
    *,
    case: dict[str, Any] | str | None = "default",
    role: str | None = None,
    message: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    role = role or AUDIENCE[name]
    person, email = PEOPLE[role]
    if case == "default":
        case = None if name in UNTAGGED else make_case(TRACK_OF.get(name, "direct"))
    return {
        "org": dict(ORG),
        "terms": dict(TERMS[lang]),
        "tracks": dict(TRACKS[lang]),
        "committee": copy.deepcopy(COMMITTEE),
        "case": case,
        "message": message
        if message is not None
        else {
            "subject": "Re: [KL-2026-0042] Factuur klopt niet",
            "text": "Het bedrag is nog steeds niet teruggestort.",
            "sender": "jan.jansen@example.org",
            "at": at(3, 18, 14, 5),
        },
        "recipient": {"name": person, "email": email, "role": role},
        "lang": lang,
        **copy.deepcopy(TEMPLATES[name]),
        **extra,
    }


def render(name: str, lang: str, **kwargs: Any) -> Rendered:
    return RENDERER.render(name, lang, make_context(name, lang, **kwargs))


def checked(name: str, lang: str, **kwargs: Any) -> Rendered:
    """Rendered and well-formed; the case tag is required whenever there is a case (except in
    UNTAGGED mail)."""
    context = make_context(name, lang, **kwargs)
    mail = RENDERER.render(name, lang, context)
    assert_well_formed(mail, has_case=context["case"] is not None and name not in UNTAGGED)
    return mail


def assert_well_formed(mail: Rendered, *, has_case: bool = True) -> None:
    assert mail.subject.strip()
    assert mail.text.strip()
    for part in (mail.subject, mail.text):
        assert "{{" not in part and "{%" not in part and "{#" not in part
        assert "None" not in part
    assert "\n\n\n" not in mail.text, "no double blank lines"
    assert "\n" not in mail.subject
    if has_case:
        assert f"[{CASE_ID}]" in mail.subject


def text_of(name: str, lang: str, **kwargs: Any) -> str:
    mail = checked(name, lang, **kwargs)
    return mail.subject + "\n" + mail.text


# --- the catalogue ---------------------------------------------------------------------------


def test_the_template_files_are_the_catalogue() -> None:
    root = package_templates_dir()
    files = {
        lang: {p.name.removesuffix(".txt.j2") for p in (root / lang).iterdir() if p.is_file()}
        for lang in LANGS
    }
    assert files["nl"] == files["en"]
    assert files["nl"] == set(TEMPLATES)
    assert set(AUDIENCE) == set(TEMPLATES)


def test_every_catalogue_entry_is_exactly_the_documented_extra_context() -> None:
    documented = {
        "formal_missing": {"missing"},
        "formal_acknowledgement": {"decision_due"},
        "party_agreed": {"party", "both"},
        "command_result": {"commands", "note_recorded", "created"},
        "command_refused": {"commands", "reason"},
        "staff_reply": {"text", "author_name"},
        "resolution": {"text"},
        "mediation_co_owners": {"requested_by"},
        "meeting_invitation": {"at", "place"},
        "proposal": {"text"},
        "agreement_confirmation": {"proposal_text", "agreed_at"},
        "mediation_report": {"text", "author_name"},
        "case_file": {"timeline", "documents", "reason"},
        "hearing_invitation": {"party", "at"},
        "extension_notice": {"old_due", "new_due", "reason"},
        "ruling_notice": {"outcome", "text"},
        "registered_post_task": {"outcome", "due", "text", "letter_template", "postal_address"},
        "letter_task": {"letter_template", "post_by", "postal_address", "decision_due"},
        "letter_no_address": {"letter_template", "post_by", "postal_address", "decision_due"},
        "evaluation_notice": {"text"},
        "assigned": {"assigned_by"},
        "status": {"limited", "next_deadline", "timeline"},
        "case_list": {"cases", "which"},
        "operator_alert": {"alert"},
        "deadline_reminder": {"deadline", "kind"},
        "deadline_escalation": {"deadline", "kind"},
        "delivery_failed": {"failed_to"},
        "address_unsupported": {"failed_to"},
        "new_cases": {"senders"},
        "report": {"year", "attachments"},
        "digest": {"today", "horizon", "rows", "waiting"},
        "new_case": {"reply"},
    }
    for name, extra in TEMPLATES.items():
        assert set(extra) == documented.get(name, set()), name
        for value in extra.values():
            if isinstance(value, list):
                assert value, f"{name}: example lists are filled"
        for value in walk(extra):
            if isinstance(value, datetime):
                assert value.tzinfo is not None, name


def walk(value: Any) -> list[Any]:
    """The value and everything nested in it."""
    if isinstance(value, dict):
        return [value, *(v for item in value.values() for v in walk(item))]
    if isinstance(value, list):
        return [value, *(v for item in value for v in walk(item))]
    return [value]


def test_the_deadline_examples_are_what_the_lead_passes() -> None:
    for name, kind in (("deadline_reminder", "reminder"), ("deadline_escalation", "escalation")):
        example = TEMPLATES[name]
        assert example["kind"] == kind
        assert set(example["deadline"]) == {"name", "due"}
        assert example["deadline"]["name"] in DEADLINE_NAMES
    digest = TEMPLATES["digest"]
    assert type(digest["today"]) is date and type(digest["horizon"]) is date
    for row in digest["rows"]:
        assert set(row) == {"id", "track", "stage", "complainant_name", "due"}
        for item in row["due"]:
            assert set(item) == {"name", "due", "overdue"}
    items = [item for row in digest["rows"] for item in row["due"]]
    assert {item["overdue"] for item in items} == {True, False}, "both kinds of item shown"
    assert "" in {row["complainant_name"] for row in digest["rows"]}, "a confidential row shown"


# --- every template renders --------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_renders(name: str, lang: str) -> None:
    checked(name, lang)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("track", ["direct", "mediation", "formal"])
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_renders_on_every_track_with_a_sparse_case(
    name: str, lang: str, track: str
) -> None:
    checked(name, lang, case=sparse_case(track))
    checked(name, lang, case=make_case(track, status="closed"))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", sorted(PEOPLE))
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_renders_for_every_recipient_role(name: str, lang: str, role: str) -> None:
    checked(name, lang, role=role)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_renders_when_a_tick_caused_it(name: str, lang: str) -> None:
    empty = {"subject": "", "text": "", "sender": "", "at": None}
    checked(name, lang, message=empty)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", NO_CASE)
def test_mail_about_no_case_renders_without_one(name: str, lang: str) -> None:
    mail = render(name, lang, case=None)
    assert_well_formed(mail, has_case=False)
    assert "KL-" not in mail.subject


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", COMPLAINANT_MAIL)
def test_mail_to_a_complainant_is_a_letter(name: str, lang: str) -> None:
    text = render(name, lang).text
    greeting, closing = {
        "nl": ("Geachte Jan Jansen,", "Met vriendelijke groet,"),
        "en": ("Dear Jan Jansen,", "Kind regards,"),
    }[lang]
    assert text.startswith(greeting)
    assert closing in text
    assert ORG["name"] in text.split(closing)[1]
    fallback = {"nl": "Geachte heer/mevrouw,", "en": "Dear Sir or Madam,"}[lang]
    context = make_context(name, lang)
    context["recipient"]["name"] = ""
    assert RENDERER.render(name, lang, context).text.startswith(fallback)


FORMAL_LETTERS = [
    "formal_missing",
    "formal_acknowledgement",
    "hearing_invitation",
    "extension_notice",
    "ruling_notice",
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", FORMAL_LETTERS)
def test_formal_track_mail_is_signed_by_the_committee(name: str, lang: str) -> None:
    signature = {"nl": "De klachtencommissie van ", "en": "The complaints committee of "}[lang]
    assert signature + ORG["name"] in render(name, lang).text


@pytest.mark.parametrize("lang", LANGS)
def test_nothing_about_one_organisation_is_hard_coded(lang: str) -> None:
    odd_terms = {name: f"{n} units" for n, name in enumerate(TERMS[lang], start=71)}
    odd_committee = [
        {"name": "Zora Quist", "role": "chair"},
        {"name": "Yves Maas", "role": "member"},
    ]
    odd_org = {"name": "Zeta Coaching", "complaints": "z@example.org", "committee": "c@example.org"}
    for name in TEMPLATES:
        for track in ("direct", "mediation", "formal"):
            context = make_context(name, lang, case=make_case(track))
            context.update(terms=odd_terms, committee=odd_committee, org=odd_org)
            context["recipient"]["name"] = "Xander Kok"
            mail = RENDERER.render(name, lang, context)
            text = mail.subject + mail.text
            for default in TERMS[lang].values():
                assert default not in text, (name, track, default)
            for word in ("Voorbeeld", "Training", "Bram", "Carla", "Dirk", "KL-2026-0099"):
                assert word not in text, (name, track, word)


HOSTILE = "{{ 7 * 7 }} {% raw %} <b>&amp;</b>"
UNTRUSTED_KEYS = ("text", "reason", "proposal_text", "author_name", "requested_by", "assigned_by")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_untrusted_text_is_a_plain_value(name: str, lang: str) -> None:
    extra = {k: HOSTILE for k in UNTRUSTED_KEYS if k in TEMPLATES[name]}
    message = {"subject": HOSTILE, "text": HOSTILE, "sender": "x@example.org", "at": at(3, 18, 9)}
    case = make_case(TRACK_OF.get(name, "direct"), subject=HOSTILE, complainant_name=HOSTILE)
    mail = render(name, lang, case=case, message=message, **extra)
    assert "49" not in mail.subject + mail.text
    if extra:
        assert HOSTILE in mail.text


# --- what each mail must say -------------------------------------------------------------------


def test_acknowledgement() -> None:
    nl = text_of("acknowledgement", "nl")
    assert "Ontvangstbevestiging van uw klacht [KL-2026-0042]" in nl
    assert "maandag 16 maart 2026 om 10:30" in nl
    assert "binnen 1 werkdag" in nl and "binnen 5 werkdagen" in nl
    en = text_of("acknowledgement", "en")
    assert "Monday, 16 March 2026 at 10:30" in en and "within 1 working day" in en
    formal = text_of("acknowledgement", "nl", case=make_case("formal"))
    assert "klachtencommissie" in formal and "vertrouwelijk" in formal
    assert "De klachtencommissie van Voorbeeld Training & Coaching" in formal
    phoned = text_of("acknowledgement", "nl", case=make_case(channel="telefoon"))
    assert "telefonisch" in phoned
    assert "by phone" in text_of("acknowledgement", "en", case=make_case(channel="telefoon"))


@pytest.mark.parametrize(
    ("lang", "words", "labels"),
    [
        (
            "nl",
            {
                "name": "uw naam",
                "address": "uw adres",
                "date": "de datum of periode",
                "description": "een omschrijving",
                "signature": "uw handtekening",
            },
            {
                "name": "Naam:",
                "address": "Adres:",
                "date": "Datum of periode:",
                "description": "Omschrijving:",
                "signature": "Handtekening:",
            },
        ),
        (
            "en",
            {
                "name": "your name",
                "address": "your address",
                "date": "the date or period",
                "description": "a description",
                "signature": "your signature",
            },
            {
                "name": "Name:",
                "address": "Address:",
                "date": "Date or period:",
                "description": "Description:",
                "signature": "Signature:",
            },
        ),
    ],
)
@pytest.mark.parametrize(
    "missing", [["address", "signature"], ["name"], ["date", "description"], []]
)
def test_formal_missing_names_exactly_the_missing_parts(
    lang: str, words: dict[str, str], labels: dict[str, str], missing: list[str]
) -> None:
    missing = missing or list(words)  # the last case: everything is missing
    text = text_of("formal_missing", lang, missing=missing)
    for part in words:
        if part in missing:
            assert words[part] in text, part
            assert re.search(rf"^{re.escape(labels[part])}$", text, re.M), part
        else:
            assert words[part] not in text, part
            assert labels[part] not in text, part


@pytest.mark.parametrize("lang", LANGS)
def test_formal_acknowledgement_states_everything_the_procedure_requires(lang: str) -> None:
    text = text_of("formal_acknowledgement", lang)
    date = {"nl": "maandag 13 april 2026", "en": "Monday, 13 April 2026"}[lang]
    assert date in text
    assert TERMS[lang]["formal.decision"] in text
    chair = {"nl": "Bram Jansen (voorzitter)", "en": "Bram Jansen (chair)"}[lang]
    assert chair in text
    for member in COMMITTEE:
        assert member["name"] in text
    musts = {
        "nl": [
            "ernst en het belang",
            "hoorzitting",
            "besloten",
            "gemotiveerde uitspraak",
            "aangetekende post",
            "bindend",
            "evalueert",
            "vertrouwelijk",
        ],
        "en": [
            "severity and importance",
            "hearing",
            "in private",
            "reasoned ruling",
            "registered post",
            "binding",
            "evaluates",
            "confidential",
        ],
    }[lang]
    for must in musts:
        assert must in text, must


@pytest.mark.parametrize("lang", LANGS)
def test_new_case_and_client_reply_show_the_complainants_message(lang: str) -> None:
    for name in ("new_case", "client_reply"):
        text = text_of(name, lang)
        assert "Het bedrag is nog steeds niet teruggestort." in text
        assert "jan.jansen@example.org" in text
    closed = text_of("client_reply", lang, case=make_case(status="closed"))
    assert {"nl": "gesloten", "en": "closed"}[lang] in closed
    assert {"nl": "#heropenen", "en": "#reopen"}[lang] in closed
    formal = text_of("new_case", lang, case=make_case("formal"))
    assert TERMS[lang]["formal.acknowledgement"] in formal


@pytest.mark.parametrize("lang", LANGS)
def test_party_agreed(lang: str) -> None:
    one = text_of("party_agreed", lang, party="complainant", both=False)
    assert {"nl": "#akkoord beklaagde", "en": "#agreed respondent"}[lang] in one
    other = text_of("party_agreed", lang, party="respondent", both=False)
    assert "Eva Mulder" in other
    assert {"nl": "#akkoord klager", "en": "#agreed complainant"}[lang] in other
    both = text_of("party_agreed", lang, party="respondent", both=True)
    assert {"nl": "Beide partijen", "en": "Both parties"}[lang] in both
    assert {"nl": "gesloten", "en": "closed"}[lang] in both


@pytest.mark.parametrize("lang", LANGS)
def test_command_result(lang: str) -> None:
    done = text_of("command_result", lang)
    assert "#assign pieter" in done and "#lang en" in done
    note = text_of("command_result", lang, commands=[], note_recorded=True, created=False)
    assert "#reply" in note
    assert {"nl": "NIET naar de klager", "en": "NOT been sent to the complainant"}[lang] in note
    created = text_of(
        "command_result", lang, commands=["#register"], note_recorded=False, created=True
    )
    assert {"nl": "aangemaakt", "en": "created"}[lang] in created
    assert "KL-2026-0042" in created and "Jan Jansen" in created
    no_mail = make_case(complainant_email=None)
    unmailable = text_of("command_result", lang, case=no_mail, commands=["#register"], created=True)
    assert {"nl": "geen e-mailadres", "en": "no e-mail address"}[lang] in unmailable.lower()


@pytest.mark.parametrize("lang", LANGS)
def test_command_refused(lang: str) -> None:
    text = text_of("command_refused", lang, reason="Alleen de commissie mag dit.")
    assert "#ruling deels" in text and "Alleen de commissie mag dit." in text
    assert {"nl": "Er is niets gewijzigd", "en": "Nothing has been changed"}[lang] in text
    mail = render("command_refused", lang, case=None)
    assert_well_formed(mail, has_case=False)


COMMAND_WORDS = [
    ("note", "notitie"),
    ("reply", "antwoord"),
    ("assign", "toewijzen"),
    ("respondent", "beklaagde"),
    ("resolve", "opgelost"),
    ("mediate", "bemiddeling"),
    ("meeting", "gesprek"),
    ("proposal", "voorstel"),
    ("agreed", "akkoord"),
    ("failed", "mislukt"),
    ("formal", "formeel"),
    ("complete", "compleet"),
    ("severity", "zwaarte"),
    ("hearing", "hoorzitting"),
    ("extend", "verlengen"),
    ("ruling", "uitspraak"),
    ("registered", "aangetekend"),
    ("evaluation", "evaluatie"),
    ("close", "sluiten"),
    ("reopen", "heropenen"),
    ("withdrawn", "ingetrokken"),
    ("lang", "taal"),
    ("status", "status"),
    ("register", "registreer"),
    ("list", "overzicht"),
    ("report", "rapport"),
    ("help", "help"),
]
ARGUMENT_WORDS = [
    "klager|complainant",
    "beklaagde|respondent",
    "beiden|both",
    "laag|low",
    "middel|medium",
    "hoog|high",
    "gegrond|upheld",
    "deels|partly",
    "ongegrond|rejected",
    "nl|en",
    "open|overdue",
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("case", ["default", None])
def test_help_holds_the_whole_command_table(lang: str, case: str | None) -> None:
    text = text_of("help", lang, case=case)
    for en, nl in COMMAND_WORDS:
        for word in (en, nl):
            assert re.search(rf"#{word}\b", text), word
    for pair in ARGUMENT_WORDS:
        for word in pair.split("|"):
            assert re.search(rf"\b{word}\b", text), word
    for line in ("Naam:", "Name:", "E-mail:", "Telefoon:", "Phone:", "Kanaal:", "Channel:"):
        assert line in text, line
    assert "Omschrijving:" in text and "Description:" in text
    assert "telefoon, mondeling, brief" in text
    assert '"akkoord"' in text and '"agree"' in text
    assert {"nl": "mede-eigenaren", "en": "co-owners"}[lang] in text
    assert {"nl": "JJJJ-MM-DD UU:MM", "en": "YYYY-MM-DD HH:MM"}[lang] in text


@pytest.mark.parametrize("lang", LANGS)
def test_staff_reply_carries_the_text_and_its_author(lang: str) -> None:
    text = text_of("staff_reply", lang)
    assert TEMPLATES["staff_reply"]["text"] in text and "Pieter Bakker" in text
    formal = text_of("staff_reply", lang, case=make_case("formal"))
    assert {"nl": "klachtencommissie", "en": "complaints committee"}[lang] in formal


@pytest.mark.parametrize("lang", LANGS)
def test_resolution_and_evaluation_carry_their_text(lang: str) -> None:
    for name in ("resolution", "evaluation_notice"):
        assert TEMPLATES[name]["text"] in text_of(name, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_mediation_started_explains_mediation(lang: str) -> None:
    text = text_of("mediation_started", lang)
    assert TERMS[lang]["mediation.meeting"] in text
    assert "Pieter Bakker" in text
    assert {"nl": "mede-eigenaren", "en": "co-owners"}[lang] in text
    assert {"nl": "klachtencommissie", "en": "complaints committee"}[lang] in text


@pytest.mark.parametrize("lang", LANGS)
def test_mediation_co_owners(lang: str) -> None:
    text = text_of("mediation_co_owners", lang)
    assert "Pieter Bakker" in text and "Jan Jansen" in text
    assert {"nl": "#gesprek", "en": "#meeting"}[lang] in text
    assert {"nl": "#mislukt", "en": "#failed"}[lang] in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", ["complainant", "respondent", "staff"])
def test_meeting_invitation(lang: str, role: str) -> None:
    text = text_of("meeting_invitation", lang, role=role)
    when = {"nl": "dinsdag 24 maart 2026 om 14:00", "en": "Tuesday, 24 March 2026 at 14:00"}
    assert when[lang] in text
    assert "Kantoor Utrecht, vergaderzaal 2" in text
    unknown = text_of("meeting_invitation", lang, role=role, place="")
    assert {"nl": "Plaats:", "en": "Place:"}[lang] in unknown


@pytest.mark.parametrize("lang", LANGS)
def test_proposal_asks_the_complainant_to_agree_with_the_first_word(lang: str) -> None:
    word = {"nl": "akkoord", "en": "agree"}[lang]
    text = text_of("proposal", lang)
    assert TEMPLATES["proposal"]["text"] in text
    assert re.search(rf"^\s+{word}$", text, re.M)
    respondent = text_of("proposal", lang, role="respondent")
    assert TEMPLATES["proposal"]["text"] in respondent
    assert not re.search(rf"^\s+{word}$", respondent, re.M)


@pytest.mark.parametrize("lang", LANGS)
def test_agreement_confirmation(lang: str) -> None:
    text = text_of("agreement_confirmation", lang)
    assert TEMPLATES["agreement_confirmation"]["proposal_text"] in text
    assert {"nl": "vrijdag 27 maart 2026", "en": "Friday, 27 March 2026"}[lang] in text
    assert "Jan Jansen" in text and "Eva Mulder" in text


@pytest.mark.parametrize("lang", LANGS)
def test_mediation_report(lang: str) -> None:
    text = text_of("mediation_report", lang)
    assert TEMPLATES["mediation_report"]["text"] in text and "Anna de Vries" in text
    assert {"nl": "bijlage", "en": "attached"}[lang] in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("reason", ["formal", "new"])
def test_case_file(lang: str, reason: str) -> None:
    text = text_of("case_file", lang, reason=reason)
    for item in TEMPLATES["case_file"]["timeline"]:
        assert item["subject"] in text and item["text"] in text
    for doc in TEMPLATES["case_file"]["documents"]:
        assert doc["text"] in text and doc["author"] in text
    assert "Jan Jansen" in text and "Eva Mulder" in text
    assert {"nl": "middel", "en": "medium"}[lang] in text
    assert {"nl": "maandag 13 april 2026", "en": "Monday, 13 April 2026"}[lang] in text
    moved = {"nl": "overgebracht", "en": "moved"}[lang]
    assert (moved in text) == (reason == "formal")


@pytest.mark.parametrize("lang", LANGS)
def test_case_file_names_every_kind_of_document_in_words(lang: str) -> None:
    kinds = ["resolution", "proposal", "agreement", "mediation_report", "severity_analysis"]
    kinds += ["extension", "ruling", "evaluation", "note"]
    documents = [
        {"kind": kind, "at": at(3, 20, 9), "author": "anna@example.nl", "text": f"tekst {n}"}
        for n, kind in enumerate(kinds)
    ]
    text = text_of("case_file", lang, documents=documents)
    headers = [line for line in text.splitlines() if line.endswith(", anna@example.nl")]
    assert len(headers) == len(kinds)
    for n, (kind, header) in enumerate(zip(kinds, headers, strict=True)):
        assert f"tekst {n}" in text
        assert not header.startswith(f"--- {kind},"), kind
        assert header.startswith("--- ") and header[4].isupper(), header


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("party", ["complainant", "respondent"])
def test_hearing_invitation_is_private(lang: str, party: str) -> None:
    role = party
    text = text_of("hearing_invitation", lang, party=party, role=role)
    when = {"nl": "donderdag 2 april 2026 om 10:30", "en": "Thursday, 2 April 2026 at 10:30"}
    assert when[lang] in text
    assert {"nl": "besloten", "en": "private"}[lang] in text
    assert {"nl": "afzonderlijk", "en": "separately"}[lang] in text


@pytest.mark.parametrize("lang", LANGS)
def test_extension_notice_has_both_dates_and_the_reason(lang: str) -> None:
    text = text_of("extension_notice", lang)
    assert {"nl": "maandag 13 april 2026", "en": "Monday, 13 April 2026"}[lang] in text
    assert {"nl": "maandag 27 april 2026", "en": "Monday, 27 April 2026"}[lang] in text
    assert TEMPLATES["extension_notice"]["reason"] in text


OUTCOME_WORDS = {
    "nl": {"upheld": "gegrond", "partly": "deels gegrond", "rejected": "ongegrond"},
    "en": {"upheld": "upheld", "partly": "partly upheld", "rejected": "not upheld"},
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("outcome", ["upheld", "partly", "rejected"])
def test_ruling_notice(lang: str, outcome: str) -> None:
    text = render("ruling_notice", lang, outcome=outcome, text="De motivering.").text
    words = OUTCOME_WORDS[lang]
    verdict = {"nl": "De commissie verklaart uw klacht ", "en": "your complaint is "}[lang]
    assert verdict + words[outcome] + "." in text
    for other, word in words.items():
        if other != outcome and word not in words[outcome]:
            assert verdict + word not in text
    assert "De motivering." in text
    assert {"nl": "aangetekende post", "en": "registered post"}[lang] in text
    assert {"nl": "bindend", "en": "binding"}[lang] in text


@pytest.mark.parametrize("lang", LANGS)
def test_registered_post_task_names_the_command_and_the_date(lang: str) -> None:
    mail = render("registered_post_task", lang)
    assert_well_formed(mail)
    assert "#registered <" in mail.text
    assert {"nl": "#aangetekend <verzendnummer>", "en": "#registered <tracking number>"}[
        lang
    ] in mail.text
    assert {"nl": "vrijdag 10 april 2026", "en": "Friday, 10 April 2026"}[lang] in mail.subject
    assert OUTCOME_WORDS[lang]["partly"] in mail.text


@pytest.mark.parametrize("lang", LANGS)
def test_withdrawn_and_assigned(lang: str) -> None:
    withdrawn = text_of("withdrawn_notice", lang)
    assert {"nl": "ingetrokken", "en": "withdrawn"}[lang] in withdrawn
    assert TERMS[lang]["retention"] in withdrawn
    assigned = text_of("assigned", lang)
    assert "Anna de Vries" in assigned and "Factuur klopt niet" in assigned
    formal = text_of("assigned", lang, case=make_case("formal"))
    assert "Factuur klopt niet" not in formal and "Jan Jansen" not in formal


@pytest.mark.parametrize("lang", LANGS)
def test_status_full_and_limited(lang: str) -> None:
    full = text_of("status", lang)
    assert "Jan Jansen" in full and "Re: Reactie op uw klacht [KL-2026-0042]" in full
    due = {"nl": "maandag 23 maart 2026 om 23:59", "en": "Monday, 23 March 2026 at 23:59"}
    assert due[lang] in full
    assert {"nl": "oplossing", "en": "resolution"}[lang] in full
    limited = text_of("status", lang, case=make_case("formal"), limited=True, timeline=[])
    assert "Jan Jansen" not in limited and "Factuur klopt niet" not in limited
    assert "Eva Mulder" not in limited and "Pieter Bakker" not in limited
    assert due[lang] in limited
    none = text_of("status", lang, next_deadline=None)
    assert {"nl": "Volgende termijn:   geen", "en": "Next deadline:   none"}[lang] in none


@pytest.mark.parametrize("lang", LANGS)
def test_case_list(lang: str) -> None:
    text = text_of("case_list", lang, case=None)
    assert "KL-2026-0042" in text and "KL-2026-0043" in text
    assert "Jan Jansen" in text
    assert {"nl": "vertrouwelijk", "en": "confidential"}[lang] in text
    assert "(2)" in render("case_list", lang, case=None).subject
    overdue = text_of("case_list", lang, case=None, which="overdue", cases=[])
    assert {"nl": "verstreken termijn", "en": "overdue"}[lang] in overdue


@pytest.mark.parametrize("lang", LANGS)
def test_operator_alert(lang: str) -> None:
    mail = render("operator_alert", lang, case=None)
    alert = TEMPLATES["operator_alert"]["alert"]
    assert mail.subject == f"mailbot: {alert['title']}"
    assert alert["detail"] in mail.text and alert["action"] in mail.text


# --- deadline reminders and escalations, the daily digest ---------------------------------------

DUE = at(4, 13, 21, 59)
DUE_DATE = {"nl": "maandag 13 april 2026", "en": "Monday, 13 April 2026"}
DUE_MOMENT = {"nl": "maandag 13 april 2026 om 23:59", "en": "Monday, 13 April 2026 at 23:59"}
# The track a deadline belongs to.
TRACK_OF_DEADLINE = {name: name.partition(".")[0] for name in DEADLINE_NAMES}
# The commands (en, nl) that meet each deadline, as the reminder must name them.
MEETS = {
    "direct.response": [("reply", "antwoord"), ("resolve", "opgelost")],
    "direct.resolution": [("resolve", "opgelost")],
    "mediation.meeting": [("meeting", "gesprek")],
    "mediation.outcome": [("agreed", "akkoord"), ("failed", "mislukt")],
    "formal.acknowledgement": [("complete", "compleet")],
    "formal.decision": [("ruling", "uitspraak"), ("extend", "verlengen")],
    "formal.registered_post": [("registered", "aangetekend")],
    "formal.evaluation": [("evaluation", "evaluatie")],
}
RAW_DEADLINE_NAME = re.compile(r"\b(direct|mediation|formal|retention)\.[a-z_]+")


def deadline_text(template: str, lang: str, name: str, **kwargs: Any) -> str:
    track = TRACK_OF_DEADLINE[name]
    kwargs.setdefault("case", make_case(track))
    deadline = {"name": name, "due": DUE}
    mail = checked(template, lang, deadline=deadline, **kwargs)
    assert DUE_DATE[lang] in mail.subject
    return mail.subject + "\n" + mail.text


def test_meets_covers_every_deadline() -> None:
    assert set(MEETS) == set(DEADLINE_NAMES)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", ["staff", "committee"])
@pytest.mark.parametrize("name", DEADLINE_NAMES)
@pytest.mark.parametrize("template", ["deadline_reminder", "deadline_escalation"])
def test_every_deadline_notice_renders_for_every_deadline(
    template: str, name: str, role: str, lang: str
) -> None:
    for case in (make_case(TRACK_OF_DEADLINE[name]), sparse_case(TRACK_OF_DEADLINE[name])):
        text = deadline_text(template, lang, name, role=role, case=case)
        assert DUE_MOMENT[lang] in text
        assert not RAW_DEADLINE_NAME.search(text), "deadline names are written in words"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", DEADLINE_NAMES)
def test_reminder_names_the_term_its_end_and_the_commands_that_meet_it(
    lang: str, name: str
) -> None:
    role = "committee" if name.startswith("formal.") else "staff"
    text = deadline_text("deadline_reminder", lang, name, role=role)
    assert text.startswith({"nl": "Herinnering: ", "en": "Reminder: "}[lang])
    assert DUE_MOMENT[lang] in text
    assert TERMS[lang][name] in text
    for en, nl in MEETS[name]:
        assert re.search(rf"#{en}\b", text), en
        if lang == "nl":
            assert re.search(rf"^  #{nl}\b", text, re.M), nl
            assert f"(of #{en}" in text, en
    assert {"nl": "ter informatie", "en": "for your information"}[lang] not in text


@pytest.mark.parametrize("lang", LANGS)
def test_reminder_of_the_sample(lang: str) -> None:
    text = text_of("deadline_reminder", lang)
    assert {"nl": "#uitspraak gegrond|deels|ongegrond", "en": "#ruling upheld|partly|rejected"}[
        lang
    ] in text
    assert DUE_MOMENT[lang] in text
    assert {"nl": "vertrouwelijk", "en": "confidential"}[lang] in text


@pytest.mark.parametrize("lang", LANGS)
def test_reminder_of_registered_post_asks_for_the_tracking_number(lang: str) -> None:
    text = deadline_text("deadline_reminder", lang, "formal.registered_post", role="committee")
    assert {"nl": "#aangetekend <verzendnummer>", "en": "#registered <tracking number>"}[
        lang
    ] in text
    assert "#registered <" in text


@pytest.mark.parametrize("lang", LANGS)
def test_reminder_to_a_co_owner_on_a_formal_term_is_for_information(lang: str) -> None:
    text = deadline_text("deadline_reminder", lang, "formal.decision", role="staff")
    assert {"nl": "ter informatie", "en": "for your information"}[lang] in text
    assert {"nl": "alleen de klachtencommissie", "en": "Only the complaints committee"}[
        lang
    ] in text


@pytest.mark.parametrize("lang", LANGS)
def test_reminder_follows_the_case(lang: str) -> None:
    unmailable = make_case(complainant_email=None)
    text = deadline_text("deadline_reminder", lang, "direct.response", case=unmailable)
    assert {"nl": "geen e-mailadres", "en": "No e-mail address"}[lang] in text
    assert not re.search(r"^  #(antwoord|reply)\b", text, re.M)
    severity = {"nl": "#zwaarte", "en": "#severity"}[lang]
    new = make_case("formal", stage="acknowledged", severity="")
    assert severity in deadline_text("deadline_reminder", lang, "formal.decision", case=new)
    analysed = make_case("formal")
    assert severity not in deadline_text(
        "deadline_reminder", lang, "formal.decision", case=analysed
    )
    no_proposal = make_case("mediation", stage="meeting_planned")
    proposal = {"nl": "#voorstel", "en": "#proposal"}[lang]
    assert proposal in deadline_text(
        "deadline_reminder", lang, "mediation.outcome", case=no_proposal
    )
    sent = make_case("mediation", stage="proposal_sent")
    assert proposal not in deadline_text("deadline_reminder", lang, "mediation.outcome", case=sent)


@pytest.mark.parametrize("lang", LANGS)
def test_escalation_of_direct_resolution_suggests_mediation(lang: str) -> None:
    text = text_of("deadline_escalation", lang)
    assert text.startswith({"nl": "Termijn verstreken: ", "en": "Term passed: "}[lang])
    assert {"nl": "maandag 23 maart 2026 om 23:59", "en": "Monday, 23 March 2026 at 23:59"}[
        lang
    ] in text
    assert {"nl": "Bemiddeling", "en": "Mediation"}[lang] in text
    assert re.search(r"^  #mediate$", text, re.M) or "(of #mediate)" in text
    if lang == "nl":
        assert re.search(r"^  #bemiddeling\b", text, re.M)
    assert TERMS[lang]["direct.resolution"] in text
    assert "Pieter Bakker" in text
    assert {"nl": "klachtenregeling", "en": "complaints procedure"}[lang] not in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", DEADLINE_NAMES)
def test_escalation_of_a_formal_term_stresses_the_procedure(lang: str, name: str) -> None:
    stress = {"nl": "termijn uit de klachtenregeling", "en": "term of the complaints procedure"}
    text = deadline_text("deadline_escalation", lang, name, role="committee")
    assert (stress[lang] in text) == name.startswith("formal."), name
    assert ({"nl": "#bemiddeling", "en": "#mediate"}[lang] in text) == (
        name == "direct.resolution"
    ), name


@pytest.mark.parametrize("lang", LANGS)
def test_escalation_of_the_decision_term(lang: str) -> None:
    attached = {"nl": "als bijlage bijgevoegd", "en": "are attached"}[lang]
    committee = deadline_text("deadline_escalation", lang, "formal.decision", role="committee")
    assert attached in committee
    assert {"nl": "#uitspraak gegrond|deels|ongegrond", "en": "#ruling upheld|partly|rejected"}[
        lang
    ] in committee
    assert not re.search(r"^  #(verlengen|extend)\b", committee, re.M), "too late to extend"
    co_owner = deadline_text("deadline_escalation", lang, "formal.decision", role="staff")
    assert attached not in co_owner
    assert {"nl": "ter informatie", "en": "for your information"}[lang] in co_owner
    assert "Bram Jansen" in co_owner  # the chair, to contact
    # The chair's escalation of the registered post carries no case file.
    chair = deadline_text("deadline_escalation", lang, "formal.registered_post", role="committee")
    assert attached not in chair
    assert {"nl": "#aangetekend <verzendnummer>", "en": "#registered <tracking number>"}[
        lang
    ] in chair


def digest_text(lang: str, **kwargs: Any) -> str:
    mail = checked("digest", lang, **kwargs)
    assert "KL-" not in mail.subject
    assert mail.subject.startswith({"nl": "Dagoverzicht", "en": "Daily complaints overview"}[lang])
    return mail.subject + "\n" + mail.text


@pytest.mark.parametrize("lang", LANGS)
def test_digest_lists_every_row_and_marks_what_is_overdue(lang: str) -> None:
    text = digest_text(lang)
    for row in TEMPLATES["digest"]["rows"]:
        assert re.search(rf"^{row['id']}  ", text, re.M), row["id"]
    assert {"nl": "woensdag 18 maart 2026", "en": "Wednesday, 18 March 2026"}[lang] in text
    assert {"nl": "woensdag 25 maart 2026", "en": "Wednesday, 25 March 2026"}[lang] in text
    mark = {"nl": "VERSTREKEN", "en": "OVERDUE"}[lang]
    response = {"nl": "- eerste reactie: ", "en": "- first response: "}[lang]
    resolution = {"nl": "- oplossing: ", "en": "- resolution: "}[lang]
    lines = text.splitlines()
    [late] = [line for line in lines if response in line]
    assert late.endswith(mark)
    assert {"nl": "dinsdag 17 maart 2026 om 23:59", "en": "Tuesday, 17 March 2026 at 23:59"}[
        lang
    ] in late
    on_time = [line for line in lines if resolution in line]
    assert len(on_time) == 2 and not any(mark in line for line in on_time)
    assert {"nl": "3 open zaken, 1 met verstreken termijn", "en": "3 open cases, 1 overdue"}[
        lang
    ] in text
    assert {"nl": ".\n\n1 zaak heeft een", "en": ".\n\n1 case has a"}[lang] in text
    assert "Lotte Bos" in text and "Jan Jansen" in text
    assert {"nl": "#overzicht", "en": "#list"}[lang] in text


@pytest.mark.parametrize("lang", LANGS)
def test_digest_shows_no_name_for_a_confidential_row(lang: str) -> None:
    row = {"id": "KL-2026-0040", "track": "formal", "stage": "analysed", "complainant_name": ""}
    row["due"] = [{"name": "formal.decision", "due": DUE, "overdue": False}]
    text = digest_text(lang, rows=[row])
    assert {"nl": "Klager", "en": "Complainant"}[lang] not in text
    assert "Jan Jansen" not in text and "Lotte Bos" not in text
    assert {"nl": "- uitspraak: ", "en": "- ruling: "}[lang] + {"nl": "uiterlijk ", "en": "due "}[
        lang
    ] + DUE_MOMENT[lang] in text
    assert {"nl": "1 open zaak", "en": "1 open case"}[lang] in text
    assert {"nl": "VERSTREKEN", "en": "OVERDUE"}[lang] not in text


@pytest.mark.parametrize("lang", LANGS)
def test_digest_edge_cases(lang: str) -> None:
    empty = digest_text(lang, rows=[])
    assert {"nl": "geen open zaken", "en": "no open cases"}[lang] in empty
    context = make_context("digest", lang)
    context["org"] = {"name": "Zeta", "complaints": "z@example.org", "committee": "c@example.org"}
    assert "z@example.org" in RENDERER.render("digest", lang, context).text
    hostile = {"id": "KL-2026-0041", "track": "direct", "stage": "received", "due": []}
    mail = render("digest", lang, rows=[{**hostile, "complainant_name": HOSTILE}])
    assert HOSTILE in mail.text and "49" not in mail.subject + mail.text
    every = [{"name": name, "due": DUE, "overdue": True} for name in DEADLINE_NAMES]
    text = digest_text(lang, rows=[{**hostile, "complainant_name": "", "due": every}])
    assert not RAW_DEADLINE_NAME.search(text), "deadline names are written in words"
    assert text.count({"nl": "VERSTREKEN", "en": "OVERDUE"}[lang]) == len(DEADLINE_NAMES) + 1
