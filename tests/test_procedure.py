"""The pure procedure core: every allowed step, every refused one with its reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from mailbot.errors import ProcedureError
from mailbot.model import AttachmentRecord, Case, MessageRecord, Party
from mailbot.procedure import (
    Actor,
    CommandGiven,
    ComplainantWrote,
    ComplaintReceived,
    Policy,
    StaffWrote,
    new_case,
    transition,
)
from mailbot.procedure.commands import Token, parse_command
from mailbot.procedure.workdays import Calendar

from support import ANNA, BRAM, CLIENT, PIETER, build_settings

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # a Monday
STAFF = Actor(PIETER, "Pieter Bakker", frozenset({"staff"}))
CO_OWNER = Actor(ANNA, "Anna de Vries", frozenset({"staff", "co-owner"}))
CHAIR = Actor(BRAM, "Bram Jansen", frozenset({"committee", "chair"}))
COMPLETE_FORMAL = (
    "Naam: Jan Jansen\nAdres: Dorpsstraat 1, 1234 AB Voorbeeld\nDatum of periode: maart 2026\n"
    "Omschrijving: De coach kwam drie keer niet opdagen zonder bericht.\n"
    "Handtekening: J. Jansen\n"
)


@pytest.fixture(scope="module")
def policy() -> Policy:
    settings = build_settings()
    return Policy(settings, Calendar.from_settings(settings))


def msg(n: int = 1, text: str = "Mijn factuur klopt niet.", **kw) -> MessageRecord:
    return MessageRecord(
        f"m{n}@example.org", "in", kw.pop("sender", CLIENT), (), "Klacht", NOW, text, **kw
    )


def opened(policy: Policy, track: str = "direct", text: str = "Mijn factuur klopt niet.") -> Case:
    case = new_case("KL-2026-0001", track, Party("Jan Jansen", CLIENT), "nl", NOW)
    case, _ = transition(case, ComplaintReceived(msg(text=text), True), NOW, policy)
    return case


def command(
    case: Case, policy: Policy, given: str, actor: Actor = STAFF, text: str = "Tekst.", at=NOW
):
    word, _, rest = given.lstrip("#").partition(" ")
    cmd = parse_command(Token(word, rest))
    event = CommandGiven(cmd, actor, msg(99, sender=actor.email), text)
    return transition(case, event, at, policy)


def run(case: Case, policy: Policy, *steps: tuple[str, Actor]) -> Case:
    for given, actor in steps:
        case, _ = command(case, policy, given, actor)
    return case


def mails(effects) -> list[tuple[str, str]]:
    return [(e.template, e.to) for e in effects]


FUTURE = "2026-03-20 14:00"
COACH = "coach@example.org"


def state(policy: Policy, name: str) -> Case:
    """A case in a named stage, reached through the procedure itself."""
    direct = opened(policy)
    mediation = run(direct, policy, ("#mediate", STAFF))
    formal = opened(policy, "formal", COMPLETE_FORMAL)
    # The respondent is no one who acts below: a respondent may not steer their own case.
    respondent = run(formal, policy, (f"#respondent {COACH}", CHAIR))
    return {
        "direct/acknowledged": direct,
        "mediation/requested": mediation,
        "mediation/meeting_planned": run(mediation, policy, (f"#meeting {FUTURE} Kantoor", STAFF)),
        "mediation/proposal_sent": run(
            mediation,
            policy,
            (f"#respondent {COACH}", STAFF),
            (f"#meeting {FUTURE}", STAFF),
            ("#proposal", STAFF),
        ),
        "formal/incomplete": opened(policy, "formal", "Ik ben boos."),
        "formal/acknowledged": respondent,
        "formal/analysed": run(respondent, policy, ("#severity high", CHAIR)),
        "formal/hearing_planned": run(
            respondent, policy, ("#severity high", CHAIR), (f"#hearing klager {FUTURE}", CHAIR)
        ),
        "formal/ruled": run(respondent, policy, ("#severity low", CHAIR), ("#ruling deels", CHAIR)),
        "formal/ruling_sent": run(
            respondent,
            policy,
            ("#severity low", CHAIR),
            ("#ruling deels", CHAIR),
            ("#registered RR123456789NL", CHAIR),
        ),
    }[name]


# --- allowed steps ------------------------------------------------------------------------

ALLOWED = [
    # (start, command, actor, new track/stage, status, mails)
    (
        "direct/acknowledged",
        "#resolve",
        STAFF,
        "direct/resolved",
        "closed",
        [("resolution", "complainant")],
    ),
    (
        "direct/acknowledged",
        "#reply",
        STAFF,
        "direct/acknowledged",
        "open",
        [("staff_reply", "complainant")],
    ),
    (
        "direct/acknowledged",
        "#mediate",
        STAFF,
        "mediation/requested",
        "open",
        [("mediation_started", "complainant"), ("mediation_co_owners", "co-owners")],
    ),
    (
        "direct/acknowledged",
        "#formal",
        STAFF,
        "formal/incomplete",
        "open",
        [("case_file", "committee"), ("formal_missing", "complainant")],
    ),
    ("direct/acknowledged", "#close", STAFF, "direct/closed", "closed", []),
    (
        "direct/acknowledged",
        "#withdrawn",
        CHAIR,
        "direct/withdrawn",
        "closed",
        [("withdrawn_notice", "complainant")],
    ),
    (
        "mediation/requested",
        f"#meeting {FUTURE} Kantoor Utrecht",
        STAFF,
        "mediation/meeting_planned",
        "open",
        [("meeting_invitation", "parties")],
    ),
    (
        "mediation/meeting_planned",
        "#proposal",
        STAFF,
        "mediation/proposal_sent",
        "open",
        [("proposal", "complainant")],
    ),
    (
        "mediation/proposal_sent",
        "#agreed respondent",
        STAFF,
        "mediation/proposal_sent",
        "open",
        [("party_agreed", "case-staff")],
    ),
    (
        "mediation/proposal_sent",
        "#agreed both",
        STAFF,
        "mediation/agreed",
        "closed",
        [("party_agreed", "case-staff"), ("agreement_confirmation", "parties")],
    ),
    (
        "mediation/proposal_sent",
        "#failed",
        CO_OWNER,
        "formal/incomplete",
        "open",
        [("mediation_report", "committee"), ("formal_missing", "complainant")],
    ),
    (
        "formal/incomplete",
        "#complete",
        CHAIR,
        "formal/acknowledged",
        "open",
        [("formal_acknowledgement", "complainant")],
    ),
    ("formal/acknowledged", "#severity hoog", CHAIR, "formal/analysed", "open", []),
    (
        "formal/analysed",
        f"#hearing respondent {FUTURE}",
        CHAIR,
        "formal/hearing_planned",
        "open",
        [("hearing_invitation", "respondent")],
    ),
    (
        "formal/analysed",
        "#extend 2026-05-29",
        CHAIR,
        "formal/analysed",
        "open",
        [("extension_notice", "complainant")],
    ),
    (
        "formal/hearing_planned",
        "#ruling gegrond",
        CHAIR,
        "formal/ruled",
        "open",
        [("ruling_notice", "complainant"), ("registered_post_task", "chair")],
    ),
    ("formal/ruled", "#registered RR123456789NL", CHAIR, "formal/ruling_sent", "open", []),
    (
        "formal/ruling_sent",
        "#evaluation",
        CHAIR,
        "formal/evaluated",
        "closed",
        [("evaluation_notice", "co-owners")],
    ),
    (
        "formal/acknowledged",
        "#reply",
        CHAIR,
        "formal/acknowledged",
        "open",
        [("staff_reply", "complainant")],
    ),
]


@pytest.mark.parametrize(
    ("start", "given", "actor", "end", "status", "expected"),
    ALLOWED,
    ids=[f"{a[0]} {a[1]}" for a in ALLOWED],
)
def test_allowed_step(policy, start, given, actor, end, status, expected) -> None:
    before = state(policy, start)
    case, effects = command(before, policy, given, actor)
    assert f"{case.track}/{case.stage}" == end
    assert case.status == status
    assert mails(effects) == expected
    word, _, rest = given.lstrip("#").partition(" ")
    assert case.events[-1].action == parse_command(Token(word, rest)).name
    assert case.events[-1].actor == actor.email
    assert before == state(policy, start)  # the input case is untouched


# --- refused steps ------------------------------------------------------------------------

REFUSED = [
    ("direct/acknowledged", "#ruling gegrond", CHAIR, "wrong_stage"),
    ("direct/acknowledged", "#agreed both", STAFF, "wrong_stage"),
    ("mediation/meeting_planned", "#agreed complainant", STAFF, "wrong_stage"),
    ("mediation/requested", "#proposal", STAFF, "wrong_stage"),
    ("formal/acknowledged", "#ruling gegrond", CHAIR, "wrong_stage"),
    ("formal/acknowledged", "#registered RR1", CHAIR, "wrong_stage"),
    ("formal/acknowledged", "#reply", STAFF, "not_allowed"),
    ("formal/analysed", "#extend 2026-03-20", CHAIR, "not_later"),
    ("formal/analysed", "#hearing respondent 2026-03-01 10:00", CHAIR, "in_past"),
    ("mediation/requested", "#meeting 2020-01-01 10:00", STAFF, "in_past"),
    ("formal/ruled", "#evaluation", CHAIR, "wrong_stage"),
    ("direct/acknowledged", "#reopen", STAFF, "not_closed"),
    ("direct/acknowledged", "#assign nobody", STAFF, "unknown_person"),
    ("mediation/requested", "#mediate", STAFF, "wrong_stage"),
    ("formal/acknowledged", "#formal", STAFF, "wrong_stage"),
]


@pytest.mark.parametrize(
    ("start", "given", "actor", "code"), REFUSED, ids=[f"{r[0]} {r[1]}" for r in REFUSED]
)
def test_refused_step(policy, start, given, actor, code) -> None:
    case = state(policy, start)
    with pytest.raises(ProcedureError) as refused:
        command(case, policy, given, actor)
    assert refused.value.code == code


def test_extend_is_refused_once_the_term_has_passed(policy) -> None:
    case = state(policy, "formal/analysed")
    due = case.deadline("formal.decision").due
    with pytest.raises(ProcedureError) as refused:
        command(case, policy, "#extend 2026-06-30", CHAIR, at=due + timedelta(seconds=1))
    assert refused.value.code == "term_passed"


def test_extend_moves_the_decision_deadline_and_its_reminders_start_afresh(policy) -> None:
    case = state(policy, "formal/analysed")
    old = case.deadline("formal.decision")
    case = replace(
        case,
        deadlines=tuple(
            replace(d, reminded_at=NOW) if d.name == "formal.decision" else d
            for d in case.deadlines
        ),
    )
    case, effects = command(case, policy, "#extend 2026-05-29", CHAIR, text="Getuige ziek.")
    new = case.deadline("formal.decision")
    assert new.due.date() == date(2026, 5, 29) and new.due > old.due
    assert new.reminded_at is None
    assert effects[0].context["reason"] == "Getuige ziek."
    assert case.document("extension").text == "Getuige ziek."


@pytest.mark.parametrize("given", ["#resolve", "#proposal", "#ruling gegrond", "#evaluation"])
def test_commands_that_carry_a_text_refuse_an_empty_body(policy, given) -> None:
    start = {
        "#resolve": "direct/acknowledged",
        "#proposal": "mediation/meeting_planned",
        "#ruling gegrond": "formal/analysed",
        "#evaluation": "formal/ruling_sent",
    }[given]
    with pytest.raises(ProcedureError) as refused:
        command(
            state(policy, start),
            policy,
            given,
            CHAIR if "rul" in given or "eval" in given else STAFF,
            text="  ",
        )
    assert refused.value.code == "empty_text"


# --- intake and the complainant -----------------------------------------------------------


def test_a_direct_complaint_is_acknowledged_with_its_terms(policy) -> None:
    case = opened(policy)
    assert (case.stage, case.status) == ("acknowledged", "open")
    assert case.deadline("direct.response").due == datetime(
        2026, 3, 17, 23, 59, 59, tzinfo=policy.zone
    )
    assert case.deadline("direct.resolution").due.date() == date(2026, 3, 23)


@pytest.mark.parametrize(
    ("text", "attachments", "missing"),
    [
        ("Ik ben boos.", (), ("address", "date", "description", "signature")),
        (COMPLETE_FORMAL, (), ()),
        (COMPLETE_FORMAL.replace("Handtekening: J. Jansen\n", ""), (), ("signature",)),
        (
            COMPLETE_FORMAL.replace("Handtekening: J. Jansen\n", ""),
            (AttachmentRecord("x.bin", "brief.pdf", "application/pdf", 10),),
            (),
        ),
    ],
)
def test_a_formal_complaint_is_checked_for_its_parts(policy, text, attachments, missing) -> None:
    case = new_case("KL-2026-0001", "formal", Party("Jan Jansen", CLIENT), "nl", NOW)
    event = ComplaintReceived(msg(text=text, attachments=attachments), True)
    case, effects = transition(case, event, NOW, policy)
    assert case.missing == missing
    if missing:
        assert case.stage == "incomplete"
        assert ("formal_missing", "complainant") in mails(effects)
        assert effects[-1].context["missing"] == list(missing)
    else:
        assert case.stage == "acknowledged"
        assert case.deadline("formal.decision").due.date() == date(2026, 4, 13)
        assert case.deadline("formal.acknowledgement").met_at == NOW


def test_the_complainants_answer_completes_a_formal_complaint(policy) -> None:
    case = state(policy, "formal/incomplete")
    case, effects = transition(
        case, ComplainantWrote(msg(2, text=COMPLETE_FORMAL), True), NOW, policy
    )
    assert case.stage == "acknowledged"
    assert ("formal_acknowledgement", "complainant") in mails(effects)


@pytest.mark.parametrize("text", ["Akkoord, dank u.", "agree", "> quoted\nAKKOORD"])
def test_the_complainant_agrees_by_replying_akkoord(policy, text) -> None:
    case = state(policy, "mediation/proposal_sent")
    case, effects = transition(case, ComplainantWrote(msg(2, text=text), True), NOW, policy)
    assert case.agreed == ("complainant",)
    assert mails(effects) == [("party_agreed", "case-staff")]


@pytest.mark.parametrize("text", ["Ik ga niet akkoord.", "Wat bedoelt u met akkoord?"])
def test_other_replies_to_a_proposal_are_not_agreement(policy, text) -> None:
    case = state(policy, "mediation/proposal_sent")
    case, effects = transition(case, ComplainantWrote(msg(2, text=text), True), NOW, policy)
    assert case.agreed == ()
    assert mails(effects) == [("client_reply", "case-staff")]


def test_a_complainant_mail_on_a_closed_case_is_added_but_does_not_reopen(policy) -> None:
    case, _ = command(state(policy, "direct/acknowledged"), policy, "#close")
    case, effects = transition(case, ComplainantWrote(msg(2), True), NOW, policy)
    assert case.status == "closed"
    assert case.messages[-1].message_id == "m2@example.org"
    assert mails(effects) == [("client_reply", "case-staff")]


def test_reopen_returns_to_where_the_case_was(policy) -> None:
    case, _ = command(state(policy, "mediation/meeting_planned"), policy, "#close")
    assert case.deadline("retention") is not None
    case, _ = command(case, policy, "#reopen")
    assert (case.stage, case.status, case.closed_at) == ("meeting_planned", "open", None)
    assert case.deadline("retention") is None


def test_staff_mail_without_command_is_an_internal_note(policy) -> None:
    case = opened(policy)
    note = msg(5, sender=ANNA)
    case, effects = transition(case, StaffWrote(note, CO_OWNER), NOW, policy)
    assert case.messages[-1].kind == "note"
    assert effects == []


def test_respondent_by_alias_address_or_name(policy) -> None:
    case = opened(policy)
    by_alias, _ = command(case, policy, "#respondent pieter")
    assert by_alias.respondent == Party("Pieter Bakker", PIETER)
    by_address, _ = command(case, policy, "#respondent coach@example.org")
    assert by_address.respondent == Party("", "coach@example.org")
    by_name, _ = command(case, policy, "#respondent Karel de Coach")
    assert by_name.respondent == Party("Karel de Coach", None)


def test_both_agreements_archive_proposal_and_agreement(policy) -> None:
    case = state(policy, "mediation/proposal_sent")
    case, _ = transition(case, ComplainantWrote(msg(2, text="Akkoord"), True), NOW, policy)
    case, effects = command(case, policy, "#agreed beklaagde")
    assert case.stage == "agreed" and case.status == "closed"
    assert case.document("agreement").text == case.document("proposal").text
    assert case.deadline("mediation.outcome").met_at == NOW
    assert ("agreement_confirmation", "parties") in mails(effects)


@pytest.mark.parametrize(
    ("received", "ack_due", "complete_at", "decision_due"),
    [
        # A Friday before King's Day: five working days end on Monday 4 May.
        (datetime(2026, 4, 24, 15, 0, tzinfo=UTC), date(2026, 5, 4),
         datetime(2026, 12, 1, 10, 0, tzinfo=UTC), date(2026, 12, 29)),
    ],
)  # fmt: skip
def test_legal_terms_of_a_formal_complaint(policy, received, ack_due, complete_at, decision_due):
    case = new_case("KL-2026-0001", "formal", Party("Jan Jansen", CLIENT), "nl", received)
    case, _ = transition(case, ComplaintReceived(msg(text="Ik ben boos."), True), received, policy)
    assert case.deadline("formal.acknowledgement").due.date() == ack_due
    case, _ = command(case, policy, "#complete", CHAIR, at=complete_at)
    assert case.deadline("formal.decision").due.date() == decision_due
    assert case.deadline("formal.decision").due.time().isoformat() == "23:59:59"
