"""The respondent and confidentiality (issue 12 items 4, 5, 8, 11): the person complained
about steers nothing of their own case, is named however staff name them, never leaves a
mail without recipients, and never reads the complainant's name in #list."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path

import pytest
from conftest import TestImap
from test_tracks import FORM, Office, body

from mailbot.config.load import load_config
from mailbot.errors import ProcedureError
from mailbot.model import Case, MessageRecord, Party, SendMail
from mailbot.outbound.build import build_mails
from mailbot.outbound.render import Renderer
from mailbot.procedure import (
    Actor,
    CommandGiven,
    ComplaintReceived,
    Policy,
    new_case,
    transition,
)
from mailbot.procedure.audience import recipients, sees_content
from mailbot.procedure.commands import Token, parse_command
from mailbot.procedure.reasons import explain
from mailbot.procedure.workdays import Calendar

from e2e import Deployment
from support import ANNA, BRAM, CLIENT, COMMITTEE, PIETER, write_config

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # a Monday
CARLA = "carla.smit@example.org"
OTTO = "otto@example.nl"
TAG = "[KL-2026-0001]"
JAN = f"Jan Jansen <{CLIENT}>"
PIETER_ACTS = Actor(PIETER, "Pieter Bakker", frozenset({"staff"}))
ANNA_ACTS = Actor(ANNA, "Anna de Vries", frozenset({"staff", "co-owner"}))
BRAM_ACTS = Actor(BRAM, "Bram Jansen", frozenset({"committee", "chair"}))
# A colleague with an accent in her configured name, for matching by name.
OTTO_STAFF = f"""
[[staff]]
name = "Otto Mülder"
email = "{OTTO}"
alias = "otto"
roles = ["contact"]
"""


# --- pure: the procedure ------------------------------------------------------------------


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> Policy:
    directory = tmp_path_factory.mktemp("cfg")
    config = write_config(directory)
    config.write_text(config.read_text() + OTTO_STAFF)
    settings = load_config(config, {})
    return Policy(settings, Calendar.from_settings(settings))


def _msg(n: int, sender: str = CLIENT, text: str = "Mijn coach kwam niet.") -> MessageRecord:
    return MessageRecord(f"m{n}@example.org", "in", sender, (), "Klacht", NOW, text)


def _opened(policy: Policy, track: str = "direct") -> Case:
    case = new_case("KL-2026-0001", track, Party("Jan Jansen", CLIENT), "nl", NOW)
    text = FORM if track == "formal" else "Mijn coach kwam niet."
    case, _ = transition(case, ComplaintReceived(_msg(1, text=text), True), NOW, policy)
    return case


def _give(case: Case, policy: Policy, given: str, actor: Actor) -> tuple[Case, list[SendMail]]:
    word, _, rest = given.lstrip("#").partition(" ")
    event = CommandGiven(parse_command(Token(word, rest)), actor, _msg(9, actor.email), "Tekst.")
    return transition(case, event, NOW, policy)


RESPONDENTS = [
    pytest.param(PIETER_ACTS, "direct", id="staff"),
    pytest.param(ANNA_ACTS, "formal", id="co-owner"),
    pytest.param(BRAM_ACTS, "formal", id="committee"),
]
STEERING = [
    "#withdrawn",
    "#ingetrokken",
    "#release",
    "#vrijgeven",
    "#respondent pieter",
    "#beklaagde anna",
    "#close",
    "#note",
    "#reply",
    "#hold",
    "#assign anna",
    "#lang en",
]


@pytest.mark.parametrize("given", STEERING)
@pytest.mark.parametrize(("actor", "track"), RESPONDENTS)
def test_the_respondent_may_give_no_command_but_status(policy, actor, track, given) -> None:
    case, _ = _give(_opened(policy, track), policy, "#hold", BRAM_ACTS)
    case, _ = _give(case, policy, f"#respondent {actor.email}", BRAM_ACTS)
    with pytest.raises(ProcedureError) as refused:
        _give(case, policy, given, actor)
    assert refused.value.code == "respondent_only_status"
    assert "alleen #status" in explain(refused.value, "nl")
    assert "only use #status" in explain(refused.value, "en")
    after, effects = _give(case, policy, "#status", actor)
    assert effects == [SendMail("status", actor.email, in_reply_to="m9@example.org")]
    assert (after.stage, after.status, after.respondent, after.on_hold) == (
        case.stage,
        case.status,
        case.respondent,
        True,
    )


def test_the_respondent_cannot_be_made_the_contact_person(policy) -> None:
    case, _ = _give(_opened(policy), policy, "#respondent pieter", ANNA_ACTS)
    with pytest.raises(ProcedureError) as refused:
        _give(case, policy, "#assign pieter", ANNA_ACTS)
    assert refused.value.code == "respondent_not_contact"
    assert explain(refused.value, "nl").startswith("Pieter Bakker is de beklaagde")


NAMES = [
    ("otto", Party("Otto Mülder", OTTO)),
    (OTTO, Party("Otto Mülder", OTTO)),
    (f"<{OTTO.upper()}>", Party("Otto Mülder", OTTO)),
    ("Otto Mülder", Party("Otto Mülder", OTTO)),
    ("otto mulder", Party("Otto Mülder", OTTO)),
    ("OTTO   MÜLDER", Party("Otto Mülder", OTTO)),
    ('"Otto Mulder"', Party("Otto Mülder", OTTO)),
    (f'"Otto Mulder" <{OTTO}>', Party("Otto Mülder", OTTO)),
    (f"Otto Mulder <{OTTO}>", Party("Otto Mülder", OTTO)),
    ('"Otto Mulder" <otto.prive@example.com>', Party("Otto Mülder", OTTO)),
    ('"O. M." <otto@example.nl>', Party("Otto Mülder", OTTO)),
    ("Bram Jansen", Party("Bram Jansen", BRAM)),
    ("Karel de Coach", Party("Karel de Coach", None)),
    ("coach@example.org", Party("", "coach@example.org")),
    ('"Karel de Coach" <Coach@Example.org>', Party("Karel de Coach", "coach@example.org")),
    ("Mulder", Party("Mulder", None)),
]


@pytest.mark.parametrize(("given", "party"), NAMES, ids=[n[0] for n in NAMES])
def test_the_respondent_is_matched_by_alias_address_name_or_both(policy, given, party) -> None:
    case, _ = _give(_opened(policy), policy, f"#respondent {given}", PIETER_ACTS)
    assert case.respondent == party


# --- pure: who receives what ----------------------------------------------------------------


def _with(case: Case, respondent: str, contact: str | None = None) -> Case:
    return replace(case, respondent=Party("", respondent), contact=contact)


def _to(role: str, case: Case, policy: Policy, template: str = "") -> list[str]:
    return [r.email for r in recipients(role, case, policy.settings, template)]


def test_mail_addressed_to_the_respondent_passes_the_rule(policy) -> None:
    case = _with(_opened(policy), PIETER)
    assert _to(PIETER, case, policy, "assigned") == []
    assert _to(PIETER.upper(), case, policy, "client_reply") == []
    for answer in ("status", "command_refused", "command_result"):
        assert _to(PIETER, case, policy, answer) == [PIETER]
    assert _to(ANNA, case, policy, "assigned") == [ANNA]


def test_the_assigned_mail_never_reaches_the_respondent(policy) -> None:
    case = _with(_opened(policy), PIETER)
    effect = SendMail("assigned", PIETER, context={"assigned_by": "Anna de Vries"})
    renderer = Renderer()
    assert build_mails(effect, case, None, policy.settings, renderer, NOW) == []


@pytest.mark.parametrize(
    ("track", "role", "respondent", "contact", "expected"),
    [
        ("direct", "contact", PIETER, PIETER, [ANNA]),
        ("direct", "case-staff", PIETER, PIETER, [ANNA]),
        # The contact and the only co-owner are the respondent: the other staff stand in.
        ("direct", "case-staff", ANNA, ANNA, [PIETER, OTTO]),
        ("direct", "contact", OTTO, None, [ANNA, PIETER]),
        ("direct", "co-owners", ANNA, None, [PIETER, OTTO]),
        ("formal", "chair", BRAM, None, [CARLA]),
        ("formal", "co-owners", ANNA, None, [BRAM, CARLA]),
        ("formal", "case-staff", BRAM, None, [CARLA, ANNA]),
        ("formal", "committee", CARLA, None, [BRAM]),
    ],
)
def test_no_role_is_left_without_recipients(policy, track, role, respondent, contact, expected):
    case = _with(_opened(policy, track), respondent, contact)
    assert _to(role, case, policy) == expected
    assert respondent not in _to(role, case, policy)


@pytest.mark.parametrize(
    ("track", "email", "respondent", "sees"),
    [
        ("direct", PIETER, None, True),
        ("direct", PIETER, PIETER, False),
        ("direct", ANNA, ANNA, False),
        ("formal", PIETER, None, False),
        ("formal", ANNA, None, True),
        ("formal", ANNA, ANNA, False),
        ("formal", BRAM, None, True),
        ("formal", BRAM, BRAM, False),
    ],
)
def test_who_sees_a_cases_content(policy, track, email, respondent, sees) -> None:
    case = _opened(policy, track)
    case = _with(case, respondent) if respondent else case
    assert sees_content(email, case, policy.settings) is sees


# --- end to end on Dovecot ------------------------------------------------------------------


@pytest.fixture
def office(tmp_path: Path, dovecot_server, smtp_sink) -> Office:
    deployment = Deployment(tmp_path, TestImap("dovecot", dovecot_server), smtp_sink)
    deployment.config.write_text(deployment.config.read_text() + OTTO_STAFF)
    deployment.settings = load_config(deployment.config, {})
    return Office(deployment)


def _texts(mails: list[Message]) -> str:
    return "\n".join(f"{m['Subject']}\n{body(m)}" for m in mails)


def _formal_with_respondent(office: Office, respondent: str) -> None:
    office.step(JAN, "Formele klacht over mijn coach", FORM, to=COMMITTEE)
    got = office.step(BRAM, f"Re: {TAG} #beklaagde {respondent}")
    assert set(got) == {BRAM}


def test_e2e_the_respondents_withdrawal_is_refused_and_the_complainant_told_nothing(office):
    _formal_with_respondent(office, "anna")
    got = office.step(ANNA, f"Re: {TAG} #ingetrokken", "Ik trek deze klacht in.")
    assert set(got) == {ANNA}
    [refusal] = got[ANNA]
    assert "Niet uitgevoerd" in refusal["Subject"]
    assert "u bent de beklaagde in deze zaak" in body(refusal)
    assert "Jan Jansen" not in _texts(got[ANNA]) and "opdagen" not in _texts(got[ANNA])
    case = office.case()
    assert (case.stage, case.status) == ("acknowledged", "open")
    assert case.events[-1].action == "refused"


def test_e2e_the_respondent_cannot_lift_the_legal_hold(office) -> None:
    _formal_with_respondent(office, "anna")
    office.step(BRAM, f"Re: {TAG} #bewaren")
    got = office.step(ANNA, f"Re: {TAG} #vrijgeven")
    assert set(got) == {ANNA}
    assert "alleen #status" in body(got[ANNA][0])
    assert office.case().on_hold is True


def test_e2e_the_respondent_cannot_hand_the_role_to_a_colleague(office) -> None:
    _formal_with_respondent(office, "anna")
    got = office.step(ANNA, f"Re: {TAG} #beklaagde pieter")
    assert set(got) == {ANNA} and "alleen #status" in body(got[ANNA][0])
    assert office.case().respondent == Party("Anna de Vries", ANNA)
    got = office.step(ANNA, f"Re: {TAG} #status")
    [status] = got[ANNA]
    assert "Jan Jansen" not in body(status) and "opdagen" not in body(status)
    assert "U bent de beklaagde in deze zaak" in body(status)
    got = office.step(JAN, f"Re: {TAG} aanvulling", "De coach kwam ook in april niet opdagen.")
    assert ANNA not in got and PIETER not in got
    assert {BRAM, CARLA} <= set(got)


def test_e2e_assign_after_respondent_sends_her_no_case_content(office) -> None:
    office.step(JAN, "Factuur klopt niet", "De factuur van maart is dubbel berekend.")
    office.step(ANNA, f"Re: {TAG} #beklaagde pieter")
    got = office.step(ANNA, f"Re: {TAG} #toewijzen pieter")
    assert PIETER not in got
    [refusal] = got[ANNA]
    assert "Pieter Bakker is de beklaagde in deze zaak" in body(refusal)
    assert office.case().contact is None
    got = office.step(JAN, f"Re: {TAG} Factuur", "Nog steeds dubbel.")
    assert PIETER not in got and {ANNA, OTTO} <= set(got)


@pytest.mark.parametrize("named", [f'"Otto Mulder" <{OTTO}>', "otto mulder"])
def test_e2e_otto_named_by_name_is_kept_out_of_the_complainants_mail(office, named) -> None:
    got = office.step(JAN, "Coach kwam niet", "Mijn coach Otto kwam twee keer niet.")
    assert OTTO in got  # a contact person, before he is named
    got = office.step(PIETER, f"Re: {TAG} #beklaagde {named}")
    [confirmation] = got[PIETER]
    got = office.step(JAN, f"Re: {TAG} Coach", "Hij heeft ook niet teruggebeld.")
    assert OTTO not in got and {ANNA, PIETER} <= set(got)
    assert "buiten de organisatie" not in body(confirmation)
    assert office.case().respondent == Party("Otto Mülder", OTTO)
    got = office.step(OTTO, f"Re: {TAG} #status")
    [status] = got[OTTO]
    assert "Jan Jansen" not in body(status) and "teruggebeld" not in body(status)
    assert "U bent de beklaagde in deze zaak" in body(status)


def test_e2e_an_unknown_name_is_confirmed_as_an_outside_respondent(office) -> None:
    office.step(JAN, "Coach kwam niet", "Mijn coach kwam twee keer niet.")
    got = office.step(PIETER, f"Re: {TAG} #beklaagde Karel de Coach")
    [confirmation] = got[PIETER]
    assert '"Karel de Coach" is geen medewerker' in body(confirmation)
    assert "van buiten de organisatie" in body(confirmation)
    assert office.case().respondent == Party("Karel de Coach", None)


def test_e2e_a_contact_who_becomes_respondent_hands_the_mail_to_the_co_owners(office) -> None:
    office.step(JAN, "Factuur klopt niet", "De factuur van maart is dubbel berekend.")
    office.step(ANNA, f"Re: {TAG} #toewijzen pieter")
    office.step(ANNA, f"Re: {TAG} #beklaagde pieter")
    got = office.step(JAN, f"Re: {TAG} Factuur", "Ik hoor niets meer van u.")
    assert set(got) == {ANNA}
    assert "Ik hoor niets meer van u" in body(got[ANNA][0])
    # The contact's reminder of the first-response term goes to the co-owners too.
    office.d.sink.clear()
    code, out = office.d.cli("tick", "--at", "2026-03-17T10:00:00+01:00")
    assert code == 0, out
    reminded = {m.rcpt_tos[0] for m in office.d.sink.messages if b"Dagoverzicht" not in m.raw}
    assert reminded == {ANNA}


def test_e2e_the_list_hides_the_complainant_from_a_co_owner_respondent(office) -> None:
    _formal_with_respondent(office, "anna")
    office.step("Kees de Klant <kees@example.org>", "Factuur", "De factuur is dubbel.")
    office.step(PIETER, "Re: [KL-2026-0002] #beklaagde anna")
    got = office.step(ANNA, "#overzicht")
    [listing] = got[ANNA]
    text = body(listing)
    assert "KL-2026-0001" in text and "KL-2026-0002" in text
    assert "Jan Jansen" not in text and "Kees de Klant" not in text
    assert "vertrouwelijk (formele klacht)" in text
    got = office.step(BRAM, "#overzicht")
    assert "Jan Jansen" in body(got[BRAM][0])
