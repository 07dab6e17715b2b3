"""Why a command was refused, in words (procedure/reasons.py): every refusal code as a sentence
in Dutch and in English with its placeholders filled, and what happens to codes it lacks."""

from __future__ import annotations

import pytest

from mailbot.errors import ProcedureError
from mailbot.procedure import reasons
from mailbot.procedure.reasons import explain

# code, params as the procedure raises them, the Dutch sentence, the English sentence.
SENTENCES = [
    (
        "unknown_command",
        {"word": "sluit"},
        "#sluit is geen bekend commando. Stuur #help voor het overzicht.",
        "#sluit is not a known command. Send #help for the list.",
    ),
    (
        "missing_argument",
        {"word": "contact", "what": "name"},
        "bij #contact ontbreekt: name.",
        "#contact needs: name.",
    ),
    (
        "bad_argument",
        {"word": "track", "value": "snel", "allowed": ["direct", "formal", "mediation"]},
        "'snel' is geen geldige keuze bij #track; mogelijk is: direct, formal, mediation.",
        "'snel' is not valid for #track; valid is: direct, formal, mediation.",
    ),
    (
        "bad_date",
        {"word": "gesprek", "value": "morgen"},
        "'morgen' is geen geldige datum bij #gesprek (gebruik JJJJ-MM-DD, en UU:MM voor een tijd).",
        "'morgen' is not a valid date for #gesprek (use YYYY-MM-DD, and HH:MM for a time).",
    ),
    (
        "not_allowed",
        {"command": "ruling", "who": ["committee"]},
        "u mag #ruling niet gebruiken (alleen: klachtencommissie).",
        "you may not use #ruling (only: complaints committee).",
    ),
    (
        "wrong_stage",
        {"command": "extend", "track": "formal", "stage": "ruled"},
        "#extend kan niet in deze fase van de zaak (spoor formal, fase uitspraak gedaan).",
        "#extend is not possible at this stage of the case (track formal, stage ruled).",
    ),
    (
        "closed",
        {},
        "de zaak is gesloten; heropen haar eerst met #heropenen.",
        "the case is closed; reopen it first with #reopen.",
    ),
    ("not_closed", {}, "de zaak is niet gesloten.", "the case is not closed."),
    (
        "no_case",
        {"command": "status"},
        "#status hoort bij een zaak: antwoord op een mail van die zaak, met het zaaknummer in "
        "het onderwerp.",
        "#status belongs to a case: reply to a mail of that case, with the case number in the "
        "subject.",
    ),
    (
        "unknown_person",
        {"person": "kees"},
        "'kees' is geen medewerker (gebruik een alias of e-mailadres uit de configuratie).",
        "'kees' is not a staff member (use an alias or e-mail address from the config).",
    ),
    (
        "respondent_only_status",
        {"command": "reply"},
        "u bent de beklaagde in deze zaak; daarom kunt u hier alleen #status gebruiken.",
        "you are the respondent in this case; you can therefore only use #status here.",
    ),
    (
        "respondent_not_contact",
        {"person": "Pieter Bakker"},
        "Pieter Bakker is de beklaagde in deze zaak en kan er geen contactpersoon van zijn.",
        "Pieter Bakker is the respondent in this case and cannot be its contact person.",
    ),
    (
        "nothing_to_post",
        {},
        "in deze zaak wacht geen brief op verzending.",
        "no letter is waiting to be posted on this case.",
    ),
    (
        "no_email",
        {"party": "respondent"},
        "van de beklaagde is geen e-mailadres bekend.",
        "there is no e-mail address for the respondent.",
    ),
    (
        "no_respondent",
        {},
        "er is nog geen beklaagde vastgelegd; doe dat eerst met #beklaagde.",
        "no respondent has been recorded yet; do that first with #respondent.",
    ),
    (
        "empty_text",
        {"command": "reply"},
        "#reply heeft tekst nodig: schrijf die in de mail zelf.",
        "#reply needs text: write it in the body of the mail.",
    ),
    (
        "onward_empty",
        {"command": "antwoord"},
        "na het weglaten van de geciteerde tekst bleef er van uw mail geen tekst over om met "
        "#antwoord te versturen; er is niets verstuurd. Schrijf uw tekst boven of onder het "
        "citaat en stuur de mail opnieuw.",
        "once the quoted text was left out, no text of yours was left to send with #antwoord; "
        "nothing has been sent. Write your text above or below the quote and send the mail "
        "again.",
    ),
    (
        "onward_quoted",
        {"command": "reply", "passage": "Interne notitie"},
        "de tekst bij #reply bevat nog een passage uit de mail van mailbot waarop u antwoordt; "
        "er is niets verstuurd, zodat geen interne tekst naar buiten gaat. Gevonden passage: "
        '"Interne notitie". Haal die weg en stuur de mail opnieuw.',
        "the text of #reply still holds a passage of the mailbot mail you are answering; "
        "nothing has been sent, so that no internal text goes outside. Passage found: "
        '"Interne notitie". Remove it and send the mail again.',
    ),
    (
        "term_passed",
        {"due": "2026-04-13"},
        "de beslistermijn is al verstreken (2026-04-13); verlengen kan alleen binnen de termijn.",
        "the decision term has already passed (2026-04-13); it can only be extended within it.",
    ),
    (
        "not_later",
        {"due": "2026-04-13"},
        "de nieuwe datum moet na de huidige beslisdatum (2026-04-13) liggen.",
        "the new date must be after the current decision date (2026-04-13).",
    ),
    (
        "in_past",
        {"value": "2026-03-01 10:00"},
        "2026-03-01 10:00 ligt in het verleden.",
        "2026-03-01 10:00 is in the past.",
    ),
    (
        "not_authenticated",
        {"server": "mx.example.nl"},
        "deze mail kon niet als echt worden vastgesteld (geen geldige DMARC/DKIM-controle door "
        "mx.example.nl); commando's worden daarom niet uitgevoerd.",
        "this mail could not be authenticated (no valid DMARC/DKIM result from mx.example.nl); "
        "commands are therefore not carried out.",
    ),
    (
        "register_incomplete",
        {"what": "name, channel"},
        "bij #registreer ontbreekt: name, channel (regels Naam:, E-mail:, Telefoon:, Kanaal:, "
        "Omschrijving:).",
        "#register needs: name, channel (lines Name:, E-mail:, Phone:, Channel:, Description:).",
    ),
]


