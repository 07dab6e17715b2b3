"""Pacing SMTP submissions to the host's limit, and a quota answer read as "later": a flood
of 300 complaints against a sink that counts like Exchange Online all goes out, none failed.

The minutes are simulated: the pacer and the sink share one clock that moves only when the
pacer sleeps (or when the daemon, idle, would sleep until its next wake). A flood that takes
half an hour of the host's time takes seconds here, and stays honest: the sink refuses, with
Exchange's 554 quota answer, any submission past its rate in the last 60 simulated seconds.
Without pacing nothing makes the clock move between submissions, so the 31st is refused;
with a quota answer taken as permanent, mails end failed."""

from __future__ import annotations

import asyncio
import email
import itertools
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from conftest import TestImap
from test_faults import complainant, complaint

from mailbot.config.load import load_config
from mailbot.daemon.app import build_app
from mailbot.daemon.runner import Daemon
from mailbot.demo.devmail import free_port
from mailbot.model import Changes, OutboundMail
from mailbot.outbound.pacing import QUOTA_BACKOFF, Pacer, next_turn, quota_answer

from e2e import Deployment
from support import ANNA, PIETER, make_settings

START = datetime.fromisoformat("2026-03-16T10:00:00+01:00")  # a Monday in office hours
QUOTA_554 = (
    "5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process "
    "message due to a permanent exception with message [BeginDiagnosticData]Cannot submit "
    "message.[EndDiagnosticData]"
)


class Sim:
    """Simulated time in seconds: the pacer's clock and sleeper, the sink's clock, and (as
    `now`) the daemon's. Only sleeping moves it."""

    def __init__(self) -> None:
        self._t = 0.0
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self._t

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._t += max(seconds, 0.0)

    def now(self) -> datetime:
        return START + timedelta(seconds=self.monotonic())

    def advance_to(self, at: datetime) -> None:
        self.sleep((at - self.now()).total_seconds())


# --- the pure parts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "held_until", "now", "turn"),
    [
        (None, float("-inf"), 100.0, 100.0),  # the first submission goes at once
        (99.0, float("-inf"), 100.0, 101.0),  # 2 s after the last one ended (30 a minute)
        (90.0, float("-inf"), 100.0, 100.0),  # long enough ago
        (99.0, 160.0, 100.0, 160.0),  # a quota hold outlasts the interval
        (None, 50.0, 100.0, 100.0),  # a hold that is over
    ],
)
def test_next_turn(last: float | None, held_until: float, now: float, turn: float) -> None:
    assert next_turn(last, held_until, now, interval=2.0) == turn


@pytest.mark.parametrize(
    ("answer", "quota"),
    [
        (QUOTA_554, True),
        ("4.5.3 Too many recipients", True),
        (
            "4.7.0 Message submission rate for this client has exceeded the configured limit"
            " (throttled)",
            True,
        ),
        (
            "5.4.5 Daily user sending limit exceeded. For more information on Gmail sending"
            " limits go to https://support.google.com/a/answer/166852",
            True,
        ),
        ("5.4.5 Daily user sending quota exceeded.", True),
        ("4.7.28 Our system has detected an unusual rate of unsolicited mail", True),
        (b"4.7.28 Gmail has detected an unusual rate", True),
        # The recipient's matter, not the host's: a full mailbox, an unknown user.
        ("5.2.2 Mailbox full", False),
        ("4.2.2 The email account that you tried to reach is over quota.", False),
        ("5.1.1 User unknown", False),
        ("4.7.0 Temporary server error. Please try again later. PRX5", False),
        ("5.7.30 Basic authentication is not supported for Client Submission.", False),
        ("", False),
    ],
)
def test_quota_answers(answer: str | bytes, quota: bool) -> None:
    assert quota_answer(answer) is quota


