"""Sending the outbox over several SMTP sessions (real aiosmtpd sink on loopback)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailbot.cli.samples import sample_case
from mailbot.daemon.app import App, build_app
from mailbot.demo.devmail import ReceivedMail, SmtpSink
from mailbot.errors import StoreError
from mailbot.model import Case, Changes, OutAttachment, OutboundMail

from support import OPERATOR, make_settings

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
PEOPLE = [f"klant{i}@example.org" for i in range(30)]


def queue(app: App, per_person: int) -> list[OutboundMail]:
    mails = [
        OutboundMail(f"m{k}-{i}@mailbot.example.nl", None, "klachten@example.nl", to, "s", "t", NOW)
        for k in range(per_person)
        for i, to in enumerate(PEOPLE)
    ]
    app.store.apply(Changes(outbox=mails))
    app.store.commit()
    return mails


def message_id(mail: ReceivedMail) -> str:
    for line in mail.raw.split(b"\r\n"):
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().strip(b"<>").decode()
    raise AssertionError("no Message-ID")


def app_with(tmp_path: Path, port: int, connections: int) -> App:
    settings = make_settings(tmp_path, smtp_port=port)
    return build_app(replace(settings, smtp=replace(settings.smtp, connections=connections)))


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


def test_many_mails_go_out_over_several_sessions_each_once_in_order_per_recipient(
    tmp_path: Path, sink: SmtpSink
) -> None:
    with app_with(tmp_path, sink.port, connections=3) as app:
        mails = queue(app, per_person=4)
        report = app.service.flush_outbox(app.sender, NOW)
        assert (report.sent, report.failed, report.deferred) == (120, 0, 0)
        assert app.store.pending_outbox(NOW) == []
    received = sink.messages
    ids = [message_id(m) for m in received]
    assert sorted(ids) == sorted(m.message_id for m in mails)  # each exactly once
    assert len({m.peer for m in received}) == 3
    for person in PEOPLE:
        theirs = [message_id(m) for m in received if m.rcpt_tos == (person,)]
        assert theirs == [m.message_id for m in mails if m.to == person]  # in queue order


def test_a_few_mails_use_one_session(tmp_path: Path, sink: SmtpSink) -> None:
    with app_with(tmp_path, sink.port, connections=3) as app:
        queue(app, per_person=1)
        assert app.service.flush_outbox(app.sender, NOW).sent == 30
    assert len({m.peer for m in sink.messages}) == 1


def test_mail_queued_but_not_committed_waits(tmp_path: Path, sink: SmtpSink) -> None:
    with app_with(tmp_path, sink.port, connections=2) as app:
        mail = OutboundMail(
            "late@mailbot.example.nl", None, "k@example.nl", PEOPLE[0], "s", "t", NOW
        )
        app.store.apply(Changes(outbox=[mail]))
        assert app.service.flush_outbox(app.sender, NOW, beside_intake=True).sent == 0
        assert sink.messages == []
        assert app.service.flush_outbox(app.sender, NOW).sent == 1


def test_a_store_that_cannot_record_stops_every_session(tmp_path: Path) -> None:
    journal = tmp_path / "data" / "outbox-sent.log"

    def break_journal_after_ten(_mail: ReceivedMail) -> None:
        nonlocal accepted
        with counting:  # the sink delivers on several threads, one per session
            accepted += 1
            if accepted == 10:  # from the next mark of a sent mail on, it is unwritable
                dangling = tmp_path / "dangling"
                dangling.symlink_to(tmp_path / "gone" / "journal.log")
                os.replace(dangling, journal)  # at once: other sessions append meanwhile

    accepted = 0
    counting = threading.Lock()
    with SmtpSink(deliver=break_journal_after_ten) as sink:
        with app_with(tmp_path, sink.port, connections=3) as app:
            queue(app, per_person=4)
            with pytest.raises(StoreError, match="cannot record a sent mail"):
                app.service.flush_outbox(app.sender, NOW)
        # Each session stops at its next mail: at most one more mail per session went out.
        assert 10 <= len(sink.messages) <= 10 + 3


def test_a_mail_that_cannot_be_composed_fails_alone_and_every_session_goes_on(
    tmp_path: Path, sink: SmtpSink
) -> None:
    with app_with(tmp_path, sink.port, connections=3) as app:
        missing = OutAttachment("original.eml", "message/rfc822", raw_sha256="ab" * 32)
        broken = OutboundMail(
            "broken@mailbot.example.nl",
            None,
            "k@example.nl",
            PEOPLE[0],
            "s",
            "t",
            NOW,
            attachments=(missing,),
        )
        app.store.apply(Changes(outbox=[broken]))
        queue(app, per_person=4)
        report = app.service.flush_outbox(app.sender, NOW)
        assert (report.sent, report.failed, report.deferred) == (120, 1, 0)
        [failed] = [m for m in app.store.outbox() if m.message_id == broken.message_id]
        assert failed.status == "failed"
        assert (failed.last_error or "").startswith("could not be sent: FileNotFoundError")
        assert [m.to for m in app.store.pending_outbox(NOW)] == [OPERATOR]  # told next round
    assert len({m.peer for m in sink.messages}) == 3
    assert broken.message_id not in {message_id(m) for m in sink.messages}


def queue_for_case(app: App, case: Case, people: list[str]) -> list[OutboundMail]:
    """The case and one mail of it to each person, committed."""
    mails = [
        OutboundMail(f"r{i}@mailbot.example.nl", case.id, "k@example.nl", to, "s", "t", NOW)
        for i, to in enumerate(people)
    ]
    app.store.apply(Changes(cases=[case], outbox=mails))
    app.store.commit()
    return mails


def bounces(app: App, case_id: str) -> list[tuple[str, ...]]:
    """To whom the case's recorded refusals were addressed."""
    stored = app.store.get_case(case_id)
    assert stored is not None
    return [m.to for m in stored.messages if m.kind == "bounce"]


