"""Deadlines end to end: `tick` over simulated time, a daemon restarted after a deadline,
the daemon waking itself, the daily digest, and retention."""

from __future__ import annotations

import email
import threading
from datetime import datetime, timedelta
from email.policy import default
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailbot.clock import FixedClock, OffsetClock
from mailbot.daemon.app import build_app
from mailbot.daemon.runner import Daemon
from mailbot.store.store import Store

from e2e import Deployment, staff_mail
from support import ANNA, BRAM, CLIENT, COMMITTEE, PIETER

AMS = ZoneInfo("Europe/Amsterdam")
CARLA = "carla.smit@example.org"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=AMS)


@pytest.fixture
def deployment(tmp_path: Path, imap_server, smtp_sink) -> Deployment:
    return Deployment(tmp_path, imap_server, smtp_sink)


def formal_complaint(deployment: Deployment, make_mail, when: datetime) -> None:
    """An incomplete formal complaint: its acknowledgement term runs and is not met."""
    raw = make_mail(subject="Klacht over mijn coach", sender=f"Jan Jansen <{CLIENT}>",
                    to=COMMITTEE, body="Ik wil een formele klacht indienen.")  # fmt: skip
    deployment.deliver(raw)
    assert deployment.poll(when.isoformat())[0] == 0
    deployment.sink.clear()


def notices(deployment: Deployment) -> list[tuple[str, str]]:
    found = []
    for m in deployment.sink.messages:
        msg = email.message_from_bytes(m.raw, policy=default)
        found.append((m.rcpt_tos[0], msg["Subject"]))
    return sorted(found)


def test_reminders_and_overdue_alert_each_once_in_business_hours(
    deployment: Deployment, make_mail
) -> None:
    formal_complaint(deployment, make_mail, at(4, 24, 10))  # Friday; due Monday 4 May
    sent_at: dict[str, list[datetime]] = {}
    moment = at(4, 24, 11)
    while moment < at(5, 7, 12):
        before = len(deployment.sink.messages)
        code, out = deployment.cli("tick", "--at", moment.isoformat())
        assert code == 0, out
        for m in deployment.sink.messages[before:]:
            if b"Subject: Dagoverzicht" not in m.raw:  # the morning digests are tested apart
                sent_at.setdefault(m.rcpt_tos[0], []).append(moment)
        moment += timedelta(hours=1, minutes=30)

    # Each notice went out once, at the first tick in business hours at or after its moment.
    assert sent_at[BRAM] == [at(4, 30, 9, 30), at(5, 1, 9, 30), at(5, 5, 9, 30)]
    assert sent_at[CARLA] == [at(5, 1, 9, 30), at(5, 5, 9, 30)]
    assert sent_at[ANNA] == [at(5, 5, 9, 30)]
    assert PIETER not in sent_at and CLIENT not in sent_at
    for moments in sent_at.values():
        for m in moments:
            assert m.weekday() < 5 and 8 <= m.hour < 18
    subjects = [s for _, s in notices(deployment)]
    assert sum("Termijn verstreken" in s for s in subjects) == 3
    [case] = deployment.cases()
    ack = case.deadline("formal.acknowledgement")
    assert ack.escalated_at == at(5, 5, 9, 30) and ack.met_at is None


class Running:
    """A daemon in a thread, its ticks counted so a test can wait for a full cycle."""

    def __init__(self, deployment: Deployment, clock) -> None:
        self.app = build_app(deployment.settings)
        self.ticks: list[datetime] = []
        self.ticked = threading.Condition()
        original = self.app.service.tick

        def counting(now: datetime) -> int:
            queued = original(now)
            with self.ticked:
                self.ticks.append(now)
                self.ticked.notify_all()
            return queued

        self.app.service.tick = counting  # type: ignore[method-assign]
        settings = deployment.settings
        self.daemon = Daemon(settings, self.app.service, clock, self.app.mailbox, self.app.sender)
        self.thread = threading.Thread(target=self.daemon.run, daemon=True)

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def wait_ticks(self, count: int, timeout: float = 10) -> None:
        with self.ticked:
            assert self.ticked.wait_for(lambda: len(self.ticks) >= count, timeout)

    def __exit__(self, *exc: object) -> None:
        self.daemon.stop.set()
        self.thread.join(timeout=10)
        self.app.close()
        assert not self.thread.is_alive()


def test_a_daemon_started_after_the_deadline_escalates_once(
    deployment: Deployment, make_mail
) -> None:
    formal_complaint(deployment, make_mail, at(4, 24, 10))
    after = FixedClock(at(5, 6, 11))  # down from Friday until after the term ended
    with Running(deployment, after):
        deployment.sink.wait_for(5, timeout=15)  # three escalations, two morning digests
    escalations = [(to, s) for to, s in notices(deployment) if "Termijn verstreken" in s]
    assert [to for to, _ in escalations] == sorted([BRAM, CARLA, ANNA])
    digests = [to for to, s in notices(deployment) if s.startswith("Dagoverzicht")]
    assert digests == sorted([BRAM, ANNA])  # the chair and the co-owner; Pieter has no case
    deployment.sink.clear()
    # Started again: the case records say the escalation went out; nothing goes twice.
    with Running(deployment, after) as again:
        again.wait_ticks(2)
    assert deployment.sink.messages == []