def test_sessions_take_turns_across_threads() -> None:
    """Three sessions sharing a pacer at 30 a minute: every submission 2 s after the one
    before, whichever session made it."""
    sim = Sim()
    pacer = Pacer(30, clock=sim.monotonic, sleep=sim.sleep)
    starts: list[float] = []

    def session() -> None:
        for _ in range(20):
            with pacer.turn(float("inf"), lambda: False) as later:
                assert later is None
                starts.append(sim.monotonic())

    threads = [threading.Thread(target=session) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(starts) == 60
    assert all(b - a >= 2.0 for a, b in itertools.pairwise(starts))
    assert starts[-1] == pytest.approx(118.0)


def test_a_quota_answer_holds_every_session_with_backoff() -> None:
    sim = Sim()
    pacer = Pacer(None, clock=sim.monotonic, sleep=sim.sleep)  # no rate: the host's word only
    stop = lambda: False  # noqa: E731
    with pacer.turn(float("inf"), stop) as later:
        assert later is None and sim.monotonic() == 0.0  # unpaced: at once
        assert pacer.hold() == QUOTA_BACKOFF.delay_for(1) == 60
    with pacer.turn(deadline=30.0, should_stop=stop) as later:
        assert later == 60.0  # after this round's end: not waited for
    assert sim.monotonic() == 0.0
    with pacer.turn(float("inf"), stop) as later:
        assert later is None and sim.monotonic() == 60.0
        assert pacer.hold() == 120  # a second answer in a row: longer
    with pacer.turn(float("inf"), stop) as later:
        assert later is None and sim.monotonic() == 180.0
    with pacer.turn(float("inf"), stop):
        pass
    with pacer.turn(float("inf"), stop):
        assert pacer.hold() == 60  # the host took mail since: from the start again


def outbound(count: int) -> list[OutboundMail]:
    """`count` mails to one person, in order."""
    return [
        OutboundMail(
            f"m{i}@mailbot.example.nl",
            None,
            "klachten@example.nl",
            "klant@example.org",
            f"Bericht {i}",
            "t",
            START,
        )
        for i in range(count)
    ]


def test_gmails_421_rate_answer_ends_the_session_and_the_mail_goes_later_once(
    tmp_path: Path,
) -> None:
    """No rate configured (Google): the host's word alone. A 421 4.7.28 closes the session;
    the mail is neither failed nor counted as the mail's attempt, nothing goes out during
    the hold, and afterwards all of it goes, in order, once."""
    sim = Sim()
    rate = "421 4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from"
    sink = QuotaSink(sim, per_minute=1000, first_answers=(rate,))
    with sink, build_app(make_settings(tmp_path, smtp_port=sink.port)) as app:
        app.service.pacer = Pacer(None, clock=sim.monotonic, sleep=sim.sleep)
        app.store.apply(Changes(outbox=outbound(3)))
        app.store.commit()
        report = app.service.flush_outbox(app.sender, sim.now())
        assert (report.sent, report.failed, report.unreachable) == (0, 0, False)
        [first, *_] = app.store.pending_outbox(sim.now())
        assert first.attempts == 0 and "421 4.7.28" in (first.last_error or "")
        assert app.service.next_outbox_attempt() == START + timedelta(seconds=60)
        assert app.service.flush_outbox(app.sender, sim.now()).sent == 0  # still held
        sim.advance_to(START + timedelta(seconds=60))
        report = app.service.flush_outbox(app.sender, sim.now())
        assert (report.sent, report.failed) == (3, 0)
    assert [str(m["Subject"]) for m in sink.received("klant@example.org")] == [
        "Bericht 0",
        "Bericht 1",
        "Bericht 2",
    ]
    assert sink.refused == [0.0]


def test_a_421_that_is_no_quota_ends_the_session_without_blaming_the_next_mail(
    tmp_path: Path,
) -> None:
    """smtplib closes the session after any 421: the mail answered so is deferred as before,
    and the next ones wait for a new session instead of failing on the closed one."""
    sim = Sim()
    sink = QuotaSink(sim, per_minute=1000, first_answers=("421 4.3.2 Service shutting down",))
    with sink, build_app(make_settings(tmp_path, smtp_port=sink.port)) as app:
        app.service.pacer = Pacer(None, clock=sim.monotonic, sleep=sim.sleep)
        app.store.apply(Changes(outbox=outbound(3)))
        app.store.commit()
        report = app.service.flush_outbox(app.sender, sim.now())
        assert (report.sent, report.deferred, report.failed) == (0, 1, 0)
        attempts = {m.message_id: m.attempts for m in app.store.outbox()}
        assert attempts == {
            "m0@mailbot.example.nl": 1,
            "m1@mailbot.example.nl": 0,
            "m2@mailbot.example.nl": 0,
        }


# --- the flood, end to end ------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    at: float
    rcpt: str
    raw: bytes


class QuotaSink:
    """An SMTP sink that counts like Exchange Online: past `per_minute` messages in the last
    60 (simulated) seconds it answers the 554 quota error and keeps nothing."""

    def __init__(self, sim: Sim, per_minute: int, first_answers: tuple[str, ...] = ()) -> None:
        self.sim = sim
        self.per_minute = per_minute
        self.first_answers = list(first_answers)  # answered before any counting
        self.host = "127.0.0.1"
        self.port = free_port(self.host)
        self.accepted: list[Accepted] = []
        self.refused: list[float] = []
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname=self.host, port=self.port)

    async def handle_DATA(self, server, session, envelope) -> str:
        now = self.sim.monotonic()
        with self._lock:
            if self.first_answers:
                self.refused.append(now)
                return self.first_answers.pop(0)
            recent = [a for a in self.accepted if a.at > now - 60]
            if len(recent) >= self.per_minute:
                self.refused.append(now)
                return f"554 {QUOTA_554}"
            self.accepted.append(Accepted(now, envelope.rcpt_tos[0], envelope.content))
        await asyncio.sleep(0)
        return "250 2.0.0 OK"

    def received(self, address: str) -> list[EmailMessage]:
        return [
            email.message_from_bytes(a.raw, policy=default)
            for a in self.accepted
            if a.rcpt == address
        ]

    def __enter__(self) -> QuotaSink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


@pytest.fixture
def dovecot(dovecot_server) -> TestImap:
    return TestImap("dovecot", dovecot_server)