def test_refusals_in_several_sessions_are_all_recorded_on_their_case(
    tmp_path: Path, sink: SmtpSink
) -> None:
    case = sample_case()
    sink.fail_with(550, "5.1.1 no such user", stage="rcpt")
    with app_with(tmp_path, sink.port, connections=3) as app:
        mails = queue_for_case(app, case, PEOPLE)
        report = app.service.flush_outbox(app.sender, NOW)
        assert (report.sent, report.failed, report.refusals) == (0, 30, [])
        assert set(bounces(app, case.id)) == {(to,) for to in PEOPLE}  # none lost
        assert {
            m.status
            for m in app.store.outbox()
            if m.case_id == case.id and m.message_id in {x.message_id for x in mails}
        } == {"failed"}
        assert app.store.pending_outbox(NOW) != []  # the staff are told (in the next round)


def test_beside_intake_a_refusal_is_held_back_for_the_intake_thread(
    tmp_path: Path, sink: SmtpSink
) -> None:
    case = sample_case()
    sink.fail_with(550, "5.1.1 no such user", stage="rcpt")
    with app_with(tmp_path, sink.port, connections=1) as app:
        [mail] = queue_for_case(app, case, PEOPLE[:1])
        report = app.service.flush_outbox(app.sender, NOW, beside_intake=True)
        assert [r.mail.message_id for r in report.refusals] == [mail.message_id]
        assert bounces(app, case.id) == []
        assert app.store.pending_outbox(NOW) == []  # not tried again meanwhile
        app.service.record_refusals(report.refusals, NOW)
        assert bounces(app, case.id) == [(PEOPLE[0],)]
        [failed] = [m for m in app.store.outbox() if m.message_id == mail.message_id]
        assert (failed.status, failed.attempts) == ("failed", 1)