@pytest.mark.parametrize(
    ("code", "params", "nl", "en"), SENTENCES, ids=[row[0] for row in SENTENCES]
)
def test_every_refusal_reads_as_a_sentence_in_both_languages(
    code: str, params: dict[str, object], nl: str, en: str
) -> None:
    error = ProcedureError(code, **params)
    assert (explain(error, "nl"), explain(error, "en")) == (nl, en)


def test_every_code_with_words_has_a_row_here() -> None:
    assert {row[0] for row in SENTENCES} == set(reasons._TEXTS)


@pytest.mark.parametrize(
    ("params", "nl", "en"),
    [
        # Groups are named for the reader, in the order of their codes; an unknown group as
        # it is.
        (
            {"command": "x", "who": frozenset({"committee", "staff", "co-owner"})},
            "u mag #x niet gebruiken (alleen: mede-eigenaren, klachtencommissie, medewerkers).",
            "you may not use #x (only: co-owners, complaints committee, staff).",
        ),
        (
            {"command": "x", "who": ["operator", "staff"]},
            "u mag #x niet gebruiken (alleen: operator, medewerkers).",
            "you may not use #x (only: operator, staff).",
        ),
        (
            {"command": "x", "who": "staff"},  # not a collection: as it is
            "u mag #x niet gebruiken (alleen: staff).",
            "you may not use #x (only: staff).",
        ),
    ],
)
def test_who_may_is_named_in_the_readers_words(params: dict, nl: str, en: str) -> None:
    error = ProcedureError("not_allowed", **params)
    assert (explain(error, "nl"), explain(error, "en")) == (nl, en)


@pytest.mark.parametrize(
    ("stage", "nl"),
    [*reasons.STAGES["nl"].items(), ("somewhere_else", "somewhere_else")],
)
def test_every_stage_is_named_in_dutch(stage: str, nl: str) -> None:
    error = ProcedureError("wrong_stage", command="x", track="direct", stage=stage)
    assert (
        explain(error, "nl") == f"#x kan niet in deze fase van de zaak (spoor direct, fase {nl})."
    )
    assert explain(error, "en").endswith(f"(track direct, stage {stage}).")


@pytest.mark.parametrize(
    ("party", "nl", "en"),
    [
        ("complainant", "van de klager is geen e-mailadres bekend.",
         "there is no e-mail address for the complainant."),
        ("respondent", "van de beklaagde is geen e-mailadres bekend.",
         "there is no e-mail address for the respondent."),
        ("chair", "van de chair is geen e-mailadres bekend.",  # unknown: as it is
         "there is no e-mail address for the chair."),
    ],
)  # fmt: skip
def test_a_party_is_named_in_the_readers_words(party: str, nl: str, en: str) -> None:
    error = ProcedureError("no_email", party=party)
    assert (explain(error, "nl"), explain(error, "en")) == (nl, en)


def test_allowed_values_are_listed_as_given() -> None:
    error = ProcedureError("bad_argument", word="register", value="fax", allowed="e-mail")
    assert explain(error, "en") == "'fax' is not valid for #register; valid is: e-mail."


@pytest.mark.parametrize(
    ("error", "lang", "expected"),
    [
        # A code without words: the error as it is.
        (ProcedureError("unknown_track", track="snel"), "nl", "unknown_track (track=snel)"),
        (ProcedureError("already_opened", case="KL-2026-0001"), "en",
         "already_opened (case=KL-2026-0001)"),
        (ProcedureError("unknown_event", event="Tick"), "nl", "unknown_event (event=Tick)"),
        (ProcedureError("no_such_code"), "en", "no_such_code"),
        # A placeholder left unfilled: the error as it is, never half a sentence.
        (ProcedureError("unknown_command"), "nl", "unknown_command"),
        (ProcedureError("term_passed", when="2026-04-13"), "en", "term_passed (when=2026-04-13)"),
        # A language without words: the error as it is.
        (ProcedureError("closed"), "de", "closed"),
        (ProcedureError("in_past", value="gisteren"), "fr", "in_past (value=gisteren)"),
    ],
)  # fmt: skip
def test_what_has_no_words_is_shown_as_the_error(
    error: ProcedureError, lang: str, expected: str
) -> None:
    assert explain(error, lang) == expected


def test_extra_params_are_left_out_of_the_sentence() -> None:
    error = ProcedureError("closed", case="KL-2026-0001")
    assert explain(error, "en") == "the case is closed; reopen it first with #reopen."
