"""Example data for rendering every template (`mailbot check`, `mailbot preview`, tests).

`TEMPLATES` holds, for each template mailbot sends, a realistic example of the extra context its
effect carries (exactly the extra keys of docs/templates.md). Names and addresses are invented.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from mailbot.model import Case, MessageRecord, Party, SendMail


def _at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in 2026, in UTC (rendered in the organisation's time zone)."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


_TIMELINE: list[dict[str, Any]] = [
    {
        "at": _at(3, 16, 9, 30),
        "direction": "in",
        "sender": "jan.jansen@example.org",
        "subject": "Factuur klopt niet",
        "text": "Geachte heer/mevrouw,\n\nDe factuur van maart is twee keer verstuurd en twee keer"
        " afgeschreven.\n\nMet vriendelijke groet,\nJan Jansen\n",
    },
    {
        "at": _at(3, 16, 9, 31),
        "direction": "out",
        "sender": "klachten@example.nl",
        "subject": "Ontvangstbevestiging van uw klacht [KL-2026-0042]",
        "text": "Geachte Jan Jansen,\n\nHartelijk dank voor uw bericht.\n",
    },
    {
        "at": _at(3, 18, 14, 5),
        "direction": "in",
        "sender": "jan.jansen@example.org",
        "subject": "Re: Reactie op uw klacht [KL-2026-0042]",
        "text": "Het dubbel afgeschreven bedrag is nog steeds niet teruggestort.\n",
    },
]

SAMPLE_ADDRESS = "Lindelaan 7\n9999 ZZ Ergenshoven"  # the example complainant's postal address

_PROPOSAL = (
    "Het dubbel afgeschreven bedrag van EUR 450,00 wordt binnen vijf werkdagen teruggestort en"
    " de klager krijgt kosteloos een extra coachingsessie."
)

# Each template mailbot sends, with the extra context its effect carries.
TEMPLATES: dict[str, dict[str, Any]] = {
    "acknowledgement": {},
    "formal_missing": {"missing": ["address", "signature"]},
    "formal_acknowledgement": {"decision_due": _at(4, 13, 21, 59)},
    "new_case": {
        "reply": {
            "status": "waiting",
            "until": _at(3, 16, 10, 5),
            "template": "acknowledgement",
            "cap": 200,
        },
    },
    "client_reply": {},
    "party_agreed": {"party": "complainant", "both": False},
    "command_result": {
        "commands": ["#assign pieter", "#lang en"],
        "note_recorded": False,
        "created": False,
    },
    "command_refused": {
        "commands": ["#ruling deels"],
        "reason": "#uitspraak kan alleen bij een formele klacht worden gegeven.",
    },
    "help": {},
    "staff_reply": {
        "text": "Wij hebben uw factuur nagekeken. U heeft gelijk: de factuur is twee keer"
        " verstuurd. Wij storten het dubbel afgeschreven bedrag deze week terug.",
        "author_name": "Pieter Bakker",
    },
    "resolution": {
        "text": "Het dubbel afgeschreven bedrag van EUR 450,00 is op 18 maart teruggestort."
        " De dubbele factuur is gecrediteerd."
    },
    "mediation_started": {},
    "mediation_co_owners": {"requested_by": "Pieter Bakker"},
    "meeting_invitation": {"at": _at(3, 24, 13, 0), "place": "Kantoor Utrecht, vergaderzaal 2"},
    "proposal": {"text": _PROPOSAL},
    "agreement_confirmation": {"proposal_text": _PROPOSAL, "agreed_at": _at(3, 27, 10, 15)},
    "mediation_report": {
        "text": "Standpunt klager: de coaching is niet gegeven zoals afgesproken; hij wil het"
        " volledige bedrag terug.\n\nStandpunt beklaagde: vier van de zes sessies zijn gegeven;"
        " zij biedt terugbetaling van twee sessies aan.",
        "author_name": "Anna de Vries",
    },
    "case_file": {
        "timeline": _TIMELINE,
        "documents": [
            {
                "kind": "note",
                "at": _at(3, 17, 11, 0),
                "author": "Pieter Bakker",
                "text": "Klant gebeld; hij wacht op de terugbetaling.",
            },
            {
                "kind": "mediation_report",
                "at": _at(3, 30, 16, 0),
                "author": "Anna de Vries",
                "text": "Beide partijen houden vast aan hun standpunt.",
            },
        ],
        "reason": "formal",
    },
    "hearing_invitation": {"party": "complainant", "at": _at(4, 2, 8, 30)},
    "extension_notice": {
        "old_due": _at(4, 13, 21, 59),
        "new_due": _at(4, 27, 21, 59),
        "reason": "De commissie wil ook de coach horen, die tot 17 april met verlof is.",
    },
    "ruling_notice": {
        "outcome": "partly",
        "text": "De commissie stelt vast dat twee van de zes sessies niet zijn gegeven. De klacht"
        " is op dat punt gegrond; voor het overige is zij ongegrond.",
    },
    "registered_post_task": {
        "outcome": "partly",
        "due": _at(4, 10, 21, 59),
        "text": "De commissie stelt vast dat twee van de zes sessies niet zijn gegeven. De klacht"
        " is op dat punt gegrond; voor het overige is zij ongegrond.",
        "letter_template": "ruling_notice",
        "postal_address": SAMPLE_ADDRESS,
    },
    # A letter for a complainant without e-mail: the letter's own context travels along.
    "letter_task": {
        "letter_template": "formal_acknowledgement",
        "post_by": _at(3, 23, 22, 59),
        "postal_address": SAMPLE_ADDRESS,
        "decision_due": _at(4, 13, 21, 59),
    },
    "letter_no_address": {
        "letter_template": "formal_acknowledgement",
        "post_by": _at(3, 23, 22, 59),
        "postal_address": None,
        "decision_due": _at(4, 13, 21, 59),
    },
    "evaluation_notice": {
        "text": "De procedure verliep binnen de termijn. Aanbeveling: leg afspraken over het"
        " aantal sessies vooraf schriftelijk vast."
    },
    "withdrawn_notice": {},
    "assigned": {"assigned_by": "Anna de Vries"},
    "status": {
        "limited": False,
        "next_deadline": {"name": "direct.resolution", "due": _at(3, 23, 22, 59)},
        "timeline": _TIMELINE,
    },
    "case_list": {
        "cases": [
            {
                "id": "KL-2026-0042",
                "track": "direct",
                "stage": "acknowledged",
                "status": "open",
                "received_at": _at(3, 16, 9, 30),
                "complainant_name": "Jan Jansen",
                "next_deadline": "direct.resolution",
                "next_due": _at(3, 23, 22, 59),
                "limited": False,
            },
            {
                "id": "KL-2026-0043",
                "track": "formal",
                "stage": "acknowledged",
                "status": "open",
                "received_at": _at(3, 17, 15, 0),
                "complainant_name": "",
                "next_deadline": "formal.decision",
                "next_due": _at(4, 14, 21, 59),
                "limited": True,
            },
        ],
        "which": "open",
    },
    "operator_alert": {
        "alert": {
            "title": "message moved to quarantine",
            "detail": "Reason: example reason",
            "action": "Look at the message in the quarantine folder.",
        }
    },
    "delivery_failed": {"failed_to": "jan.jansen@example.org"},
    "address_unsupported": {"failed_to": "jörg@example.de"},
    "new_cases": {
        "senders": [
            {
                "email": "piet.pieters@example.org",
                "name": "Piet Pieters",
                "cases": [
                    {
                        "id": "KL-2026-0043",
                        "track": "direct",
                        "received_at": _at(3, 16, 9, 32),
                        "subject": "Nog een klacht \uff03reply",
                        "reply": "waiting",
                        "reply_at": _at(3, 16, 10, 33),
                    },
                    {
                        "id": "KL-2026-0044",
                        "track": "direct",
                        "received_at": _at(3, 16, 9, 33),
                        "subject": "En nog een (KL-2026-0001)",
                        "reply": "daily_limit",
                        "reply_at": None,
                    },
                ],
            }
        ]
    },
    "report": {
        "year": 2025,
        "attachments": [
            {"filename": "report-2025.html", "content_type": "text/html", "text": "<p>x</p>"},
            {"filename": "report-2025.csv", "content_type": "text/csv", "text": "id\n"},
        ],
    },
    "deadline_reminder": {
        "deadline": {"name": "formal.decision", "due": _at(4, 13, 21, 59)},
        "kind": "reminder",
    },
    "deadline_escalation": {
        "deadline": {"name": "direct.resolution", "due": _at(3, 23, 22, 59)},
        "kind": "escalation",
    },
    "digest": {
        "waiting": {"count": 140, "until": _at(3, 18, 9, 2)},
        "today": date(2026, 3, 18),
        "horizon": date(2026, 3, 25),
        "rows": [
            {
                "id": "KL-2026-0040",
                "track": "formal",
                "stage": "analysed",
                "complainant_name": "",
                "due": [],
            },
            {
                "id": "KL-2026-0041",
                "track": "direct",
                "stage": "received",
                "complainant_name": "Lotte Bos",
                "due": [
                    {"name": "direct.response", "due": _at(3, 17, 22, 59), "overdue": True},
                    {"name": "direct.resolution", "due": _at(3, 23, 22, 59), "overdue": False},
                ],
            },
            {
                "id": "KL-2026-0042",
                "track": "direct",
                "stage": "acknowledged",
                "complainant_name": "Jan Jansen",
                "due": [{"name": "direct.resolution", "due": _at(3, 23, 22, 59), "overdue": False}],
            },
        ],
    },
}


def sample_message(at: datetime) -> MessageRecord:
    return MessageRecord(
        message_id="voorbeeld-1@example.org",
        direction="in",
        from_addr="jan.jansen@example.org",
        to=("klachten@example.nl",),
        subject="Factuur klopt niet",
        at=at,
        text="Geachte heer/mevrouw,\n\nDe factuur van maart is twee keer verstuurd.\n",
    )


def sample_case(prefix: str = "KL", track: str = "direct") -> Case:
    at = datetime(2026, 3, 16, 9, 30, tzinfo=UTC)
    return Case(
        id=f"{prefix}-2026-0042",
        track=track,
        stage="received",
        status="open",
        complainant=Party("Jan Jansen", "jan.jansen@example.org"),
        received_at=at,
        language="nl",
        messages=(sample_message(at),),
    )


def sample_effect(template: str) -> SendMail:
    return SendMail(template, to="complainant", context=TEMPLATES[template])
