"""No one outbox entry stops the outbox (issue 12 item 1): an internationalised address, a
complaint nested 300 MIME levels deep, any error while composing or sending one mail. End to
end on Dovecot with an aiosmtpd sink that offers SMTPUTF8 or not."""

from __future__ import annotations

import email
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from email.message import Message
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from conftest import TestImap
from test_faults import complainant, complaint, deliver, wait_for_ack

from mailbot.backoff import Backoff
from mailbot.cli.samples import sample_case
from mailbot.clock import OffsetClock
from mailbot.daemon.app import App, build_app
from mailbot.daemon.runner import Daemon
from mailbot.demo.devmail import ReceivedMail, SmtpSink, _Handler
from mailbot.errors import AddressNotSupported
from mailbot.inbound.imap import ImapMailbox
from mailbot.model import Case, Changes, OutboundMail
from mailbot.outbound import sending
from mailbot.outbound.smtp import SmtpSender
from mailbot.store.store import Store

from e2e import Deployment, staff_mail
from support import ANNA, BRAM, OPERATOR, PIETER, make_settings

DATA = Path(__file__).parent / "data" / "outbox"
JORG = "jörg@example.de"
KEES = "kees.visser@example.org"
CARLA = "carla.smit@example.org"
AT = "2026-03-16T09:00:00+01:00"
NOW = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


# --- an SMTP sink that offers SMTPUTF8 or not, and records each mail's MAIL options ----------


class _OptionsHandler(_Handler):
    async def handle_DATA(self, server, session, envelope) -> str:
        sink = self._sink
        assert isinstance(sink, OptionsSink)
        sink.options[tuple(envelope.rcpt_tos)] = tuple(envelope.mail_options)
        return await super().handle_DATA(server, session, envelope)


class OptionsSink(SmtpSink):
    """The test sink with SMTPUTF8 on or off (aiosmtpd's Controller offers it by default)."""

    def __init__(self, smtputf8: bool) -> None:
        super().__init__()
        self.smtputf8 = smtputf8
        self.options: dict[tuple[str, ...], tuple[str, ...]] = {}

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(
                _OptionsHandler(self),
                hostname=self.host,
                port=self.port,
                server_hostname="devmail.localhost",
                enable_SMTPUTF8=self.smtputf8,
            )
            self._controller.start()


@pytest.fixture
def dovecot(dovecot_server) -> TestImap:
    return TestImap("dovecot", dovecot_server)


def deployment(tmp_path: Path, imap: TestImap, smtputf8: bool) -> Iterator[Deployment]:
    with OptionsSink(smtputf8) as sink:
        yield Deployment(tmp_path, imap, sink)


@pytest.fixture
def with_smtputf8(tmp_path: Path, dovecot: TestImap) -> Iterator[Deployment]:
    yield from deployment(tmp_path, dovecot, smtputf8=True)


@pytest.fixture
def without_smtputf8(tmp_path: Path, dovecot: TestImap) -> Iterator[Deployment]:
    yield from deployment(tmp_path, dovecot, smtputf8=False)


def parsed(mail: ReceivedMail) -> Message:
    return email.message_from_bytes(mail.raw, policy=default)


def to(dep: Deployment, address: str) -> list[Message]:
    return [parsed(m) for m in dep.sink.messages if address in m.rcpt_tos]


def text(msg: Message) -> str:
    body = msg.get_body(("plain",))
    assert body is not None
    return body.get_content()


def outbox(dep: Deployment) -> list[OutboundMail]:
    with Store.open(dep.settings.storage.data_dir, readonly=True) as store:
        return store.outbox()


def case_of(dep: Deployment, address: str) -> str:
    [case] = [c for c in dep.cases() if c.complainant.email == address]
    return case.id


ORDINARY = range(1, 4)


def assert_ordinary_acknowledged(dep: Deployment) -> None:
    for n in ORDINARY:
        tag = f"[{case_of(dep, complainant(n))}]"
        [ack] = to(dep, complainant(n))
        assert tag in str(ack["Subject"])


