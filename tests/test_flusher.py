"""The outbox thread beside intake (daemon/flusher.py): it sends committed mail only, never
commits, leaves refusals to the intake thread and hands its errors to it (real aiosmtpd sink)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from mailbot.cli.samples import sample_case
from mailbot.daemon.app import App, build_app
from mailbot.daemon.flusher import BackgroundFlusher
from mailbot.demo.devmail import LOOPBACK, ReceivedMail, SmtpSink, _Handler, free_port
from mailbot.errors import StoreError
from mailbot.model import Changes, OutboundMail
from mailbot.store.store import Store

from support import make_settings

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
PEOPLE = [f"klant{i}@example.org" for i in range(3)]
REFUSED = "weg@example.org"


class _RefusingHandler(_Handler):
    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        if address == REFUSED:
            return "550 5.1.1 no such user"
        return await super().handle_RCPT(server, session, envelope, address, options)


class RefusingSink(SmtpSink):
    """The test sink, refusing REFUSED for good and taking every other address."""

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(
                _RefusingHandler(self),
                hostname=LOOPBACK,
                port=self.port,
                server_hostname="devmail.localhost",
            )
            self._controller.start()


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with RefusingSink() as running:
        yield running


def app_for(tmp_path: Path, port: int) -> App:
    return build_app(make_settings(tmp_path, smtp_port=port))


def mails(people: list[str], case_id: str | None = None, tag: str = "m") -> list[OutboundMail]:
    return [
        OutboundMail(f"{tag}{i}@mailbot.example.nl", case_id, "k@example.nl", to, "s", "t", NOW)
        for i, to in enumerate(people)
    ]


def committed(app: App, queued: list[OutboundMail], **more: object) -> None:
    app.store.apply(Changes(outbox=queued, **more))  # type: ignore[arg-type]
    app.store.commit()


def message_ids(received: list[ReceivedMail]) -> list[str]:
    found = []
    for mail in received:
        for line in mail.raw.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                found.append(line.split(b":", 1)[1].strip().strip(b"<>").decode())
    return found


def on_disk(app: App) -> set[str]:
    """The Message-IDs of the outbox as last committed."""
    with Store.open(app.settings.storage.data_dir, readonly=True) as store:
        return {m.message_id for m in store.outbox()}


def test_the_thread_sends_committed_mail_and_never_commits(tmp_path: Path, sink: SmtpSink) -> None:
    with app_for(tmp_path, sink.port) as app:
        ready = mails(PEOPLE)
        committed(app, ready)
        [late] = mails(PEOPLE[:1], tag="late")
        app.store.apply(Changes(outbox=[late]))  # the intake thread's batch, not committed yet
        with BackgroundFlusher(app.service.outbox, app.sender, NOW) as flusher:
            flusher.kick()
            sink.wait_for(len(ready), timeout=10)
        # The thread has stopped: what it sent was committed before it; the rest it left.
        assert sorted(message_ids(sink.messages)) == sorted(m.message_id for m in ready)
        assert flusher.report.sent == len(ready)
        assert late.message_id not in on_disk(app)  # the thread committed nothing
        # finish() runs in the intake thread: it commits, then sends the rest.
        report = flusher.finish()
        assert (report.sent, report.failed, report.unreachable) == (len(ready) + 1, 0, False)
        assert late.message_id in message_ids(sink.messages)
        assert app.store.pending_outbox(NOW) == []


def test_a_refusal_seen_by_the_thread_is_recorded_by_the_intake_thread(
    tmp_path: Path, sink: SmtpSink
) -> None:
    case = sample_case()
    with app_for(tmp_path, sink.port) as app:
        refused, taken = mails([REFUSED, PEOPLE[0]], case.id)
        committed(app, [refused, taken], cases=[case])
        with BackgroundFlusher(app.service.outbox, app.sender, NOW) as flusher:
            flusher.kick()
            sink.wait_for(1, timeout=10)  # the thread is sending: leaving waits for its round
        # The thread changed no case: the refusal waits in its report for the intake thread.
        assert [r.mail.message_id for r in flusher.report.refusals] == [refused.message_id]
        stored = app.store.get_case(case.id)
        assert stored is not None and stored.messages == case.messages
        report = flusher.finish()
        stored = app.store.get_case(case.id)
        assert stored is not None
        assert [m.to for m in stored.messages if m.kind == "bounce"] == [(REFUSED,)]
        # What recording the refusal queued (the staff told) went out in the same finish().
        told = [m for m in sink.messages if m.rcpt_tos not in ((REFUSED,), (PEOPLE[0],))]
        assert told and report.sent == 1 + len(told)
        assert (report.failed, report.refusals) == (1, [])
        assert app.store.pending_outbox(NOW) == []


def test_an_unreachable_server_ends_the_sending_and_the_mail_waits(tmp_path: Path) -> None:
    with app_for(tmp_path, free_port()) as app:  # nothing listens there
        queued = mails(PEOPLE)
        committed(app, queued)
        with BackgroundFlusher(app.service.outbox, app.sender, NOW) as flusher:
            flusher.kick()
            report = flusher.finish()  # whichever thread found it unreachable: no retry loop
        assert (report.sent, report.failed, report.unreachable) == (0, 0, True)
        pending = {m.message_id for m in app.store.pending_outbox(NOW)}
        assert pending == {m.message_id for m in queued}


def test_an_error_on_the_thread_is_raised_in_the_intake_thread(tmp_path: Path) -> None:
    journal = tmp_path / "data" / "outbox-sent.log"

    def break_journal(_mail: ReceivedMail) -> None:
        # From the next mark of a sent mail on, the journal cannot be written.
        dangling = tmp_path / "dangling"
        dangling.symlink_to(tmp_path / "gone" / "journal.log")
        os.replace(dangling, journal)

    with SmtpSink(deliver=break_journal) as sink, app_for(tmp_path, sink.port) as app:
        committed(app, mails(PEOPLE[:1]))
        with BackgroundFlusher(app.service.outbox, app.sender, NOW) as flusher:
            flusher.kick()
            sink.wait_for(1, timeout=10)  # sent by the thread, which then cannot record it
            with pytest.raises(StoreError, match="cannot record a sent mail"):
                flusher.finish()
        assert len(sink.messages) == 1
