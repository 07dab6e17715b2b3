"""Pure: why a command was refused, as a sentence in the reader's language."""

from __future__ import annotations

from mailbot.errors import ProcedureError

STAGES = {
    "nl": {
        "received": "ontvangen",
        "acknowledged": "ontvangst bevestigd",
        "resolved": "opgelost",
        "requested": "bemiddeling aangevraagd",
        "meeting_planned": "gesprek gepland",
        "proposal_sent": "voorstel verstuurd",
        "agreed": "akkoord",
        "failed": "bemiddeling mislukt",
        "incomplete": "onvolledig",
        "analysed": "geanalyseerd",
        "hearing_planned": "hoorzitting gepland",
        "ruled": "uitspraak gedaan",
        "ruling_sent": "uitspraak aangetekend verstuurd",
        "evaluated": "geëvalueerd",
        "withdrawn": "ingetrokken",
        "closed": "gesloten",
    },
}

_TEXTS = {
    "unknown_command": {
        "nl": "#{word} is geen bekend commando. Stuur #help voor het overzicht.",
        "en": "#{word} is not a known command. Send #help for the list.",
    },
    "missing_argument": {
        "nl": "bij #{word} ontbreekt: {what}.",
        "en": "#{word} needs: {what}.",
    },
    "bad_argument": {
        "nl": "'{value}' is geen geldige keuze bij #{word}; mogelijk is: {allowed}.",
        "en": "'{value}' is not valid for #{word}; valid is: {allowed}.",
    },
    "bad_date": {
        "nl": "'{value}' is geen geldige datum bij #{word} "
        "(gebruik JJJJ-MM-DD, en UU:MM voor een tijd).",
        "en": "'{value}' is not a valid date for #{word} (use YYYY-MM-DD, and HH:MM for a time).",
    },
    "not_allowed": {
        "nl": "u mag #{command} niet gebruiken (alleen: {who}).",
        "en": "you may not use #{command} (only: {who}).",
    },
    "wrong_stage": {
        "nl": "#{command} kan niet in deze fase van de zaak (spoor {track}, fase {stage}).",
        "en": "#{command} is not possible at this stage of the case "
        "(track {track}, stage {stage}).",
    },
    "closed": {
        "nl": "de zaak is gesloten; heropen haar eerst met #heropenen.",
        "en": "the case is closed; reopen it first with #reopen.",
    },
    "not_closed": {
        "nl": "de zaak is niet gesloten.",
        "en": "the case is not closed.",
    },
    "no_case": {
        "nl": "#{command} hoort bij een zaak: antwoord op een mail van die zaak, met het "
        "zaaknummer in het onderwerp.",
        "en": "#{command} belongs to a case: reply to a mail of that case, with the case number "
        "in the subject.",
    },
    "unknown_person": {
        "nl": "'{person}' is geen medewerker "
        "(gebruik een alias of e-mailadres uit de configuratie).",
        "en": "'{person}' is not a staff member (use an alias or e-mail address from the config).",
    },
    "respondent_only_status": {
        "nl": "u bent de beklaagde in deze zaak; daarom kunt u hier alleen #status gebruiken.",
        "en": "you are the respondent in this case; you can therefore only use #status here.",
    },
    "respondent_not_contact": {
        "nl": "{person} is de beklaagde in deze zaak en kan er geen contactpersoon van zijn.",
        "en": "{person} is the respondent in this case and cannot be its contact person.",
    },
    "nothing_to_post": {
        "nl": "in deze zaak wacht geen brief op verzending.",
        "en": "no letter is waiting to be posted on this case.",
    },
    "no_email": {
        "nl": "van de {party} is geen e-mailadres bekend.",
        "en": "there is no e-mail address for the {party}.",
    },
    "no_respondent": {
        "nl": "er is nog geen beklaagde vastgelegd; doe dat eerst met #beklaagde.",
        "en": "no respondent has been recorded yet; do that first with #respondent.",
    },
    "empty_text": {
        "nl": "#{command} heeft tekst nodig: schrijf die in de mail zelf.",
        "en": "#{command} needs text: write it in the body of the mail.",
    },
    "onward_empty": {
        "nl": "na het weglaten van de geciteerde tekst bleef er van uw mail geen tekst over om "
        "met #{command} te versturen; er is niets verstuurd. Schrijf uw tekst boven of onder "
        "het citaat en stuur de mail opnieuw.",
        "en": "once the quoted text was left out, no text of yours was left to send with "
        "#{command}; nothing has been sent. Write your text above or below the quote and send "
        "the mail again.",
    },
    "onward_quoted": {
        "nl": "de tekst bij #{command} bevat nog een passage uit de mail van mailbot waarop u "
        "antwoordt; er is niets verstuurd, zodat geen interne tekst naar buiten gaat. "
        'Gevonden passage: "{passage}". Haal die weg en stuur de mail opnieuw.',
        "en": "the text of #{command} still holds a passage of the mailbot mail you are "
        "answering; nothing has been sent, so that no internal text goes outside. Passage "
        'found: "{passage}". Remove it and send the mail again.',
    },
    "term_passed": {
        "nl": "de beslistermijn is al verstreken ({due}); verlengen kan alleen binnen de termijn.",
        "en": "the decision term has already passed ({due}); it can only be extended within it.",
    },
    "not_later": {
        "nl": "de nieuwe datum moet na de huidige beslisdatum ({due}) liggen.",
        "en": "the new date must be after the current decision date ({due}).",
    },
    "in_past": {
        "nl": "{value} ligt in het verleden.",
        "en": "{value} is in the past.",
    },
    "not_authenticated": {
        "nl": "deze mail kon niet als echt worden vastgesteld (geen geldige DMARC/DKIM-"
        "controle door {server}); commando's worden daarom niet uitgevoerd.",
        "en": "this mail could not be authenticated (no valid DMARC/DKIM result from "
        "{server}); commands are therefore not carried out.",
    },
    "register_incomplete": {
        "nl": "bij #registreer ontbreekt: {what} (regels Naam:, E-mail:, Telefoon:, Kanaal:, "
        "Omschrijving:).",
        "en": "#register needs: {what} (lines Name:, E-mail:, Phone:, Channel:, Description:).",
    },
}

_WHO = {
    "nl": {"staff": "medewerkers", "co-owner": "mede-eigenaren", "committee": "klachtencommissie"},
    "en": {"staff": "staff", "co-owner": "co-owners", "committee": "complaints committee"},
}
_PARTY = {
    "nl": {"complainant": "klager", "respondent": "beklaagde"},
    "en": {"complainant": "complainant", "respondent": "respondent"},
}


def explain(error: ProcedureError, lang: str) -> str:
    """The refusal as a sentence for someone reading `lang`."""
    texts = _TEXTS.get(error.code)
    if texts is None:
        return str(error)
    params = {k: _word(k, v, lang) for k, v in error.params.items()}
    try:
        return texts[lang].format(**params)
    except (KeyError, IndexError):
        return str(error)


def _word(key: str, value: object, lang: str) -> str:
    if key == "who" and isinstance(value, list | tuple | frozenset | set):
        return ", ".join(_WHO[lang].get(str(v), str(v)) for v in sorted(value))
    if key == "allowed" and isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if key == "stage":
        return STAGES.get(lang, {}).get(str(value), str(value))
    if key == "party":
        return _PARTY[lang].get(str(value), str(value))
    return str(value)