def poll_with_jorg(dep: Deployment, failed: int) -> None:
    """Jörg's complaint amid ordinary ones, one poll-once: it exits 0 and every ordinary
    complainant is acknowledged."""
    deliver(dep.imap, [complaint(1), sample("complaint_internationalised_address.eml")])
    deliver(dep.imap, [complaint(n) for n in ORDINARY[1:]])
    code, out = dep.poll(AT)
    assert code == 0 and f"failed {failed}" in out and "waiting 0" in out, out
    assert_ordinary_acknowledged(dep)


# --- an internationalised address -----------------------------------------------------------


def test_an_internationalised_address_goes_out_with_smtputf8_where_the_server_offers_it(
    with_smtputf8: Deployment,
) -> None:
    dep = with_smtputf8
    poll_with_jorg(dep, failed=0)

    [ack] = to(dep, JORG)
    assert f"[{case_of(dep, JORG)}]" in str(ack["Subject"])
    assert ack["To"] == JORG  # raw UTF-8 (RFC 6532), not an encoded word
    [received] = [m for m in dep.sink.messages if m.rcpt_tos == (JORG,)]
    assert f"\r\nTo: {JORG}\r\n".encode() in received.raw
    assert "SMTPUTF8" in dep.sink.options[(JORG,)]
    assert "SMTPUTF8" not in dep.sink.options[(complainant(1),)]  # only where it is needed
    assert "Jörg Müller" in text(ack)


def test_without_smtputf8_the_address_fails_with_its_reason_staff_and_operator_told(
    without_smtputf8: Deployment,
) -> None:
    dep = without_smtputf8
    poll_with_jorg(dep, failed=1)
    assert to(dep, JORG) == []

    [failed] = [m for m in outbox(dep) if m.to == JORG]
    assert failed.status == "failed"
    assert "SMTPUTF8" in (failed.last_error or "") and JORG in (failed.last_error or "")

    case_id = case_of(dep, JORG)
    for person in (ANNA, PIETER):  # the staff of the case, told once each
        [notice] = [m for m in to(dep, person) if JORG in str(m["Subject"])]
        assert str(notice["Subject"]) == f"Per e-mail niet bereikbaar: {JORG} [{case_id}]"
        body = text(notice)
        assert "internationaal e-mailadres" in body
        assert "de klager is per e-mail niet te bereiken" in body
        assert "op een andere manier contact op (telefoon of brief)" in body
    [alert] = to(dep, OPERATOR)
    assert str(alert["Subject"]) == "mailbot: 1 outgoing mail(s) could not be sent"
    assert JORG in text(alert) and case_id in text(alert) and "SMTPUTF8" in text(alert)

    # Later runs do not try it again, and do not stop either.
    sent = len(dep.sink.messages)
    code, out = dep.poll("2026-03-16T11:00:00+01:00")
    assert code == 0 and "sent 0, waiting 0, failed 0" in out, out
    assert len(dep.sink.messages) == sent


def test_the_daemon_stays_up_after_an_internationalised_address_fails(
    without_smtputf8: Deployment,
) -> None:
    dep = without_smtputf8
    dep.settings = replace(dep.settings, imap=replace(dep.settings.imap, poll_seconds=600))
    app = build_app(dep.settings)
    errors: list[BaseException] = []
    daemon = Daemon(
        dep.settings,
        app.service,
        OffsetClock(datetime(2026, 3, 15, 3, 0, tzinfo=UTC)),  # a Sunday night: no digest
        lambda: ImapMailbox(dep.settings.imap),
        app.sender,
        imap_backoff=Backoff(initial=0.2, maximum=1.0),
    )

    def run() -> None:
        try:
            daemon.run()
        except BaseException as exc:  # the daemon's thread must not end this way
            errors.append(exc)

    deliver(dep.imap, [sample("complaint_internationalised_address.eml"), complaint(1)])
    thread = threading.Thread(target=run, name="mailbot-daemon", daemon=True)
    thread.start()
    try:
        wait_for_ack(dep.sink, complainant(1), 30)
        wait_for_ack(dep.sink, OPERATOR, 30)  # the failure was recorded, and the daemon went on
        assert thread.is_alive(), errors
        deliver(dep.imap, [complaint(2)])  # IDLE wakes it: mail still flows
        wait_for_ack(dep.sink, complainant(2), 30)
        assert thread.is_alive(), errors
    finally:
        daemon.stop.set()
        thread.join(timeout=15)
        app.close()
    assert errors == []
    assert not thread.is_alive()
    assert [len(to(dep, complainant(n))) for n in (1, 2)] == [1, 1]
    assert to(dep, JORG) == []
    assert len(to(dep, OPERATOR)) == 1