@dataclass
class Flood:
    sink: QuotaSink
    sim: Sim
    outbox: dict[str, int]
    rounds: int
    seconds: float


def flood(tmp_path: Path, dovecot: TestImap, host_per_minute: int, count: int = 300) -> Flood:
    """`count` complaints in the INBOX; the daemon's rounds run on the simulated clock, idle
    time skipped to its next wake, until nothing waits. mailbot paces at 30 a minute."""
    sim = Sim()
    began = time.monotonic()
    with dovecot.client() as client:
        for n in range(count):
            client.append("INBOX", complaint(n))
    with QuotaSink(sim, host_per_minute) as sink:
        deployment = Deployment(tmp_path, dovecot, sink)
        config = deployment.config.read_text()
        config = config.replace("[smtp]\n", "[smtp]\nmax_messages_per_minute = 30\n")
        config = config.replace("[security]\n", "[security]\nmax_auto_replies_per_hour = 1000\n")
        deployment.config.write_text(config)
        with build_app(load_config(deployment.config, {})) as app:
            settings = app.settings
            assert settings.smtp.max_messages_per_minute == 30
            assert settings.smtp.connections > 1  # the pace holds across sessions together
            app.service.pacer = Pacer(30, clock=sim.monotonic, sleep=sim.sleep)
            daemon = Daemon(settings, app.service, sim, app.mailbox, app.sender)
            mailbox = app.mailbox()
            mailbox.connect()
            try:
                rounds = 0
                while rounds < 2000:
                    rounds += 1
                    daemon.cycle(mailbox)
                    statuses = [m.status for m in app.store.outbox()]
                    if "pending" not in statuses and not mailbox.pending_uids():
                        break
                    wake = app.service.next_outbox_attempt()
                    if wake is not None and wake > sim.now():
                        sim.advance_to(wake)  # the daemon would sleep until then
            finally:
                mailbox.close()
            outbox: dict[str, int] = {}
            for mail in app.store.outbox():
                outbox[mail.status] = outbox.get(mail.status, 0) + 1
    return Flood(sink, sim, outbox, rounds, time.monotonic() - began)


def check_everyone_received_their_mail(result: Flood, count: int) -> None:
    sink = result.sink
    assert result.outbox.get("failed", 0) == 0
    assert result.outbox.get("pending", 0) == 0
    assert set(result.outbox) <= {"sent"}  # sent mail leaves the outbox once committed
    tags = set()
    for n in range(count):
        [ack] = sink.received(complainant(n))  # once: nothing sent twice
        subject = str(ack["Subject"])
        assert subject.startswith("Ontvangstbevestiging van uw klacht [KL-2026-"), subject
        tags.add(subject.rpartition("[")[2])
    assert len(tags) == count  # each complainant's own case
    for person in (ANNA, PIETER):  # the contacts hear of every new case
        notices = sink.received(person)
        told = " ".join(str(m["Subject"]) for m in notices)
        assert all(f"Klacht nummer {n}" in told for n in range(count)), person
    times = [a.at for a in sink.accepted]
    assert all(sum(1 for t in times if at - 60 < t <= at) <= sink.per_minute for at in times), (
        "the host took more than its rate"
    )


def test_a_flood_is_paced_to_the_hosts_limit_and_all_of_it_is_sent(
    tmp_path: Path, dovecot: TestImap, capsys
) -> None:
    """Acceptance 7: 300 complaints, about 900 mails; the host takes 30 a minute."""
    result = flood(tmp_path, dovecot, host_per_minute=30)
    check_everyone_received_their_mail(result, 300)
    assert result.sink.refused == []  # paced: the host never had to refuse
    sent = len(result.sink.accepted)
    assert sent >= 900
    # 30 a minute, so about sent / 30 minutes of the host's time: no faster, barely slower.
    elapsed = result.sim.monotonic()
    assert (sent - 1) * 2.0 <= elapsed <= (sent - 1) * 2.0 + 600
    with capsys.disabled():
        print(
            f"\n  flood: {sent} sent, {result.outbox.get('failed', 0)} failed, "
            f"{elapsed / 60:.1f} simulated minutes, {result.rounds} rounds, "
            f"{result.seconds:.1f} s wall time"
        )


def test_a_host_stricter_than_the_setting_is_met_with_patience(
    tmp_path: Path, dovecot: TestImap, capsys
) -> None:
    """The host takes only 20 a minute though mailbot paces at 30: it answers the 554 quota
    error, every session waits, and each refused mail goes later, once. None fails."""
    result = flood(tmp_path, dovecot, host_per_minute=20, count=100)
    check_everyone_received_their_mail(result, 100)
    assert result.sink.refused  # the quota answer really came
    # Each answer held every session at least a minute: far fewer refusals than mails.
    assert len(result.sink.refused) < len(result.sink.accepted) / 5
    with capsys.disabled():
        print(
            f"\n  stricter host: {len(result.sink.accepted)} sent, "
            f"{len(result.sink.refused)} quota answers, {result.outbox.get('failed', 0)} failed, "
            f"{result.sim.monotonic() / 60:.1f} simulated minutes, "
            f"{result.seconds:.1f} s wall time"
        )
