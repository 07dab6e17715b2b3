"""Cases as the operator sees them (cli/views.py): the JSON contract of DESIGN section 7, the
table rows of `mailbot cases`, the timeline of `mailbot show` and the held replies line."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from mailbot.cli.views import (
    CASE_HEADER,
    case_json,
    case_row,
    format_table,
    is_overdue,
    next_deadline,
    timeline,
    waiting_line,
)
from mailbot.model import AttachmentRecord, Case, Deadline, Document, Event, MessageRecord, Party

from support import ANNA, CLIENT, COMPLAINTS, PIETER

CET = timezone(timedelta(hours=1))
AT = datetime(2026, 3, 16, 9, 0, tzinfo=CET)
NOW = AT + timedelta(days=3)
ATTACHMENT = AttachmentRecord("a1.pdf", "factuur.pdf", "application/pdf", 1234)
IN = MessageRecord(
    "m1@example.org",
    "in",
    CLIENT,
    (COMPLAINTS,),
    "Klacht",
    AT,
    "Mijn factuur klopt niet.",
    sha256="ab" * 32,
    attachments=(ATTACHMENT,),
)
OUT = MessageRecord(
    "m2@mailbot.example.nl", "out", COMPLAINTS, (CLIENT,), "Ontvangen", AT, "Dank u.", kind="auto"
)
RESPONSE = Deadline("direct.response", AT + timedelta(days=1), met_at=AT + timedelta(hours=2))
RESOLUTION = Deadline("direct.resolution", AT + timedelta(days=7))
RETENTION = Deadline("retention", AT + timedelta(days=730))
CASE = Case(
    "KL-2026-0001",
    "direct",
    "acknowledged",
    "open",
    Party("Jan Jansen", CLIENT),
    AT,
    "nl",
    contact=PIETER,
    deadlines=(RESPONSE, RESOLUTION, RETENTION),
    messages=(IN, OUT),
    events=(Event(AT + timedelta(minutes=1), PIETER, "note", "belt terug"),),
)


# --- the JSON contract ------------------------------------------------------------------------


def test_a_case_as_json_holds_every_field_of_the_contract() -> None:
    assert case_json(CASE) == {
        "id": "KL-2026-0001",
        "track": "direct",
        "stage": "acknowledged",
        "status": "open",
        "language": "nl",
        "complainant": {"name": "Jan Jansen", "email": CLIENT},
        "postal_address": None,
        "contact": PIETER,
        "received_at": "2026-03-16T09:00:00+01:00",
        "closed_at": None,
        "deadlines": [
            {
                "name": "direct.response",
                "due": "2026-03-17T09:00:00+01:00",
                "met_at": "2026-03-16T11:00:00+01:00",
                "reminded_at": None,
                "escalated_at": None,
                "cancelled_at": None,
                "sent": [],
            },
            {
                "name": "direct.resolution",
                "due": "2026-03-23T09:00:00+01:00",
                "met_at": None,
                "reminded_at": None,
                "escalated_at": None,
                "cancelled_at": None,
                "sent": [],
            },
            {
                "name": "retention",
                "due": "2028-03-15T09:00:00+01:00",
                "met_at": None,
                "reminded_at": None,
                "escalated_at": None,
                "cancelled_at": None,
                "sent": [],
            },
        ],
        "messages": [
            {
                "message_id": "m1@example.org",
                "direction": "in",
                "kind": "mail",
                "from": CLIENT,
                "to": [COMPLAINTS],
                "subject": "Klacht",
                "at": "2026-03-16T09:00:00+01:00",
                "text": "Mijn factuur klopt niet.",
                "raw_sha256": "ab" * 32,
                "attachments": [
                    {
                        "stored_name": "a1.pdf",
                        "original_name": "factuur.pdf",
                        "content_type": "application/pdf",
                        "size": 1234,
                    }
                ],
            },
            {
                "message_id": "m2@mailbot.example.nl",
                "direction": "out",
                "kind": "auto",
                "from": COMPLAINTS,
                "to": [CLIENT],
                "subject": "Ontvangen",
                "at": "2026-03-16T09:00:00+01:00",
                "text": "Dank u.",
                "raw_sha256": None,
                "attachments": [],
            },
        ],
        "events": [
            {
                "at": "2026-03-16T09:01:00+01:00",
                "actor": PIETER,
                "action": "note",
                "detail": "belt terug",
            }
        ],
    }


def test_the_json_is_plain_json_and_a_closed_case_says_when() -> None:
    closed = replace(CASE, status="closed", closed_at=NOW, postal_address="Dorpsstraat 1")
    found = json.loads(json.dumps(case_json(closed)))
    assert (found["closed_at"], found["postal_address"]) == (
        "2026-03-19T09:00:00+01:00",
        "Dorpsstraat 1",
    )
    assert found["complainant"] == {"name": "Jan Jansen", "email": CLIENT}


# --- terms and rows -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deadlines", "status", "now", "expected_next", "overdue"),
    [
        ((RESPONSE, RESOLUTION, RETENTION), "open", NOW, "direct.resolution", False),
        ((RESPONSE, RESOLUTION, RETENTION), "open", AT + timedelta(days=8), "direct.resolution",
         True),
        # Retention is no term of the procedure: never next, never overdue.
        ((RESPONSE, RETENTION), "open", AT + timedelta(days=800), None, False),
        ((replace(RESOLUTION, cancelled_at=AT),), "open", AT + timedelta(days=8), None, False),
        ((RESOLUTION,), "closed", AT + timedelta(days=8), "direct.resolution", False),
        ((), "open", NOW, None, False),
    ],
)  # fmt: skip
def test_the_next_term_and_whether_one_is_overdue(
    deadlines: tuple[Deadline, ...],
    status: str,
    now: datetime,
    expected_next: str | None,
    overdue: bool,
) -> None:
    case = replace(CASE, deadlines=deadlines, status=status)
    found = next_deadline(case)
    assert (found.name if found else None, is_overdue(case, now)) == (expected_next, overdue)


@pytest.mark.parametrize(
    ("change", "now", "row"),
    [
        ({}, NOW, ("KL-2026-0001", "direct", "acknowledged", "open", "2026-03-16",
                   "direct.resolution 2026-03-23", "Jan Jansen")),
        ({}, AT + timedelta(days=8), ("KL-2026-0001", "direct", "acknowledged", "open",
                                      "2026-03-16", "direct.resolution 2026-03-23 OVERDUE",
                                      "Jan Jansen")),
        ({"status": "closed", "stage": "closed"}, NOW,
         ("KL-2026-0001", "direct", "closed", "closed", "2026-03-16", "", "Jan Jansen")),
        ({"complainant": Party("", CLIENT)}, NOW,
         ("KL-2026-0001", "direct", "acknowledged", "open", "2026-03-16",
          "direct.resolution 2026-03-23", CLIENT)),
        ({"complainant": Party("", None), "deadlines": ()}, NOW,
         ("KL-2026-0001", "direct", "acknowledged", "open", "2026-03-16", "", "")),
    ],
)  # fmt: skip
def test_a_case_as_a_table_row(change: dict, now: datetime, row: tuple[str, ...]) -> None:
    assert case_row(replace(CASE, **change), now) == row


def test_the_table_pads_columns_and_trims_line_ends() -> None:
    rows = [case_row(CASE, NOW), case_row(replace(CASE, id="KL-2026-0002", track="formal"), NOW)]
    assert format_table(CASE_HEADER, rows).splitlines() == [
        "CASE          TRACK   STAGE         STATUS  RECEIVED    NEXT TERM                     "
        "COMPLAINANT",
        "KL-2026-0001  direct  acknowledged  open    2026-03-16  direct.resolution 2026-03-23  "
        "Jan Jansen",
        "KL-2026-0002  formal  acknowledged  open    2026-03-16  direct.resolution 2026-03-23  "
        "Jan Jansen",
    ]
    assert format_table(("A", "B"), [("x", "")]) == "A  B\nx"


# --- the timeline ---------------------------------------------------------------------------


def test_the_timeline_reads_parties_terms_then_mail_and_steps_in_time_order() -> None:
    case = replace(
        CASE,
        postal_address="Dorpsstraat 1\n1234 AB Voorbeeld",
        respondent=Party("Kees Coach", "coach@example.org"),
        on_hold=True,
        documents=(Document("resolution", NOW, ANNA, "Regel 1\nRegel 2"),),
    )
    assert timeline(case, NOW).splitlines() == [
        "KL-2026-0001  direct / acknowledged / open  [legal hold]",
        f"complainant: Jan Jansen <{CLIENT}>  (via email)",
        "address:     Dorpsstraat 1, 1234 AB Voorbeeld",
        f"contact:     {PIETER}",
        "respondent:  Kees Coach coach@example.org",
        "",
        "terms:",
        "  direct.response          due 2026-03-17 09:00  met 2026-03-16 11:00",
        "  direct.resolution        due 2026-03-23 09:00  open",
        "  retention                due 2028-03-15 09:00  open",
        "",
        "timeline:",
        f"  2026-03-16 09:00  <- {CLIENT}: Klacht",
        f"  2026-03-16 09:00  -> {CLIENT} (auto): Ontvangen",
        f"  2026-03-16 09:01  * note by {PIETER} belt terug",
        "",
        "documents:",
        f"  2026-03-19 09:00  resolution by {ANNA}",
        "      Regel 1",
        "      Regel 2",
    ]


@pytest.mark.parametrize(
    ("deadline", "verdict"),
    [
        (RESOLUTION, "open"),
        (replace(RESOLUTION, due=AT), "MISSED"),
        (replace(RESOLUTION, met_at=AT + timedelta(days=8)), "met 2026-03-24 09:00 (late)"),
        (replace(RESOLUTION, met_at=AT), "met 2026-03-16 09:00"),
        (replace(RESOLUTION, cancelled_at=AT), "no longer applies"),
    ],
)
def test_each_term_says_how_it_stands(deadline: Deadline, verdict: str) -> None:
    lines = timeline(replace(CASE, deadlines=(deadline,)), NOW).splitlines()
    assert lines[lines.index("terms:") + 1].endswith(f"  {verdict}")


def test_a_bare_case_shows_what_is_missing_and_steps_after_mail_at_the_same_minute() -> None:
    case = replace(
        CASE,
        complainant=Party("", None),
        contact=None,
        channel="telefoon",
        deadlines=(),
        messages=(IN,),
        events=(Event(AT, "mailbot", "opened"),),
    )
    assert timeline(case, NOW).splitlines() == [
        "KL-2026-0001  direct / acknowledged / open",
        "complainant: - <no e-mail>  (via telefoon)",
        "",
        "terms:",
        "",
        "timeline:",
        f"  2026-03-16 09:00  <- {CLIENT}: Klacht",
        "  2026-03-16 09:00  * opened by mailbot",
    ]


# --- replies held back by the hourly cap ----------------------------------------------------


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "1 automatic reply to complainants waits for the hourly cap; the last goes out "
            "2026-03-16 11:30 (CET)"),
        (3, "3 automatic replies to complainants wait for the hourly cap; the last goes out "
            "2026-03-16 11:30 (CET)"),
    ],
)  # fmt: skip
def test_the_held_replies_in_local_time(count: int, expected: str) -> None:
    held = {"count": count, "until": datetime(2026, 3, 16, 10, 30, tzinfo=UTC)}
    assert waiting_line(held, ZoneInfo("Europe/Amsterdam")) == expected