def test_the_daemon_wakes_itself_for_a_deadline(
    tmp_path: Path, imap_server, smtp_sink, make_mail
) -> None:
    # IMAP is polled only every 600 s: only the waker can make the reminder go out in time.
    deployment = Deployment(tmp_path, imap_server, smtp_sink, poll_seconds=600)
    formal_complaint(deployment, make_mail, at(4, 24, 10))
    # The daemon's clock runs from 3 seconds before the chair's reminder (Thursday 08:30).
    clock = OffsetClock(at(4, 30, 8, 30) - timedelta(seconds=3))
    with Running(deployment, clock) as running:
        deployment.sink.wait_for(3, timeout=15)  # the reminder and the first morning digests
    [reminder] = [(to, s) for to, s in notices(deployment) if s.startswith("Herinnering")]
    assert reminder[0] == BRAM
    assert running.ticks[-1] >= at(4, 30, 8, 30)
    assert len(running.ticks) <= 3  # woken at the moment, not polling in a loop


def test_purge_removes_exactly_what_is_past_retention(deployment: Deployment, make_mail) -> None:
    for n in (1, 2, 3):
        deployment.deliver(make_mail(subject=f"Klacht {n}", sender=f"klant{n}@example.org",
                                     message_id=f"klacht-{n}@example.org"))  # fmt: skip
    assert deployment.poll()[0] == 0
    for n in (1, 2):
        deployment.deliver(staff_mail(ANNA, f"Re: [KL-2026-000{n}] #opgelost", "Opgelost."))
    deployment.deliver(staff_mail(ANNA, "Re: [KL-2026-0002] #bewaren", "Juridische procedure."))
    assert deployment.poll()[0] == 0
    data = deployment.settings.storage.data_dir
    files_before = sorted(p.name for p in (data / "mail").glob("*/*.eml"))
    [first] = [c for c in deployment.cases() if c.id == "KL-2026-0001"]
    first_raw = [m.sha256 for m in first.messages if m.sha256]

    code, out = deployment.cli("purge", "--at", "2027-06-01T12:00:00+02:00")
    assert (code, out.strip()) == (0, "purged 0 case(s)")  # not yet two years
    code, out = deployment.cli("purge", "--dry-run", "--at", "2028-06-01T12:00:00+02:00")
    assert (code, out.strip()) == (0, "would purge 1 case(s): KL-2026-0001")
    assert len(deployment.cases()) == 3
    assert sorted(p.name for p in (data / "mail").glob("*/*.eml")) == files_before

    code, out = deployment.cli("purge", "--at", "2028-06-01T12:00:00+02:00")
    assert (code, out.strip()) == (0, "purged 1 case(s): KL-2026-0001")
    assert [c.id for c in deployment.cases()] == ["KL-2026-0002", "KL-2026-0003"]
    left = {p.stem for p in (data / "mail").glob("*/*.eml")}
    assert not left & set(first_raw)
    assert len(left) == len(files_before) - len(first_raw)
    processed = deployment.imap.messages("Processed")
    assert not any(b"klacht-1@example.org" in raw for raw in processed)
    assert any(b"klacht-2@example.org" in raw for raw in processed)
    with Store.open(data, readonly=True) as store:
        [row] = store.stats()
        assert store.next_case_id("KL", 2026) == "KL-2026-0004"  # the number stays used
    assert row["id"] == "KL-2026-0001" and row["track"] == "direct"
    assert row["deadlines"]["direct.resolution"] == "met"
    assert "klant1" not in str(row)  # anonymous


def test_digests_go_out_once_each_working_morning(deployment: Deployment, make_mail) -> None:
    formal_complaint(deployment, make_mail, at(4, 24, 10))
    for moment in (at(4, 25, 9), at(4, 27, 9), at(4, 28, 7), at(4, 28, 9), at(4, 28, 15)):
        assert deployment.cli("tick", "--at", moment.isoformat())[0] == 0
    digests = [(to, s) for to, s in notices(deployment) if s.startswith("Dagoverzicht")]
    # Saturday 25 April and King's Day (27 April) are no working days; 07:00 is too early.
    assert [to for to, _ in digests] == sorted([ANNA, BRAM])
    assert all("28 april 2026" in s for _, s in digests)


def test_the_yearly_analysis_is_mailed_in_the_second_week_of_january(
    deployment: Deployment, make_mail, tmp_path: Path
) -> None:
    formal_complaint(deployment, make_mail, at(4, 24, 10))
    code, out = deployment.cli(
        "report", "--year", "2026", "--out", str(tmp_path / "r"), "--at", at(5, 4, 9).isoformat()
    )
    assert "report-2026.html" in out
    assert code == 0
    html = (tmp_path / "r" / "report-2026.html").read_text()
    assert "<svg" in html and "KL-2026-0001" in (tmp_path / "r" / "report-2026.csv").read_text()
    january = datetime(2027, 1, 11, 9, 0, tzinfo=AMS)  # Monday of the second week
    for moment in (datetime(2027, 1, 4, 9, 0, tzinfo=AMS), january, january + timedelta(hours=2)):
        assert deployment.cli("tick", "--at", moment.isoformat())[0] == 0
    reports = [(to, s) for to, s in notices(deployment) if "Jaaranalyse" in s]
    assert sorted(to for to, _ in reports) == sorted([ANNA, BRAM])
    report = next(
        email.message_from_bytes(m.raw, policy=default)
        for m in deployment.sink.messages
        if b"Jaaranalyse" in m.raw
    )
    names = [p.get_filename() for p in report.iter_attachments()]
    assert "report-2026.html" in names and "report-2026.csv" in names
