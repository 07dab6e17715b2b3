"""Who a recipient role means for a case, confidentiality applied (procedure/audience.py):
every role on every track, a respondent among the people, and mail addressed directly."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from mailbot.config.settings import CommitteeMember
from mailbot.model import Case, Party
from mailbot.procedure.audience import (
    Recipient,
    is_respondent,
    outside_respondent,
    person,
    recipients,
    sees_content,
)

from support import ANNA, BRAM, CLIENT, OPERATOR, PIETER, build_settings

CARLA = "carla.smit@example.org"
COACH = "coach@example.org"  # a respondent outside the organisation
SETTINGS = build_settings()
# Short names for the tables; each recipient is shown as "name:role".
LABELS = {ANNA: "anna", PIETER: "pieter", BRAM: "bram", CARLA: "carla", CLIENT: "jan"}
LABELS |= {COACH: "coach", OPERATOR: "operator"}
PARTIES = {
    "jan": Party("Jan Jansen", CLIENT),
    "coach": Party("Kees Coach", COACH),
    "pieter": Party("Pieter Bakker", PIETER),
    "anna": Party("Anna de Vries", ANNA),
    "bram": Party("Bram Jansen", BRAM),
    "no-email": Party("Iemand", None),
}
TRACKS = ("direct", "mediation", "formal")
STAGES = {"direct": "acknowledged", "mediation": "requested", "formal": "analysed"}


def case(track: str = "direct", contact: str | None = None, respondent: str | None = None) -> Case:
    return Case(
        "KL-2026-0001",
        track,
        STAGES[track],
        "open",
        PARTIES["jan"],
        datetime(2026, 3, 16, 9, 0, tzinfo=UTC),
        "nl",
        contact=contact,
        respondent=PARTIES[respondent] if respondent else None,
    )


def who(found: list[Recipient]) -> list[str]:
    return [f"{LABELS.get(r.email, r.email)}:{r.role}" for r in found]


# --- every role on every track, contact Pieter, no respondent ----------------------------------

STAFF_SIDE = {
    "complainant": ["jan:complainant"],
    "respondent": [],
    "contact": ["pieter:staff"],
    "co-owners": ["anna:staff"],
    "committee": ["bram:committee", "carla:committee"],
    "chair": ["bram:committee"],
    "parties": ["jan:complainant", "pieter:staff", "anna:staff"],
    "operator": ["operator:operator"],
}
CASE_STAFF = {
    "direct": ["pieter:staff"],
    "mediation": ["pieter:staff"],
    # Confidential: the committee and the co-owners, never the contact person.
    "formal": ["bram:committee", "carla:committee", "anna:staff"],
}


@pytest.mark.parametrize("track", TRACKS)
@pytest.mark.parametrize("role", [*STAFF_SIDE, "case-staff"])
def test_every_role_on_every_track(role: str, track: str) -> None:
    expected = CASE_STAFF[track] if role == "case-staff" else STAFF_SIDE[role]
    assert who(recipients(role, case(track, contact=PIETER), SETTINGS)) == expected


@pytest.mark.parametrize(
    ("role", "track", "contact", "expected"),
    [
        ("contact", "direct", None, ["anna:staff", "pieter:staff"]),  # every contact person
        ("contact", "direct", "nobody@example.nl", ["anna:staff", "pieter:staff"]),
        ("contact", "direct", ANNA, ["anna:staff"]),
        ("case-staff", "direct", None, ["anna:staff", "pieter:staff"]),
        ("case-staff", "mediation", ANNA, ["anna:staff"]),
        ("case-staff", "formal", None, ["bram:committee", "carla:committee", "anna:staff"]),
        ("parties", "mediation", None, ["jan:complainant", "anna:staff", "pieter:staff"]),
    ],
)
def test_the_contact_person_or_else_every_contact(
    role: str, track: str, contact: str | None, expected: list[str]
) -> None:
    assert who(recipients(role, case(track, contact=contact), SETTINGS)) == expected


def test_recipients_carry_the_configured_names() -> None:
    found = recipients("parties", case("mediation", PIETER, "coach"), SETTINGS)
    assert found == [
        Recipient("Jan Jansen", CLIENT, "complainant"),
        Recipient("Kees Coach", COACH, "respondent"),
        Recipient("Pieter Bakker", PIETER, "staff"),
        Recipient("Anna de Vries", ANNA, "staff"),
    ]
    assert recipients("operator", None, SETTINGS) == [Recipient("", OPERATOR, "operator")]


# --- a respondent among the people: left out, with stand-ins rather than nobody ----------------


@pytest.mark.parametrize(
    ("role", "track", "contact", "respondent", "expected"),
    [
        # The respondent as a party: they hear about the case as themselves.
        ("respondent", "direct", None, "coach", ["coach:respondent"]),
        ("respondent", "formal", None, "pieter", ["pieter:respondent"]),
        ("respondent", "direct", None, "no-email", []),
        ("parties", "mediation", PIETER, "coach", ["jan:complainant", "coach:respondent",
                                                   "pieter:staff", "anna:staff"]),
        ("parties", "mediation", PIETER, "pieter", ["jan:complainant", "pieter:respondent",
                                                    "anna:staff"]),
        ("parties", "mediation", None, "anna", ["jan:complainant", "anna:respondent",
                                                "pieter:staff"]),
        # An outside respondent takes nobody's place on the organisation's side.
        ("case-staff", "direct", PIETER, "coach", ["pieter:staff"]),
        ("case-staff", "formal", PIETER, "coach", ["bram:committee", "carla:committee",
                                                   "anna:staff"]),
        # A staff respondent is left out; the others remain.
        ("contact", "direct", None, "pieter", ["anna:staff"]),
        ("case-staff", "direct", None, "anna", ["pieter:staff"]),
        ("case-staff", "formal", None, "anna", ["bram:committee", "carla:committee"]),
        ("case-staff", "formal", None, "bram", ["carla:committee", "anna:staff"]),
        ("committee", "formal", None, "bram", ["carla:committee"]),
        # The respondent was the only one: the stand-ins (co-owners; formal: the committee).
        ("contact", "direct", PIETER, "pieter", ["anna:staff"]),
        ("case-staff", "direct", PIETER, "pieter", ["anna:staff"]),
        ("case-staff", "mediation", PIETER, "pieter", ["anna:staff"]),
        ("contact", "formal", PIETER, "pieter", ["bram:committee", "carla:committee"]),
        ("chair", "direct", None, "bram", ["anna:staff"]),
        ("chair", "formal", None, "bram", ["carla:committee"]),
        # ... and the next group when the respondent is all of those too.
        ("co-owners", "direct", None, "anna", ["pieter:staff"]),
        ("contact", "direct", ANNA, "anna", ["pieter:staff"]),
        ("co-owners", "formal", None, "anna", ["bram:committee", "carla:committee"]),
        # Roles outside the staff side get no stand-ins.
        ("complainant", "direct", None, "pieter", ["jan:complainant"]),
    ],
)  # fmt: skip
def test_a_respondent_never_receives_as_staff(
    role: str, track: str, contact: str | None, respondent: str, expected: list[str]
) -> None:
    found = recipients(role, case(track, contact=contact, respondent=respondent), SETTINGS)
    assert who(found) == expected


def test_without_an_operator_address_nobody_gets_the_operators_mail() -> None:
    settings = build_settings(addresses={"operator": None})
    assert recipients("operator", case(), settings) == []


def test_without_a_chair_the_whole_committee_is_the_chair() -> None:
    members = tuple(CommitteeMember(m.name, m.email, "member") for m in SETTINGS.committee)
    settings = build_settings(committee=members)
    assert who(recipients("chair", case("formal"), settings)) == [
        "bram:committee",
        "carla:committee",
    ]


def test_a_role_without_a_case_reaches_the_configured_people() -> None:
    assert who(recipients("case-staff", None, SETTINGS)) == ["anna:staff", "pieter:staff"]
    assert who(recipients("complainant", None, SETTINGS)) == []
    assert who(recipients("respondent", None, SETTINGS)) == []


# --- mail addressed directly -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "respondent", "template", "expected"),
    [
        ("someone@example.org", None, "", ["someone@example.org:address"]),
        ("Someone@Example.ORG", None, "", ["someone@example.org:address"]),
        (ANNA, None, "", ["anna:staff"]),
        ("BRAM.JANSEN@example.org", None, "", ["bram:committee"]),
        (COACH, "coach", "notification", []),
        (COACH.upper(), "coach", "", []),
        (PIETER, "pieter", "case_file", []),
        # Only the answers to their own mail reach a respondent.
        (COACH, "coach", "status", ["coach:address"]),
        (PIETER, "pieter", "status", ["pieter:staff"]),
        (PIETER, "pieter", "command_refused", ["pieter:staff"]),
        (PIETER, "pieter", "command_result", ["pieter:staff"]),
        (ANNA, "pieter", "case_file", ["anna:staff"]),
    ],
)
def test_an_address_is_one_person_unless_it_is_the_respondent(
    address: str, respondent: str | None, template: str, expected: list[str]
) -> None:
    found = recipients(address, case(respondent=respondent), SETTINGS, template)
    assert who(found) == expected


def test_an_address_is_named_by_the_config() -> None:
    assert person("bram.jansen@EXAMPLE.org", SETTINGS) == Recipient(
        "Bram Jansen", BRAM, "committee"
    )
    assert person(PIETER, SETTINGS) == Recipient("Pieter Bakker", PIETER, "staff")
    assert person("Iemand@Example.org", SETTINGS) == Recipient("", "iemand@example.org", "address")


# --- who may read the content -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "track", "respondent", "sees"),
    [
        (PIETER, "direct", None, True),
        (PIETER, "mediation", None, True),
        (PIETER, "formal", None, False),  # a contact person only: no formal content
        (ANNA, "formal", None, True),  # a co-owner
        (BRAM, "formal", None, True),
        (CARLA, "formal", None, True),
        ("BRAM.JANSEN@example.org", "formal", None, True),
        (CLIENT, "direct", None, True),
        (CLIENT, "formal", None, False),
        (OPERATOR, "formal", None, False),
        # The respondent never, whatever else they are.
        (PIETER, "direct", "pieter", False),
        ("Pieter@Example.NL", "direct", "pieter", False),
        (ANNA, "formal", "anna", False),
        (BRAM, "formal", "bram", False),
        (COACH, "mediation", "coach", False),
        (ANNA, "direct", "pieter", True),
    ],
)
def test_who_sees_the_content(email: str, track: str, respondent: str | None, sees: bool) -> None:
    assert sees_content(email, case(track, respondent=respondent), SETTINGS) is sees


@pytest.mark.parametrize(
    ("email", "the_case", "expected"),
    [
        (COACH, case(respondent="coach"), True),
        (f"  {COACH.upper()} ", case(respondent="coach"), True),
        (PIETER, case(respondent="coach"), False),
        (None, case(respondent="coach"), False),
        ("", case(respondent="coach"), False),
        (COACH, case(), False),
        (COACH, None, False),
        ("", case(respondent="no-email"), False),
    ],
)
def test_is_respondent(email: str | None, the_case: Case | None, expected: bool) -> None:
    assert is_respondent(email, the_case) is expected


@pytest.mark.parametrize(
    ("respondent", "expected"),
    [
        (None, ""),
        (PARTIES["pieter"], ""),  # staff: a colleague, nothing to point out
        (PARTIES["bram"], ""),
        (PARTIES["coach"], "Kees Coach"),
        (Party("", COACH), COACH),
        (PARTIES["no-email"], "Iemand"),
    ],
)
def test_an_outside_respondent_is_named(respondent: Party | None, expected: str) -> None:
    assert outside_respondent(replace(case(), respondent=respondent), SETTINGS) == expected
    assert outside_respondent(None, SETTINGS) == ""