def test_a_server_without_smtputf8_refuses_nothing_on_the_wire_and_the_session_goes_on(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    with OptionsSink(smtputf8=False) as sink:
        sender = SmtpSender(replace(settings.smtp, port=sink.port))
        with sender:
            with pytest.raises(AddressNotSupported, match="does not offer SMTPUTF8") as caught:
                sender.send("klachten@example.nl", JORG, b"Subject: x\r\n\r\nx\r\n")
            assert caught.value.permanent
            sender.send("klachten@example.nl", complainant(1), b"Subject: y\r\n\r\ny\r\n")
    assert [m.rcpt_tos for m in sink.messages] == [(complainant(1),)]


# --- a complaint nested 300 MIME levels deep --------------------------------------------------


def with_original(dep: Deployment, member: str) -> list[ReceivedMail]:
    """The mails to `member` that carry an original mail (the case file)."""
    return [
        m
        for m in dep.sink.messages
        if member in m.rcpt_tos
        and any(p.get_content_type() == "message/rfc822" for p in parsed(m).iter_attachments())
    ]


def assert_original_attached(case_file: ReceivedMail, raw: bytes) -> None:
    """The original byte for byte, and still readable as the complaint it was."""
    assert raw in case_file.raw
    msg = parsed(case_file)  # only looked at: writing it out again would recurse too deep
    [original] = [p for p in msg.iter_attachments() if p.get_filename() == "01-origineel.eml"]
    assert original.get_content_type() == "message/rfc822"
    [complaint] = original.get_payload()
    assert complaint["Message-ID"] == "<klacht-diep@example.org>"


def test_a_300_level_nested_complaint_reaches_the_committee_in_the_case_file(
    with_smtputf8: Deployment,
) -> None:
    dep = with_smtputf8
    raw = sample("complaint_nested_300.eml")
    deliver(dep.imap, [raw])
    code, out = dep.poll(AT)
    assert code == 0 and "1 new case" in out, out
    case_id = case_of(dep, KEES)

    # #formeel while another complaint comes in: both handled in one run.
    deliver(dep.imap, [staff_mail(ANNA, f"Re: [{case_id}] #formeel"), complaint(1)])
    code, out = dep.poll("2026-03-16T10:00:00+01:00")
    assert code == 0 and "failed 0" in out and "waiting 0" in out, out
    for member in (BRAM, CARLA):
        [case_file] = with_original(dep, member)
        assert_original_attached(case_file, raw)
    [ack] = to(dep, complainant(1))
    assert f"[{case_of(dep, complainant(1))}]" in str(ack["Subject"])


def test_a_300_level_nested_formal_complaint_left_incomplete_is_escalated_with_its_original(
    with_smtputf8: Deployment,
) -> None:
    dep = with_smtputf8
    raw = sample("complaint_nested_300.eml").replace(
        b"To: klachten@example.nl", b"To: klachtencommissie@example.nl"
    )
    deliver(dep.imap, [raw])
    code, out = dep.poll(AT)
    assert code == 0 and "1 new case" in out, out
    [case] = dep.cases()
    assert (case.track, case.stage) == ("formal", "incomplete")
    dep.sink.clear()

    # No one acts: the acknowledgement term ends, the committee gets the case file.
    code, out = dep.cli("tick", "--at", "2026-03-24T09:00:00+01:00")
    assert code == 0 and "waiting 0" in out, out
    for member in (BRAM, CARLA):
        [escalation] = with_original(dep, member)
        assert_original_attached(escalation, raw)


# --- any error in one mail ------------------------------------------------------------------


def composing_fails_for(monkeypatch: pytest.MonkeyPatch, bad: str, exc: BaseException) -> None:
    """compose raises `exc` for the mail with Message-ID `bad` only."""
    real = sending.compose

    def compose(mail: OutboundMail, *args: object, **kwargs: object) -> bytes:
        if mail.message_id == bad:
            raise exc
        return real(mail, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sending, "compose", compose)


def case_mails(count: int) -> tuple[Case, list[OutboundMail]]:
    """The sample case and one mail of it to each of `count` complainants."""
    case = sample_case()
    return case, [
        OutboundMail(f"r{n}@mailbot.example.nl", case.id, "klachten@example.nl", p, "s", "t", NOW)
        for n, p in enumerate(complainant(n) for n in range(1, count + 1))
    ]


@contextmanager
def queued(tmp_path: Path, sink: SmtpSink, case: Case, mails: list[OutboundMail]) -> Iterator[App]:
    """An app sending to `sink`, with the case and its mails committed."""
    with build_app(make_settings(tmp_path, smtp_port=sink.port)) as app:
        app.store.apply(Changes(cases=[case], outbox=mails))
        app.store.commit()
        yield app


@pytest.mark.parametrize(
    "exc",
    [
        RuntimeError("boom"),
        RecursionError("maximum recursion depth exceeded"),
        UnicodeEncodeError("ascii", "jörg", 1, 2, "ordinal not in range(128)"),
        KeyError("missing"),
        FileNotFoundError(2, "No such file or directory"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_an_error_composing_one_mail_fails_that_mail_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    case, mails = case_mails(6)
    people = [m.to for m in mails]
    bad = mails[2]
    composing_fails_for(monkeypatch, bad.message_id, exc)
    with SmtpSink() as sink, queued(tmp_path, sink, case, mails) as app:
        report = app.service.flush_outbox(app.sender, NOW)
        assert (report.sent, report.failed, report.deferred) == (5, 1, 0)
        [failed] = [m for m in app.store.outbox() if m.message_id == bad.message_id]
        assert failed.status == "failed"
        assert (failed.last_error or "").startswith(f"could not be sent: {type(exc).__name__}")
        stored = app.store.get_case(case.id)
        assert stored is not None
        assert [m.to for m in stored.messages if m.kind == "bounce"] == [(bad.to,)]
        told = app.service.flush_outbox(app.sender, NOW)  # the notices of the failure
        assert told.failed == 0 and app.store.pending_outbox(NOW) == []
    received = {m.rcpt_tos[0]: parsed(m) for m in sink.messages}
    assert set(people) - set(received) == {bad.to}
    alert = received[OPERATOR]
    assert bad.message_id in text(alert) and type(exc).__name__ in text(alert)
    staff = [r for r in received if r not in people and r != OPERATOR]
    assert staff and all(
        str(received[r]["Subject"]).startswith(f"Mail niet bezorgd bij {bad.to}") for r in staff
    )


def test_a_failure_that_cannot_be_recorded_on_its_case_stops_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case, mails = case_mails(3)
    composing_fails_for(monkeypatch, mails[0].message_id, RuntimeError("boom"))

    def transition(*args: object) -> None:
        raise KeyError("a case the procedure cannot take")

    monkeypatch.setattr(sending, "transition", transition)
    with SmtpSink() as sink, queued(tmp_path, sink, case, mails) as app:
        report = app.service.flush_outbox(app.sender, NOW)
        assert (report.sent, report.failed) == (2, 1)
        [failed] = [m for m in app.store.outbox() if m.message_id == mails[0].message_id]
        assert failed.status == "failed"
        assert app.service.flush_outbox(app.sender, NOW).sent == 1  # the alert
    [alert] = [parsed(m) for m in sink.messages if m.rcpt_tos == (OPERATOR,)]
    assert "RuntimeError: boom; not recorded on the case: KeyError" in text(alert)


def test_eight_bit_content_is_declared_where_the_server_offers_8bitmime(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    sink = OptionsSink(smtputf8=False)
    with sink, SmtpSender(replace(settings.smtp, port=sink.port)) as sender:
        sender.send("klachten@example.nl", complainant(1), b"Subject: a\r\n\r\n\xc3\xa9\r\n")
        sender.send("klachten@example.nl", complainant(2), b"Subject: b\r\n\r\ne\r\n")
    assert "BODY=8BITMIME" in sink.options[(complainant(1),)]
    assert "BODY=8BITMIME" not in sink.options[(complainant(2),)]
