"""The pure procedure core: what each event does to a case, and what it asks the edges to do."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailbot.errors import ProcedureError
from mailbot.model import MessageRecord, Party, SendMail
from mailbot.procedure import (
    ComplainantWrote,
    ComplaintReceived,
    StaffWrote,
    new_case,
    transition,
)

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


def message(message_id: str = "m1@example.org", sender: str = "klant@example.org") -> MessageRecord:
    return MessageRecord(message_id, "in", sender, ("klachten@example.nl",), "Klacht", NOW, "tekst")


def opened(track: str = "direct", email: str | None = "klant@example.org"):
    case = new_case("KL-2026-0001", track, Party("Klant", email), "nl", NOW)
    return transition(case, ComplaintReceived(message(), may_reply=True), NOW)


@pytest.mark.parametrize(
    ("track", "may_reply", "email", "stage", "mails"),
    [
        (
            "direct",
            True,
            "klant@example.org",
            "acknowledged",
            [("acknowledgement", "complainant"), ("new_case", "case-staff")],
        ),
        ("direct", False, "klant@example.org", "received", [("new_case", "case-staff")]),
        ("direct", True, None, "received", [("new_case", "case-staff")]),
        (
            "formal",
            True,
            "klant@example.org",
            "received",
            [("acknowledgement", "complainant"), ("new_case", "case-staff")],
        ),
    ],
)
def test_complaint_received(track, may_reply, email, stage, mails) -> None:
    case = new_case("KL-2026-0001", track, Party("Klant", email), "nl", NOW)
    case, effects = transition(case, ComplaintReceived(message(), may_reply), NOW)
    assert case.stage == stage
    assert case.status == "open"
    assert [m.message_id for m in case.messages] == ["m1@example.org"]
    assert [(e.action, e.detail) for e in case.events] == [("received", track)]
    assert [(e.template, e.to) for e in effects if isinstance(e, SendMail)] == mails


def test_the_acknowledgement_is_an_auto_reply_to_the_complaint() -> None:
    _, effects = opened()
    ack = effects[0]
    assert isinstance(ack, SendMail)
    assert ack.auto_submitted == "auto-replied"
    assert ack.in_reply_to == "m1@example.org"


def test_a_case_cannot_be_opened_twice() -> None:
    case, _ = opened()
    with pytest.raises(ProcedureError, match="already opened"):
        transition(case, ComplaintReceived(message("m2@example.org"), True), NOW)


def test_unknown_track_is_refused() -> None:
    with pytest.raises(ProcedureError, match="unknown track"):
        new_case("KL-2026-0001", "appeal", Party("x", None), "nl", NOW)


@pytest.mark.parametrize(
    ("may_reply", "action", "mails"),
    [(True, "complainant wrote", [("client_reply", "case-staff")]), (False, "automatic mail", [])],
)
def test_complainant_wrote(may_reply, action, mails) -> None:
    case, _ = opened()
    case, effects = transition(case, ComplainantWrote(message("m2@example.org"), may_reply), NOW)
    assert [m.message_id for m in case.messages] == ["m1@example.org", "m2@example.org"]
    assert case.events[-1].action == action
    assert [(e.template, e.to) for e in effects if isinstance(e, SendMail)] == mails


def test_staff_mail_without_command_is_an_internal_note_never_forwarded() -> None:
    case, _ = opened()
    note = message("n1@example.nl", sender="anna@example.nl")
    case, effects = transition(case, StaffWrote(note, "anna@example.nl"), NOW)
    assert case.messages[-1].kind == "note"
    assert case.events[-1].action == "note"
    assert not [e for e in effects if isinstance(e, SendMail) and e.to == "complainant"]


def test_transition_does_not_change_its_input() -> None:
    case, _ = opened()
    before = case
    transition(case, ComplainantWrote(message("m2@example.org"), True), NOW)
    assert case == before
